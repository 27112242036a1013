package ingest_test

// Master data and meter values sent by many goroutines at once, on the
// fakes and (-tags integration, moto_test.go) on moto:
// every item is stored or answers a conflict, never an internal error, and
// the version or revision counts exactly the writes that succeeded.

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/conflict"
	"github.com/tredjepart/tredjepart/shared/conflict/conflicttest"
	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/ingest"
	"github.com/tredjepart/tredjepart/shared/inmem"
	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/storetest"
)

const writers = 16

type fixture struct {
	svc      *ingest.Service
	registry storetest.MeteringPoints
	values   storetest.MeterValues
}

// backend makes the stores a test runs on.
type backend struct {
	name      string
	newStores func(t *testing.T) (storetest.MeteringPoints, storetest.MeterValues)
}

// backends are the fakes, and moto's tables under -tags integration.
var backends = []backend{{"inmem", func(*testing.T) (storetest.MeteringPoints, storetest.MeterValues) {
	return inmem.NewMeteringPoints(), inmem.NewMeterValues()
}}}

// onEach runs test on each backend, with the service on its stores.
func onEach(t *testing.T, test func(t *testing.T, f fixture)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			reg, values := b.newStores(t)
			test(t, fixture{svc: &ingest.Service{MeteringPoints: reg, Values: values, Clock: clock.System{}}, registry: reg, values: values})
		})
	}
}

var serial atomic.Int64

// masterData is valid master data for a fresh metering point, its estimate kWh.
func masterData(t *testing.T, id ident.GSRN, estimate int64) registry.MeteringPoint {
	t.Helper()
	return registry.MeteringPoint{ID: id, Type: registry.Consumption, AccountingPoint: true, Status: registry.Connected,
		Address: registry.Address{Municipality: "Oslo"}, GridArea: "50YTESTAREA0000X", PriceArea: "NO1", Resolution: metervalues.PT60M,
		EstimatedAnnualConsumption: decimal.NewFromInt(estimate),
		Occupancies:                []registry.Occupancy{{EndUser: "p1_kari", MoveIn: registry.Date(2021, 8, 1)}}}
}

func freshGSRN(t *testing.T) ident.GSRN {
	t.Helper()
	id, err := ident.GSRNWithCheckDigit(fmt.Sprintf("70705755%09d", serial.Add(1)))
	if err != nil {
		t.Fatal(err)
	}
	return id
}

type result struct {
	outcome ingest.Outcome
	err     error
}

// together runs call from writers goroutines at once.
func together(call func(i int) result) []result { return conflicttest.Together(writers, call) }

// outcomes counts the outcomes, failing for any error but a conflict.
func outcomes(t *testing.T, results []result) map[ingest.Outcome]int {
	t.Helper()
	counts := map[ingest.Outcome]int{}
	for i, r := range results {
		if conflicttest.SuccessOrConflict(t, i, r.err) {
			counts[r.outcome]++
		}
	}
	return counts
}

// Different master data for one metering point from many senders at once.
func TestConcurrentMasterDataReplacements(t *testing.T) { onEach(t, concurrentMasterDataReplacements) }

func concurrentMasterDataReplacements(t *testing.T, f fixture) {
	id := freshGSRN(t)
	counts := outcomes(t, together(func(i int) result {
		outcome, err := f.svc.PutMasterData(context.Background(), masterData(t, id, int64(1000+i)))
		return result{outcome, err}
	}))
	stored, found, err := f.registry.MeteringPoint(context.Background(), id)
	if err != nil || !found {
		t.Fatal(found, err)
	}
	if counts[ingest.Created] != 1 || stored.Version != counts[ingest.Created]+counts[ingest.Updated] {
		t.Errorf("outcomes %v; stored version %d", counts, stored.Version)
	}
}

// The same master data from many senders at once (a retried batch): one
// creates it, the rest find it unchanged.
func TestConcurrentSameMasterData(t *testing.T) { onEach(t, concurrentSameMasterData) }

func concurrentSameMasterData(t *testing.T, f fixture) {
	id := freshGSRN(t)
	counts := outcomes(t, together(func(int) result {
		outcome, err := f.svc.PutMasterData(context.Background(), masterData(t, id, 4200))
		return result{outcome, err}
	}))
	if counts[ingest.Created] != 1 || counts[ingest.Unchanged] != writers-1 {
		t.Errorf("outcomes %v", counts)
	}
}

// Corrections of one day from many senders at once: the revision counts
// the writes that succeeded.
func TestConcurrentCorrectionsOfADay(t *testing.T) { onEach(t, concurrentCorrectionsOfADay) }

func concurrentCorrectionsOfADay(t *testing.T, f fixture) {
	ctx := context.Background()
	id := freshGSRN(t)
	if _, err := f.svc.PutMasterData(ctx, masterData(t, id, 4200)); err != nil {
		t.Fatal(err)
	}
	day := metervalues.Date(time.Now().AddDate(0, 0, -2))
	results := together(func(i int) result {
		qs := make([]metervalues.Quantity, metervalues.SlotsOn(day, metervalues.PT60M))
		for n := range qs {
			qs[n] = metervalues.Quantity{Value: decimal.NewFromInt(int64(i)), Quality: metervalues.Measured}
		}
		_, outcome, err := f.svc.PutSeries(ctx, metervalues.Series{MeteringPoint: id, Day: day, Resolution: metervalues.PT60M, Quantities: qs})
		return result{outcome, err}
	})
	counts := outcomes(t, results)
	stored, err := f.values.Days(ctx, id, day, day.AddDate(0, 0, 1))
	if err != nil || len(stored) != 1 {
		t.Fatal(stored, err)
	}
	if counts[ingest.Created] != 1 || stored[0].Revision != counts[ingest.Created]+counts[ingest.Corrected] {
		t.Errorf("outcomes %v; stored revision %d", counts, stored[0].Revision)
	}
}

// racedPoints lets another sender replace the master data between every
// read and write of it.
type racedPoints struct {
	storetest.MeteringPoints
	writes int
}

func (r *racedPoints) ReplaceMeteringPoint(ctx context.Context, current, mp registry.MeteringPoint) (bool, error) {
	r.writes++
	other := current
	other.MeterNumber = fmt.Sprintf("other-%d", r.writes)
	if _, err := r.MeteringPoints.ReplaceMeteringPoint(ctx, current, other); err != nil {
		return false, err
	}
	return r.MeteringPoints.ReplaceMeteringPoint(ctx, current, mp)
}

// Master data that loses every race is sent a bounded number of times and
// then is a conflict for that item, not an internal error.
func TestMasterDataThatAlwaysLosesIsAConflict(t *testing.T) {
	onEach(t, masterDataThatAlwaysLosesIsAConflict)
}

func masterDataThatAlwaysLosesIsAConflict(t *testing.T, f fixture) {
	ctx := context.Background()
	id := freshGSRN(t)
	if _, err := f.svc.PutMasterData(ctx, masterData(t, id, 1)); err != nil {
		t.Fatal(err)
	}
	raced := &racedPoints{MeteringPoints: f.registry}
	svc := *f.svc
	svc.MeteringPoints = raced
	if _, err := svc.PutMasterData(ctx, masterData(t, id, 2)); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("master data that always lost answered %v, want a conflict", err)
	}
	if raced.writes != conflict.Attempts {
		t.Errorf("%d writes, want %d", raced.writes, conflict.Attempts)
	}
}
