package metervalues

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/oslo"
)

// Aggregation is how stored days are summed for a query, as an ISO 8601
// duration.
type Aggregation string

const (
	None    Aggregation = "" // the stored resolution
	Hourly  Aggregation = "PT1H"
	Daily   Aggregation = "P1D"
	Monthly Aggregation = "P1M"
)

// ParseAggregation returns s as an Aggregation ("" is None), or a
// fault.InvalidFields error on field "aggregation".
func ParseAggregation(s string) (Aggregation, error) {
	switch a := Aggregation(s); a {
	case None, Hourly, Daily, Monthly:
		return a, nil
	}
	return "", fault.InvalidFields(fault.FieldError{Field: "aggregation", Reason: `must be empty, "PT1H", "P1D" or "P1M"`})
}

// Point is one position of a Period.
type Point struct {
	Position int
	Quantity decimal.Decimal
	Quality  Quality
}

// Period is a CIM-style time interval with a fixed resolution and positioned
// points. Position p covers [Start + (p-1)·Resolution, Start + p·Resolution),
// stepping in elapsed time for PT15M/PT60M/PT1H and in Oslo calendar days
// or months for P1D/P1M; a P1M period that Clip cut to start mid-month has
// the month Start falls in as position 1. Positions without data are left out.
type Period struct {
	Start, End time.Time // in Oslo location
	Resolution string    // "PT15M" or "PT60M" as stored; "PT1H", "P1D" or "P1M" aggregated
	Revision   int       // the highest revision of the days in it
	Points     []Point
}

// Aggregate turns day series, all for one metering point and at most one per
// day, into periods. Days may come in any order and with gaps; they are
// sorted by day first.
//   - None: one period per day, its own resolution, positions as stored.
//   - Hourly: one period per day at PT1H, labelled as asked; PT15M days are
//     summed in fours (a DST day has 23 or 25 hours) and PT60M days pass
//     through.
//   - Daily: one period per Oslo calendar month that has data, spanning the
//     whole month at P1D, one point per day present (Position = day of month).
//   - Monthly: one period from the first to the end of the last month with
//     data at P1M, one point per month present (Position = month index from
//     the period start, 1-based).
//
// Daily and Monthly periods run to whole months: Clip cuts them to what was
// asked for.
//
// An aggregate point's quality is Worse over its parts; quantities are summed
// exactly. The result is empty, not nil, when days is. An unknown by is a
// programming error (use ParseAggregation) and panics.
func Aggregate(days []Series, by Aggregation) []Period {
	sorted := slices.Clone(days)
	slices.SortStableFunc(sorted, func(a, b Series) int { return Date(a.Day).Compare(Date(b.Day)) })
	switch by {
	case None:
		return perDay(sorted, func(s Series) (string, []Point) { return string(s.Resolution), storedPoints(s) })
	case Hourly:
		return perDay(sorted, hourlyPoints)
	case Daily:
		return daily(sorted)
	case Monthly:
		return monthly(sorted)
	}
	panic(fmt.Sprintf("metervalues.Aggregate: unknown aggregation %q", by))
}

func perDay(days []Series, points func(Series) (string, []Point)) []Period {
	periods := make([]Period, 0, len(days))
	for _, s := range days {
		start := Date(s.Day)
		resolution, pts := points(s)
		periods = append(periods, Period{
			Start:      start,
			End:        start.AddDate(0, 0, 1),
			Resolution: resolution,
			Revision:   s.Revision,
			Points:     pts,
		})
	}
	return periods
}

func storedPoints(s Series) []Point {
	points := make([]Point, len(s.Quantities))
	for i, q := range s.Quantities {
		points[i] = Point{Position: i + 1, Quantity: q.Value, Quality: q.Quality}
	}
	return points
}

const quartersPerHour = 4

