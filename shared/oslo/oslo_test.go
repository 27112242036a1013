package oslo

import (
	"fmt"
	"testing"
	"time"
)

func osloTime(year int, month time.Month, day, hour, minute int) time.Time {
	return time.Date(year, month, day, hour, minute, 0, 0, Oslo)
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestWeekdayHolidays pins every Monday–Friday that is not a business day,
// for whole years, so that a missing holiday, an extra one (say Christmas
// Eve or New Year's Eve) or a wrong Easter date all fail.
func TestWeekdayHolidays(t *testing.T) {
	tests := []struct {
		year int
		want []string
	}{
		// Easter Sunday 5 April; 17 May and 26 December are weekend days.
		{2026, []string{"01-01", "04-02", "04-03", "04-06", "05-01", "05-14", "05-25", "12-25"}},
		// Easter Sunday 28 March; Whit Monday is 17 May; 1 May, 25 and 26 December are weekend days.
		{2027, []string{"01-01", "03-25", "03-26", "03-29", "05-06", "05-17"}},
		// Easter Sunday 16 April; 1 January is a Saturday.
		{2028, []string{"04-13", "04-14", "04-17", "05-01", "05-17", "05-25", "06-05", "12-25", "12-26"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.year), func(t *testing.T) {
			var got []string
			for d := osloTime(tt.year, time.January, 1, 12, 0); d.Year() == tt.year; d = d.AddDate(0, 0, 1) {
				if d.Weekday() != time.Saturday && d.Weekday() != time.Sunday && !IsBusinessDay(d) {
					got = append(got, d.Format("01-02"))
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("weekdays that are not business days in %d:\n got %v\nwant %v", tt.year, got, tt.want)
			}
		})
	}
}

func TestIsBusinessDay(t *testing.T) {
	tests := []struct {
		name string
		t    time.Time
		want bool
	}{
		{"ordinary Wednesday", osloTime(2026, time.January, 14, 12, 0), true},
		{"Saturday", osloTime(2026, time.January, 17, 12, 0), false},
		{"Sunday", osloTime(2026, time.January, 18, 12, 0), false},
		{"Christmas Eve 2026, a Thursday", osloTime(2026, time.December, 24, 12, 0), true},
		{"New Year's Eve 2026, a Thursday", osloTime(2026, time.December, 31, 12, 0), true},
		{"Christmas Day 2026, a Friday", osloTime(2026, time.December, 25, 12, 0), false},
		{"Wednesday before Easter 2027", osloTime(2027, time.March, 24, 12, 0), true},
		{"Sunday 23:30 UTC is Monday in Oslo", utc("2026-01-04T23:30:00Z"), true},
		{"Friday 23:30 UTC is Saturday in Oslo", utc("2026-01-09T23:30:00Z"), false},
		{"31 December 23:30 UTC is New Year's Day in Oslo", utc("2026-12-31T23:30:00Z"), false},
		{"Monday midnight Oslo, still Sunday in UTC", utc("2026-06-07T22:00:00Z"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsBusinessDay(tt.t); got != tt.want {
				t.Errorf("IsBusinessDay(%s) = %v, want %v", tt.t.In(Oslo).Format("Mon 2006-01-02 15:04 MST"), got, tt.want)
			}
		})
	}
}

func TestAddBusinessDays(t *testing.T) {
	tests := []struct {
		name string
		from time.Time
		n    int
		want time.Time
	}{
		{"next day", osloTime(2026, time.January, 12, 15, 0), 1, osloTime(2026, time.January, 13, 0, 0)},
		{"Friday to Monday", osloTime(2026, time.January, 16, 15, 0), 1, osloTime(2026, time.January, 19, 0, 0)},
		{"over Easter 2027", osloTime(2027, time.March, 24, 15, 0), 1, osloTime(2027, time.March, 30, 0, 0)},
		{"three over Easter 2027", osloTime(2027, time.March, 24, 15, 0), 3, osloTime(2027, time.April, 1, 0, 0)},
		{"into summer time", osloTime(2026, time.March, 27, 15, 0), 1, osloTime(2026, time.March, 30, 0, 0)},
		{"ten", osloTime(2026, time.January, 12, 15, 0), 10, osloTime(2026, time.January, 26, 0, 0)},
		{"UTC input on the next Oslo day", utc("2026-01-12T23:30:00Z"), 1, osloTime(2026, time.January, 14, 0, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := AddBusinessDays(tt.from, tt.n)
			if !got.Equal(tt.want) || got.Location() != Oslo {
				t.Errorf("AddBusinessDays(%s, %d) = %s, want %s", tt.from, tt.n, got, tt.want)
			}
		})
	}
}

func TestAddBusinessDaysPanicsBelowOne(t *testing.T) {
	for _, n := range []int{0, -1} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("AddBusinessDays(_, %d) did not panic", n)
				}
			}()
			AddBusinessDays(osloTime(2026, time.January, 12, 15, 0), n)
		})
	}
}

func TestFormatUTC(t *testing.T) {
	tests := []struct {
		name string
		t    time.Time
		want string
	}{
		{"Oslo summer midnight", osloTime(2027, time.April, 2, 0, 0), "2027-04-01T22:00:00Z"},
		{"Oslo winter midnight", osloTime(2027, time.January, 2, 0, 0), "2027-01-01T23:00:00Z"},
		{"fractional seconds are truncated", time.Date(2027, time.April, 1, 22, 0, 0, 999_999_999, time.UTC), "2027-04-01T22:00:00Z"},
		{"already UTC", time.Date(2026, time.December, 31, 23, 59, 59, 0, time.UTC), "2026-12-31T23:59:59Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FormatUTC(tt.t); got != tt.want {
				t.Errorf("FormatUTC(%s) = %q, want %q", tt.t, got, tt.want)
			}
		})
	}
}
