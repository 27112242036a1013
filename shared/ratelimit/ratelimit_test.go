package ratelimit

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/tredjepart/tredjepart/shared/fault"
)

func TestParsePolicy(t *testing.T) {
	for text, want := range map[string]Policy{
		"20/10s":   {Limit: 20, Window: 10 * time.Second},
		"120/1m":   {Limit: 120, Window: time.Minute},
		"1000/10s": {Limit: 1000, Window: 10 * time.Second},
	} {
		got, err := ParsePolicy(text)
		if err != nil || got != want {
			t.Errorf("%q: %+v, %v; want %+v", text, got, err, want)
		}
		if got.String() != text {
			t.Errorf("%+v reads back as %q, want %q", got, got.String(), text)
		}
	}
	for _, bad := range []string{"", "20", "20/", "/10s", "0/10s", "-1/10s", "20/0s", "20/1500ms", "20/-10s", "x/10s", "20/25h"} {
		if p, err := ParsePolicy(bad); err == nil {
			t.Errorf("%q is accepted as %+v", bad, p)
		}
	}
}

func TestWindowsAreFixedAndAlignedToTheEpoch(t *testing.T) {
	p := Policy{Limit: 20, Window: 10 * time.Second}
	at := time.Date(2026, 12, 5, 14, 0, 3, 250_000_000, time.UTC)
	start, left := p.WindowAt(at)
	if want := time.Date(2026, 12, 5, 14, 0, 0, 0, time.UTC); !start.Equal(want) || left != 6750*time.Millisecond {
		t.Errorf("window at %v: starts %v with %v left; want %v and 6.75s", at, start, left, want)
	}
	start, left = p.WindowAt(time.Date(2026, 12, 5, 14, 0, 10, 0, time.UTC))
	if start.Second() != 10 || left != 10*time.Second {
		t.Errorf("a window's first instant belongs to it: %v, %v left", start, left)
	}
	if start, _ := (Policy{Limit: 1, Window: 7 * time.Second}).WindowAt(at); start.Unix()%7 != 0 {
		t.Errorf("a 7 s window starts at %v, not on a multiple of 7 s since the epoch", start)
	}
	_, left = p.WindowAt(time.Date(2026, 12, 5, 14, 0, 19, 999_999_999, time.UTC))
	if left != time.Nanosecond {
		t.Errorf("the last instant of a window has %v left", left)
	}
}

// counter is a Counter over a map, failing when err is set.
type counter struct {
	counts map[string]int
	err    error
	keys   []string
	expire []time.Time
}

func (c *counter) Take(_ context.Context, key string, windowStart, expires time.Time, limit int) (int, bool, error) {
	if c.err != nil {
		return 0, false, c.err
	}
	k := key + "@" + windowStart.Format(time.RFC3339)
	c.keys, c.expire = append(c.keys, k), append(c.expire, expires)
	if c.counts[k] >= limit {
		return c.counts[k], false, nil
	}
	c.counts[k]++
	return c.counts[k], true, nil
}

type fixedClock struct{ t time.Time }

func (c *fixedClock) Now() time.Time { return c.t }

func TestTheCallAfterTheLimitIsRefusedUntilTheWindowEnds(t *testing.T) {
	c := &counter{counts: map[string]int{}}
	clk := &fixedClock{time.Date(2026, 12, 5, 14, 0, 3, 0, time.UTC)}
	l := &Limiter{Policy: Policy{Limit: 3, Window: 10 * time.Second}, Counter: c, Clock: clk, Logger: slog.Default()}
	for i := 1; i <= 3; i++ {
		d := l.Take(context.Background(), "client-a")
		if !d.Allowed || !d.Counted || d.Remaining != 3-i || d.Reset != 7*time.Second || d.Err() != nil {
			t.Fatalf("call %d: %+v", i, d)
		}
	}
	d := l.Take(context.Background(), "client-a")
	if d.Allowed || d.Remaining != 0 || d.Reset != 7*time.Second {
		t.Fatalf("call 4: %+v", d)
	}
	var e *fault.Error
	if err := d.Err(); !errors.As(err, &e) || e.Kind != fault.TooManyRequests || e.RetryAfter != 7*time.Second || !strings.Contains(e.Detail, "3 calls") {
		t.Fatalf("call 4's error: %#v", err)
	}
	if d := l.Take(context.Background(), "client-b"); !d.Allowed || d.Remaining != 2 {
		t.Errorf("another client shares the count: %+v", d)
	}
	clk.t = clk.t.Add(7 * time.Second) // the next window
	if d := l.Take(context.Background(), "client-a"); !d.Allowed || d.Remaining != 2 || d.Reset != 10*time.Second {
		t.Errorf("the next window: %+v", d)
	}
	if want := time.Date(2026, 12, 5, 14, 0, 20, 0, time.UTC); !c.expire[len(c.expire)-1].Equal(want) {
		t.Errorf("the counter expires at %v, want the window's end %v", c.expire[len(c.expire)-1], want)
	}
}

func TestAFailingCounterLetsTheCallThroughAndIsLogged(t *testing.T) {
	var log bytes.Buffer
	l := &Limiter{Policy: Policy{Limit: 1, Window: time.Minute}, Counter: &counter{err: errors.New("ProvisionedThroughputExceededException")},
		Clock: &fixedClock{time.Unix(1_800_000_000, 0)}, Logger: slog.New(slog.NewTextHandler(&log, nil))}
	for range 3 {
		if d := l.Take(context.Background(), "client-a"); !d.Allowed || d.Counted || d.Err() != nil {
			t.Fatalf("a failed count refused the call: %+v", d)
		}
	}
	if !strings.Contains(log.String(), "ProvisionedThroughputExceededException") || !strings.Contains(log.String(), "client-a") {
		t.Errorf("the failure was not logged: %s", log.String())
	}
}

func TestACallWithoutAClientIsNotCounted(t *testing.T) {
	c := &counter{counts: map[string]int{}}
	l := &Limiter{Policy: Policy{Limit: 1, Window: time.Minute}, Counter: c, Clock: &fixedClock{time.Unix(1_800_000_000, 0)}, Logger: slog.Default()}
	if d := l.Take(context.Background(), ""); !d.Allowed || d.Counted || len(c.keys) != 0 {
		t.Errorf("%+v, keys %v", d, c.keys)
	}
}
