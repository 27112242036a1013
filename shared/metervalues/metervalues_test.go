package metervalues

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/oslo"
)

const gsrn = "707057500000000018"

func osloTime(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, oslo.Oslo)
}

func mustDay(t testing.TB, s string) time.Time {
	t.Helper()
	d, err := ParseDay(s)
	if err != nil {
		t.Fatalf("ParseDay(%q): %v", s, err)
	}
	return d
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// uniform returns a series of n equal quantities.
func uniform(t testing.TB, day string, r Resolution, n int, value string, q Quality) Series {
	t.Helper()
	qs := make([]Quantity, n)
	for i := range qs {
		qs[i] = Quantity{Value: dec(value), Quality: q}
	}
	return Series{MeteringPoint: gsrn, Day: mustDay(t, day), Resolution: r, Quantities: qs, Revision: 1}
}

// invalidFields returns err's fields, failing unless it is a fault.Invalid.
func invalidFields(t *testing.T, err error) []fault.FieldError {
	t.Helper()
	var e *fault.Error
	if !errors.As(err, &e) || e.Kind != fault.Invalid {
		t.Fatalf("error %v (%T) is not a fault.Invalid", err, err)
	}
	return e.Fields
}

func fieldNames(fields []fault.FieldError) []string {
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.Field
	}
	return names
}

func TestParseResolution(t *testing.T) {
	tests := []struct {
		in   string
		want Resolution
		step time.Duration
		ok   bool
	}{
		{"PT15M", PT15M, 15 * time.Minute, true},
		{"PT60M", PT60M, time.Hour, true},
		{"PT1H", "", 0, false}, // an aggregation, not a stored resolution
		{"pt15m", "", 0, false},
		{"", "", 0, false},
		{"PT30M", "", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseResolution(tt.in)
			if !tt.ok {
				if got := fieldNames(invalidFields(t, err)); !slices.Equal(got, []string{"resolution"}) {
					t.Fatalf("fields = %v, want [resolution]", got)
				}
				return
			}
			if err != nil || got != tt.want || got.Step() != tt.step {
				t.Fatalf("ParseResolution(%q) = %q (step %v), %v; want %q (step %v)", tt.in, got, got.Step(), err, tt.want, tt.step)
			}
		})
	}
	if step := Resolution("PT30M").Step(); step != 0 {
		t.Errorf("unknown resolution Step() = %v, want 0", step)
	}
}

func TestParseQuality(t *testing.T) {
	for _, q := range []Quality{Adjusted, NotAvailable, Estimated, Measured, Incomplete} {
		if got, err := ParseQuality(string(q)); err != nil || got != q {
			t.Errorf("ParseQuality(%q) = %q, %v", q, got, err)
		}
	}
	for _, s := range []string{"", "A00", "A06", "a04", " A04", "E01"} {
		_, err := ParseQuality(s)
		if got := fieldNames(invalidFields(t, err)); !slices.Equal(got, []string{"quality"}) {
			t.Errorf("ParseQuality(%q) fields = %v, want [quality]", s, got)
		}
	}
}

func TestWorse(t *testing.T) {
	// Best to worst.
	order := []Quality{Measured, Adjusted, Estimated, Incomplete, NotAvailable}
	for i, a := range order {
		for j, b := range order {
			want := order[max(i, j)]
			if got := Worse(a, b); got != want {
				t.Errorf("Worse(%s, %s) = %s, want %s", a, b, got, want)
			}
		}
	}
	for _, q := range order {
		if got := Worse(q, "XXX"); got != "XXX" {
			t.Errorf("Worse(%s, unknown) = %s, want the unknown code", q, got)
		}
		if got := Worse("XXX", q); got != "XXX" {
			t.Errorf("Worse(unknown, %s) = %s, want the unknown code", q, got)
		}
	}
}

