package consent_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/grant"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/notify"
	"github.com/tredjepart/tredjepart/shared/registry"
)

// movedOut registers a metering point kari held from moveIn until 30 days
// ago, when ola moved in, and gives third party gln kari's access to it.
func (f fixture) movedOut(t *testing.T, gln ident.GLN) (ident.GSRN, grant.Grant, time.Time) {
	t.Helper()
	ctx := context.Background()
	mp := f.meteringPoint(t)
	moved := metervalues.Date(time.Now()).AddDate(0, 0, -30)
	point, _, err := f.meteringPoints.MeteringPoint(ctx, mp)
	if err != nil {
		t.Fatal(err)
	}
	point.Occupancies = []registry.Occupancy{{EndUser: kari, MoveIn: moveIn, MoveOut: moved}, {EndUser: ola, MoveIn: moved}}
	if _, err := f.meteringPoints.PutMeteringPoint(ctx, point); err != nil {
		t.Fatal(err)
	}
	karis := grant.New(gln, mp, accessrequest.Full, kari, "", moveIn, moved.AddDate(0, -1, 0))
	if err := f.grants.PutGrant(ctx, karis); err != nil {
		t.Fatal(err)
	}
	return mp, karis, moved
}

func TestTheNewEndUserNeitherSeesNorChangesTheAccessTheOldOneGave(t *testing.T) {
	onEach(t, theNewEndUserNeitherSeesNorChangesTheAccessTheOldOneGave)
}

func theNewEndUserNeitherSeesNorChangesTheAccessTheOldOneGave(t *testing.T, f fixture) {
	ctx := context.Background()
	mp, karis, _ := f.movedOut(t, tp)
	holdings, err := f.svc.Overview(ctx, ola)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range holdings {
		if h.MeteringPoint == mp && len(h.Grants) != 0 {
			t.Errorf("ola is shown the access kari gave: %+v", h.Grants)
		}
	}
	if _, err := f.svc.Revoke(ctx, ola, tp, mp); fault.KindOf(err) != fault.NotFound {
		t.Errorf("ola removing kari's access: %v, want not found", err)
	}
	if _, err := f.svc.ChangeLevel(ctx, ola, tp, mp, accessrequest.Limited); fault.KindOf(err) != fault.NotFound {
		t.Errorf("ola changing kari's access: %v, want not found", err)
	}
	if g, _, err := f.grants.Grant(ctx, tp, mp); err != nil || g.Version != karis.Version || g.Status != grant.Active || g.Level != accessrequest.Full {
		t.Fatalf("kari's access is now %+v (%v)", g, err)
	}
}

func TestTheNewEndUserCanGiveTheAccessTheOldOneHad(t *testing.T) {
	onEach(t, theNewEndUserCanGiveTheAccessTheOldOneHad)
}

// The third party that had kari's access asks again, and ola approves: ola's
// grant takes the place of kari's, whose data window ended at the move.
// Given directly, the same.
func theNewEndUserCanGiveTheAccessTheOldOneHad(t *testing.T, f fixture) {
	ctx := context.Background()
	mp, karis, moved := f.movedOut(t, tp)
	r := f.request(t, mp, accessrequest.Limited, time.Hour)
	if _, err := f.svc.Approve(ctx, ola, r.ID, accessrequest.Limited); err != nil {
		t.Fatalf("ola approving: %v", err)
	}
	g, _, err := f.grants.Grant(ctx, tp, mp)
	if err != nil || g.EndUser != ola || !g.DataFrom.Equal(moved) || g.Status != grant.Active || g.Level != accessrequest.Limited ||
		g.RequestID != r.ID || g.Version != karis.Version+2 {
		t.Fatalf("the access after ola approved: %+v (%v)", g, err)
	}
	f.notification(t, r.ID+":approved")
	kept, err := f.grants.GrantHistoryOn(ctx, mp)
	if err != nil || len(kept) != 3 || kept[1].EndUser != kari || kept[1].Status != grant.Revoked {
		t.Fatalf("versions kept: %+v %v; want kari's access to end as ola's is given", kept, err)
	}
	holdings, err := f.svc.Overview(ctx, ola)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range holdings {
		if h.MeteringPoint == mp && (len(h.Grants) != 1 || h.Grants[0].EndUser != ola) {
			t.Errorf("ola's access on the overview: %+v", h.Grants)
		}
	}

	const other ident.GLN = "7090000000042"
	mp2, karis2, _ := f.movedOut(t, other)
	direct, err := f.svc.GrantDirectly(ctx, ola, other, mp2, accessrequest.Full)
	if err != nil || direct.EndUser != ola || direct.Version != karis2.Version+2 {
		t.Fatalf("ola granting directly: %+v %v", direct, err)
	}
	f.notification(t, fmt.Sprintf("grant:%s:%s:%d", other, mp2, direct.Version))
}

func TestTheThirdPartyIsToldTheOldAccessEndedWhenANewOneReplacesIt(t *testing.T) {
	onEach(t, theThirdPartyIsToldTheOldAccessEndedWhenANewOneReplacesIt)
}

