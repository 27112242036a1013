package stdwebhook

import (
	"testing"
	"time"
)

func TestNextAttemptSchedule(t *testing.T) {
	first := time.Date(2027, 3, 24, 10, 0, 0, 0, time.UTC)
	want := []time.Duration{
		0,
		1 * time.Minute,
		6 * time.Minute,
		36 * time.Minute,
		2*time.Hour + 36*time.Minute,
		7*time.Hour + 36*time.Minute,
		17*time.Hour + 36*time.Minute,
		27*time.Hour + 36*time.Minute,
		41*time.Hour + 36*time.Minute,
		61*time.Hour + 36*time.Minute,
		72 * time.Hour,
	}
	prev := time.Time{}
	for attempt, w := range want {
		at, ok := NextAttempt(attempt, first)
		if !ok || !at.Equal(first.Add(w)) {
			t.Fatalf("after attempt %d: %s %v, want +%s", attempt, at.Sub(first), ok, w)
		}
		if !at.After(prev) && attempt > 0 {
			t.Fatalf("schedule not increasing at %d", attempt)
		}
		prev = at
	}
	for _, attempt := range []int{len(want), len(want) + 1, 100} {
		if _, ok := NextAttempt(attempt, first); ok {
			t.Fatalf("attempt %d: window should be over", attempt)
		}
	}
	if at, _ := NextAttempt(len(want)-1, first); at.Sub(first) != RetryWindow {
		t.Fatalf("last attempt at +%s", at.Sub(first))
	}
}