func TestParseQuantity(t *testing.T) {
	tests := []struct {
		in     string
		want   string // FormatQuantity of the result; "" means rejected
		reason string // substring of the reason when rejected
	}{
		{"12.5", "12.500", ""},
		{"0", "0.000", ""},
		{"0.000", "0.000", ""},
		{"0.001", "0.001", ""},
		{"007", "7.000", ""},
		{"0001.500", "1.500", ""},
		{"1.5000", "1.500", ""}, // trailing zeros do not add precision
		{"1.2340000000", "1.234", ""},
		{"1000000000", "1000000000.000", ""},
		{"1000000000.000", "1000000000.000", ""},
		{"999999999.999", "999999999.999", ""},
		{"1e3", "", "plain decimal"},
		{"1E3", "", "plain decimal"},
		{"-0.001", "", "negative"},
		{"-0", "", "negative"},
		{"0.1234", "", "at most 3 decimals"},
		{"0.0005", "", "at most 3 decimals"},
		{"1000000000.001", "", "at most 1000000000"},
		{"1000000001", "", "at most 1000000000"},
		{"10000000000", "", "at most 1000000000"},
		{"99999999999999999999999999", "", "at most 1000000000"},
		{"", "", "required"},
		{".5", "", "plain decimal"},
		{"5.", "", "plain decimal"},
		{"+1", "", "plain decimal"},
		{" 1", "", "plain decimal"},
		{"1 ", "", "plain decimal"},
		{"1,5", "", "plain decimal"},
		{"1.2.3", "", "plain decimal"},
		{"0x10", "", "plain decimal"},
		{"NaN", "", "plain decimal"},
		{"Inf", "", "plain decimal"},
		{"١", "", "plain decimal"}, // Arabic-Indic digit one
		{"1_000", "", "plain decimal"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseQuantity(tt.in)
			if tt.want == "" {
				fields := invalidFields(t, err)
				if len(fields) != 1 || fields[0].Field != "quantity" || !strings.Contains(fields[0].Reason, tt.reason) {
					t.Fatalf("ParseQuantity(%q) fields = %+v, want quantity: …%s…", tt.in, fields, tt.reason)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseQuantity(%q): %v", tt.in, err)
			}
			if s := FormatQuantity(got); s != tt.want {
				t.Fatalf("FormatQuantity(ParseQuantity(%q)) = %q, want %q", tt.in, s, tt.want)
			}
		})
	}
}

