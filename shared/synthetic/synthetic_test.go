package synthetic

import (
	"bytes"
	"reflect"
	"regexp"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/pseudonym"
	"github.com/tredjepart/tredjepart/shared/registry"
)

func people(t testing.TB) *pseudonym.Pseudonymizer {
	t.Helper()
	p, err := pseudonym.New(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// year2026 is a whole year, both DST changes included.
func year2026(points int) Options {
	return Options{
		Points: points, From: registry.Date(2026, 1, 1), To: registry.Date(2027, 1, 1), Seed: 42,
		QuarterHourlyShare: 0.2, CabinShare: 0.15, CorrectionShare: 0.01,
	}
}

// now is after every generated day and within 3 years of all of them.
var now = registry.Date(2027, 1, 2)

func points(t testing.TB, o Options) []registry.MeteringPoint {
	p := people(t)
	mps := make([]registry.MeteringPoint, o.Points)
	for i := range mps {
		mps[i] = MeteringPoint(o, p, i)
	}
	return mps
}

var gridArea = regexp.MustCompile(`^[0-9A-Z-]{16}$`)

func TestMeteringPoints(t *testing.T) {
	o := year2026(2000)
	seen := map[ident.GSRN]bool{}
	var cabins, quarterly, moved int
	for _, mp := range points(t, o) {
		if err := mp.Validate(); err != nil {
			t.Fatalf("%s: %v", mp.ID, err)
		}
		if _, err := ident.ParseGSRN(string(mp.ID)); err != nil {
			t.Fatalf("%s: %v", mp.ID, err)
		}
		if seen[mp.ID] {
			t.Fatalf("%s generated twice", mp.ID)
		}
		seen[mp.ID] = true
		if mp.Type != registry.Consumption || !mp.AccountingPoint || mp.Status != registry.Connected {
			t.Errorf("%s: type %s, accounting point %v, status %s", mp.ID, mp.Type, mp.AccountingPoint, mp.Status)
		}
		if !gridArea.MatchString(mp.GridArea) {
			t.Errorf("%s: grid area %q is not EIC-shaped", mp.ID, mp.GridArea)
		}
		if mp.Address.Street == "" || mp.MeterNumber == "" || mp.Contract == nil || mp.Contract.BalanceSupplier == "" {
			t.Errorf("%s: incomplete master data %+v", mp.ID, mp)
		}
		if _, err := ident.ParseGLN(string(mp.Contract.BalanceSupplier)); err != nil {
			t.Errorf("%s: %v", mp.ID, err)
		}
		eac := mp.EstimatedAnnualConsumption
		low, high := decimal.NewFromInt(12000), decimal.NewFromInt(25000)
		if IsCabin(o, mp.ID) {
			cabins++
			low, high = decimal.NewFromInt(2000), decimal.NewFromInt(6000)
		}
		if eac.Exponent() != -3 || eac.LessThan(low) || eac.GreaterThan(high) {
			t.Errorf("%s: estimated annual consumption %s not in %s–%s with 3 decimals", mp.ID, eac, low, high)
		}
		if mp.Resolution == metervalues.PT15M {
			quarterly++
		}
		if first := mp.Occupancies[0]; !first.MoveIn.Before(o.From) || first.DisplayName == "" {
			t.Errorf("%s: first occupancy %+v", mp.ID, first)
		}
		if len(mp.Occupancies) == 2 && !mp.Occupancies[1].MoveIn.Before(o.From) {
			moved++
			if !mp.Occupancies[1].MoveIn.Before(o.To) || mp.Occupancies[0].EndUser == mp.Occupancies[1].EndUser {
				t.Errorf("%s: move %+v", mp.ID, mp.Occupancies)
			}
		}
		if current, ok := mp.EndUserAt(o.To.AddDate(0, 0, -1)); !ok || mp.Contract.Start.After(o.To) || mp.Contract.Start.Before(current.MoveIn) {
			t.Errorf("%s: contract from %s does not fit the end user %+v", mp.ID, mp.Contract.Start, current)
		}
	}
	share := func(n int) float64 { return float64(n) / float64(o.Points) }
	if s := share(cabins); s < 0.12 || s > 0.18 {
		t.Errorf("cabin share %.3f, want about 0.15", s)
	}
	if s := share(quarterly); s < 0.17 || s > 0.23 {
		t.Errorf("PT15M share %.3f, want about 0.2", s)
	}
	if moved == 0 {
		t.Error("no end user moved during the period")
	}
	if serial := string(GSRN(0)[10:17]); serial != "1000000" {
		t.Errorf("first serial %s, want 1000000 (above the demo's)", serial)
	}
}

func TestDaysValidate(t *testing.T) {
	o := year2026(60)
	spring, autumn := registry.Date(2026, 3, 29), registry.Date(2026, 10, 25)
	var kinds [2][2]bool // cabin?, PT15M?
	for _, mp := range points(t, o) {
		kinds[b2i(IsCabin(o, mp.ID))][b2i(mp.Resolution == metervalues.PT15M)] = true
		for _, day := range o.Days() {
			for revision := 1; revision <= 2; revision++ {
				if revision == 2 && !Corrected(o, mp, day) && !day.Equal(spring) && !day.Equal(autumn) {
					continue
				}
				s := Day(o, mp, day, revision)
				if err := s.Validate(now); err != nil {
					t.Fatalf("%s %s revision %d: %v", mp.ID, day.Format(metervalues.DayLayout), revision, err)
				}
				for i, q := range s.Quantities {
					if q.Value.Exponent() != -3 {
						t.Fatalf("%s %s position %d: %s has exponent %d, want -3", mp.ID, day.Format(metervalues.DayLayout), i+1, q.Value, q.Value.Exponent())
					}
				}
			}
		}
		hourly := map[metervalues.Resolution]int{metervalues.PT60M: 1, metervalues.PT15M: 4}[mp.Resolution]
		if got := len(Day(o, mp, spring, 1).Quantities); got != 23*hourly {
			t.Errorf("%s: %d values on 2026-03-29, want %d", mp.ID, got, 23*hourly)
		}
		if got := len(Day(o, mp, autumn, 1).Quantities); got != 25*hourly {
			t.Errorf("%s: %d values on 2026-10-25, want %d", mp.ID, got, 25*hourly)
		}
	}
	if kinds != [2][2]bool{{true, true}, {true, true}} {
		t.Errorf("points of every kind and resolution: %v", kinds)
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestQualities(t *testing.T) {
	o := year2026(20)
	counts := map[metervalues.Quality]int{}
	for _, mp := range points(t, o) {
		for _, day := range o.Days() {
			for _, q := range Day(o, mp, day, 1).Quantities {
				counts[q.Quality]++
			}
		}
	}
	total := counts[metervalues.Measured] + counts[metervalues.Estimated]
	if share := float64(counts[metervalues.Estimated]) / float64(total); share == 0 || share > 0.02 {
		t.Errorf("qualities %v: want mostly measured and a few estimated", counts)
	}
}

func TestDeterministic(t *testing.T) {
	o := year2026(30)
	a, b := points(t, o), points(t, o)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the same seed gave different metering points")
	}
	day := registry.Date(2026, 3, 29)
	for i := range a {
		if !reflect.DeepEqual(Day(o, a[i], day, 1), Day(o, b[i], day, 1)) || !reflect.DeepEqual(Day(o, a[i], day, 2), Day(o, b[i], day, 2)) {
			t.Fatalf("%s: the same seed gave different values", a[i].ID)
		}
	}
	// Another pseudonymisation key names other end users, but the values stay.
	otherKey, err := pseudonym.New(bytes.Repeat([]byte{8}, 32))
	if err != nil {
		t.Fatal(err)
	}
	for i := range a {
		mp := MeteringPoint(o, otherKey, i)
		if mp.Occupancies[0].EndUser == a[i].Occupancies[0].EndUser || !Day(o, mp, day, 1).SameValues(Day(o, a[i], day, 1)) {
			t.Fatalf("%s: the pseudonymisation key changed the values, or not the end users", mp.ID)
		}
	}
	other := o
	other.Seed++
	c := points(t, other)
	if reflect.DeepEqual(a, c) || Day(o, a[0], day, 1).SameValues(Day(other, a[0], day, 1)) {
		t.Fatal("another seed gave the same data")
	}
}

// monthTotal is a point's consumption over a calendar month, in kWh.
func monthTotal(o Options, mp registry.MeteringPoint, month time.Month) float64 {
	total := decimal.Zero
	for d := registry.Date(2026, month, 1); d.Month() == month; d = d.AddDate(0, 0, 1) {
		total = total.Add(Day(o, mp, d, 1).Total())
	}
	f, _ := total.Float64()
	return f
}

func TestSeasons(t *testing.T) {
	o := year2026(40)
	households := 0
	for _, mp := range points(t, o) {
		jan, jul := monthTotal(o, mp, time.January), monthTotal(o, mp, time.July)
		if IsCabin(o, mp.ID) {
			continue
		}
		households++
		if jan < 2*jul {
			t.Errorf("%s: %.0f kWh in January, %.0f in July: want winter well above summer", mp.ID, jan, jul)
		}
	}
	if households == 0 {
		t.Fatal("no household among the points")
	}
}

func TestAnnualNearEstimate(t *testing.T) {
	o := year2026(40)
	for _, mp := range points(t, o) {
		total := decimal.Zero
		for _, day := range o.Days() {
			total = total.Add(Day(o, mp, day, 1).Total())
		}
		ratio, _ := total.Div(mp.EstimatedAnnualConsumption).Float64()
		if ratio < 0.5 || ratio > 1.6 { // an estimate, and cabin use varies a lot
			t.Errorf("%s (cabin %v): %s kWh in 2026, estimated %s", mp.ID, IsCabin(o, mp.ID), total.StringFixed(0), mp.EstimatedAnnualConsumption)
		}
	}
}

func TestCabinWeekends(t *testing.T) {
	o := year2026(200)
	for _, mp := range points(t, o) {
		if !IsCabin(o, mp.ID) {
			continue
		}
		var weekday, weekend decimal.Decimal
		for d := registry.Date(2026, 1, 5); d.Before(registry.Date(2026, 6, 1)); d = d.AddDate(0, 0, 1) {
			if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
				weekend = weekend.Add(Day(o, mp, d, 1).Total())
			} else if wd == time.Tuesday || wd == time.Wednesday {
				weekday = weekday.Add(Day(o, mp, d, 1).Total())
			}
		}
		// As many Tuesdays and Wednesdays as weekend days in the span.
		if !weekend.GreaterThan(weekday.Mul(decimal.NewFromFloat(1.5))) {
			t.Errorf("cabin %s: %s kWh at weekends, %s on Tuesdays and Wednesdays", mp.ID, weekend, weekday)
		}
	}
}

func TestCorrections(t *testing.T) {
	o := year2026(50)
	o.CorrectionShare = 0.1
	corrected, total := 0, 0
	for _, mp := range points(t, o) {
		for _, day := range o.Days() {
			total++
			if !Corrected(o, mp, day) {
				continue
			}
			corrected++
			original, correction := Day(o, mp, day, 1), Day(o, mp, day, 2)
			if correction.SameValues(original) || correction.Revision != 2 {
				t.Fatalf("%s %s: the correction does not change the values", mp.ID, day.Format(metervalues.DayLayout))
			}
			for _, q := range correction.Quantities {
				if q.Quality == metervalues.Estimated {
					t.Fatalf("%s %s: the correction still has estimates", mp.ID, day.Format(metervalues.DayLayout))
				}
			}
		}
	}
	if share := float64(corrected) / float64(total); share < 0.09 || share > 0.11 {
		t.Errorf("corrected share %.3f, want about 0.1", share)
	}
}

func TestOptionsValidate(t *testing.T) {
	good := year2026(10)
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := []Options{
		{Points: -1, From: good.From, To: good.To},
		{Points: MaxPoints + 1, From: good.From, To: good.To},
		{Points: 1, From: good.To, To: good.From},
		{Points: 1, From: good.From.Add(time.Hour), To: good.To},
		{Points: 1, From: good.From, To: good.To, CabinShare: 1.5},
	}
	for _, o := range bad {
		if o.Validate() == nil {
			t.Errorf("%+v: Validate accepted it", o)
		}
	}
	if n := len(good.Days()); n != 365 {
		t.Errorf("Days() has %d days, want 365", n)
	}
}
