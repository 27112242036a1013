package inmem

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/ingest"
	"github.com/tredjepart/tredjepart/shared/metering"
	"github.com/tredjepart/tredjepart/shared/metervalues"
)

var (
	_ ingest.Values = (*MeterValues)(nil)
	_ metering.Days = (*MeterValues)(nil)
)

// MeterValues keeps one series per metering point per Oslo day, as
// dynamo.MeterValues keeps them in the MeterValues table.
type MeterValues struct {
	mu   sync.Mutex
	days map[ident.GSRN]map[string]metervalues.Series // by day, as metervalues.DayLayout
}

// NewMeterValues returns an empty store.
func NewMeterValues() *MeterValues {
	return &MeterValues{days: map[ident.GSRN]map[string]metervalues.Series{}}
}

func copySeries(s metervalues.Series) metervalues.Series {
	s.Quantities, s.ReceivedAt = slices.Clone(s.Quantities), instant(s.ReceivedAt)
	return s
}

// Day returns one stored day.
func (s *MeterValues) Day(_ context.Context, mp ident.GSRN, day time.Time) (metervalues.Series, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	series, ok := s.days[mp][day.Format(metervalues.DayLayout)]
	return copySeries(series), ok, nil
}

// PutDay stores a day's series: unchanged when it has the stored values,
// else with the revision raised.
func (s *MeterValues) PutDay(_ context.Context, series metervalues.Series) (metervalues.Series, ingest.Outcome, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.days[series.MeteringPoint] == nil {
		s.days[series.MeteringPoint] = map[string]metervalues.Series{}
	}
	day := series.Day.Format(metervalues.DayLayout)
	stored, exists := s.days[series.MeteringPoint][day]
	outcome := ingest.Created
	series.Revision = 1
	if exists {
		if stored.SameValues(series) {
			return copySeries(stored), ingest.Unchanged, nil
		}
		series.Revision, outcome = stored.Revision+1, ingest.Corrected
	}
	s.days[series.MeteringPoint][day] = copySeries(series)
	return copySeries(series), outcome, nil
}

// Days returns the stored days from (inclusive) to (exclusive), in order.
func (s *MeterValues) Days(_ context.Context, mp ident.GSRN, from, to time.Time) ([]metervalues.Series, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	first, last := from.Format(metervalues.DayLayout), to.AddDate(0, 0, -1).Format(metervalues.DayLayout)
	var days []metervalues.Series
	for _, day := range slices.Sorted(maps.Keys(s.days[mp])) {
		if first <= day && day <= last {
			days = append(days, copySeries(s.days[mp][day]))
		}
	}
	return days, nil
}