// Ola's access replacing kari's ends kari's: the third party is told so as
// a removal is told, under an id of its own (the version between kari's
// last and ola's first), whether ola approves a request or grants directly,
// and an approval made again tells it again under the same id.
func theThirdPartyIsToldTheOldAccessEndedWhenANewOneReplacesIt(t *testing.T, f fixture) {
	ctx := context.Background()
	ended := func(gln ident.GLN, mp ident.GSRN, karis grant.Grant, at time.Time) {
		t.Helper()
		n := f.notification(t, fmt.Sprintf("grant:%s:%s:%d", gln, mp, karis.Version+1))
		if n.Type != notify.GrantRevoked || n.Status != string(grant.Revoked) || n.Level != string(karis.Level) ||
			n.ThirdPartyID != string(gln) || n.MeteringPointID != string(mp) || n.OccurredAt != notify.At(at) {
			t.Errorf("the end of kari's access was told as %+v", n)
		}
	}
	mp, karis, _ := f.movedOut(t, tp)
	r := f.request(t, mp, accessrequest.Limited, time.Hour)
	approved, err := f.svc.Approve(ctx, ola, r.ID, accessrequest.Limited)
	if err != nil {
		t.Fatalf("ola approving: %v", err)
	}
	ended(tp, mp, karis, approved.DecidedAt)
	retried := &notifications{byID: map[string]notify.Notification{}} // as if the first were lost
	f.svc.Notifier, f.notification = retried, retried.get
	if _, err := f.svc.Approve(ctx, ola, r.ID, accessrequest.Limited); err != nil {
		t.Fatalf("ola approving again: %v", err)
	}
	ended(tp, mp, karis, approved.DecidedAt)

	const other ident.GLN = "7090000000043"
	mp2, karis2, _ := f.movedOut(t, other)
	direct, err := f.svc.GrantDirectly(ctx, ola, other, mp2, accessrequest.Full)
	if err != nil {
		t.Fatalf("ola granting directly: %v", err)
	}
	ended(other, mp2, karis2, direct.GrantedAt)
	if created := f.notification(t, fmt.Sprintf("grant:%s:%s:%d", other, mp2, direct.Version)); created.Type != notify.GrantCreated {
		t.Errorf("ola's direct access was told as %+v", created)
	}
}

func TestTheEndUserWhoMovedOutChangesAndRemovesTheAccessTheyGave(t *testing.T) {
	onEach(t, theEndUserWhoMovedOutChangesAndRemovesTheAccessTheyGave)
}

// Kari has moved out, but the access she gave still shows the third party
// her days there: she sees it on her overview, marked with her move-out,
// and may change its level or remove it, as at any time; once ola's access
// has taken its place, there is nothing of hers left to show or change.
func theEndUserWhoMovedOutChangesAndRemovesTheAccessTheyGave(t *testing.T, f fixture) {
	ctx := context.Background()
	mp, karis, moved := f.movedOut(t, tp)
	shown := func(status grant.Status, level accessrequest.Scope) {
		t.Helper()
		holdings, err := f.svc.Overview(ctx, kari)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range holdings {
			if h.MeteringPoint != mp {
				continue
			}
			if !h.MoveOut.Equal(moved) || !h.Since.Equal(moveIn) || len(h.Pending) != 0 || len(h.Grants) != 1 ||
				h.Grants[0].EndUser != kari || h.Grants[0].Status != status || h.Grants[0].Level != level {
				t.Errorf("kari's overview of the point she left: %+v", h)
			}
			return
		}
		t.Errorf("kari's overview does not show the access she gave on the point she left: %+v", holdings)
	}
	shown(grant.Active, accessrequest.Full)
	changed, err := f.svc.ChangeLevel(ctx, kari, tp, mp, accessrequest.Limited)
	if err != nil || changed.Level != accessrequest.Limited || changed.Version != karis.Version+1 {
		t.Fatalf("kari changing the level after moving out: %+v %v", changed, err)
	}
	f.notification(t, fmt.Sprintf("grant:%s:%s:%d", tp, mp, changed.Version))
	shown(grant.Active, accessrequest.Limited)
	removed, err := f.svc.Revoke(ctx, kari, tp, mp)
	if err != nil || removed.Status != grant.Revoked {
		t.Fatalf("kari removing the access after moving out: %+v %v", removed, err)
	}
	if n := f.notification(t, fmt.Sprintf("grant:%s:%s:%d", tp, mp, removed.Version)); n.Type != notify.GrantRevoked {
		t.Errorf("kari's removal was told as %+v", n)
	}
	shown(grant.Revoked, accessrequest.Limited)

	mp2, _, _ := f.movedOut(t, tp)
	if _, err := f.svc.GrantDirectly(ctx, ola, tp, mp2, accessrequest.Limited); err != nil {
		t.Fatal(err)
	}
	holdings, err := f.svc.Overview(ctx, kari)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range holdings {
		if h.MeteringPoint == mp2 {
			t.Errorf("kari is shown ola's access, which took the place of hers: %+v", h)
		}
	}
	if _, err := f.svc.Revoke(ctx, kari, tp, mp2); fault.KindOf(err) != fault.NotFound {
		t.Errorf("kari removing ola's access: %v, want not found", err)
	}
}
