package consent_test

// The consent service's tests run on the fakes (package inmem, and
// in-memory timers and notifications), and under -tags integration on
// moto's tables, Step Functions and notification queue too (moto_test.go).

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/consent"
	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/grant"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/inmem"
	"github.com/tredjepart/tredjepart/shared/notify"
	"github.com/tredjepart/tredjepart/shared/pseudonym"
	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/storetest"
)

const (
	kari pseudonym.EndUserID = "p1_kari"
	ola  pseudonym.EndUserID = "p1_ola"
	tp   ident.GLN           = "7090000000011"
)

type fixture struct {
	svc            *consent.Service
	requests       storetest.Requests
	grants         storetest.Grants
	meteringPoints storetest.MeteringPoints
	parties        partyStore
	// notification returns the notification with id, once it was sent.
	notification func(t *testing.T, id string) notify.Notification
}

// partyStore is what the tests write of parties, and the service reads.
type partyStore interface {
	consent.ThirdParties
	RegisterThirdParty(ctx context.Context, tp registry.ThirdParty) error
}

// backend makes a fixture: its stores, timers and notifications.
type backend struct {
	name  string
	setup func(t *testing.T) fixture
}

// backends are the fakes, and moto under -tags integration.
var backends = []backend{{"inmem", onFakes}}

// onEach runs test on each backend.
func onEach(t *testing.T, test func(t *testing.T, f fixture)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { test(t, b.setup(t)) })
	}
}

// newFixture is the service on the stores, with the tests' hold of them.
func newFixture(requests storetest.Requests, grants storetest.Grants, points storetest.MeteringPoints, parties partyStore,
	expiry accessrequest.Expiry, notifier consent.Notifier, notification func(t *testing.T, id string) notify.Notification) fixture {
	svc := &consent.Service{
		Requests: requests, Grants: grants, MeteringPoints: points, ThirdParties: parties, Expiry: expiry, Notifier: notifier,
		Clock: clock.System{}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	return fixture{svc: svc, requests: requests, grants: grants, meteringPoints: points, parties: parties, notification: notification}
}

func onFakes(*testing.T) fixture {
	s, sent := inmem.Open(), &notifications{byID: map[string]notify.Notification{}}
	return newFixture(s.Requests, s.Grants, s.MeteringPoints, s.Parties, noTimers{}, sent, sent.get)
}

// noTimers stands in for the expiry timers: these tests expire requests by
// their expiresAt, which the service checks itself.
type noTimers struct{}

func (noTimers) Schedule(context.Context, accessrequest.Request) error { return nil }
func (noTimers) Cancel(context.Context, accessrequest.Request) error   { return nil }

// notifications keeps what the service sent, by notification id.
type notifications struct {
	mu   sync.Mutex
	byID map[string]notify.Notification
}

func (n *notifications) Notify(_ context.Context, sent notify.Notification) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.byID[sent.NotificationID] = sent
	return nil
}

func (n *notifications) get(t *testing.T, id string) notify.Notification {
	t.Helper()
	n.mu.Lock()
	defer n.mu.Unlock()
	sent, ok := n.byID[id]
	if !ok {
		t.Fatalf("no notification %s was sent", id)
	}
	return sent
}

var serial atomic.Int64

var moveIn = registry.Date(2021, 8, 1)

// karis is kari's time on the metering points the tests register.
var karis = registry.Occupancy{EndUser: kari, MoveIn: moveIn}

// meteringPoint registers a metering point that kari holds since moveIn.
func (f fixture) meteringPoint(t *testing.T) ident.GSRN {
	t.Helper()
	id, err := ident.GSRNWithCheckDigit(fmt.Sprintf("70705753%09d", serial.Add(1)))
	if err != nil {
		t.Fatal(err)
	}
	mp := registry.MeteringPoint{ID: id, AccountingPoint: true, Occupancies: []registry.Occupancy{{EndUser: kari, MoveIn: moveIn}}}
	if _, err := f.meteringPoints.PutMeteringPoint(context.Background(), mp); err != nil {
		t.Fatal(err)
	}
	return id
}

