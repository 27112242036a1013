// Package consumption is a rule: the third-party portal's consumption view of one
// metering point: the span a user chose (a day by hour, a month by day or a
// year by month), the aggregated meter values flattened into rows, and those
// rows drawn as an SVG bar chart or written as CSV or JSON.
//
// All times are Oslo times and days are Oslo civil days, so a daylight saving
// day has 23 or 25 hourly rows. Quantities stay decimals; only bar heights
// handed to gonum/plot become floats.
package consumption

import (
	"fmt"
	"time"

	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/oslo"
)

// View is the span the user chose.
type View string

const (
	Day   View = "day"   // one Oslo day by hour
	Month View = "month" // one calendar month by day
	Year  View = "year"  // one calendar year by month
)

// ParseView reads view ("day", "month" or "year"; empty means Day) and date
// ("2006-01-02": the day, or any day in the month or year). It returns the
// date as midnight Oslo, or one fault.InvalidFields error naming "view",
// "date" or both.
func ParseView(view, date string) (View, time.Time, error) {
	var bad []fault.FieldError
	v := View(view)
	switch v {
	case "":
		v = Day
	case Day, Month, Year:
	default:
		bad = append(bad, fault.FieldError{Field: "view", Reason: `must be "day", "month" or "year"`})
	}
	d, err := time.ParseInLocation(time.DateOnly, date, oslo.Oslo)
	// The round trip rejects anything time.Parse tolerates beyond the layout.
	if err != nil || d.Format(time.DateOnly) != date {
		bad = append(bad, fault.FieldError{Field: "date", Reason: "must be a date such as 2026-03-29"})
	}
	if len(bad) > 0 {
		return "", time.Time{}, fault.InvalidFields(bad...)
	}
	return v, d, nil
}

// Span is the Oslo period a view covers and the aggregation it asks for:
// Day is [midnight, next midnight) hourly, Month is [1st, 1st of next month)
// daily and Year is [1 January, 1 January next year) monthly. Previous and
// Next are the starts of the neighbouring spans, for navigation links.
type Span struct {
	View        View
	From, To    time.Time // in Oslo; To is exclusive
	Aggregation metervalues.Aggregation
	Previous    time.Time
	Next        time.Time
}

// SpanOf returns the span of view v that contains date's Oslo day. An empty v
// means Day; any other unknown view is a programming error (use ParseView)
// and panics.
func SpanOf(v View, date time.Time) Span {
	d := metervalues.Date(date)
	y, m, _ := d.Date()
	switch v {
	case "", Day:
		return Span{View: Day, From: d, To: d.AddDate(0, 0, 1), Aggregation: metervalues.Hourly,
			Previous: d.AddDate(0, 0, -1), Next: d.AddDate(0, 0, 1)}
	case Month:
		from := time.Date(y, m, 1, 0, 0, 0, 0, oslo.Oslo)
		return Span{View: Month, From: from, To: from.AddDate(0, 1, 0), Aggregation: metervalues.Daily,
			Previous: from.AddDate(0, -1, 0), Next: from.AddDate(0, 1, 0)}
	case Year:
		from := time.Date(y, time.January, 1, 0, 0, 0, 0, oslo.Oslo)
		return Span{View: Year, From: from, To: from.AddDate(1, 0, 0), Aggregation: metervalues.Monthly,
			Previous: from.AddDate(-1, 0, 0), Next: from.AddDate(1, 0, 0)}
	}
	panic(fmt.Sprintf("consumption.SpanOf: unknown view %q", v))
}

// Slots returns the start of every bar the span has, data or not: 23, 24 or
// 25 hours for a day, 28 to 31 days for a month, 12 months for a year. The
// last slot ends at s.To.
func (s Span) Slots() []time.Time {
	var slots []time.Time
	for i := 0; ; i++ {
		var t time.Time
		switch s.View {
		case Month:
			t = s.From.AddDate(0, 0, i)
		case Year:
			t = s.From.AddDate(0, i, 0)
		default:
			t = s.From.Add(time.Duration(i) * time.Hour).In(oslo.Oslo)
		}
		if !t.Before(s.To) {
			return slots
		}
		slots = append(slots, t)
	}
}
