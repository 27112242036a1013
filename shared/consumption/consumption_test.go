package consumption

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/oslo"
)

const mp = ident.GSRN("707057500000000018")

func osloTime(y int, m time.Month, d, h int) time.Time {
	return time.Date(y, m, d, h, 0, 0, 0, oslo.Oslo)
}

// day returns a series for the Oslo day d with every slot filled: quantity
// position·0.137 + 0.001 kWh, so sums carry three decimals, and quality q.
func day(d time.Time, r metervalues.Resolution, q metervalues.Quality) metervalues.Series {
	n := metervalues.SlotsOn(d, r)
	qs := make([]metervalues.Quantity, n)
	for i := range qs {
		qs[i] = metervalues.Quantity{Value: decimal.New(int64((i+1)*137+1), -3), Quality: q}
	}
	return metervalues.Series{MeteringPoint: mp, Day: metervalues.Date(d), Resolution: r, Quantities: qs, Revision: 1}
}

// days returns one series per day of [from, to).
func days(from, to time.Time, r metervalues.Resolution) []metervalues.Series {
	var s []metervalues.Series
	for d := from; d.Before(to); d = d.AddDate(0, 0, 1) {
		s = append(s, day(d, r, metervalues.Measured))
	}
	return s
}

func seriesTotal(ss []metervalues.Series) decimal.Decimal {
	total := decimal.Zero
	for _, s := range ss {
		total = total.Add(s.Total())
	}
	return total
}

func TestSpanOf(t *testing.T) {
	tests := []struct {
		name           string
		view           View
		date           time.Time
		from, to       time.Time
		agg            metervalues.Aggregation
		previous, next time.Time
	}{
		{"an ordinary day", Day, osloTime(2026, 5, 17, 13), osloTime(2026, 5, 17, 0), osloTime(2026, 5, 18, 0), metervalues.Hourly, osloTime(2026, 5, 16, 0), osloTime(2026, 5, 18, 0)},
		{"an empty view is a day", "", osloTime(2026, 5, 17, 0), osloTime(2026, 5, 17, 0), osloTime(2026, 5, 18, 0), metervalues.Hourly, osloTime(2026, 5, 16, 0), osloTime(2026, 5, 18, 0)},
		{"the 23-hour day", Day, osloTime(2026, 3, 29, 0), osloTime(2026, 3, 29, 0), osloTime(2026, 3, 30, 0), metervalues.Hourly, osloTime(2026, 3, 28, 0), osloTime(2026, 3, 30, 0)},
		{"a UTC instant late on 31 December is that Oslo day", Day, time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC), osloTime(2027, 1, 1, 0), osloTime(2027, 1, 2, 0), metervalues.Hourly, osloTime(2026, 12, 31, 0), osloTime(2027, 1, 2, 0)},
		{"a month", Month, osloTime(2026, 10, 25, 0), osloTime(2026, 10, 1, 0), osloTime(2026, 11, 1, 0), metervalues.Daily, osloTime(2026, 9, 1, 0), osloTime(2026, 11, 1, 0)},
		{"February in a leap year", Month, osloTime(2028, 2, 29, 0), osloTime(2028, 2, 1, 0), osloTime(2028, 3, 1, 0), metervalues.Daily, osloTime(2028, 1, 1, 0), osloTime(2028, 3, 1, 0)},
		{"January, previous is December", Month, osloTime(2027, 1, 31, 0), osloTime(2027, 1, 1, 0), osloTime(2027, 2, 1, 0), metervalues.Daily, osloTime(2026, 12, 1, 0), osloTime(2027, 2, 1, 0)},
		{"a year", Year, osloTime(2026, 7, 4, 0), osloTime(2026, 1, 1, 0), osloTime(2027, 1, 1, 0), metervalues.Monthly, osloTime(2025, 1, 1, 0), osloTime(2027, 1, 1, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := SpanOf(tt.view, tt.date)
			if !s.From.Equal(tt.from) || !s.To.Equal(tt.to) || s.Aggregation != tt.agg ||
				!s.Previous.Equal(tt.previous) || !s.Next.Equal(tt.next) {
				t.Errorf("SpanOf(%q, %v) = %+v, want [%v, %v) %s, previous %v, next %v",
					tt.view, tt.date, s, tt.from, tt.to, tt.agg, tt.previous, tt.next)
			}
			if s.From.Location() != oslo.Oslo {
				t.Errorf("From is in %v, want Oslo", s.From.Location())
			}
		})
	}
}

func TestSlots(t *testing.T) {
	tests := []struct {
		view View
		date time.Time
		want int
	}{
		{Day, osloTime(2026, 3, 29, 0), 23},
		{Day, osloTime(2026, 10, 25, 0), 25},
		{Day, osloTime(2026, 6, 1, 0), 24},
		{Month, osloTime(2028, 2, 10, 0), 29},
		{Month, osloTime(2026, 2, 10, 0), 28},
		{Month, osloTime(2026, 10, 10, 0), 31},
		{Year, osloTime(2026, 10, 10, 0), 12},
	}
	for _, tt := range tests {
		if got := len(SpanOf(tt.view, tt.date).Slots()); got != tt.want {
			t.Errorf("%s of %s has %d slots, want %d", tt.view, tt.date.Format(time.DateOnly), got, tt.want)
		}
	}
}