func hourlyPoints(s Series) (string, []Point) {
	if s.Resolution != PT15M {
		return string(Hourly), storedPoints(s)
	}
	points := make([]Point, 0, (len(s.Quantities)+quartersPerHour-1)/quartersPerHour)
	for i := 0; i < len(s.Quantities); i += quartersPerHour {
		quarters := s.Quantities[i:min(i+quartersPerHour, len(s.Quantities))]
		sum, quality := sumQuantities(quarters)
		if len(quarters) < quartersPerHour {
			// Cannot happen for a validated day, but an hour missing
			// quarters must not pass for a whole one.
			quality = Worse(quality, Incomplete)
		}
		points = append(points, Point{Position: i/quartersPerHour + 1, Quantity: sum, Quality: quality})
	}
	return string(Hourly), points
}

// sumQuantities returns the exact sum and worst quality of qs; an empty qs
// has no data, so it is NotAvailable.
func sumQuantities(qs []Quantity) (decimal.Decimal, Quality) {
	if len(qs) == 0 {
		return decimal.Zero, NotAvailable
	}
	sum, quality := decimal.Zero, Measured
	for _, q := range qs {
		sum = sum.Add(q.Value)
		quality = Worse(quality, q.Quality)
	}
	return sum, quality
}

func monthStart(t time.Time) time.Time {
	y, m, _ := Date(t).Date()
	return time.Date(y, m, 1, 0, 0, 0, 0, oslo.Oslo)
}

func daily(days []Series) []Period {
	periods := []Period{}
	for _, s := range days {
		start := monthStart(s.Day)
		if n := len(periods); n == 0 || !periods[n-1].Start.Equal(start) {
			periods = append(periods, Period{Start: start, End: start.AddDate(0, 1, 0), Resolution: string(Daily)})
		}
		p := &periods[len(periods)-1]
		sum, quality := sumQuantities(s.Quantities)
		p.Points = append(p.Points, Point{Position: Date(s.Day).Day(), Quantity: sum, Quality: quality})
		p.Revision = max(p.Revision, s.Revision)
	}
	return periods
}

func monthly(days []Series) []Period {
	if len(days) == 0 {
		return []Period{}
	}
	first := monthStart(days[0].Day)
	p := Period{
		Start:      first,
		End:        monthStart(days[len(days)-1].Day).AddDate(0, 1, 0),
		Resolution: string(Monthly),
	}
	for _, s := range days {
		month := monthStart(s.Day)
		position := (month.Year()-first.Year())*12 + int(month.Month()-first.Month()) + 1
		sum, quality := sumQuantities(s.Quantities)
		if n := len(p.Points); n > 0 && p.Points[n-1].Position == position {
			last := &p.Points[n-1]
			last.Quantity = last.Quantity.Add(sum)
			last.Quality = Worse(last.Quality, quality)
		} else {
			p.Points = append(p.Points, Point{Position: position, Quantity: sum, Quality: quality})
		}
		p.Revision = max(p.Revision, s.Revision)
	}
	return []Period{p}
}

// Clip cuts periods to [from, to), Oslo midnights, so that each says what
// it really covers: the first starts no earlier than from and the last ends
// no later than to. A P1D period cut at its start counts its positions
// from its new start, and drops a day outside the window (there is none
// when the days were read for it); a P1M period's position 1 stays the
// month its start is in, that month now covered from the start on. A
// period left empty is dropped.
func Clip(periods []Period, from, to time.Time) []Period {
	clipped := make([]Period, 0, len(periods))
	for _, p := range periods {
		start, end := Later(p.Start, from), Earlier(p.End, to)
		if !start.Before(end) {
			continue
		}
		points := p.Points
		if p.Resolution == string(Daily) {
			shift, last := daysBetween(p.Start, start), daysBetween(start, end)
			points = make([]Point, 0, len(p.Points))
			for _, pt := range p.Points {
				if pt.Position -= shift; pt.Position >= 1 && pt.Position <= last {
					points = append(points, pt)
				}
			}
		}
		if len(points) > 0 {
			p.Start, p.End, p.Points = start.In(oslo.Oslo), end.In(oslo.Oslo), points
			clipped = append(clipped, p)
		}
	}
	return clipped
}

// daysBetween counts the Oslo calendar days from a to b, midnights both; a
// day of 23 or 25 hours still counts one.
func daysBetween(a, b time.Time) int {
	return int(math.Round(b.Sub(a).Hours() / 24))
}

// Later is the later of two times.
func Later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// Earlier is the earlier of two times.
func Earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
