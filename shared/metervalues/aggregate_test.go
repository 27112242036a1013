package metervalues

import (
	"slices"
	"testing"
	"time"

	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/oslo"
)

func TestParseAggregation(t *testing.T) {
	tests := []struct {
		in   string
		want Aggregation
		ok   bool
	}{
		{"", None, true},
		{"PT1H", Hourly, true},
		{"P1D", Daily, true},
		{"P1M", Monthly, true},
		{"PT60M", "", false},
		{"PT15M", "", false},
		{"p1d", "", false},
		{"P1Y", "", false},
		{" ", "", false},
	}
	for _, tt := range tests {
		got, err := ParseAggregation(tt.in)
		if !tt.ok {
			if names := fieldNames(invalidFields(t, err)); !slices.Equal(names, []string{"aggregation"}) {
				t.Errorf("ParseAggregation(%q) fields = %v, want [aggregation]", tt.in, names)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseAggregation(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

// wantPoint is a Point with its quantity written as FormatQuantity does, so
// that a failure shows the exact decimal.
type wantPoint struct {
	Position int
	Quantity string
	Quality  Quality
}

type wantPeriod struct {
	Start, End time.Time
	Resolution string
	Revision   int
	Points     []wantPoint
}

func checkPeriods(t *testing.T, got []Period, want []wantPeriod) {
	t.Helper()
	if got == nil {
		t.Fatal("Aggregate returned nil, want a non-nil slice")
	}
	if len(got) != len(want) {
		t.Fatalf("got %d periods, want %d: %+v", len(got), len(want), got)
	}
	for i, g := range got {
		w := want[i]
		if !g.Start.Equal(w.Start) || !g.End.Equal(w.End) || g.Start.Location() != oslo.Oslo || g.End.Location() != oslo.Oslo {
			t.Errorf("period %d: %v – %v, want %v – %v in Oslo", i, g.Start, g.End, w.Start, w.End)
		}
		if g.Resolution != w.Resolution || g.Revision != w.Revision {
			t.Errorf("period %d: resolution %s revision %d, want %s %d", i, g.Resolution, g.Revision, w.Resolution, w.Revision)
		}
		if w.Points == nil {
			continue // checked separately
		}
		gotPoints := make([]wantPoint, len(g.Points))
		for j, p := range g.Points {
			gotPoints[j] = wantPoint{p.Position, FormatQuantity(p.Quantity), p.Quality}
		}
		if !slices.Equal(gotPoints, w.Points) {
			t.Errorf("period %d points:\n got %v\nwant %v", i, gotPoints, w.Points)
		}
	}
}

// aggregateFixture is four stored days, out of order, with gaps, spanning a
// month boundary and both DST changes.
func aggregateFixture(t *testing.T) []Series {
	// 2026-03-28: 24 hours of 0.125; hour 10 estimated. Total 3.000.
	winter := uniform(t, "2026-03-28", PT60M, 24, "0.125", Measured)
	winter.Quantities[9].Quality = Estimated
	winter.Revision = 2

	// 2026-03-29 (23 hours): 92 quarters of 0.001; position 6 adjusted,
	// so hour 2 is Adjusted. Total 0.092.
	spring := uniform(t, "2026-03-29", PT15M, 92, "0.001", Measured)
	spring.Quantities[5].Quality = Adjusted

	// 2026-04-01: 24 hours of 1.1, revision 3. Total 26.4.
	april := uniform(t, "2026-04-01", PT60M, 24, "1.1", Measured)
	april.Revision = 3

	// 2026-10-25 (25 hours): 100 quarters of 0.333 but position 1 is 0.334,
	// position 100 missing and position 13 (the second 02:00) incomplete.
	// Total 32.968.
	autumn := uniform(t, "2026-10-25", PT15M, 100, "0.333", Measured)
	autumn.Quantities[99] = Quantity{Value: dec("0"), Quality: NotAvailable}
	autumn.Quantities[12].Quality = Incomplete
	autumn.Quantities[0].Value = dec("0.334")

	return []Series{april, autumn, winter, spring}
}

func repeat(n int, start int, quantity string, q Quality) []wantPoint {
	ps := make([]wantPoint, n)
	for i := range ps {
		ps[i] = wantPoint{start + i, quantity, q}
	}
	return ps
}

func TestAggregateNone(t *testing.T) {
	days := aggregateFixture(t)
	got := Aggregate(days, None)
	checkPeriods(t, got, []wantPeriod{
		{Start: osloTime(2026, 3, 28, 0, 0), End: osloTime(2026, 3, 29, 0, 0), Resolution: "PT60M", Revision: 2},
		{Start: osloTime(2026, 3, 29, 0, 0), End: osloTime(2026, 3, 30, 0, 0), Resolution: "PT15M", Revision: 1},
		{Start: osloTime(2026, 4, 1, 0, 0), End: osloTime(2026, 4, 2, 0, 0), Resolution: "PT60M", Revision: 3},
		{Start: osloTime(2026, 10, 25, 0, 0), End: osloTime(2026, 10, 26, 0, 0), Resolution: "PT15M", Revision: 1},
	})
	wantLen := []int{24, 92, 24, 100}
	wantHours := []time.Duration{24, 23, 24, 25}
	for i, p := range got {
		if len(p.Points) != wantLen[i] {
			t.Errorf("period %d has %d points, want %d", i, len(p.Points), wantLen[i])
		}
		if d := p.End.Sub(p.Start); d != wantHours[i]*time.Hour {
			t.Errorf("period %d lasts %v, want %v", i, d, wantHours[i]*time.Hour)
		}
		for j, pt := range p.Points {
			if pt.Position != j+1 {
				t.Fatalf("period %d point %d has position %d", i, j, pt.Position)
			}
		}
	}
	spring := got[1].Points
	if spring[5].Quality != Adjusted || FormatQuantity(spring[5].Quantity) != "0.001" {
		t.Errorf("spring position 6 = %+v, want 0.001 Adjusted", spring[5])
	}
	autumn := got[3].Points
	if autumn[99].Quality != NotAvailable || autumn[0].Quantity.String() != "0.334" {
		t.Errorf("autumn points not as stored: first %+v, last %+v", autumn[0], autumn[99])
	}
}

func TestAggregateHourly(t *testing.T) {
	got := Aggregate(aggregateFixture(t), Hourly)

	winter := repeat(24, 1, "0.125", Measured)
	winter[9].Quality = Estimated

	spring := repeat(23, 1, "0.004", Measured)
	spring[1].Quality = Adjusted

	autumn := repeat(25, 1, "1.332", Measured)
	autumn[0].Quantity = "1.333"
	autumn[3].Quality = Incomplete // the second 02:00 hour, quarters 13–16
	autumn[24] = wantPoint{25, "0.999", NotAvailable}

	checkPeriods(t, got, []wantPeriod{
		{Start: osloTime(2026, 3, 28, 0, 0), End: osloTime(2026, 3, 29, 0, 0), Resolution: "PT1H", Revision: 2, Points: winter},
		{Start: osloTime(2026, 3, 29, 0, 0), End: osloTime(2026, 3, 30, 0, 0), Resolution: "PT1H", Revision: 1, Points: spring},
		{Start: osloTime(2026, 4, 1, 0, 0), End: osloTime(2026, 4, 2, 0, 0), Resolution: "PT1H", Revision: 3, Points: repeat(24, 1, "1.100", Measured)},
		{Start: osloTime(2026, 10, 25, 0, 0), End: osloTime(2026, 10, 26, 0, 0), Resolution: "PT1H", Revision: 1, Points: autumn},
	})
}

func TestAggregateHourlyPartialHour(t *testing.T) {
	// Stored data is validated, but a short day must not yield a full hour.
	s := uniform(t, "2026-01-05", PT15M, 6, "0.5", Measured)
	checkPeriods(t, Aggregate([]Series{s}, Hourly), []wantPeriod{{
		Start: osloTime(2026, 1, 5, 0, 0), End: osloTime(2026, 1, 6, 0, 0), Resolution: "PT1H", Revision: 1,
		Points: []wantPoint{{1, "2.000", Measured}, {2, "1.000", Incomplete}},
	}})
}

func TestAggregateDaily(t *testing.T) {
	got := Aggregate(aggregateFixture(t), Daily)
	checkPeriods(t, got, []wantPeriod{
		{Start: osloTime(2026, 3, 1, 0, 0), End: osloTime(2026, 4, 1, 0, 0), Resolution: "P1D", Revision: 2, Points: []wantPoint{
			{28, "3.000", Estimated},
			{29, "0.092", Adjusted},
		}},
		{Start: osloTime(2026, 4, 1, 0, 0), End: osloTime(2026, 5, 1, 0, 0), Resolution: "P1D", Revision: 3, Points: []wantPoint{
			{1, "26.400", Measured},
		}},
		{Start: osloTime(2026, 10, 1, 0, 0), End: osloTime(2026, 11, 1, 0, 0), Resolution: "P1D", Revision: 1, Points: []wantPoint{
			{25, "32.968", NotAvailable},
		}},
	})
}

func TestAggregateMonthly(t *testing.T) {
	got := Aggregate(aggregateFixture(t), Monthly)
	checkPeriods(t, got, []wantPeriod{
		{Start: osloTime(2026, 3, 1, 0, 0), End: osloTime(2026, 11, 1, 0, 0), Resolution: "P1M", Revision: 3, Points: []wantPoint{
			{1, "3.092", Estimated}, // Worse(Estimated, Adjusted)
			{2, "26.400", Measured},
			{8, "32.968", NotAvailable},
		}},
	})
}

func TestAggregateMonthlyAcrossYears(t *testing.T) {
	dec31 := uniform(t, "2025-12-31", PT60M, 24, "0.1", Measured)
	jan1 := uniform(t, "2026-01-01", PT60M, 24, "0.2", Adjusted)
	jan2 := uniform(t, "2026-01-02", PT60M, 24, "0.3", Measured)
	mar := uniform(t, "2027-03-15", PT60M, 24, "1", Estimated)
	checkPeriods(t, Aggregate([]Series{dec31, jan1, jan2, mar}, Monthly), []wantPeriod{
		{Start: osloTime(2025, 12, 1, 0, 0), End: osloTime(2027, 4, 1, 0, 0), Resolution: "P1M", Revision: 1, Points: []wantPoint{
			{1, "2.400", Measured},
			{2, "12.000", Adjusted},
			{16, "24.000", Estimated},
		}},
	})
}

func TestAggregateExactSums(t *testing.T) {
	// 0.1 summed in float64 drifts; 31 days of one 0.1 and 95 × 0.001 must not.
	var days []Series
	for d := 1; d <= 31; d++ {
		s := uniform(t, osloTime(2026, 1, d, 0, 0).Format(DayLayout), PT15M, 96, "0.001", Measured)
		s.Quantities[0].Value = dec("0.1")
		days = append(days, s)
	}
	got := Aggregate(days, Monthly)
	if len(got) != 1 || len(got[0].Points) != 1 || !got[0].Points[0].Quantity.Equal(dec("6.045")) {
		t.Fatalf("Monthly = %+v, want one point of 6.045", got)
	}
	daily := Aggregate(days, Daily)
	if len(daily) != 1 || len(daily[0].Points) != 31 {
		t.Fatalf("Daily = %+v, want one period of 31 points", daily)
	}
	for _, p := range daily[0].Points {
		if FormatQuantity(p.Quantity) != "0.195" {
			t.Fatalf("day %d = %s, want 0.195", p.Position, p.Quantity)
		}
	}
}

func TestAggregateEmpty(t *testing.T) {
	for _, by := range []Aggregation{None, Hourly, Daily, Monthly} {
		if got := Aggregate(nil, by); got == nil || len(got) != 0 {
			t.Errorf("Aggregate(nil, %q) = %#v, want empty non-nil", by, got)
		}
	}
}

func TestAggregateDoesNotReorderInput(t *testing.T) {
	days := aggregateFixture(t)
	before := slices.Clone(days)
	Aggregate(days, Daily)
	for i := range days {
		if !days[i].Day.Equal(before[i].Day) {
			t.Fatal("Aggregate reordered the caller's slice")
		}
	}
}

func TestAggregateUnknownPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("Aggregate with an unknown aggregation did not panic")
		}
	}()
	Aggregate(nil, "P1Y")
}

// The error kinds are what package problem maps to HTTP statuses.
func TestParseErrorsAreInvalid(t *testing.T) {
	_, e1 := ParseResolution("x")
	_, e2 := ParseQuality("x")
	_, e3 := ParseQuantity("x")
	_, e4 := ParseDay("x")
	_, e5 := ParseAggregation("x")
	for i, err := range []error{e1, e2, e3, e4, e5} {
		if fault.KindOf(err) != fault.Invalid {
			t.Errorf("error %d: kind %v, want Invalid", i, fault.KindOf(err))
		}
	}
}

// daysOf is one PT60M series of 1.0 a hour (0.5 a quarter on the 25-hour
// day, stored at PT15M) for each Oslo day in [from, to).
func daysOf(t *testing.T, from, to time.Time) []Series {
	var days []Series
	for d := from; d.Before(to); d = d.AddDate(0, 0, 1) {
		if slots := SlotsOn(d, PT60M); slots == 25 {
			days = append(days, uniform(t, d.Format(DayLayout), PT15M, 100, "0.25", Measured))
		} else {
			days = append(days, uniform(t, d.Format(DayLayout), PT60M, slots, "1", Measured))
		}
	}
	return days
}

// Aggregated periods cover only what was asked (the P1D over
// 15 November – 5 December ended on 1 January, and P1M's first position was
// labelled from 1 November): the first starts where the window does and the
// last ends where it does, positions counting from each period's start.
func TestClipCutsPeriodsToTheWindow(t *testing.T) {
	from, to := osloTime(2026, 11, 15, 0, 0), osloTime(2026, 12, 5, 0, 0)
	days := daysOf(t, from, to)
	checkPeriods(t, Clip(Aggregate(days, Daily), from, to), []wantPeriod{
		{Start: from, End: osloTime(2026, 12, 1, 0, 0), Resolution: "P1D", Revision: 1, Points: repeat(16, 1, "24.000", Measured)},
		{Start: osloTime(2026, 12, 1, 0, 0), End: to, Resolution: "P1D", Revision: 1, Points: repeat(4, 1, "24.000", Measured)},
	})
	checkPeriods(t, Clip(Aggregate(days, Monthly), from, to), []wantPeriod{
		{Start: from, End: to, Resolution: "P1M", Revision: 1, Points: []wantPoint{{1, "384.000", Measured}, {2, "96.000", Measured}}},
	})
	hourly := Clip(Aggregate(days, Hourly), from, to)
	if len(hourly) != 20 || !hourly[0].Start.Equal(from) || !hourly[19].End.Equal(to) || hourly[0].Resolution != "PT1H" {
		t.Errorf("hourly: %d periods, first %+v", len(hourly), hourly[0])
	}
}

// Across the autumn change (25 October 2026 has 25 hours) a day's position
// is still its place in the calendar, and a month cut short on both sides
// keeps its parts.
func TestClipCountsCalendarDaysAcrossDST(t *testing.T) {
	from, to := osloTime(2026, 10, 20, 0, 0), osloTime(2026, 10, 28, 0, 0)
	days := daysOf(t, from, to)
	want := repeat(8, 1, "24.000", Measured)
	want[5].Quantity = "25.000" // 25 October
	checkPeriods(t, Clip(Aggregate(days, Daily), from, to), []wantPeriod{
		{Start: from, End: to, Resolution: "P1D", Revision: 1, Points: want},
	})
	spring := daysOf(t, osloTime(2026, 3, 29, 0, 0), osloTime(2026, 4, 3, 0, 0)) // 29 March has 23 hours
	checkPeriods(t, Clip(Aggregate(spring, Monthly), osloTime(2026, 3, 29, 0, 0), osloTime(2026, 4, 3, 0, 0)), []wantPeriod{
		{Start: osloTime(2026, 3, 29, 0, 0), End: osloTime(2026, 4, 3, 0, 0), Resolution: "P1M", Revision: 1,
			Points: []wantPoint{{1, "71.000", Measured}, {2, "48.000", Measured}}},
	})
	// A window wider than the data leaves the periods as they are.
	wide := Clip(Aggregate(days, Daily), osloTime(2026, 1, 1, 0, 0), osloTime(2027, 1, 1, 0, 0))
	if len(wide) != 1 || !wide[0].Start.Equal(osloTime(2026, 10, 1, 0, 0)) || wide[0].Points[0].Position != 20 {
		t.Errorf("a wide window: %+v", wide)
	}
}