func TestParseView(t *testing.T) {
	tests := []struct {
		view, date string
		want       View
		fields     []string // bad fields, nil when valid
	}{
		{"day", "2026-03-29", Day, nil},
		{"", "2026-03-29", Day, nil},
		{"month", "2028-02-29", Month, nil},
		{"year", "2026-01-01", Year, nil},
		{"week", "2026-03-29", "", []string{"view"}},
		{"Day", "2026-03-29", "", []string{"view"}},
		{"day", "", "", []string{"date"}},
		{"day", "2026-02-29", "", []string{"date"}},
		{"day", "2026-3-29", "", []string{"date"}},
		{"day", "29.03.2026", "", []string{"date"}},
		{"day", "2026-03-29T00:00:00Z", "", []string{"date"}},
		{"hour", "yesterday", "", []string{"view", "date"}},
	}
	for _, tt := range tests {
		t.Run(tt.view+" "+tt.date, func(t *testing.T) {
			v, d, err := ParseView(tt.view, tt.date)
			if tt.fields == nil {
				if err != nil || v != tt.want || d.Format(time.DateOnly) != tt.date || d.Location() != oslo.Oslo || !d.Equal(metervalues.Date(d)) {
					t.Fatalf("ParseView(%q, %q) = %q, %v, %v", tt.view, tt.date, v, d, err)
				}
				return
			}
			var fe *fault.Error
			if !errors.As(err, &fe) || fe.Kind != fault.Invalid {
				t.Fatalf("ParseView(%q, %q) error = %v, want fault.Invalid", tt.view, tt.date, err)
			}
			var got []string
			for _, f := range fe.Fields {
				got = append(got, f.Field)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.fields) {
				t.Errorf("bad fields %v, want %v", got, tt.fields)
			}
		})
	}
}

func FuzzParseView(f *testing.F) {
	for _, s := range [][2]string{{"day", "2026-03-29"}, {"", "2026-10-25"}, {"month", "2028-02-29"}, {"year", "x"}, {"week", ""}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, view, date string) {
		v, d, err := ParseView(view, date)
		if err != nil {
			if fault.KindOf(err) != fault.Invalid {
				t.Fatalf("error %v is not fault.Invalid", err)
			}
			return
		}
		if d.Format(time.DateOnly) != date || !d.Equal(metervalues.Date(d)) {
			t.Fatalf("ParseView(%q, %q) date = %v", view, date, d)
		}
		s := SpanOf(v, d)
		if d.Before(s.From) || !d.Before(s.To) || !s.Previous.Before(s.From) || !s.Next.Equal(s.To) {
			t.Fatalf("span %+v does not hold %v", s, d)
		}
	})
}

func TestRowsDay(t *testing.T) {
	tests := []struct {
		name    string
		day     time.Time
		r       metervalues.Resolution
		want    int
		offsets []string // the UTC offset of each row's start, in order, for the hours around 02:00
	}{
		{"spring forward, hourly input", osloTime(2026, 3, 29, 0), metervalues.PT60M, 23, []string{"+01:00", "+01:00", "+02:00", "+02:00"}},
		{"spring forward, quarter-hour input", osloTime(2026, 3, 29, 0), metervalues.PT15M, 23, []string{"+01:00", "+01:00", "+02:00", "+02:00"}},
		{"fall back, hourly input", osloTime(2026, 10, 25, 0), metervalues.PT60M, 25, []string{"+02:00", "+02:00", "+02:00", "+01:00", "+01:00"}},
		{"fall back, quarter-hour input", osloTime(2026, 10, 25, 0), metervalues.PT15M, 25, []string{"+02:00", "+02:00", "+02:00", "+01:00", "+01:00"}},
		{"ordinary day", osloTime(2026, 6, 1, 0), metervalues.PT15M, 24, []string{"+02:00", "+02:00", "+02:00", "+02:00"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := day(tt.day, tt.r, metervalues.Measured)
			span := SpanOf(Day, tt.day)
			rows := Rows(metervalues.Aggregate([]metervalues.Series{s}, span.Aggregation))
			if len(rows) != tt.want {
				t.Fatalf("%d rows, want %d", len(rows), tt.want)
			}
			if !rows[0].Start.Equal(span.From) || !rows[len(rows)-1].End.Equal(span.To) {
				t.Errorf("rows cover [%v, %v), want [%v, %v)", rows[0].Start, rows[len(rows)-1].End, span.From, span.To)
			}
			for i, r := range rows {
				if r.End.Sub(r.Start) != time.Hour {
					t.Errorf("row %d lasts %v", i, r.End.Sub(r.Start))
				}
				if i > 0 && !r.Start.Equal(rows[i-1].End) {
					t.Errorf("row %d starts at %v, previous ends at %v", i, r.Start, rows[i-1].End)
				}
				if r.Start.Location() != oslo.Oslo {
					t.Errorf("row %d start in %v", i, r.Start.Location())
				}
			}
			for i, want := range tt.offsets {
				if got := rows[i].Start.Format("15:04-07:00"); got[5:] != want {
					t.Errorf("row %d starts %s, want offset %s", i, got, want)
				}
			}
			if got, want := Total(rows), s.Total(); !got.Equal(want) {
				t.Errorf("Total = %s, want %s", got, want)
			}
		})
	}
}