func TestFormatQuantity(t *testing.T) {
	tests := []struct{ in, want string }{
		{"0.5", "0.500"},
		{"0", "0.000"},
		{"12", "12.000"},
		{"1.25", "1.250"},
		{"123456789.123", "123456789.123"},
		{"0.001", "0.001"},
	}
	for _, tt := range tests {
		if got := FormatQuantity(dec(tt.in)); got != tt.want {
			t.Errorf("FormatQuantity(%s) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzParseQuantity(f *testing.F) {
	for _, seed := range []string{"12.5", "0", "1e3", "-0.001", "0.1234", "1000000000", "1000000000.001", "1.5000", "", ".", "00.000", "9999999999"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseQuantity(s)
		if err != nil {
			if k := fault.KindOf(err); k != fault.Invalid {
				t.Fatalf("ParseQuantity(%q) error kind = %v, want Invalid", s, k)
			}
			return
		}
		if reason := quantityReason(d); reason != "" {
			t.Fatalf("ParseQuantity(%q) = %s, which Validate rejects: %s", s, d, reason)
		}
		formatted := FormatQuantity(d)
		back, err := ParseQuantity(formatted)
		if err != nil {
			t.Fatalf("ParseQuantity(FormatQuantity(%s) = %q): %v", d, formatted, err)
		}
		if !back.Equal(d) || FormatQuantity(back) != formatted {
			t.Fatalf("round trip of %q: %s -> %q -> %s", s, d, formatted, back)
		}
	})
}

func TestDate(t *testing.T) {
	tests := []struct {
		name string
		in   time.Time
		want string
	}{
		{"UTC evening is next Oslo day in winter", time.Date(2026, 3, 28, 23, 30, 0, 0, time.UTC), "2026-03-29"},
		{"UTC evening before is same Oslo day", time.Date(2026, 3, 28, 22, 59, 0, 0, time.UTC), "2026-03-28"},
		{"summer offset is two hours", time.Date(2026, 10, 24, 22, 30, 0, 0, time.UTC), "2026-10-25"},
		{"end of DST day", time.Date(2026, 10, 25, 22, 59, 0, 0, time.UTC), "2026-10-25"},
		{"midnight itself", osloTime(2026, 1, 1, 0, 0), "2026-01-01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Date(tt.in)
			if got.Location() != oslo.Oslo || got.Format(DayLayout) != tt.want || got.Hour() != 0 || got.Minute() != 0 {
				t.Fatalf("Date(%v) = %v, want midnight Oslo %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseDay(t *testing.T) {
	got, err := ParseDay("2026-03-29")
	if err != nil || !got.Equal(time.Date(2026, 3, 28, 23, 0, 0, 0, time.UTC)) || got.Location() != oslo.Oslo {
		t.Fatalf("ParseDay(2026-03-29) = %v, %v; want midnight Oslo", got, err)
	}
	for _, s := range []string{"", "2026-3-29", "2026-02-30", "2026-13-01", " 2026-03-29", "2026-03-29 ", "2026-03-29T00:00:00Z", "29.03.2026", "20260329", "+2026-03-29"} {
		_, err := ParseDay(s)
		if got := fieldNames(invalidFields(t, err)); !slices.Equal(got, []string{"day"}) {
			t.Errorf("ParseDay(%q) fields = %v, want [day]", s, got)
		}
	}
}

func TestSlotsOn(t *testing.T) {
	tests := []struct {
		day       time.Time
		hourly    int
		quarterly int
	}{
		{osloTime(2026, 3, 29, 0, 0), 23, 92},   // DST starts
		{osloTime(2026, 10, 25, 0, 0), 25, 100}, // DST ends
		{osloTime(2026, 3, 28, 0, 0), 24, 96},
		{osloTime(2026, 6, 15, 0, 0), 24, 96},
		{osloTime(2024, 2, 29, 0, 0), 24, 96},
		{osloTime(2025, 3, 30, 0, 0), 23, 92},
		{osloTime(2025, 10, 26, 0, 0), 25, 100},
		// A UTC instant inside the DST day still counts that Oslo day.
		{time.Date(2026, 10, 25, 12, 0, 0, 0, time.UTC), 25, 100},
	}
	for _, tt := range tests {
		t.Run(tt.day.String(), func(t *testing.T) {
			if got := SlotsOn(tt.day, PT60M); got != tt.hourly {
				t.Errorf("SlotsOn(PT60M) = %d, want %d", got, tt.hourly)
			}
			if got := SlotsOn(tt.day, PT15M); got != tt.quarterly {
				t.Errorf("SlotsOn(PT15M) = %d, want %d", got, tt.quarterly)
			}
		})
	}
	if got := SlotsOn(osloTime(2026, 1, 1, 0, 0), "PT30M"); got != 0 {
		t.Errorf("SlotsOn(unknown) = %d, want 0", got)
	}
}

func TestInterval(t *testing.T) {
	utc := func(m time.Month, d, h, min int) time.Time { return time.Date(2026, m, d, h, min, 0, 0, time.UTC) }
	tests := []struct {
		name       string
		day        string
		res        Resolution
		position   int
		start, end time.Time
		localStart string // start in Oslo wall-clock time
	}{
		{"first hour of winter day", "2026-01-15", PT60M, 1, utc(1, 14, 23, 0), utc(1, 15, 0, 0), "00:00 CET"},
		{"last hour of winter day", "2026-01-15", PT60M, 24, utc(1, 15, 22, 0), utc(1, 15, 23, 0), "23:00 CET"},
		{"spring: hour before the gap", "2026-03-29", PT60M, 2, utc(3, 29, 0, 0), utc(3, 29, 1, 0), "01:00 CET"},
		{"spring: 02:00 does not exist", "2026-03-29", PT60M, 3, utc(3, 29, 1, 0), utc(3, 29, 2, 0), "03:00 CEST"},
		{"spring: last hour", "2026-03-29", PT60M, 23, utc(3, 29, 21, 0), utc(3, 29, 22, 0), "23:00 CEST"},
		{"spring: quarter after the gap", "2026-03-29", PT15M, 9, utc(3, 29, 1, 0), utc(3, 29, 1, 15), "03:00 CEST"},
		{"spring: last quarter", "2026-03-29", PT15M, 92, utc(3, 29, 21, 45), utc(3, 29, 22, 0), "23:45 CEST"},
		{"autumn: first 02:00", "2026-10-25", PT60M, 3, utc(10, 25, 0, 0), utc(10, 25, 1, 0), "02:00 CEST"},
		{"autumn: second 02:00", "2026-10-25", PT60M, 4, utc(10, 25, 1, 0), utc(10, 25, 2, 0), "02:00 CET"},
		{"autumn: last hour", "2026-10-25", PT60M, 25, utc(10, 25, 22, 0), utc(10, 25, 23, 0), "23:00 CET"},
		{"autumn: repeated quarter", "2026-10-25", PT15M, 13, utc(10, 25, 1, 0), utc(10, 25, 1, 15), "02:00 CET"},
		{"autumn: last quarter", "2026-10-25", PT15M, 100, utc(10, 25, 22, 45), utc(10, 25, 23, 0), "23:45 CET"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Series{Day: mustDay(t, tt.day), Resolution: tt.res}
			start, end := s.Interval(tt.position)
			if !start.Equal(tt.start) || !end.Equal(tt.end) {
				t.Fatalf("Interval(%d) = %v, %v; want %v, %v", tt.position, start, end, tt.start, tt.end)
			}
			if start.Location() != time.UTC || end.Location() != time.UTC {
				t.Errorf("Interval not in UTC: %v, %v", start, end)
			}
			if got := start.In(oslo.Oslo).Format("15:04 MST"); got != tt.localStart {
				t.Errorf("local start = %s, want %s", got, tt.localStart)
			}
		})
	}

	// The last position of every DST day ends exactly at the next midnight.
	for _, day := range []string{"2026-03-29", "2026-10-25", "2026-06-01"} {
		for _, r := range []Resolution{PT15M, PT60M} {
			s := Series{Day: mustDay(t, day), Resolution: r}
			if _, end := s.Interval(SlotsOn(s.Day, r)); !end.Equal(s.Day.AddDate(0, 0, 1)) {
				t.Errorf("%s %s: last position ends %v, want next midnight", day, r, end)
			}
		}
	}
}

func TestValidate(t *testing.T) {
	now := osloTime(2026, 11, 10, 12, 0)
	good := func(day string, r Resolution) Series {
		return uniform(t, day, r, SlotsOn(mustDay(t, day), r), "0.250", Measured)
	}
	with := func(s Series, change func(*Series)) Series {
		s.Quantities = slices.Clone(s.Quantities)
		change(&s)
		return s
	}

	tests := []struct {
		name   string
		s      Series
		now    time.Time
		fields []string // nil means valid
		reason []string // substrings of the first field's reason
	}{
		{name: "normal day PT60M", s: good("2026-11-09", PT60M)},
		{name: "normal day PT15M", s: good("2026-06-01", PT15M)},
		{name: "spring DST PT60M", s: good("2026-03-29", PT60M)},
		{name: "spring DST PT15M", s: good("2026-03-29", PT15M)},
		{name: "autumn DST PT60M", s: good("2026-10-25", PT60M)},
		{name: "autumn DST PT15M", s: good("2026-10-25", PT15M)},
		{name: "every quality, zero and max", s: with(good("2026-11-09", PT60M), func(s *Series) {
			s.Quantities[0] = Quantity{Value: dec("0"), Quality: Adjusted}
			s.Quantities[1] = Quantity{Value: dec("1000000000"), Quality: NotAvailable}
			s.Quantities[2].Quality = Estimated
			s.Quantities[3].Quality = Incomplete
		})},
		{name: "trailing zeros past 3 decimals", s: with(good("2026-11-09", PT60M), func(s *Series) {
			s.Quantities[0].Value = dec("1.5000")
		})},
		{name: "yesterday just after midnight", s: good("2026-11-09", PT60M), now: osloTime(2026, 11, 10, 0, 0)},
		{name: "exactly 3 years back", s: good("2023-11-10", PT60M)},

		{name: "future day", s: good("2026-11-11", PT60M), fields: []string{"day"}, reason: []string{"future"}},
		{name: "today", s: good("2026-11-10", PT60M), fields: []string{"day"}, reason: []string{"ended"}},
		{name: "today one minute before midnight", s: good("2026-11-10", PT60M), now: osloTime(2026, 11, 10, 23, 59), fields: []string{"day"}},
		{name: "older than 3 years", s: good("2023-11-09", PT60M), fields: []string{"day"}, reason: []string{"3 years"}},
		{name: "zero day", s: with(good("2026-11-09", PT60M), func(s *Series) { s.Day = time.Time{} }), fields: []string{"day"}, reason: []string{"required"}},
		{name: "not midnight", s: with(good("2026-11-09", PT60M), func(s *Series) { s.Day = s.Day.Add(time.Hour) }), fields: []string{"day"}, reason: []string{"midnight"}},
		{name: "UTC midnight", s: with(good("2026-11-09", PT60M), func(s *Series) { s.Day = time.Date(2026, 11, 9, 0, 0, 0, 0, time.UTC) }), fields: []string{"day"}, reason: []string{"midnight"}},

		{name: "24 hours on spring DST day", s: good("2026-03-28", PT60M).withDay(t, "2026-03-29"), fields: []string{"quantities"}, reason: []string{"must have 23 values", "PT60M", "2026-03-29", "daylight saving", "got 24"}},
		{name: "96 quarters on spring DST day", s: good("2026-03-28", PT15M).withDay(t, "2026-03-29"), fields: []string{"quantities"}, reason: []string{"must have 92 values", "daylight saving", "got 96"}},
		{name: "24 hours on autumn DST day", s: good("2026-03-28", PT60M).withDay(t, "2026-10-25"), fields: []string{"quantities"}, reason: []string{"must have 25 values", "daylight saving", "got 24"}},
		{name: "96 quarters on autumn DST day", s: good("2026-03-28", PT15M).withDay(t, "2026-10-25"), fields: []string{"quantities"}, reason: []string{"must have 100 values", "daylight saving", "got 96"}},
		{name: "23 hours on normal day", s: good("2026-03-29", PT60M).withDay(t, "2026-03-30"), fields: []string{"quantities"}, reason: []string{"must have 24 values", "got 23"}},
		{name: "no quantities", s: with(good("2026-11-09", PT15M), func(s *Series) { s.Quantities = nil }), fields: []string{"quantities"}, reason: []string{"must have 96 values", "got 0"}},
		{name: "hourly count at PT15M", s: with(good("2026-11-09", PT60M), func(s *Series) { s.Resolution = PT15M }), fields: []string{"quantities"}, reason: []string{"96"}},

		{name: "4 decimals", s: with(good("2026-11-09", PT60M), func(s *Series) { s.Quantities[3].Value = dec("0.0005") }), fields: []string{"quantities[3].quantity"}, reason: []string{"at most 3 decimals"}},
		{name: "negative", s: with(good("2026-11-09", PT60M), func(s *Series) { s.Quantities[0].Value = dec("-0.001") }), fields: []string{"quantities[0].quantity"}, reason: []string{"negative"}},
		{name: "too large", s: with(good("2026-11-09", PT60M), func(s *Series) { s.Quantities[23].Value = dec("1000000001") }), fields: []string{"quantities[23].quantity"}, reason: []string{"at most 1000000000"}},
		{name: "bad quality", s: with(good("2026-11-09", PT60M), func(s *Series) { s.Quantities[5].Quality = "A06" }), fields: []string{"quantities[5].quality"}, reason: []string{"A04"}},
		{name: "missing quality", s: with(good("2026-11-09", PT60M), func(s *Series) { s.Quantities[5].Quality = "" }), fields: []string{"quantities[5].quality"}},
		{name: "bad resolution", s: with(good("2026-11-09", PT60M), func(s *Series) { s.Resolution = "PT30M" }), fields: []string{"resolution"}, reason: []string{"PT15M"}},
		{name: "PT1H is not a stored resolution", s: with(good("2026-11-09", PT60M), func(s *Series) { s.Resolution = "PT1H" }), fields: []string{"resolution"}},

		{name: "every problem at once", s: with(good("2026-11-11", PT60M), func(s *Series) {
			s.Resolution = ""
			s.Quantities[1] = Quantity{Value: dec("-1.0001"), Quality: "X"}
			s.Quantities[2].Value = dec("0.1234")
		}), fields: []string{"day", "resolution", "quantities[1].quantity", "quantities[1].quality", "quantities[2].quantity"}},
		{name: "wrong count and a bad value", s: with(good("2026-03-28", PT60M).withDay(t, "2026-03-29"), func(s *Series) {
			s.Quantities[23].Quality = "A00"
		}), fields: []string{"quantities", "quantities[23].quality"}, reason: []string{"23"}},
		{name: "count still checked when too old", s: good("2020-03-29", PT60M).withDay(t, "2020-03-30"), fields: []string{"day", "quantities"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at := now
			if !tt.now.IsZero() {
				at = tt.now
			}
			err := tt.s.Validate(at)
			if tt.fields == nil {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			fields := invalidFields(t, err)
			if got := fieldNames(fields); !slices.Equal(got, tt.fields) {
				t.Fatalf("fields = %v, want %v (%+v)", got, tt.fields, fields)
			}
			for _, sub := range tt.reason {
				if !strings.Contains(fields[0].Reason, sub) {
					t.Errorf("reason %q does not mention %q", fields[0].Reason, sub)
				}
			}
		})
	}
}

func TestValidateNormalDayCountDoesNotMentionDST(t *testing.T) {
	s := uniform(t, "2026-11-09", PT60M, 23, "1", Measured)
	fields := invalidFields(t, s.Validate(osloTime(2026, 11, 10, 12, 0)))
	if len(fields) != 1 || strings.Contains(fields[0].Reason, "daylight") {
		t.Fatalf("fields = %+v, want one count error without DST", fields)
	}
}

// withDay moves a series to another day, keeping its quantities.
func (s Series) withDay(t testing.TB, day string) Series {
	t.Helper()
	s.Day = mustDay(t, day)
	return s
}

func TestTotal(t *testing.T) {
	tests := []struct {
		name string
		s    Series
		want string
	}{
		{"empty", Series{}, "0"},
		{"0.1 ten times is exactly 1", uniform(t, "2026-01-01", PT60M, 10, "0.1", Measured), "1"},
		{"92 quarters", uniform(t, "2026-03-29", PT15M, 92, "0.333", Measured), "30.636"},
		{"mixed", Series{Quantities: []Quantity{{Value: dec("1.001")}, {Value: dec("2.5")}, {Value: dec("0")}}}, "3.501"},
	}
	for _, tt := range tests {
		if got := tt.s.Total(); !got.Equal(dec(tt.want)) {
			t.Errorf("%s: Total() = %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestSameValues(t *testing.T) {
	base := uniform(t, "2026-01-01", PT60M, 24, "1.5", Measured)
	change := func(f func(*Series)) Series {
		s := base
		s.Quantities = slices.Clone(base.Quantities)
		f(&s)
		return s
	}
	tests := []struct {
		name string
		o    Series
		want bool
	}{
		{"identical", base, true},
		{"other revision and receipt time", change(func(s *Series) { s.Revision = 7; s.ReceivedAt = time.Now() }), true},
		{"same value, other scale", change(func(s *Series) { s.Quantities[0].Value = dec("1.500") }), true},
		{"other value", change(func(s *Series) { s.Quantities[0].Value = dec("1.501") }), false},
		{"other quality", change(func(s *Series) { s.Quantities[23].Quality = Estimated }), false},
		{"other resolution", change(func(s *Series) { s.Resolution = PT15M }), false},
		{"fewer quantities", change(func(s *Series) { s.Quantities = s.Quantities[:23] }), false},
		{"no quantities", change(func(s *Series) { s.Quantities = nil }), false},
	}
	for _, tt := range tests {
		if got := base.SameValues(tt.o); got != tt.want {
			t.Errorf("%s: SameValues = %v, want %v", tt.name, got, tt.want)
		}
		if got := tt.o.SameValues(base); got != tt.want {
			t.Errorf("%s: SameValues reversed = %v, want %v", tt.name, got, tt.want)
		}
	}
}
