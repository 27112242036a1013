package personaldata_test

import (
	"context"
	"testing"
	"time"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/registry"
)

// Kari's access, never removed, ends when Ola's takes its place after the
// move: Kari's export shows it given and then removed at that moment.
func TestAnAccessReplacedAfterAMoveEndsInTheOldEndUsersExport(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	mp := ident.GSRN("707057500000000048")
	moved := registry.Date(2025, 6, 1)
	w.meteringPoint(t, mp, "Storgata 2",
		registry.Occupancy{EndUser: kari, MoveIn: registry.Date(2024, 1, 1), MoveOut: moved},
		registry.Occupancy{EndUser: ola, MoveIn: moved})
	w.clock.set(time.Date(2025, 1, 10, 9, 0, 0, 0, time.UTC))
	rKari := w.request(t, mp)
	must[accessrequest.Request](t)(w.consent.Approve(ctx, kari, rKari.ID, accessrequest.Limited))
	replacedAt := time.Date(2025, 8, 1, 9, 0, 0, 0, time.UTC)
	w.clock.set(replacedAt)
	rOla := w.request(t, mp)
	must[accessrequest.Request](t)(w.consent.Approve(ctx, ola, rOla.ID, accessrequest.Full))

	x, _ := w.exportOf(t, kari)
	if len(x.Grants) != 1 || x.Grants[0].RequestID != rKari.ID || x.Grants[0].Status != "REVOKED" || len(x.Grants[0].Changes) != 2 ||
		x.Grants[0].Changes[1].At != "2025-08-01T09:00:00Z" {
		t.Errorf("Kari's grants %+v: hers, given, and ended when Ola's replaced it", x.Grants)
	}
	if y, _ := w.exportOf(t, ola); len(y.Grants) != 1 || y.Grants[0].RequestID != rOla.ID || y.Grants[0].Status != "ACTIVE" {
		t.Errorf("Ola's grants %+v", y.Grants)
	}
}
