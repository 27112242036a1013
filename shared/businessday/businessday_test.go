package businessday

import (
	"fmt"
	"testing"
	"time"
)

func oslo(year int, month time.Month, day, hour, minute int) time.Time {
	return time.Date(year, month, day, hour, minute, 0, 0, Oslo)
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestExpiresAt(t *testing.T) {
	tests := []struct {
		name     string
		received time.Time
		want     string // 24:00 Oslo: 22:00Z in summer time, 23:00Z in winter time
	}{
		// Ordinary weeks.
		{"Monday: Tue, Wed, Thu", oslo(2026, time.January, 12, 10, 0), "2026-01-15T23:00:00Z"},
		{"Friday: Mon, Tue, Wed", oslo(2026, time.January, 16, 10, 0), "2026-01-21T23:00:00Z"},
		{"Saturday: Mon, Tue, Wed", oslo(2026, time.January, 17, 10, 0), "2026-01-21T23:00:00Z"},
		{"Sunday: Mon, Tue, Wed", oslo(2026, time.January, 18, 10, 0), "2026-01-21T23:00:00Z"},
		{"Monday just after midnight still counts from Tuesday", oslo(2026, time.January, 12, 0, 1), "2026-01-15T23:00:00Z"},

		// Near midnight: the Oslo date decides, not the UTC date.
		{"Monday 23:59 Oslo in winter counts from Tuesday", oslo(2026, time.January, 12, 23, 59), "2026-01-15T23:00:00Z"},
		{"Monday 23:30 UTC in winter is Tuesday in Oslo", utc("2026-01-12T23:30:00Z"), "2026-01-16T23:00:00Z"},
		{"Monday 22:59 UTC in winter is still Monday in Oslo", utc("2026-01-12T22:59:59Z"), "2026-01-15T23:00:00Z"},
		{"Monday 21:59 UTC in summer is still Monday in Oslo", utc("2026-06-08T21:59:59Z"), "2026-06-11T22:00:00Z"},
		{"Monday 22:00 UTC in summer is Tuesday in Oslo", utc("2026-06-08T22:00:00Z"), "2026-06-12T22:00:00Z"},
		{"received in another time zone", time.Date(2026, time.January, 12, 17, 30, 0, 0, time.FixedZone("UTC-7", -7*3600)), "2026-01-16T23:00:00Z"},

		// Easter 2026: Maundy Thursday 2 April, Good Friday 3, Easter Monday 6.
		{"Easter 2026: Tuesday before: Wed, Tue, Wed", oslo(2026, time.March, 31, 12, 0), "2026-04-08T22:00:00Z"},
		{"Easter 2026: Wednesday before: Tue, Wed, Thu", oslo(2026, time.April, 1, 12, 0), "2026-04-09T22:00:00Z"},
		{"Easter 2026: on Good Friday: Tue, Wed, Thu", oslo(2026, time.April, 3, 12, 0), "2026-04-09T22:00:00Z"},
		// Easter 2027: Maundy Thursday 25 March, Good Friday 26, Easter Monday 29.
		{"Easter 2027: Wednesday before: Tue, Wed, Thu", oslo(2027, time.March, 24, 12, 0), "2027-04-01T22:00:00Z"},
		{"Easter 2027: on Easter Monday: Tue, Wed, Thu", oslo(2027, time.March, 29, 12, 0), "2027-04-01T22:00:00Z"},

		// 1 May.
		{"1 May 2026 is a Friday: Mon, Tue, Wed", oslo(2026, time.April, 30, 12, 0), "2026-05-06T22:00:00Z"},
		{"1 May 2028 is a Monday: Tue, Wed, Thu", oslo(2028, time.April, 28, 12, 0), "2028-05-04T22:00:00Z"},

		// Ascension Day: Thursday 14 May 2026, 6 May 2027.
		{"Ascension Day 2026: Wed, Fri, Mon", oslo(2026, time.May, 12, 12, 0), "2026-05-18T22:00:00Z"},
		{"Ascension Day 2027: Fri, Mon, Tue", oslo(2027, time.May, 5, 12, 0), "2027-05-11T22:00:00Z"},

		// 17 May and Whit Monday.
		{"17 May 2026 is a Sunday: no extra day off", oslo(2026, time.May, 15, 12, 0), "2026-05-20T22:00:00Z"},
		{"Whit Monday 2026 (25 May): Tue, Wed, Thu", oslo(2026, time.May, 22, 12, 0), "2026-05-28T22:00:00Z"},
		{"17 May 2027 is also Whit Monday: Tue, Wed, Thu", oslo(2027, time.May, 14, 12, 0), "2027-05-20T22:00:00Z"},
		{"17 May 2028 is a Wednesday: Thu, Fri, Mon", oslo(2028, time.May, 16, 12, 0), "2028-05-22T22:00:00Z"},

		// Christmas 2026: 24 and 31 December are business days.
		{"Christmas 2026: 23 Dec: Thu 24, Mon 28, Tue 29", oslo(2026, time.December, 23, 12, 0), "2026-12-29T23:00:00Z"},
		{"Christmas 2026: Christmas Eve: Mon 28, Tue 29, Wed 30", oslo(2026, time.December, 24, 12, 0), "2026-12-30T23:00:00Z"},
		{"Christmas 2026: 29 Dec: Wed 30, Thu 31, Mon 4 Jan", oslo(2026, time.December, 29, 12, 0), "2027-01-04T23:00:00Z"},
		{"New Year's Eve 2026: Mon 4, Tue 5, Wed 6 Jan", oslo(2026, time.December, 31, 23, 59), "2027-01-06T23:00:00Z"},

		// Summer time starts Sunday 29 March 2026 (02:00 → 03:00).
		{"spring 2026: expiry on the last winter-time day", oslo(2026, time.March, 24, 12, 0), "2026-03-27T23:00:00Z"},
		{"spring 2026: expiry on the first weekday of summer time", oslo(2026, time.March, 25, 12, 0), "2026-03-30T22:00:00Z"},
		{"spring 2026: received in winter time, expires in summer time", oslo(2026, time.March, 26, 12, 0), "2026-03-31T22:00:00Z"},
		{"spring 2026: received on the day of the change", oslo(2026, time.March, 29, 3, 30), "2026-04-01T22:00:00Z"},
		// Winter time starts Sunday 25 October 2026 (03:00 → 02:00).
		{"autumn 2026: expiry on the last summer-time day", oslo(2026, time.October, 20, 12, 0), "2026-10-23T22:00:00Z"},
		{"autumn 2026: expiry on the first weekday of winter time", oslo(2026, time.October, 21, 12, 0), "2026-10-26T23:00:00Z"},
		{"autumn 2026: received in summer time, expires in winter time", oslo(2026, time.October, 22, 12, 0), "2026-10-27T23:00:00Z"},
		{"autumn 2026: received in the repeated hour", utc("2026-10-25T01:30:00Z"), "2026-10-28T23:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ExpiresAt(tt.received)
			if FormatUTC(got) != tt.want {
				t.Errorf("ExpiresAt(%s) = %s, want %s", tt.received.In(Oslo).Format("Mon 2006-01-02 15:04 MST"), FormatUTC(got), tt.want)
			}
			if got.Location() != time.UTC {
				t.Errorf("ExpiresAt returned location %v, want UTC", got.Location())
			}
		})
	}
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
			for d := oslo(tt.year, time.January, 1, 12, 0); d.Year() == tt.year; d = d.AddDate(0, 0, 1) {
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
		{"ordinary Wednesday", oslo(2026, time.January, 14, 12, 0), true},
		{"Saturday", oslo(2026, time.January, 17, 12, 0), false},
		{"Sunday", oslo(2026, time.January, 18, 12, 0), false},
		{"Christmas Eve 2026, a Thursday", oslo(2026, time.December, 24, 12, 0), true},
		{"New Year's Eve 2026, a Thursday", oslo(2026, time.December, 31, 12, 0), true},
		{"Christmas Day 2026, a Friday", oslo(2026, time.December, 25, 12, 0), false},
		{"Wednesday before Easter 2027", oslo(2027, time.March, 24, 12, 0), true},
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
		{"next day", oslo(2026, time.January, 12, 15, 0), 1, oslo(2026, time.January, 13, 0, 0)},
		{"Friday to Monday", oslo(2026, time.January, 16, 15, 0), 1, oslo(2026, time.January, 19, 0, 0)},
		{"over Easter 2027", oslo(2027, time.March, 24, 15, 0), 1, oslo(2027, time.March, 30, 0, 0)},
		{"three over Easter 2027", oslo(2027, time.March, 24, 15, 0), 3, oslo(2027, time.April, 1, 0, 0)},
		{"into summer time", oslo(2026, time.March, 27, 15, 0), 1, oslo(2026, time.March, 30, 0, 0)},
		{"ten", oslo(2026, time.January, 12, 15, 0), 10, oslo(2026, time.January, 26, 0, 0)},
		{"UTC input on the next Oslo day", utc("2026-01-12T23:30:00Z"), 1, oslo(2026, time.January, 14, 0, 0)},
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
			AddBusinessDays(oslo(2026, time.January, 12, 15, 0), n)
		})
	}
}

