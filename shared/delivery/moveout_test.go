package delivery_test

import (
	"context"
	"testing"
	"time"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/delivery"
	"github.com/tredjepart/tredjepart/shared/grant"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/registry"
)

// Kari gave access and moved out; ola moved in on w.day. The daily
// delivery and the corrections bring the third party kari's days only,
// until ola's access takes the place of kari's: then ola's days, and no
// longer kari's.
func TestAfterAMoveOnlyTheDaysOfWhoeverGaveTheAccessAreDelivered(t *testing.T) {
	w := newWorld(t, mpA)
	ctx := context.Background()
	kariOut := w.day
	point, _, _ := w.MeteringPoints.MeteringPoint(ctx, mpA)
	point.Occupancies = []registry.Occupancy{{EndUser: "p1_kari", MoveIn: moveIn, MoveOut: kariOut}, {EndUser: "p1_ola", MoveIn: kariOut}}
	if _, err := w.MeteringPoints.PutMeteringPoint(ctx, point); err != nil {
		t.Fatal(err)
	}
	lastOfKari, firstOfOla := kariOut.AddDate(0, 0, -1), kariOut
	stored := map[time.Time]metervalues.Series{}
	for _, day := range []time.Time{lastOfKari, firstOfOla} {
		stored[day] = w.storeDay(t, mpA, day, "0.5")
	}
	deliver := func(day time.Time) delivery.Result {
		t.Helper()
		r, err := w.deliverer.Deliver(ctx, delivery.Job{ThirdParty: enabledTP, Day: day.Format(metervalues.DayLayout), MeteringPoints: []ident.GSRN{mpA}})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if r := deliver(lastOfKari); r.Delivered != 1 {
		t.Errorf("kari's last day: %+v, want it delivered", r)
	}
	if r := deliver(firstOfOla); r.OutsideWindow != 1 || r.NoAccess != 0 || r.Delivered != 0 || r.Late != 0 {
		t.Errorf("ola's first day on kari's access: %+v, want it outside the access's window: not due, not awaited", r)
	}
	corrected := w.storeDay(t, mpA, firstOfOla, "0.7")
	if err := w.changes.DayStored(ctx, delivery.DayStored{Series: corrected, BeforeRevision: stored[firstOfOla].Revision}); err != nil {
		t.Fatal(err)
	}
	if _, _, found, _ := w.Outbox.Document(ctx, enabledTP, delivery.DocumentID(delivery.Correction, mpA, firstOfOla, corrected.Revision)); found {
		t.Error("the correction of ola's day went to the holder of kari's access")
	}

	karis, _, _ := w.Grants.Grant(ctx, enabledTP, mpA)
	if err := w.Grants.PutGrant(ctx, grant.New(enabledTP, mpA, accessrequest.Limited, "p1_ola", "", kariOut, time.Now()).After(karis)); err != nil {
		t.Fatal(err)
	}
	if r := deliver(firstOfOla); r.Delivered != 1 {
		t.Errorf("ola's first day on ola's access: %+v, want it delivered", r)
	}
	if r := deliver(lastOfKari.AddDate(0, 0, -1)); r.OutsideWindow != 1 || r.NoAccess != 0 {
		t.Errorf("kari's day on ola's access: %+v, want it outside the access's window", r)
	}
}
