package metervalues

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/ident"
)

// Series is one metering point's values for one Oslo day. Position p
// (1-based) is Quantities[p-1].
type Series struct {
	MeteringPoint ident.GSRN
	Day           time.Time // midnight Europe/Oslo
	Resolution    Resolution
	Quantities    []Quantity
	Revision      int // 1 for the first submission; each correction raises it
	ReceivedAt    time.Time
}

// maxAgeYears is how far back a day may be submitted.
const maxAgeYears = 3

// Validate checks a submitted series against the rules and returns one
// fault.InvalidFields error listing every bad field, or nil. Field names
// index Quantities from 0, as in the submitted JSON array:
// "quantities[3].quantity" is position 4.
//
// MeteringPoint, Revision and ReceivedAt are not checked: the GSRN type is
// parsed on the way in, and the other two are set by the server.
func (s Series) Validate(now time.Time) error {
	var bad []fault.FieldError
	add := func(field, reason string) {
		bad = append(bad, fault.FieldError{Field: field, Reason: reason})
	}

	dayOK := false
	today := Date(now)
	switch {
	case s.Day.IsZero():
		add("day", "is required")
	case !s.Day.Equal(Date(s.Day)):
		add("day", "must be midnight Europe/Oslo")
	case s.Day.After(today):
		add("day", "must not be in the future")
	case s.Day.Equal(today):
		add("day", "must have ended; submit today's values tomorrow")
	case s.Day.Before(today.AddDate(-maxAgeYears, 0, 0)):
		add("day", fmt.Sprintf("must be at most %d years back", maxAgeYears))
		dayOK = true // the count can still be checked
	default:
		dayOK = true
	}

	resolutionOK := s.Resolution.Step() != 0
	if !resolutionOK {
		add("resolution", resolutionReason)
	}

	if dayOK && resolutionOK {
		if want := SlotsOn(s.Day, s.Resolution); len(s.Quantities) != want {
			add("quantities", countReason(s.Day, s.Resolution, want, len(s.Quantities)))
		}
	}

	for i, q := range s.Quantities {
		if reason := quantityReason(q.Value); reason != "" {
			add(fmt.Sprintf("quantities[%d].quantity", i), reason)
		}
		if q.Quality.rank() < 0 {
			add(fmt.Sprintf("quantities[%d].quality", i), qualityReason)
		}
	}

	if len(bad) > 0 {
		return fault.InvalidFields(bad...)
	}
	return nil
}

// countReason explains the expected count, naming daylight saving time when it
// is the reason the count is not the usual one: that is the mistake a sender
// makes.
func countReason(day time.Time, r Resolution, want, got int) string {
	date := Date(day).Format(DayLayout)
	normal := int(24 * time.Hour / r.Step())
	dst := ""
	switch {
	case want < normal:
		dst = " (daylight saving time starts that day, so it has 23 hours)"
	case want > normal:
		dst = " (daylight saving time ends that day, so it has 25 hours)"
	}
	return fmt.Sprintf("must have %d values for %s on %s%s, got %d", want, r, date, dst, got)
}

// Interval returns the UTC instants at which position starts and ends. It
// steps in elapsed time from midnight, which is right across DST; position is
// not checked against the series' length.
func (s Series) Interval(position int) (start, end time.Time) {
	step := s.Resolution.Step()
	start = Date(s.Day).Add(time.Duration(position-1) * step).UTC()
	return start, start.Add(step)
}

// Total returns the exact sum of the series' quantities.
func (s Series) Total() decimal.Decimal {
	total := decimal.Zero
	for _, q := range s.Quantities {
		total = total.Add(q.Value)
	}
	return total
}

// SameValues reports whether o carries the same resolution, quantities and
// qualities: a retry that changes nothing, and so needs no new revision.
// Quantities compare by value, so 1.5 and 1.500 are the same.
func (s Series) SameValues(o Series) bool {
	if s.Resolution != o.Resolution || len(s.Quantities) != len(o.Quantities) {
		return false
	}
	for i, q := range s.Quantities {
		if q.Quality != o.Quantities[i].Quality || !q.Value.Equal(o.Quantities[i].Value) {
			return false
		}
	}
	return true
}
