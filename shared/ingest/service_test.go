package ingest_test

// The service's rules, on the fakes: what is stored, and what is refused
// with which fault.

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/ingest"
	"github.com/tredjepart/tredjepart/shared/inmem"
	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/registry"
)

func onFakes() (*ingest.Service, *inmem.MeteringPoints, *inmem.MeterValues) {
	reg, values := inmem.NewMeteringPoints(), inmem.NewMeterValues()
	return &ingest.Service{MeteringPoints: reg, Values: values, Clock: clock.System{}}, reg, values
}

// daySeries is a whole PT60M day two days ago, every position kWh.
func daySeries(id ident.GSRN, kWh int64) metervalues.Series {
	day := metervalues.Date(time.Now().AddDate(0, 0, -2))
	qs := make([]metervalues.Quantity, metervalues.SlotsOn(day, metervalues.PT60M))
	for n := range qs {
		qs[n] = metervalues.Quantity{Value: decimal.NewFromInt(kWh), Quality: metervalues.Measured}
	}
	return metervalues.Series{MeteringPoint: id, Day: day, Resolution: metervalues.PT60M, Quantities: qs}
}

func TestMasterDataIsCreatedUpdatedOrUnchanged(t *testing.T) {
	svc, reg, _ := onFakes()
	ctx := context.Background()
	id := freshGSRN(t)
	for i, want := range []ingest.Outcome{ingest.Created, ingest.Unchanged, ingest.Updated} {
		estimate := int64(1000)
		if i == 2 {
			estimate = 2000
		}
		if outcome, err := svc.PutMasterData(ctx, masterData(t, id, estimate)); err != nil || outcome != want {
			t.Fatalf("write %d: %s %v, want %s", i+1, outcome, err, want)
		}
	}
	stored, _, _ := reg.MeteringPoint(ctx, id)
	if stored.Version != 2 || !stored.EstimatedAnnualConsumption.Equal(decimal.NewFromInt(2000)) {
		t.Fatalf("stored %+v", stored)
	}
}

func TestInvalidMasterDataIsRefusedAndNotStored(t *testing.T) {
	svc, reg, _ := onFakes()
	id := freshGSRN(t)
	bad := masterData(t, id, 1000)
	bad.PriceArea = "NO9"
	if _, err := svc.PutMasterData(context.Background(), bad); fault.KindOf(err) != fault.Invalid {
		t.Fatalf("invalid master data answered %v", err)
	}
	if _, found, _ := reg.MeteringPoint(context.Background(), id); found {
		t.Fatal("invalid master data was stored")
	}
}

// A data provider sends only for its own grid areas, as stored and as sent.
func TestADataProviderSendsOnlyForItsGridAreas(t *testing.T) {
	svc, _, _ := onFakes()
	ctx := context.Background()
	id := freshGSRN(t)
	mp := masterData(t, id, 1000)
	owner := registry.DataProvider{GLN: "7080000000019", Name: "Nett AS", Role: registry.GridCompany, GridAreas: []string{mp.GridArea}}
	other := registry.DataProvider{GLN: "7080000000026", Name: "Annet Nett AS", Role: registry.GridCompany, GridAreas: []string{"50YOTHERAREA000X"}}
	if _, err := svc.PutMasterDataFrom(ctx, other, mp); fault.KindOf(err) != fault.Forbidden {
		t.Fatalf("master data outside the sender's grid areas: %v", err)
	}
	if outcome, err := svc.PutMasterDataFrom(ctx, owner, mp); err != nil || outcome != ingest.Created {
		t.Fatalf("the owner's master data: %s %v", outcome, err)
	}
	moved := mp
	moved.GridArea = other.GridAreas[0]
	if _, err := svc.PutMasterDataFrom(ctx, other, moved); fault.KindOf(err) != fault.Forbidden {
		t.Fatalf("another moved the metering point into its area: %v", err)
	}
	if _, _, err := svc.PutSeriesFrom(ctx, other, daySeries(id, 1)); fault.KindOf(err) != fault.Forbidden {
		t.Fatalf("values for another's metering point: %v", err)
	}
	if _, outcome, err := svc.PutSeriesFrom(ctx, owner, daySeries(id, 1)); err != nil || outcome != ingest.Created {
		t.Fatalf("the owner's values: %s %v", outcome, err)
	}
}

func TestSeriesAreCreatedUnchangedOrCorrected(t *testing.T) {
	svc, _, values := onFakes()
	ctx := context.Background()
	id := freshGSRN(t)
	if _, err := svc.PutMasterData(ctx, masterData(t, id, 1000)); err != nil {
		t.Fatal(err)
	}
	for i, step := range []struct {
		kWh      int64
		outcome  ingest.Outcome
		revision int
	}{{1, ingest.Created, 1}, {1, ingest.Unchanged, 1}, {2, ingest.Corrected, 2}} {
		stored, outcome, err := svc.PutSeries(ctx, daySeries(id, step.kWh))
		if err != nil || outcome != step.outcome || stored.Revision != step.revision || stored.ReceivedAt.IsZero() {
			t.Fatalf("series %d: %s revision %d received %v, %v", i+1, outcome, stored.Revision, stored.ReceivedAt, err)
		}
	}
	day := daySeries(id, 0).Day
	if stored, _ := values.Days(ctx, id, day, day.AddDate(0, 0, 1)); len(stored) != 1 || !stored[0].Quantities[0].Value.Equal(decimal.NewFromInt(2)) {
		t.Fatalf("stored %+v", stored)
	}
}

func TestSeriesAreRefusedForAnUnknownPointOrAnotherResolution(t *testing.T) {
	svc, _, values := onFakes()
	ctx := context.Background()
	unknown := freshGSRN(t)
	_, _, err := svc.PutSeries(ctx, daySeries(unknown, 1))
	var coded *fault.Error
	if fault.KindOf(err) != fault.Unprocessable || !errors.As(err, &coded) || coded.Code != "E10" {
		t.Fatalf("values for an unregistered metering point: %v", err)
	}
	id := freshGSRN(t)
	mp := masterData(t, id, 1000)
	mp.Resolution = metervalues.PT15M
	if _, err := svc.PutMasterData(ctx, mp); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.PutSeries(ctx, daySeries(id, 1)); fault.KindOf(err) != fault.Invalid {
		t.Fatalf("hourly values for a quarter-hourly metering point: %v", err)
	}
	future := daySeries(id, 1)
	future.Day = metervalues.Date(time.Now().AddDate(0, 0, 2))
	if _, _, err := svc.PutSeries(ctx, future); fault.KindOf(err) != fault.Invalid {
		t.Fatalf("values for a day to come: %v", err)
	}
	day := daySeries(id, 0).Day
	if stored, _ := values.Days(ctx, id, day.AddDate(0, 0, -1), day.AddDate(0, 0, 5)); len(stored) != 0 {
		t.Fatalf("refused values were stored: %+v", stored)
	}
}
