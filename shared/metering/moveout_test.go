package metering_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/grant"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/inmem"
	"github.com/tredjepart/tredjepart/shared/metering"
	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/registry"
)

// Kari gave full access and moved out; ola moved in and has a supplier of
// her own. The third party holding kari's access reads kari's days and
// kari's name, never ola's days, name or contract; once ola's access takes
// its place, it reads ola's days and no longer kari's.
func TestAfterAMoveQueriesShowOnlyWhatWhoeverGaveTheAccessHeld(t *testing.T) {
	ctx := context.Background()
	const tp ident.GLN = "7080005051286"
	const mp ident.GSRN = "707057500000001015"
	s := inmem.Open()
	svc := &metering.Service{Grants: s.Grants, MeteringPoints: s.MeteringPoints, Days: s.MeterValues, ReadLog: s.ReadLog, Clock: clock.System{}, NewID: uuid.NewString}
	kariIn, moved := registry.Date(2021, 8, 1), metervalues.Date(time.Now()).AddDate(0, 0, -10)
	if _, err := s.MeteringPoints.PutMeteringPoint(ctx, registry.MeteringPoint{
		ID: mp, AccountingPoint: true, Resolution: metervalues.PT60M, Address: registry.Address{Municipality: "Oslo"},
		Contract: &registry.Contract{BalanceSupplier: "7090000000035", Start: moved},
		Occupancies: []registry.Occupancy{
			{EndUser: "p1_kari", DisplayName: "Kari", MoveIn: kariIn, MoveOut: moved},
			{EndUser: "p1_ola", DisplayName: "Ola", MoveIn: moved},
		},
	}); err != nil {
		t.Fatal(err)
	}
	for day := moved.AddDate(0, 0, -3); day.Before(moved.AddDate(0, 0, 3)); day = day.AddDate(0, 0, 1) {
		qs := make([]metervalues.Quantity, metervalues.SlotsOn(day, metervalues.PT60M))
		for i := range qs {
			qs[i] = metervalues.Quantity{Value: decimal.RequireFromString("1"), Quality: metervalues.Measured}
		}
		if _, _, err := s.MeterValues.PutDay(ctx, metervalues.Series{MeteringPoint: mp, Day: day, Resolution: metervalues.PT60M, Quantities: qs}); err != nil {
			t.Fatal(err)
		}
	}
	karis := grant.New(tp, mp, accessrequest.Full, "p1_kari", "", kariIn, moved.AddDate(0, -1, 0))
	if err := s.Grants.PutGrant(ctx, karis); err != nil {
		t.Fatal(err)
	}
	read := func(from, to time.Time) (metering.Values, error) {
		return svc.MeterValues(ctx, tp, mp, metering.Query{From: from, To: to, Aggregation: metervalues.None})
	}

	v, err := read(moved.AddDate(0, 0, -3), moved.AddDate(0, 0, 3))
	if err != nil || !v.Period.To.Equal(moved) || len(v.Periods) != 3 {
		t.Fatalf("kari's access across the move: period %v, %d days, %v; want the 3 days up to the move-out", v.Period, len(v.Periods), err)
	}
	if _, err := read(moved, moved.AddDate(0, 0, 3)); !isCode(err, metering.CodeOutsideDataWindow) {
		t.Fatalf("ola's days on kari's access: %v, want %s", err, metering.CodeOutsideDataWindow)
	}
	_, md, err := svc.MasterData(ctx, tp, mp)
	if err != nil || md.Full == nil || md.Full.Contract != nil || md.Full.EndUser == nil || md.Full.EndUser.DisplayName != "Kari" {
		t.Fatalf("master data on kari's access: %+v %v", md.Full, err)
	}

	olas := grant.New(tp, mp, accessrequest.Full, "p1_ola", "", moved, time.Now()).After(karis)
	if err := s.Grants.PutGrant(ctx, olas); err != nil {
		t.Fatal(err)
	}
	if v, err := read(moved.AddDate(0, 0, -3), moved.AddDate(0, 0, 3)); err != nil || !v.Period.From.Equal(moved) || len(v.Periods) != 3 {
		t.Fatalf("ola's access across the move: period %v, %d days, %v; want ola's 3 days", v.Period, len(v.Periods), err)
	}
	if _, md, err := svc.MasterData(ctx, tp, mp); err != nil || md.Full.Contract == nil || md.Full.EndUser.DisplayName != "Ola" {
		t.Fatalf("master data on ola's access: %+v %v", md.Full, err)
	}
}

func isCode(err error, code string) bool {
	fe, ok := errors.AsType[*fault.Error](err)
	return ok && fe.Code == code
}