// request stores a pending request for mp that expires after d, from tp or
// from the third party named.
func (f fixture) request(t *testing.T, mp ident.GSRN, scope accessrequest.Scope, d time.Duration, from ...ident.GLN) accessrequest.Request {
	t.Helper()
	now := time.Now()
	asker := tp
	if len(from) > 0 {
		asker = from[0]
	}
	r := accessrequest.Request{
		ID: uuid.NewString(), ThirdParty: asker, MeteringPoint: mp, Scope: scope, Status: accessrequest.Pending,
		CreatedAt: now, ExpiresAt: now.Add(d).Truncate(time.Second), Version: 1,
	}
	if err := f.requests.Create(context.Background(), r, "", accessrequest.Idempotency{}); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestApproveCreatesTheGrantAndNotifies(t *testing.T) {
	onEach(t, approveCreatesTheGrantAndNotifies)
}

func approveCreatesTheGrantAndNotifies(t *testing.T, f fixture) {
	ctx := context.Background()
	mp := f.meteringPoint(t)
	r := f.request(t, mp, accessrequest.Limited, time.Hour)

	approved, err := f.svc.Approve(ctx, kari, r.ID, accessrequest.Full)
	if err != nil {
		t.Fatal(err)
	}
	if approved.Status != accessrequest.Approved || approved.GrantedScope != accessrequest.Full {
		t.Fatalf("request %+v", approved)
	}
	g, found, err := f.grants.Grant(ctx, tp, mp)
	if err != nil || !found || g.Status != grant.Active || g.Level != accessrequest.Full || g.RequestID != r.ID || g.EndUser != kari {
		t.Fatalf("grant %+v found=%v err=%v", g, found, err)
	}
	if !g.DataFrom.Equal(moveIn) {
		t.Errorf("data window starts %s, want the move-in date %s", g.DataFrom, moveIn)
	}
	n := f.notification(t, r.ID+":approved")
	if n.Type != notify.RequestApproved || n.Level != "FULL" || n.ThirdPartyID != string(tp) || n.MeteringPointID != string(mp) {
		t.Fatalf("notification %+v", n)
	}
	if again, err := f.svc.Approve(ctx, kari, r.ID, accessrequest.Full); err != nil || again.Version != approved.Version {
		t.Fatalf("approving again: %+v %v", again, err)
	}
	if _, err := f.svc.Decline(ctx, kari, r.ID); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("declined an approved request: %v", err)
	}
}

func TestDeclineRejectsWithEH088AndNotifies(t *testing.T) {
	onEach(t, declineRejectsWithEH088AndNotifies)
}

func declineRejectsWithEH088AndNotifies(t *testing.T, f fixture) {
	r := f.request(t, f.meteringPoint(t), accessrequest.Full, time.Hour)
	declined, err := f.svc.Decline(context.Background(), kari, r.ID)
	if err != nil || declined.Status != accessrequest.Rejected || declined.ReasonCode != "EH088" {
		t.Fatalf("%+v %v", declined, err)
	}
	if n := f.notification(t, r.ID+":rejected"); n.ReasonCode != "EH088" || n.Type != notify.RequestRejected || n.RejectionReason != accessrequest.RejectionDeclined {
		t.Fatalf("notification %+v", n)
	}
	if _, found, _ := f.grants.Grant(context.Background(), tp, r.MeteringPoint); found {
		t.Fatal("a declined request left a grant")
	}
	if _, err := f.svc.Approve(context.Background(), kari, r.ID, accessrequest.Full); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("approved a declined request: %v", err)
	}
}

func TestAnotherEndUserSeesAndDecidesNothing(t *testing.T) {
	onEach(t, anotherEndUserSeesAndDecidesNothing)
}

func anotherEndUserSeesAndDecidesNothing(t *testing.T, f fixture) {
	ctx := context.Background()
	r := f.request(t, f.meteringPoint(t), accessrequest.Limited, time.Hour)
	for name, call := range map[string]func() error{
		"read":    func() error { _, err := f.svc.Request(ctx, ola, r.ID); return err },
		"approve": func() error { _, err := f.svc.Approve(ctx, ola, r.ID, accessrequest.Full); return err },
		"decline": func() error { _, err := f.svc.Decline(ctx, ola, r.ID); return err },
		"guess":   func() error { _, err := f.svc.Request(ctx, kari, uuid.NewString()); return err },
		"grant": func() error {
			_, err := f.svc.GrantDirectly(ctx, ola, tp, r.MeteringPoint, accessrequest.Full)
			return err
		},
		"revoke": func() error { _, err := f.svc.Revoke(ctx, ola, tp, r.MeteringPoint); return err },
	} {
		if err := call(); fault.KindOf(err) != fault.NotFound {
			t.Errorf("%s: %v, want not found", name, err)
		}
	}
	if got, _ := f.requests.Get(ctx, r.ID); got.Status != accessrequest.Pending {
		t.Fatalf("another end user changed the request: %+v", got)
	}
}

