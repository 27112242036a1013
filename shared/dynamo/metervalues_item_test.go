package dynamo

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tredjepart/tredjepart/shared/metervalues"
)

func TestDayItemRoundTripsExactly(t *testing.T) {
	day, _ := metervalues.ParseDay("2026-03-29")
	for _, qualities := range [][]metervalues.Quality{{metervalues.Measured}, {metervalues.Measured, metervalues.Estimated}} {
		s := metervalues.Series{MeteringPoint: "707057500000001015", Day: day, Resolution: metervalues.PT60M, Revision: 3,
			ReceivedAt: time.Date(2026, 3, 30, 5, 0, 0, 0, time.UTC)}
		for i := range 23 {
			v := decimal.RequireFromString([]string{"0", "0.001", "1.5", "999999999.999", "12.345"}[i%5])
			s.Quantities = append(s.Quantities, metervalues.Quantity{Value: v, Quality: qualities[i%len(qualities)]})
		}
		got, err := fromDayItem(toDayItem(s))
		if err != nil {
			t.Fatal(err)
		}
		if !got.SameValues(s) || got.Revision != 3 || !got.Day.Equal(day) || !got.ReceivedAt.Equal(s.ReceivedAt) || got.MeteringPoint != s.MeteringPoint {
			t.Fatalf("round trip:\n got %+v\nwant %+v", got, s)
		}
	}
}
