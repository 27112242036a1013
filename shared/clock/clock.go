// Package clock is support: it gives production code its time through an injected Clock, so
// that local runs and tests can replay dated scenarios.
package clock

import (
	"fmt"
	"time"
)

// Clock tells the time.
type Clock interface {
	Now() time.Time
}

// System is the real clock.
type System struct{}

// Now returns the current time.
func (System) Now() time.Time { return time.Now() }

// Shifted runs at real speed but starts from a chosen instant: the local
// stack's NOW=… setting.
type Shifted struct {
	offset time.Duration
}

// StartingAt returns a clock that reads start now and advances in real time.
func StartingAt(start time.Time) Shifted {
	return Shifted{offset: time.Until(start)}
}

// Now returns the shifted time.
func (s Shifted) Now() time.Time { return time.Now().Add(s.offset) }

// Offset is how far this clock runs ahead of the real one.
func (s Shifted) Offset() time.Duration { return s.offset }

// ByOffset returns a clock running offset ahead of the real one; processes
// started at different moments share a shifted clock this way.
func ByOffset(offset time.Duration) Shifted { return Shifted{offset: offset} }

// OffsetEnv names the environment variable that, on the local stack only,
// runs functions' clocks that far from real time (e.g. 2831h12m5s).
const OffsetEnv = "CLOCK_OFFSET"

// FromOffset reads an OffsetEnv value; empty is real time.
func FromOffset(value string) (Shifted, error) {
	if value == "" {
		return Shifted{}, nil
	}
	offset, err := time.ParseDuration(value)
	if err != nil {
		return Shifted{}, fmt.Errorf("%s: %w", OffsetEnv, err)
	}
	return ByOffset(offset), nil
}

// ToWallClock converts an instant on this clock to the real clock, which is
// what emulators such as a Step Functions Wait state compare against.
func (s Shifted) ToWallClock(t time.Time) time.Time { return t.Add(-s.offset) }

// FromEnv returns the system clock when value is empty, and otherwise a clock
// starting at value (RFC 3339, e.g. 2027-03-24T10:00:00+01:00).
func FromEnv(value string) (Shifted, error) {
	if value == "" {
		return Shifted{}, nil
	}
	start, err := time.Parse(time.RFC3339, value)
	if err != nil {
		return Shifted{}, fmt.Errorf("NOW must be an RFC 3339 time such as 2027-03-24T10:00:00+01:00: %w", err)
	}
	return StartingAt(start), nil
}
