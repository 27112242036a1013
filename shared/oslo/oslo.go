// Package oslo is a rule: the time zone in which Tredjepart counts days
// (Europe/Oslo) and the Norwegian business-day calendar.
package oslo

import (
	"fmt"
	"time"
	_ "time/tzdata" // Europe/Oslo must load even where the OS has no zoneinfo, e.g. a minimal Lambda image.

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/no"
)

// Oslo is Europe/Oslo, the time zone in which days are counted.
var Oslo = mustLoadLocation("Europe/Oslo")

// calendar counts Monday–Friday except Norwegian public holidays. The
// holidays are listed one by one rather than taken from no.Holidays, so that
// an upstream addition (say Christmas Eve) cannot silently move deadlines.
// It is never written after this point and caching stays off (the cache is an
// unguarded map), so it is safe for concurrent use.
var calendar = func() *cal.BusinessCalendar {
	c := cal.NewBusinessCalendar()
	c.AddHoliday(
		no.FoersteNyttaarsdag,   // New Year's Day
		no.Skjaertorsdag,        // Maundy Thursday
		no.Langfredag,           // Good Friday
		no.AndrePaaskedag,       // Easter Monday
		no.Arbeiderenesdag,      // 1 May
		no.Kristihimmelfartsdag, // Ascension Day
		no.Grunnlovsdag,         // 17 May
		no.AndrePinsedag,        // Whit Monday
		no.FoersteJuledag,       // Christmas Day
		no.AndreJuledag,         // Boxing Day
	)
	return c
}()

// IsBusinessDay reports whether t falls, in Oslo, on a business day.
func IsBusinessDay(t time.Time) bool {
	return isBusinessDate(osloDate(t))
}

// AddBusinessDays returns midnight in Oslo at the start of the n-th business
// day after t's date in Oslo. It panics if n < 1, which is a programming
// error.
func AddBusinessDays(t time.Time, n int) time.Time {
	if n < 1 {
		panic(fmt.Sprintf("oslo.AddBusinessDays: n must be at least 1, got %d", n))
	}
	return osloMidnight(nthBusinessDateAfter(osloDate(t), n))
}

// FormatUTC formats t as RFC 3339 in UTC with a literal Z and whole seconds
// (fractions are truncated), e.g. "2027-04-01T22:00:00Z": the form Step
// Functions' Wait state accepts in TimestampPath.
func FormatUTC(t time.Time) string {
	return t.UTC().Truncate(time.Second).Format("2006-01-02T15:04:05Z")
}

// osloDate returns t's calendar date in Oslo as midnight UTC. Dates are
// stepped in UTC, which has no daylight-saving gaps, and converted back to
// Oslo only at the end.
func osloDate(t time.Time) time.Time {
	y, m, d := t.In(Oslo).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// osloMidnight returns the start of date's calendar day in Oslo. Midnight
// always exists there: clocks change at 02:00 and 03:00.
func osloMidnight(date time.Time) time.Time {
	y, m, d := date.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, Oslo)
}

func isBusinessDate(date time.Time) bool { return calendar.IsWorkday(date) }

func nthBusinessDateAfter(date time.Time, n int) time.Time {
	for n > 0 {
		date = date.AddDate(0, 0, 1)
		if isBusinessDate(date) {
			n--
		}
	}
	return date
}

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err) // cannot happen: time/tzdata is embedded
	}
	return loc
}
