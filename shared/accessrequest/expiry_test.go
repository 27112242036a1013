package accessrequest

import (
	"fmt"
	"testing"
	"time"

	"github.com/tredjepart/tredjepart/shared/oslo"
)

func osloTime(year int, month time.Month, day, hour, minute int) time.Time {
	return time.Date(year, month, day, hour, minute, 0, 0, oslo.Oslo)
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
		want     string // 24:00 oslo.Oslo: 22:00Z in summer time, 23:00Z in winter time
	}{
		// Ordinary weeks.
		{"Monday: Tue, Wed, Thu", osloTime(2026, time.January, 12, 10, 0), "2026-01-15T23:00:00Z"},
		{"Friday: Mon, Tue, Wed", osloTime(2026, time.January, 16, 10, 0), "2026-01-21T23:00:00Z"},
		{"Saturday: Mon, Tue, Wed", osloTime(2026, time.January, 17, 10, 0), "2026-01-21T23:00:00Z"},
		{"Sunday: Mon, Tue, Wed", osloTime(2026, time.January, 18, 10, 0), "2026-01-21T23:00:00Z"},
		{"Monday just after midnight still counts from Tuesday", osloTime(2026, time.January, 12, 0, 1), "2026-01-15T23:00:00Z"},

		// Near midnight: the oslo.Oslo date decides, not the UTC date.
		{"Monday 23:59 oslo.Oslo in winter counts from Tuesday", osloTime(2026, time.January, 12, 23, 59), "2026-01-15T23:00:00Z"},
		{"Monday 23:30 UTC in winter is Tuesday in oslo.Oslo", utc("2026-01-12T23:30:00Z"), "2026-01-16T23:00:00Z"},
		{"Monday 22:59 UTC in winter is still Monday in oslo.Oslo", utc("2026-01-12T22:59:59Z"), "2026-01-15T23:00:00Z"},
		{"Monday 21:59 UTC in summer is still Monday in oslo.Oslo", utc("2026-06-08T21:59:59Z"), "2026-06-11T22:00:00Z"},
		{"Monday 22:00 UTC in summer is Tuesday in oslo.Oslo", utc("2026-06-08T22:00:00Z"), "2026-06-12T22:00:00Z"},
		{"received in another time zone", time.Date(2026, time.January, 12, 17, 30, 0, 0, time.FixedZone("UTC-7", -7*3600)), "2026-01-16T23:00:00Z"},

		// Easter 2026: Maundy Thursday 2 April, Good Friday 3, Easter Monday 6.
		{"Easter 2026: Tuesday before: Wed, Tue, Wed", osloTime(2026, time.March, 31, 12, 0), "2026-04-08T22:00:00Z"},
		{"Easter 2026: Wednesday before: Tue, Wed, Thu", osloTime(2026, time.April, 1, 12, 0), "2026-04-09T22:00:00Z"},
		{"Easter 2026: on Good Friday: Tue, Wed, Thu", osloTime(2026, time.April, 3, 12, 0), "2026-04-09T22:00:00Z"},
		// Easter 2027: Maundy Thursday 25 March, Good Friday 26, Easter Monday 29.
		{"Easter 2027: Wednesday before: Tue, Wed, Thu", osloTime(2027, time.March, 24, 12, 0), "2027-04-01T22:00:00Z"},
		{"Easter 2027: on Easter Monday: Tue, Wed, Thu", osloTime(2027, time.March, 29, 12, 0), "2027-04-01T22:00:00Z"},

		// 1 May.
		{"1 May 2026 is a Friday: Mon, Tue, Wed", osloTime(2026, time.April, 30, 12, 0), "2026-05-06T22:00:00Z"},
		{"1 May 2028 is a Monday: Tue, Wed, Thu", osloTime(2028, time.April, 28, 12, 0), "2028-05-04T22:00:00Z"},

		// Ascension Day: Thursday 14 May 2026, 6 May 2027.
		{"Ascension Day 2026: Wed, Fri, Mon", osloTime(2026, time.May, 12, 12, 0), "2026-05-18T22:00:00Z"},
		{"Ascension Day 2027: Fri, Mon, Tue", osloTime(2027, time.May, 5, 12, 0), "2027-05-11T22:00:00Z"},

		// 17 May and Whit Monday.
		{"17 May 2026 is a Sunday: no extra day off", osloTime(2026, time.May, 15, 12, 0), "2026-05-20T22:00:00Z"},
		{"Whit Monday 2026 (25 May): Tue, Wed, Thu", osloTime(2026, time.May, 22, 12, 0), "2026-05-28T22:00:00Z"},
		{"17 May 2027 is also Whit Monday: Tue, Wed, Thu", osloTime(2027, time.May, 14, 12, 0), "2027-05-20T22:00:00Z"},
		{"17 May 2028 is a Wednesday: Thu, Fri, Mon", osloTime(2028, time.May, 16, 12, 0), "2028-05-22T22:00:00Z"},

		// Christmas 2026: 24 and 31 December are business days.
		{"Christmas 2026: 23 Dec: Thu 24, Mon 28, Tue 29", osloTime(2026, time.December, 23, 12, 0), "2026-12-29T23:00:00Z"},
		{"Christmas 2026: Christmas Eve: Mon 28, Tue 29, Wed 30", osloTime(2026, time.December, 24, 12, 0), "2026-12-30T23:00:00Z"},
		{"Christmas 2026: 29 Dec: Wed 30, Thu 31, Mon 4 Jan", osloTime(2026, time.December, 29, 12, 0), "2027-01-04T23:00:00Z"},
		{"New Year's Eve 2026: Mon 4, Tue 5, Wed 6 Jan", osloTime(2026, time.December, 31, 23, 59), "2027-01-06T23:00:00Z"},

		// Summer time starts Sunday 29 March 2026 (02:00 → 03:00).
		{"spring 2026: expiry on the last winter-time day", osloTime(2026, time.March, 24, 12, 0), "2026-03-27T23:00:00Z"},
		{"spring 2026: expiry on the first weekday of summer time", osloTime(2026, time.March, 25, 12, 0), "2026-03-30T22:00:00Z"},
		{"spring 2026: received in winter time, expires in summer time", osloTime(2026, time.March, 26, 12, 0), "2026-03-31T22:00:00Z"},
		{"spring 2026: received on the day of the change", osloTime(2026, time.March, 29, 3, 30), "2026-04-01T22:00:00Z"},
		// Winter time starts Sunday 25 October 2026 (03:00 → 02:00).
		{"autumn 2026: expiry on the last summer-time day", osloTime(2026, time.October, 20, 12, 0), "2026-10-23T22:00:00Z"},
		{"autumn 2026: expiry on the first weekday of winter time", osloTime(2026, time.October, 21, 12, 0), "2026-10-26T23:00:00Z"},
		{"autumn 2026: received in summer time, expires in winter time", osloTime(2026, time.October, 22, 12, 0), "2026-10-27T23:00:00Z"},
		{"autumn 2026: received in the repeated hour", utc("2026-10-25T01:30:00Z"), "2026-10-28T23:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ExpiresAt(tt.received)
			if oslo.FormatUTC(got) != tt.want {
				t.Errorf("ExpiresAt(%s) = %s, want %s", tt.received.In(oslo.Oslo).Format("Mon 2006-01-02 15:04 MST"), oslo.FormatUTC(got), tt.want)
			}
			if got.Location() != time.UTC {
				t.Errorf("ExpiresAt returned location %v, want UTC", got.Location())
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
		local := expires.In(oslo.Oslo)
		describe := func() string {
			return fmt.Sprintf("received %s, expires %s", received.In(oslo.Oslo).Format(time.RFC3339), local.Format(time.RFC3339))
		}

		if local.Hour() != 0 || local.Minute() != 0 || local.Second() != 0 || local.Nanosecond() != 0 {
			t.Fatalf("not at midnight in oslo.Oslo: %s", describe())
		}
		if wait := expires.Sub(received); wait <= 3*24*time.Hour || wait > 10*24*time.Hour {
			t.Fatalf("waits %s, want between 3 and 10 days: %s", wait, describe())
		}
		lastDay := local.AddDate(0, 0, -1)
		if !oslo.IsBusinessDay(lastDay) {
			t.Fatalf("the day before expiry is not a business day: %s", describe())
		}
		// Exactly three business days lie strictly between the day of
		// receipt and the expiry instant.
		businessDays := 0
		for d := oslo.AddBusinessDays(received, 1); d.Before(expires); d = oslo.AddBusinessDays(d, 1) {
			businessDays++
		}
		if businessDays != 3 {
			t.Fatalf("%d business days before expiry, want 3: %s", businessDays, describe())
		}
	}
}
