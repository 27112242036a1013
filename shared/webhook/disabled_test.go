package webhook_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/webhook"
)

// untouchable is a store any call to which panics (its Store is nil): a
// push to a disabled third party must not even read the endpoint.
type untouchable struct{ webhook.Store }

type parties map[ident.GLN]registry.ThirdParty

func (p parties) ThirdParty(_ context.Context, gln ident.GLN) (registry.ThirdParty, bool, error) {
	tp, ok := p[gln]
	return tp, ok, nil
}

type failingParties struct{ err error }

func (f failingParties) ThirdParty(context.Context, ident.GLN) (registry.ThirdParty, bool, error) {
	return registry.ThirdParty{}, false, f.err
}

func TestADisabledThirdPartyIsPushedNothing(t *testing.T) {
	tp := ident.GLN("7080005051286")
	svc := &webhook.Service{
		Store:        untouchable{},
		ThirdParties: parties{tp: {GLN: tp, Disabled: true}},
		Clock:        clock.System{},
		Logger:       slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	m := webhook.Message{ThirdParty: tp, DocumentID: "doc-1", Attempt: 1, FirstTry: time.Now(), NotBefore: time.Now()}
	if err := svc.Dispatch(context.Background(), m); err != nil {
		t.Fatalf("Dispatch to a disabled third party: %v, want nil (the outbox keeps the document)", err)
	}

	lookupFailed := errors.New("registry unavailable")
	svc.ThirdParties = failingParties{lookupFailed}
	if err := svc.Dispatch(context.Background(), m); !errors.Is(err, lookupFailed) {
		t.Fatalf("Dispatch when the registry cannot be read: %v, want the read's error (SQS retries)", err)
	}

	svc.ThirdParties = nil
	if err := svc.Dispatch(context.Background(), m); err == nil {
		t.Fatal("Dispatch without ThirdParties pushed without checking")
	}
}
