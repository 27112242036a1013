package synthetic

import (
	"math"
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/oslo"
	"github.com/tredjepart/tredjepart/shared/registry"
)

const (
	hoursPerYear      = 8766 // 365.25 days
	estimatedDayShare = 0.03 // days on which the meter was not read for a while
)

// Day returns mp's series for the Oslo day containing day. Revision 1 is the
// first submission; a higher revision is a correction and always differs
// from revision 1. Quantities are whole watt-hours with exactly 3 decimals.
func Day(o Options, mp registry.MeteringPoint, day time.Time, revision int) metervalues.Series {
	day = metervalues.Date(day)
	resolution := mp.Resolution
	if resolution.Step() == 0 {
		resolution = metervalues.PT60M
	}
	step := resolution.Step()
	hours := step.Hours()
	n := metervalues.SlotsOn(day, resolution)
	r := rng(o.Seed, streamDay, idKey(mp.ID), dayKey(day))
	m := newDayModel(o, mp, day)

	dayFactor := math.Exp(0.1 * r.NormFloat64())
	// Shorter slots average over less time, so they vary more.
	noise := m.noise / math.Sqrt(hours)
	expected := make([]float64, n) // kWh without noise: what an estimate would say
	qs := make([]metervalues.Quantity, n)
	for k := range n {
		// The local clock hour, which on a DST day repeats or skips an hour.
		at := day.Add(time.Duration(k)*step + step/2).In(oslo.Oslo)
		h := float64(at.Hour()) + float64(at.Minute())/60
		kw := m.power(h) * dayFactor
		expected[k] = kw * hours
		measured := kw * min(3, max(0.2, 1+noise*r.NormFloat64()))
		if r.Float64() < m.spikesPerHour(h)*hours {
			measured += 1.5 + 2*r.Float64() // oven, sauna, water heater
		}
		qs[k] = quantity(measured*hours, metervalues.Measured)
	}
	if r.Float64() < estimatedDayShare {
		// A gap in collection of up to 4 hours, filled in by estimate.
		start, length := r.IntN(n), 1+r.IntN(int(4/hours))
		for k := start; k < min(n, start+length); k++ {
			qs[k] = quantity(expected[k], metervalues.Estimated)
		}
	}
	s := metervalues.Series{MeteringPoint: mp.ID, Day: day, Resolution: resolution, Quantities: qs, Revision: 1}
	if revision > 1 {
		s = correct(o, s, revision)
	}
	return s
}

// Corrected reports whether mp's day is re-sent later with changed values.
func Corrected(o Options, mp registry.MeteringPoint, day time.Time) bool {
	return uniform(o.Seed, streamCorrected, idKey(mp.ID), dayKey(day)) < o.CorrectionShare
}

// correct is what a metering system re-sends after validation: estimates
// replaced by readings, and a stretch of up to 3 hours re-read.
func correct(o Options, original metervalues.Series, revision int) metervalues.Series {
	r := rng(o.Seed, streamCorrection, idKey(original.MeteringPoint), dayKey(original.Day), uint64(revision))
	hours := original.Resolution.Step().Hours()
	qs := slices.Clone(original.Quantities)
	rescale := func(k int, lo, span float64) {
		qs[k] = quantity(kWh(qs[k].Value)*(lo+span*r.Float64()), metervalues.Measured)
	}
	for k, q := range qs {
		if q.Quality == metervalues.Estimated {
			rescale(k, 0.7, 0.6)
		}
	}
	start, length := r.IntN(len(qs)), 1+r.IntN(int(3/hours))
	for k := start; k < min(len(qs), start+length); k++ {
		rescale(k, 0.85, 0.3)
	}
	s := original
	s.Quantities, s.Revision = qs, revision
	if s.SameValues(original) {
		// Rounding can undo a small change; a correction must change something.
		qs[start].Value = qs[start].Value.Add(decimal.New(1, -metervalues.Decimals))
	}
	return s
}

