package main

import (
	"context"
	"fmt"
	"math/big"
	"strings"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/tredjepart/tredjepart/client"
)

// oslo is the time zone of every day in the API.
var oslo = mustLoadLocation("Europe/Oslo")

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err) // the time/tzdata import in main.go embeds it
	}
	return loc
}

// printMonth reads the last month of a metering point's meter values,
// summed per day by the API (aggregation=P1D), and prints them as a table.
func (a *app) printMonth(ctx context.Context, meteringPoint string) error {
	now := time.Now().In(oslo)
	to := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, oslo) // today, not included
	from := to.AddDate(0, -1, 0)
	aggregation := client.GetMeterValuesParamsAggregation("P1D")
	res, err := a.api.GetMeterValuesWithResponse(ctx, meteringPoint, &client.GetMeterValuesParams{
		From:        openapi_types.Date{Time: from},
		To:          openapi_types.Date{Time: to},
		Aggregation: &aggregation,
	})
	if err != nil {
		return fmt.Errorf("meter values of %s: %w", meteringPoint, err)
	}
	values := res.JSON200

	var table strings.Builder
	fmt.Fprintf(&table, "meter values of %s, kWh per day (Europe/Oslo), %s to %s:\n",
		meteringPoint, values.Period.From.Format(time.DateOnly), values.Period.To.Format(time.DateOnly))
	// Quantities are decimal strings ("1.547"): add them exactly, never as
	// floating-point numbers.
	total := new(big.Rat)
	days := 0
	for _, period := range values.Periods {
		// With P1D a period is a calendar month cut to the days read, and
		// position p is the p-th day from its start; days without values
		// have no point.
		for _, point := range period.Points {
			day := period.Start.In(oslo).AddDate(0, 0, point.Position-1)
			quantity, ok := new(big.Rat).SetString(point.Quantity)
			if !ok {
				return fmt.Errorf("meter values of %s: quantity %q is not a decimal", meteringPoint, point.Quantity)
			}
			total.Add(total, quantity)
			days++
			fmt.Fprintf(&table, "  %s  %10s  %s\n", day.Format("Mon 2006-01-02"), point.Quantity, point.Quality)
		}
	}
	fmt.Fprintf(&table, "  %d days with values, %s kWh in all\n", days, total.FloatString(3))
	a.say("%s", table.String())
	return nil
}
