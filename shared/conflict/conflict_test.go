package conflict_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/conflict"
	"github.com/tredjepart/tredjepart/shared/grant"
	"github.com/tredjepart/tredjepart/shared/ingest"
	"github.com/tredjepart/tredjepart/shared/problem"
	"github.com/tredjepart/tredjepart/shared/webhook"
)

var errStale = errors.New("stale")

func TestRetryStopsAtTheFirstAnswerThatIsNoLostRace(t *testing.T) {
	calls := 0
	err := conflict.Retry(errStale, func() error {
		if calls++; calls < 3 {
			return errStale
		}
		return nil
	})
	if err != nil || calls != 3 {
		t.Fatalf("%d calls, %v", calls, err)
	}
	other := errors.New("other")
	calls = 0
	if err := conflict.Retry(errStale, func() error { calls++; return other }); err != other || calls != 1 {
		t.Fatalf("%d calls, %v", calls, err)
	}
}

func TestRetryGivesUpWithTheLostRace(t *testing.T) {
	calls := 0
	err := conflict.Retry(errStale, func() error { calls++; return errStale })
	if !errors.Is(err, errStale) || calls != conflict.Attempts {
		t.Fatalf("%d calls, %v", calls, err)
	}
}

// Every lost race a store reports is a 409 that tells the caller to try
// again, wherever it surfaces (API, page, ingest item), and wrapped too.
func TestEveryLostRaceIsAConflictToReadAgain(t *testing.T) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, stale := range []error{webhook.ErrStale, grant.ErrStale, accessrequest.ErrStale, ingest.ErrConflict} {
		for _, err := range []error{stale, fmt.Errorf("put: %w", stale)} {
			doc := problem.From(context.Background(), quiet, err, "/x")
			if doc.Status != http.StatusConflict || !strings.Contains(doc.Detail, "again") {
				t.Errorf("%v: %d %q", err, doc.Status, doc.Detail)
			}
		}
	}
}
