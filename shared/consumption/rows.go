package consumption

import (
	"fmt"
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/oslo"
)

// Row is one bar of the chart and one line of the CSV.
type Row struct {
	Start, End time.Time // in Oslo; End is exclusive
	Quantity   decimal.Decimal
	Quality    metervalues.Quality
}

// Rows flattens periods into rows in time order. Position p of a period
// covers [Start + (p-1)·Resolution, Start + p·Resolution), stepping in
// elapsed time for PT15M and PT60M (right across daylight saving time) and in
// Oslo calendar days or months for P1D and P1M, a month cut to the period. Positions without data have
// no row. A resolution other than those is a programming error and panics.
func Rows(periods []metervalues.Period) []Row {
	rows := []Row{}
	for _, p := range periods {
		for _, pt := range p.Points {
			start, end := interval(p, pt.Position)
			rows = append(rows, Row{Start: start, End: end, Quantity: pt.Quantity, Quality: pt.Quality})
		}
	}
	slices.SortStableFunc(rows, func(a, b Row) int { return a.Start.Compare(b.Start) })
	return rows
}

func interval(p metervalues.Period, position int) (start, end time.Time) {
	from := p.Start.In(oslo.Oslo)
	n := position - 1
	switch p.Resolution {
	case "PT15M", "PT60M", "PT1H":
		step := time.Hour
		if p.Resolution == "PT15M" {
			step = 15 * time.Minute
		}
		start = from.Add(time.Duration(n) * step).In(oslo.Oslo)
		return start, start.Add(step).In(oslo.Oslo)
	case "P1D":
		return from.AddDate(0, 0, n), from.AddDate(0, 0, n+1)
	case "P1M":
		// Position 1 is the month Start is in; a period cut to start or end
		// mid-month (metervalues.Clip) covers only its part of that month.
		month := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, oslo.Oslo)
		start, end = month.AddDate(0, n, 0), month.AddDate(0, n+1, 0)
		if start.Before(from) {
			start = from
		}
		if until := p.End.In(oslo.Oslo); end.After(until) {
			end = until
		}
		return start, end
	}
	panic(fmt.Sprintf("consumption.Rows: unknown resolution %q", p.Resolution))
}

// Total returns the exact sum of the rows' quantities.
func Total(rows []Row) decimal.Decimal {
	total := decimal.Zero
	for _, r := range rows {
		total = total.Add(r.Quantity)
	}
	return total
}
