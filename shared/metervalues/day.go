package metervalues

import (
	"time"

	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/oslo"
)

// DayLayout is how a day is written: "2026-03-29".
const DayLayout = time.DateOnly

// Date returns midnight Europe/Oslo of the Oslo calendar day containing t.
func Date(t time.Time) time.Time {
	y, m, d := t.In(oslo.Oslo).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, oslo.Oslo)
}

// ParseDay reads a day written as "2026-03-29" and returns its midnight in
// Oslo, or a fault.InvalidFields error on field "day".
func ParseDay(s string) (time.Time, error) {
	t, err := time.ParseInLocation(DayLayout, s, oslo.Oslo)
	// The round trip rejects anything time.Parse tolerates beyond the layout.
	if err != nil || t.Format(DayLayout) != s {
		return time.Time{}, fault.InvalidFields(fault.FieldError{Field: "day", Reason: "must be a date such as 2026-03-29"})
	}
	return t, nil
}

// SlotsOn returns how many positions the Oslo day containing day has at r:
// 23, 24 or 25 hourly and 92, 96 or 100 quarter-hourly, as daylight saving
// time makes the day 23, 24 or 25 hours long. It is 0 for an unknown
// resolution.
func SlotsOn(day time.Time, r Resolution) int {
	step := r.Step()
	if step == 0 {
		return 0
	}
	d := Date(day) // in Oslo, so that AddDate follows the Oslo clock
	return int(d.AddDate(0, 0, 1).Sub(d) / step)
}