func TestFormatUTC(t *testing.T) {
	tests := []struct {
		name string
		t    time.Time
		want string
	}{
		{"Oslo summer midnight", oslo(2027, time.April, 2, 0, 0), "2027-04-01T22:00:00Z"},
		{"Oslo winter midnight", oslo(2027, time.January, 2, 0, 0), "2027-01-01T23:00:00Z"},
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

// TestExpiresAtProperties checks the rule's invariants for a receipt time
// every 47 minutes (so every minute of the day is hit in turn) over six
// years, which crosses every holiday and both daylight-saving changes.
func TestExpiresAtProperties(t *testing.T) {
	const step = 47 * time.Minute
	end := utc("2031-01-01T00:00:00Z")
	for received := utc("2025-01-01T00:00:00Z"); received.Before(end); received = received.Add(step) {
		expires := ExpiresAt(received)
		local := expires.In(Oslo)
		describe := func() string {
			return fmt.Sprintf("received %s, expires %s", received.In(Oslo).Format(time.RFC3339), local.Format(time.RFC3339))
		}

		if local.Hour() != 0 || local.Minute() != 0 || local.Second() != 0 || local.Nanosecond() != 0 {
			t.Fatalf("not at midnight in Oslo: %s", describe())
		}
		if wait := expires.Sub(received); wait <= 3*24*time.Hour || wait > 10*24*time.Hour {
			t.Fatalf("waits %s, want between 3 and 10 days: %s", wait, describe())
		}
		lastDay := local.AddDate(0, 0, -1)
		if !IsBusinessDay(lastDay) {
			t.Fatalf("the day before expiry is not a business day: %s", describe())
		}
		// Exactly three business days lie strictly between the day of
		// receipt and the expiry instant.
		businessDays := 0
		for d := AddBusinessDays(received, 1); d.Before(expires); d = AddBusinessDays(d, 1) {
			businessDays++
		}
		if businessDays != 3 {
			t.Fatalf("%d business days before expiry, want 3: %s", businessDays, describe())
		}
	}
}