func TestExpiredRequestCannotBeApproved(t *testing.T) { onEach(t, expiredRequestCannotBeApproved) }

func expiredRequestCannotBeApproved(t *testing.T, f fixture) {
	r := f.request(t, f.meteringPoint(t), accessrequest.Limited, -time.Second)
	if _, err := f.svc.Approve(context.Background(), kari, r.ID, accessrequest.Limited); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("approved after expiresAt: %v", err)
	}
}

func TestChangeLevelThenRevoke(t *testing.T) { onEach(t, changeLevelThenRevoke) }

func changeLevelThenRevoke(t *testing.T, f fixture) {
	ctx := context.Background()
	mp := f.meteringPoint(t)
	g, err := f.svc.GrantDirectly(ctx, kari, tp, mp, accessrequest.Full)
	if err != nil || g.RequestID != "" || !g.DataFrom.Equal(moveIn) {
		t.Fatalf("%+v %v", g, err)
	}
	f.notification(t, fmt.Sprintf("grant:%s:%s:1", tp, mp))
	if _, err := f.svc.GrantDirectly(ctx, kari, tp, mp, accessrequest.Limited); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("a second direct grant: %v", err)
	}
	limited, err := f.svc.ChangeLevel(ctx, kari, tp, mp, accessrequest.Limited)
	if err != nil || limited.Level != accessrequest.Limited || limited.Version != 2 {
		t.Fatalf("%+v %v", limited, err)
	}
	if n := f.notification(t, fmt.Sprintf("grant:%s:%s:2", tp, mp)); n.Type != notify.LevelChanged || n.Level != "LIMITED" {
		t.Fatalf("notification %+v", n)
	}
	if same, err := f.svc.ChangeLevel(ctx, kari, tp, mp, accessrequest.Limited); err != nil || same.Version != 2 {
		t.Fatalf("setting the same level changed the grant: %+v %v", same, err)
	}
	revoked, err := f.svc.Revoke(ctx, kari, tp, mp)
	if err != nil || revoked.Status != grant.Revoked {
		t.Fatalf("%+v %v", revoked, err)
	}
	if n := f.notification(t, fmt.Sprintf("grant:%s:%s:3", tp, mp)); n.Type != notify.GrantRevoked {
		t.Fatalf("notification %+v", n)
	}
	if has, _ := f.grants.HasActiveGrantFrom(ctx, tp, mp, karis); has {
		t.Fatal("access remains after removal")
	}
	if _, err := f.svc.Revoke(ctx, kari, tp, mp); err != nil {
		t.Fatalf("removing again: %v", err)
	}
}

func TestGrantingAgainGoesOnFromTheRemovedGrant(t *testing.T) {
	onEach(t, grantingAgainGoesOnFromTheRemovedGrant)
}

// Access given again after it was removed, directly or by approving a
// request, goes on from the removed grant's version: each change has its own
// notification id, so none is dropped as a repeat of the first grant's.
func grantingAgainGoesOnFromTheRemovedGrant(t *testing.T, f fixture) {
	ctx := context.Background()
	mp := f.meteringPoint(t)
	if _, err := f.svc.GrantDirectly(ctx, kari, tp, mp, accessrequest.Full); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Revoke(ctx, kari, tp, mp); err != nil {
		t.Fatal(err)
	}
	again, err := f.svc.GrantDirectly(ctx, kari, tp, mp, accessrequest.Limited)
	if err != nil || again.Version != 3 {
		t.Fatalf("granted again: %+v %v", again, err)
	}
	if n := f.notification(t, fmt.Sprintf("grant:%s:%s:3", tp, mp)); n.Type != notify.GrantCreated || n.Level != "LIMITED" {
		t.Fatalf("notification %+v", n)
	}
	if _, err := f.svc.Revoke(ctx, kari, tp, mp); err != nil {
		t.Fatal(err)
	}
	r := f.request(t, mp, accessrequest.Full, time.Hour)
	if _, err := f.svc.Approve(ctx, kari, r.ID, accessrequest.Full); err != nil {
		t.Fatalf("approving after two removals: %v", err)
	}
	if _, err := f.svc.ChangeLevel(ctx, kari, tp, mp, accessrequest.Limited); err != nil {
		t.Fatal(err)
	}
	if n := f.notification(t, fmt.Sprintf("grant:%s:%s:6", tp, mp)); n.Type != notify.LevelChanged || n.Level != "LIMITED" {
		t.Fatalf("the approved grant's first change: %+v", n)
	}
}

