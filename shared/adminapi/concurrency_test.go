package adminapi_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/tredjepart/tredjepart/shared/adminapi"
	"github.com/tredjepart/tredjepart/shared/conflict/conflicttest"
	"github.com/tredjepart/tredjepart/shared/registry"
)

const writers = 16

// together runs call from writers goroutines at once and checks that each
// succeeded or answered a conflict; it returns how many succeeded.
func together(t *testing.T, call func(i int) error) int {
	t.Helper()
	return conflicttest.ExpectSuccessOrConflict(t, conflicttest.Together(writers, call))
}

// Operators changing one third party at once, with and without the version
// they read: every change succeeds or is a conflict, each success is one
// write, and of those made on one version read only one succeeds.
func TestConcurrentThirdPartyUpdates(t *testing.T) { onEach(t, concurrentThirdPartyUpdates) }

func concurrentThirdPartyUpdates(t *testing.T, h *adminapi.Handler) {
	svc := h.Service
	ctx := context.Background()
	gln, org, client := freshParty(t)
	tp := registry.ThirdParty{GLN: gln, Name: "Samtidig AS", OrgNumber: org, ClientIDs: []string{client}}
	if _, err := svc.RegisterThirdParty(ctx, tp); err != nil {
		t.Fatal(err)
	}
	version := func() int {
		t.Helper()
		current, err := svc.ThirdParty(ctx, gln)
		if err != nil {
			t.Fatal(err)
		}
		return current.Version
	}

	blind := together(t, func(i int) error {
		change := tp
		change.Name = fmt.Sprintf("Samtidig %d AS", i)
		_, err := svc.UpdateThirdParty(ctx, change)
		return err
	})
	if got := version(); blind == 0 || got != 1+blind {
		t.Errorf("%d updates without a version succeeded; stored version %d", blind, got)
	}

	read := version()
	onRead := together(t, func(i int) error {
		change := tp
		change.Name, change.Version = fmt.Sprintf("Lest %d AS", i), read
		_, err := svc.UpdateThirdParty(ctx, change)
		return err
	})
	if got := version(); onRead != 1 || got != read+1 {
		t.Errorf("%d updates on version %d succeeded; stored version %d", onRead, read, got)
	}

	read = version()
	toggles := together(t, func(i int) error {
		_, err := svc.SetThirdPartyDisabled(ctx, gln, i%2 == 0)
		return err
	})
	if got := version(); toggles == 0 || got > read+toggles {
		t.Errorf("%d disables and enables succeeded; version went from %d to %d", toggles, read, got)
	}
}