func TestRowsFallBackHasTwoTwoOClocks(t *testing.T) {
	rows := Rows(metervalues.Aggregate([]metervalues.Series{day(osloTime(2026, 10, 25, 0), metervalues.PT60M, metervalues.Measured)}, metervalues.Hourly))
	var got []string
	for _, r := range rows[:5] {
		got = append(got, r.Start.Format(time.RFC3339))
	}
	want := "[2026-10-25T00:00:00+02:00 2026-10-25T01:00:00+02:00 2026-10-25T02:00:00+02:00 2026-10-25T02:00:00+01:00 2026-10-25T03:00:00+01:00]"
	if fmt.Sprint(got) != want {
		t.Errorf("starts %v, want %s", got, want)
	}
}

func TestRowsMonth(t *testing.T) {
	span := SpanOf(Month, osloTime(2028, 2, 14, 0))
	in := days(span.From, span.To, metervalues.PT15M)
	in = append(in[:10], in[11:]...) // 11 February has no data
	rows := Rows(metervalues.Aggregate(in, span.Aggregation))
	if len(rows) != 28 {
		t.Fatalf("%d rows, want 28", len(rows))
	}
	for i, r := range rows {
		d := i + 1
		if d >= 11 {
			d++
		}
		if !r.Start.Equal(osloTime(2028, 2, d, 0)) || !r.End.Equal(osloTime(2028, 2, d+1, 0)) {
			t.Errorf("row %d is [%v, %v), want 2028-02-%02d", i, r.Start, r.End, d)
		}
	}
	if got, want := Total(rows), seriesTotal(in); !got.Equal(want) {
		t.Errorf("Total = %s, want %s", got, want)
	}
}

func TestRowsYear(t *testing.T) {
	span := SpanOf(Year, osloTime(2026, 6, 1, 0))
	// Data from March to October only, crossing both DST changes.
	in := days(osloTime(2026, 3, 1, 0), osloTime(2026, 11, 1, 0), metervalues.PT60M)
	rows := Rows(metervalues.Aggregate(in, span.Aggregation))
	if len(rows) != 8 {
		t.Fatalf("%d rows, want 8", len(rows))
	}
	for i, r := range rows {
		m := time.March + time.Month(i)
		if !r.Start.Equal(osloTime(2026, m, 1, 0)) || !r.End.Equal(osloTime(2026, m+1, 1, 0)) {
			t.Errorf("row %d is [%v, %v), want month %v", i, r.Start, r.End, m)
		}
	}
	if got, want := Total(rows), seriesTotal(in); !got.Equal(want) {
		t.Errorf("Total = %s, want %s", got, want)
	}
}

func TestTotalIsExact(t *testing.T) {
	var rows []Row
	for range 1000 {
		rows = append(rows, Row{Quantity: decimal.RequireFromString("0.001")})
	}
	rows = append(rows, Row{Quantity: decimal.RequireFromString("0.1")}, Row{Quantity: decimal.RequireFromString("0.2")})
	if got := Total(rows); got.String() != "1.3" {
		t.Errorf("Total = %s, want 1.3", got)
	}
	if !Total(nil).IsZero() {
		t.Errorf("Total(nil) = %s", Total(nil))
	}
}

func TestRowsEmpty(t *testing.T) {
	if rows := Rows(nil); rows == nil || len(rows) != 0 {
		t.Errorf("Rows(nil) = %#v, want empty", rows)
	}
}

// A P1M period cut to start mid-month (a data window from a move-in) covers
// its first month from the start on, and its later months whole.
func TestRowsOfAMonthlyPeriodCutToStartMidMonth(t *testing.T) {
	one := decimal.RequireFromString("1")
	p := metervalues.Period{Start: osloTime(2026, 11, 15, 0), End: osloTime(2027, 1, 10, 0), Resolution: "P1M",
		Points: []metervalues.Point{{Position: 1, Quantity: one}, {Position: 2, Quantity: one}, {Position: 3, Quantity: one}}}
	rows := Rows([]metervalues.Period{p})
	want := [][2]time.Time{
		{osloTime(2026, 11, 15, 0), osloTime(2026, 12, 1, 0)},
		{osloTime(2026, 12, 1, 0), osloTime(2027, 1, 1, 0)},
		{osloTime(2027, 1, 1, 0), osloTime(2027, 1, 10, 0)},
	}
	for i, r := range rows {
		if !r.Start.Equal(want[i][0]) || !r.End.Equal(want[i][1]) {
			t.Errorf("row %d covers %v – %v, want %v – %v", i+1, r.Start, r.End, want[i][0], want[i][1])
		}
	}
}