func TestOverviewShowsOnlyWhatTheEndUserHoldsNow(t *testing.T) {
	onEach(t, overviewShowsOnlyWhatTheEndUserHoldsNow)
}

func overviewShowsOnlyWhatTheEndUserHoldsNow(t *testing.T, f fixture) {
	ctx := context.Background()
	user := pseudonym.EndUserID(fmt.Sprintf("p1_overview%d", serial.Add(1)))
	register := func(occupancies ...registry.Occupancy) ident.GSRN {
		id, _ := ident.GSRNWithCheckDigit(fmt.Sprintf("70705753%09d", serial.Add(1)))
		if _, err := f.meteringPoints.PutMeteringPoint(ctx, registry.MeteringPoint{ID: id, AccountingPoint: true, Occupancies: occupancies}); err != nil {
			t.Fatal(err)
		}
		return id
	}
	home := register(registry.Occupancy{EndUser: user, MoveIn: registry.Date(2022, 3, 1)})
	cabin := register(registry.Occupancy{EndUser: user, MoveIn: registry.Date(2023, 5, 1)})
	old := register(registry.Occupancy{EndUser: user, MoveIn: registry.Date(2015, 1, 1), MoveOut: registry.Date(2022, 3, 1)},
		registry.Occupancy{EndUser: ola, MoveIn: registry.Date(2022, 3, 1)})
	open := f.request(t, home, accessrequest.Full, time.Hour)
	f.request(t, home, accessrequest.Full, -time.Minute, "7090000000028") // expired, not yet rejected by its timer
	f.request(t, old, accessrequest.Full, time.Hour)                      // the new end user's to decide
	if _, err := f.svc.GrantDirectly(ctx, user, tp, cabin, accessrequest.Limited); err != nil {
		t.Fatal(err)
	}
	holdings, err := f.svc.Overview(ctx, user)
	if err != nil {
		t.Fatal(err)
	}
	got := map[ident.GSRN]consent.Holding{}
	for _, h := range holdings {
		got[h.MeteringPoint] = h
	}
	if len(got) != 2 {
		t.Fatalf("holdings %+v; want home and cabin only", holdings)
	}
	if h := got[home]; len(h.Pending) != 1 || h.Pending[0].ID != open.ID || !h.Since.Equal(registry.Date(2022, 3, 1)) {
		t.Errorf("home %+v", h)
	}
	if h := got[cabin]; len(h.Pending) != 0 || len(h.Grants) != 1 || h.Grants[0].Level != accessrequest.Limited {
		t.Errorf("cabin %+v", h)
	}
}

// A third party the operator has disabled cannot be given new access, by
// approval or directly; the request stays pending for when it is enabled.
func TestASuspendedThirdPartyGetsNoNewAccess(t *testing.T) {
	onEach(t, aSuspendedThirdPartyGetsNoNewAccess)
}

func aSuspendedThirdPartyGetsNoNewAccess(t *testing.T, f fixture) {
	ctx := context.Background()
	suspended := registry.ThirdParty{GLN: "7090000000035", Name: "Stengt AS", OrgNumber: "911222337", ClientIDs: []string{"stengt"}, Disabled: true}
	if err := f.parties.RegisterThirdParty(ctx, suspended); err != nil {
		t.Fatal(err)
	}
	mp := f.meteringPoint(t)
	r := f.request(t, mp, accessrequest.Limited, time.Hour, suspended.GLN)
	if _, err := f.svc.Approve(ctx, kari, r.ID, accessrequest.Limited); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("approving a suspended third party's request: %v", err)
	}
	if still, err := f.svc.Request(ctx, kari, r.ID); err != nil || still.Status != accessrequest.Pending {
		t.Fatalf("after the refusal the request is %+v (%v), want it pending", still, err)
	}
	if _, err := f.svc.GrantDirectly(ctx, kari, suspended.GLN, mp, accessrequest.Full); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("granting a suspended third party directly: %v", err)
	}
	if _, found, err := f.grants.Grant(ctx, suspended.GLN, mp); err != nil || found {
		t.Fatalf("a grant was written for the suspended third party: found=%v err=%v", found, err)
	}
}