// quantity rounds kWh to whole watt-hours: the float is only the model, the
// stored value is an exact decimal with 3 decimals.
func quantity(kwh float64, q metervalues.Quality) metervalues.Quantity {
	wh := max(0, int64(math.Round(kwh*1000)))
	return metervalues.Quantity{Value: decimal.New(wh, -metervalues.Decimals), Quality: q}
}

func kWh(d decimal.Decimal) float64 { return float64(d.Shift(metervalues.Decimals).IntPart()) / 1000 }

// dayModel is one point's expected power over one day.
type dayModel struct {
	power         func(h float64) float64 // kW at local clock hour h
	spikesPerHour func(h float64) float64
	noise         float64 // relative, per hour
}

// Heating amplitude by bidding zone: the north is colder, the west milder.
var heatingAmplitude = map[registry.PriceArea]float64{"NO1": 0.9, "NO2": 0.85, "NO3": 0.95, "NO4": 1.0, "NO5": 0.8}

func newDayModel(o Options, mp registry.MeteringPoint, day time.Time) dayModel {
	eac, _ := mp.EstimatedAnnualConsumption.Float64()
	if eac <= 0 {
		eac = 16000
	}
	base := eac / hoursPerYear * userFactor(o, mp, day)
	// winter is 1 in late January and -1 in late July.
	winter := math.Cos(2 * math.Pi * float64(day.YearDay()-20) / 365.25)
	amplitude, ok := heatingAmplitude[mp.PriceArea]
	if !ok {
		amplitude = 0.9
	}
	weather := weather(o, mp.PriceArea, day)
	heat := max(0.03, 1+amplitude*winter+weather)
	offDay := !oslo.IsBusinessDay(day)

	if IsCabin(o, mp.ID) {
		from, to := cabinStay(o, mp.ID, day)
		occupied := func(h float64) bool { return from <= h && h < to }
		// Remote-controlled heaters warm the cabin up before arrival in winter.
		preheat := func(h float64) bool { return winter > 0 && from > 0 && h >= from-6 && h < from }
		frost := max(0.05, 0.5+0.6*winter+0.5*weather)
		return dayModel{
			power: func(h float64) float64 {
				switch {
				case occupied(h):
					return base * (2.2*cabinShape(h) + 3*heat*heatShape(h))
				case preheat(h):
					return base * 3 * heat
				}
				return base * (0.35*frost + 0.05)
			},
			spikesPerHour: func(h float64) float64 {
				if occupied(h) {
					return 0.08
				}
				return 0
			},
			noise: 0.3,
		}
	}
	appliances := 1 + 0.15*winter // light and indoor life in the dark season
	shape := weekdayShape
	if offDay {
		shape = weekendShape
	}
	return dayModel{
		power: func(h float64) float64 {
			return base * (0.45*appliances*shape(h) + 0.55*heat*heatShape(h))
		},
		spikesPerHour: func(float64) float64 { return 0.04 },
		noise:         0.2,
	}
}

// userFactor sets households apart: the same house uses more with a family
// of five than with one person, and an empty one only keeps warm. It is
// keyed by the move-in, not the end-user id, so that values do not depend
// on the pseudonymisation key.
func userFactor(o Options, mp registry.MeteringPoint, day time.Time) float64 {
	occupancy, ok := mp.EndUserAt(day)
	if !ok {
		return 0.4
	}
	return 0.75 + 0.4*uniform(o.Seed, streamUser, idKey(mp.ID), dayKey(occupancy.MoveIn))
}

// weather is the day's temperature anomaly in heating terms, shared by a
// bidding zone and carried over a few days, as weather is.
func weather(o Options, area registry.PriceArea, day time.Time) float64 {
	d, a := dayKey(day), stringKey(string(area))
	n := func(back uint64) float64 { return rng(o.Seed, streamWeather, a, d-back).NormFloat64() }
	return 0.25 * (0.5*n(0) + 0.3*n(1) + 0.2*n(2))
}

