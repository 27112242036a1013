package conflict_test

import (
	"errors"
	"testing"

	"github.com/tredjepart/tredjepart/shared/conflict"
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