// cabinStay returns the local hours [from, to) in which the cabin is in use
// on day; from == to when it is empty. Visits cover runs of days off
// (weekends and holidays), arriving at 17 the workday before and leaving at
// 15 on the last day; some owners also stay whole holiday weeks.
func cabinStay(o Options, id ident.GSRN, day time.Time) (from, to float64) {
	if longStay(o, id, day) {
		return 0, 24
	}
	next := day.AddDate(0, 0, 1)
	switch {
	case offDay(day):
		start, end := offRun(day)
		if !visits(o, id, start, end) {
			return 0, 0
		}
		if day.Equal(end) && !longStay(o, id, next) {
			return 0, 15
		}
		return 0, 24
	case offDay(next):
		if start, end := offRun(next); visits(o, id, start, end) {
			return 17, 24
		}
	}
	return 0, 0
}

func offDay(day time.Time) bool { return !oslo.IsBusinessDay(day) }

// offRun returns the first and last day of the run of days off around day.
func offRun(day time.Time) (start, end time.Time) {
	start, end = day, day
	for offDay(start.AddDate(0, 0, -1)) {
		start = start.AddDate(0, 0, -1)
	}
	for offDay(end.AddDate(0, 0, 1)) {
		end = end.AddDate(0, 0, 1)
	}
	return start, end
}

// visits reports whether the owner uses the days off from start to end.
func visits(o Options, id ident.GSRN, start, end time.Time) bool {
	p := [...]float64{0.35, 0.35, 0.35, 0.35, 0.3, 0.3, 0.4, 0.4, 0.25, 0.25, 0.15, 0.15}[start.Month()-1]
	if end.Sub(start) > 36*time.Hour { // Easter, Whitsun, Christmas: longer breaks draw more people
		p = 0.6
	}
	return uniform(o.Seed, streamVisit, idKey(id), dayKey(start)) < p
}

// longStay reports whether the owner spends day's whole week at the cabin:
// summer holiday (weeks 28–31) or the winter break (week 8 or 9).
func longStay(o Options, id ident.GSRN, day time.Time) bool {
	year, week := day.ISOWeek()
	winterWeek := 8 + int(idKey(id)%2)
	if (week < 28 || week > 31) && week != winterWeek {
		return false
	}
	return uniform(o.Seed, streamLongStay, idKey(id), uint64(year*100+week)) < 0.45
}

func bell(h, mu, sigma float64) float64 {
	z := (h - mu) / sigma
	return math.Exp(-0.5 * z * z)
}

// normalized scales a daily shape to a mean of 1 over 24 hours, so that the
// shape sets the hour and the model sets the amount.
func normalized(f func(float64) float64) func(float64) float64 {
	sum := 0.0
	for q := range 96 {
		sum += f((float64(q) + 0.5) / 4)
	}
	mean := sum / 96
	return func(h float64) float64 { return f(h) / mean }
}

var (
	// Weekdays: breakfast, a little at midday, dinner, evening.
	weekdayShape = normalized(func(h float64) float64 {
		return 0.5 + 0.9*bell(h, 7.2, 0.9) + 0.3*bell(h, 12.5, 2.5) + 1.3*bell(h, 18.3, 1.7) + 0.6*bell(h, 21.5, 1.3)
	})
	// Days off: a later morning and more at home during the day.
	weekendShape = normalized(func(h float64) float64 {
		return 0.5 + 0.8*bell(h, 9.5, 1.5) + 0.7*bell(h, 13, 2.5) + 1.2*bell(h, 18, 1.8) + 0.6*bell(h, 22, 1.3)
	})
	// Heating: a morning boost and a night setback.
	heatShape = normalized(func(h float64) float64 {
		return 1 + 0.25*bell(h, 6.5, 1.5) + 0.15*bell(h, 18, 3) - 0.2*bell(h, 2.5, 2)
	})
	// Cabins in use: late breakfast, dinner and the evening sauna.
	cabinShape = normalized(func(h float64) float64 {
		return 0.4 + 1.2*bell(h, 9.5, 1.5) + 1.5*bell(h, 18, 2) + 0.8*bell(h, 21.5, 1.5)
	})
)
