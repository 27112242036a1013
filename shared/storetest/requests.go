package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/consent"
	"github.com/tredjepart/tredjepart/shared/delivery"
	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/grant"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/metering"
	"github.com/tredjepart/tredjepart/shared/personaldata"
	"github.com/tredjepart/tredjepart/shared/registry"
)

// Requests is the store of access requests: the ports of accessrequest
// and consent that it serves.
type Requests interface {
	accessrequest.Store
	consent.Requests
}

// Grants is the store of grants: the ports of accessrequest, consent,
// metering, delivery and personaldata that it serves.
type Grants interface {
	accessrequest.Grants
	consent.Grants
	metering.Grants
	delivery.ShardGrants
	personaldata.Grants
}

// Access is the two stores over one Access table: approving a request
// writes its grant in the same transaction.
type Access struct {
	Requests Requests
	Grants   Grants
}

// RunRequests runs the contract of a Requests store.
func RunRequests(t *testing.T, newStore func(t *testing.T) Requests) {
	cases := []struct {
		name string
		run  func(t *testing.T, store Requests)
	}{
		{"AnUnknownRequestIsNotFound", unknownRequestIsNotFound},
		{"CreateTakesThePendingSlotOnce", createTakesThePendingSlotOnce},
		{"ConcurrentCreatesTakeTheSlotOnce", concurrentCreatesTakeTheSlotOnce},
		{"IdempotencyKeyIsRecordedOnce", idempotencyKeyIsRecordedOnce},
		{"TransitionIsConditionalOnVersion", transitionIsConditionalOnVersion},
		{"ListPagesNewestFirstWithStatusFilter", listPagesNewestFirstWithStatusFilter},
		{"CursorOfAnotherThirdPartyIsRejected", cursorOfAnotherThirdPartyIsRejected},
		{"RequestsOnAMeteringPointNewestFirst", requestsOnNewestFirst},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.run(t, newStore(t)) })
	}
}

// RunGrants runs the contract of a Grants store.
func RunGrants(t *testing.T, newStore func(t *testing.T) Grants) {
	cases := []struct {
		name string
		run  func(t *testing.T, store Grants)
	}{
		{"ActiveGrantIsFound", activeGrantIsFound},
		{"TheNextEndUsersGrantTakesThePlaceOfTheLastOnes", theNextEndUsersGrantTakesThePlaceOfTheLastOnes},
		{"ActiveGrantsOfPagesByMeteringPoint", activeGrantsOfPagesByMeteringPoint},
		{"OnlyActiveGrantsAreOnTheirDeliveryShard", onlyActiveGrantsAreOnTheirDeliveryShard},
		{"EveryVersionOfEveryGrantIsKept", everyVersionIsKept},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.run(t, newStore(t)) })
	}
}

// RunApproval runs the contract of Requests.Approve, the one write that
// spans the two stores of the Access table.
func RunApproval(t *testing.T, newStores func(t *testing.T) Access) {
	t.Run("ApprovalIsOneConditionalTransaction", func(t *testing.T) { approvalIsOneConditionalTransaction(t, newStores(t)) })
}

func unknownRequestIsNotFound(t *testing.T, store Requests) {
	ctx := context.Background()
	if _, err := store.Get(ctx, "no-such-request"); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("get: %v", err)
	}
	mp, tp := fresh(t)
	if _, found, err := store.Pending(ctx, tp, mp); found || err != nil {
		t.Fatalf("pending: found=%v err=%v", found, err)
	}
	if _, found, err := store.Idempotency(ctx, tp, "never-used"); found || err != nil {
		t.Fatalf("idempotency: found=%v err=%v", found, err)
	}
}

func createTakesThePendingSlotOnce(t *testing.T, store Requests) {
	ctx := context.Background()
	mp, tp := fresh(t)
	now := time.Now()
	first := pending(tp, mp, now)
	if err := store.Create(ctx, first, "", accessrequest.Idempotency{}); err != nil {
		t.Fatal(err)
	}
	if err := store.Create(ctx, pending(tp, mp, now), "", accessrequest.Idempotency{}); !errors.Is(err, accessrequest.ErrPendingExists) {
		t.Fatalf("second create: %v", err)
	}
	if err := store.Create(ctx, pending(tp, mp, now), "not-the-holder", accessrequest.Idempotency{}); !errors.Is(err, accessrequest.ErrPendingExists) {
		t.Fatalf("replacing the wrong holder: %v", err)
	}
	held, found, err := store.Pending(ctx, tp, mp)
	if err != nil || !found || held.ID != first.ID {
		t.Fatalf("slot holds %+v found=%v err=%v", held, found, err)
	}
	replacement := pending(tp, mp, now)
	if err := store.Create(ctx, replacement, first.ID, accessrequest.Idempotency{}); err != nil {
		t.Fatalf("replacing a stale holder: %v", err)
	}
	if held, _, _ := store.Pending(ctx, tp, mp); held.ID != replacement.ID {
		t.Fatalf("slot holds %s, want %s", held.ID, replacement.ID)
	}
}

// Many creates for one slot at once: one takes it, every other is told
// ErrPendingExists (never another error), and the slot holds the winner.
func concurrentCreatesTakeTheSlotOnce(t *testing.T, store Requests) {
	ctx := context.Background()
	mp, tp := fresh(t)
	const n = 8
	requests := make([]accessrequest.Request, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range requests {
		requests[i] = pending(tp, mp, time.Now())
		wg.Go(func() { errs[i] = store.Create(ctx, requests[i], "", accessrequest.Idempotency{}) })
	}
	wg.Wait()
	winner := ""
	for i, err := range errs {
		switch {
		case err == nil && winner == "":
			winner = requests[i].ID
		case err == nil:
			t.Errorf("two creates took the slot")
		case !errors.Is(err, accessrequest.ErrPendingExists):
			t.Errorf("a lost create: %v", err)
		}
	}
	if held, _, _ := store.Pending(ctx, tp, mp); winner == "" || held.ID != winner {
		t.Fatalf("slot holds %q, the winner is %q", held.ID, winner)
	}
}

func idempotencyKeyIsRecordedOnce(t *testing.T, store Requests) {
	ctx := context.Background()
	mp, tp := fresh(t)
	other, _ := fresh(t)
	r := pending(tp, mp, time.Now())
	idem := accessrequest.Idempotency{Key: "key-1", Fingerprint: "abc", RequestID: r.ID, Outcome: accessrequest.Created}
	if err := store.Create(ctx, r, "", idem); err != nil {
		t.Fatal(err)
	}
	got, found, err := store.Idempotency(ctx, tp, "key-1")
	if err != nil || !found || got != idem {
		t.Fatalf("got %+v found=%v err=%v", got, found, err)
	}
	again := pending(tp, other, time.Now())
	if err := store.Create(ctx, again, "", accessrequest.Idempotency{Key: "key-1", RequestID: again.ID}); !errors.Is(err, accessrequest.ErrIdempotencyKeyUsed) {
		t.Fatalf("reused key: %v", err)
	}
	if _, err := store.Get(ctx, again.ID); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("a cancelled transaction left the request behind: %v", err)
	}
	if _, found, _ := store.Pending(ctx, tp, other); found {
		t.Fatal("a cancelled transaction took the pending slot")
	}
	if err := store.RememberIdempotency(ctx, tp, accessrequest.Idempotency{Key: "key-1", RequestID: again.ID}); !errors.Is(err, accessrequest.ErrIdempotencyKeyUsed) {
		t.Fatalf("remembered a used key: %v", err)
	}
	answer := accessrequest.Idempotency{Key: "key-2", Fingerprint: "def", RequestID: r.ID, Outcome: accessrequest.AlreadyPending}
	if err := store.RememberIdempotency(ctx, tp, answer); err != nil {
		t.Fatal(err)
	}
	if got, found, _ := store.Idempotency(ctx, tp, "key-2"); !found || got != answer {
		t.Fatalf("remembered %+v, read %+v", answer, got)
	}
	_, otherTP := fresh(t)
	if _, found, _ := store.Idempotency(ctx, otherTP, "key-2"); found {
		t.Fatal("a key is another third party's too")
	}
}

func transitionIsConditionalOnVersion(t *testing.T, store Requests) {
	ctx := context.Background()
	mp, tp := fresh(t)
	r := pending(tp, mp, time.Now())
	if err := store.Create(ctx, r, "", accessrequest.Idempotency{}); err != nil {
		t.Fatal(err)
	}
	withdrawn, _ := r.Withdraw(time.Now())
	if err := store.Transition(ctx, r, withdrawn); err != nil {
		t.Fatal(err)
	}
	rejected, _ := r.Reject(accessrequest.ReasonNotApproved, time.Now())
	if err := store.Transition(ctx, r, rejected); !errors.Is(err, accessrequest.ErrStale) {
		t.Fatalf("a stale transition won: %v", err)
	}
	got, err := store.Get(ctx, r.ID)
	if err != nil || got.Status != accessrequest.Withdrawn || got.Version != 2 {
		t.Fatalf("got %+v, %v", got, err)
	}
	if !got.DecidedAt.Equal(withdrawn.DecidedAt) || !got.CreatedAt.Equal(r.CreatedAt) || !got.ExpiresAt.Equal(r.ExpiresAt) {
		t.Fatalf("instants changed: %+v, wrote %+v", got, withdrawn)
	}
}

func listPagesNewestFirstWithStatusFilter(t *testing.T, store Requests) {
	ctx := context.Background()
	_, tp := fresh(t)
	start := time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	var ids []string
	for i := range 7 {
		mp, _ := fresh(t)
		r := pending(tp, mp, start.Add(time.Duration(i)*time.Minute))
		if err := store.Create(ctx, r, "", accessrequest.Idempotency{}); err != nil {
			t.Fatal(err)
		}
		if i%2 == 1 {
			next, _ := r.Withdraw(start)
			if err := store.Transition(ctx, r, next); err != nil {
				t.Fatal(err)
			}
		}
		ids = append([]string{r.ID}, ids...) // newest first
	}
	var seen []string
	q := accessrequest.ListQuery{Limit: 3}
	for pages := 0; ; pages++ {
		page, err := store.List(ctx, tp, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page.Items {
			seen = append(seen, r.ID)
		}
		if page.NextCursor == "" {
			break
		}
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
		q.Cursor = page.NextCursor
	}
	if fmt.Sprint(seen) != fmt.Sprint(ids) {
		t.Fatalf("pages gave %v, want %v", seen, ids)
	}
	page, err := store.List(ctx, tp, accessrequest.ListQuery{Limit: 10, Status: accessrequest.Withdrawn})
	if err != nil || len(page.Items) != 3 {
		t.Fatalf("withdrawn: %d items, %v", len(page.Items), err)
	}
	for _, r := range page.Items {
		if r.Status != accessrequest.Withdrawn {
			t.Errorf("filter let %s through", r.Status)
		}
	}
}

func cursorOfAnotherThirdPartyIsRejected(t *testing.T, store Requests) {
	ctx := context.Background()
	_, a := fresh(t)
	_, b := fresh(t)
	for range 2 {
		mp, _ := fresh(t)
		if err := store.Create(ctx, pending(a, mp, time.Now()), "", accessrequest.Idempotency{}); err != nil {
			t.Fatal(err)
		}
	}
	page, err := store.List(ctx, a, accessrequest.ListQuery{Limit: 1})
	if err != nil || page.NextCursor == "" {
		t.Fatalf("page %+v, %v", page, err)
	}
	for _, cursor := range []string{page.NextCursor, "garbage", "eyJwIjoiIn0"} {
		if _, err := store.List(ctx, b, accessrequest.ListQuery{Limit: 1, Cursor: cursor}); fault.KindOf(err) != fault.Invalid {
			t.Errorf("cursor %q for another third party: %v", cursor, err)
		}
	}
}

func requestsOnNewestFirst(t *testing.T, store Requests) {
	ctx := context.Background()
	mp, _ := fresh(t)
	start := time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	var want []string
	for i := range 3 {
		_, tp := fresh(t)
		r := pending(tp, mp, start.Add(time.Duration(i)*time.Minute))
		if err := store.Create(ctx, r, "", accessrequest.Idempotency{}); err != nil {
			t.Fatal(err)
		}
		want = append([]string{r.ID}, want...)
	}
	got, err := store.RequestsOn(ctx, mp, accessrequest.Pending)
	if err != nil || len(got) != len(want) {
		t.Fatalf("requests on %s: %+v %v", mp, got, err)
	}
	for i, r := range got {
		if r.ID != want[i] {
			t.Fatalf("request %d is %s, want %s (newest first)", i, r.ID, want[i])
		}
	}
	if none, err := store.RequestsOn(ctx, mp, accessrequest.Approved); len(none) != 0 || err != nil {
		t.Fatalf("approved: %+v %v", none, err)
	}
}

func activeGrantIsFound(t *testing.T, store Grants) {
	ctx := context.Background()
	mp, tp := fresh(t)
	if _, found, err := store.Grant(ctx, tp, mp); found || err != nil {
		t.Fatalf("grant: found=%v err=%v", found, err)
	}
	x := registry.Occupancy{EndUser: "p1_x", MoveIn: registry.Date(2024, 6, 15)}
	if has, err := store.HasActiveGrantFrom(ctx, tp, mp, x); has || err != nil {
		t.Fatalf("before: %v %v", has, err)
	}
	g := grant.New(tp, mp, accessrequest.Full, x.EndUser, "", x.MoveIn, time.Now())
	if err := store.PutGrant(ctx, g); err != nil {
		t.Fatal(err)
	}
	if has, err := store.HasActiveGrantFrom(ctx, tp, mp, x); !has || err != nil {
		t.Fatalf("after: %v %v", has, err)
	}
	if has, err := store.HasActiveGrantFrom(ctx, tp, mp, registry.Occupancy{EndUser: "p1_y", MoveIn: registry.Date(2025, 1, 1)}); has || err != nil {
		t.Fatalf("access x gave counts as given by the next end user: %v %v", has, err)
	}
	if err := store.PutGrant(ctx, g); !errors.Is(err, grant.ErrExists) {
		t.Fatalf("a second active grant: %v", err)
	}
	revoked, _ := g.Revoke(time.Now())
	if err := store.UpdateGrant(ctx, g, revoked); err != nil {
		t.Fatal(err)
	}
	if err := store.UpdateGrant(ctx, g, revoked); !errors.Is(err, grant.ErrStale) {
		t.Fatalf("a stale update: %v", err)
	}
	if has, _ := store.HasActiveGrantFrom(ctx, tp, mp, x); has {
		t.Fatal("a revoked grant counts as access")
	}
	if err := store.PutGrant(ctx, g); !errors.Is(err, grant.ErrExists) {
		t.Fatalf("a new grant starting again at version 1 after a revoked one: %v", err)
	}
	if err := store.PutGrant(ctx, g.After(g)); !errors.Is(err, grant.ErrExists) {
		t.Fatalf("a new grant following a version that is not the stored one: %v", err)
	}
	if err := store.PutGrant(ctx, g.After(revoked)); err != nil {
		t.Fatalf("granting again after revocation: %v", err)
	}
	grants, err := store.GrantsOn(ctx, mp)
	if err != nil || len(grants) != 1 || grants[0].Status != grant.Active || !grants[0].DataFrom.Equal(registry.Date(2024, 6, 15)) {
		t.Fatalf("grants on %s: %+v %v", mp, grants, err)
	}
	_, stranger := fresh(t)
	stray := g
	stray.ThirdParty = stranger
	if err := store.UpdateGrant(ctx, stray, stray); !errors.Is(err, grant.ErrStale) {
		t.Fatalf("updating a grant that is not there: %v", err)
	}
}

// One grant is kept per third party and metering point: a grant given in
// a later occupancy replaces the active one given in an earlier, following
// its version, and the history keeps the replaced one's end; the same
// occupancy's active grant is never replaced.
func theNextEndUsersGrantTakesThePlaceOfTheLastOnes(t *testing.T, store Grants) {
	ctx := context.Background()
	mp, tp := fresh(t)
	now := time.Now()
	old := grant.New(tp, mp, accessrequest.Full, "p1_old", "", registry.Date(2020, 1, 1), now.AddDate(-1, 0, 0))
	if err := store.PutGrant(ctx, old); err != nil {
		t.Fatal(err)
	}
	next := grant.New(tp, mp, accessrequest.Limited, "p1_next", "", registry.Date(2025, 3, 1), now)
	if err := store.PutGrant(ctx, next); !errors.Is(err, grant.ErrExists) {
		t.Fatalf("a next grant not following the stored one: %v", err)
	}
	if err := store.PutGrant(ctx, next.After(old)); err != nil {
		t.Fatalf("the next end user's grant: %v", err)
	}
	if err := store.PutGrant(ctx, next.After(next.After(old))); !errors.Is(err, grant.ErrExists) {
		t.Fatalf("the same occupancy's active grant replaced: %v", err)
	}
	nexts := registry.Occupancy{EndUser: "p1_next", MoveIn: registry.Date(2025, 3, 1)}
	if has, err := store.HasActiveGrantFrom(ctx, tp, mp, nexts); !has || err != nil {
		t.Fatalf("the next end user's grant is not found: %v %v", has, err)
	}
	if has, _ := store.HasActiveGrantFrom(ctx, tp, mp, registry.Occupancy{EndUser: "p1_old", MoveIn: registry.Date(2020, 1, 1)}); has {
		t.Fatal("the replaced grant still counts")
	}
	kept, err := store.GrantHistoryOn(ctx, mp)
	if err != nil || len(kept) != 3 {
		t.Fatalf("versions kept: %+v %v", kept, err)
	}
	for i, want := range []struct {
		endUser string
		status  grant.Status
		version int
	}{{"p1_old", grant.Active, 1}, {"p1_old", grant.Revoked, 2}, {"p1_next", grant.Active, 3}} {
		if got := kept[i]; string(got.EndUser) != want.endUser || got.Status != want.status || got.Version != want.version {
			t.Errorf("version kept %d: %+v, want %+v (the replaced grant ends, revoked, as the next is given, each at a version of its own)", i, got, want)
		}
	}
}

func approvalIsOneConditionalTransaction(t *testing.T, s Access) {
	ctx := context.Background()
	mp, tp := fresh(t)
	now := time.Now()
	r := pending(tp, mp, now)
	if err := s.Requests.Create(ctx, r, "", accessrequest.Idempotency{}); err != nil {
		t.Fatal(err)
	}
	approved, _ := r.Approve(accessrequest.Full, now)
	g := grant.New(tp, mp, accessrequest.Full, "p1_x", r.ID, registry.Date(2020, 1, 1), now)
	if err := s.Requests.Approve(ctx, r, approved, g, r.ExpiresAt); !errors.Is(err, accessrequest.ErrStale) {
		t.Fatalf("approved at the expiry instant: %v", err)
	}
	x := registry.Occupancy{EndUser: g.EndUser, MoveIn: g.DataFrom}
	if has, _ := s.Grants.HasActiveGrantFrom(ctx, tp, mp, x); has {
		t.Fatal("a refused approval left a grant")
	}
	if err := s.Requests.Approve(ctx, r, approved, g, now); err != nil {
		t.Fatal(err)
	}
	if err := s.Requests.Approve(ctx, r, approved, g, now); !errors.Is(err, accessrequest.ErrStale) {
		t.Fatalf("approved twice: %v", err)
	}
	got, _ := s.Requests.Get(ctx, r.ID)
	if got.Status != accessrequest.Approved || got.GrantedScope != accessrequest.Full {
		t.Fatalf("request %+v", got)
	}
	if has, _ := s.Grants.HasActiveGrantFrom(ctx, tp, mp, x); !has {
		t.Fatal("no grant after approval")
	}
	other := pending(tp, mp, now)
	if err := s.Requests.Create(ctx, other, r.ID, accessrequest.Idempotency{}); err != nil {
		t.Fatal(err)
	}
	otherApproved, _ := other.Approve(accessrequest.Limited, now)
	if err := s.Requests.Approve(ctx, other, otherApproved, g, now); !errors.Is(err, grant.ErrExists) {
		t.Fatalf("a second grant through another request: %v", err)
	}
	if got, _ := s.Requests.Get(ctx, other.ID); got.Status != accessrequest.Pending {
		t.Fatalf("a refused approval changed the request: %+v", got)
	}
	if kept, err := s.Grants.GrantHistoryOn(ctx, mp); err != nil || len(kept) != 1 || kept[0].RequestID != r.ID || kept[0].Version != 1 {
		t.Fatalf("versions kept of the grant approved (and of none refused): %+v %v", kept, err)
	}
}

// Every write of a grant keeps that version of it, also once the grant is
// replaced by a new one after it was removed; a refused write keeps nothing.
func everyVersionIsKept(t *testing.T, store Grants) {
	ctx := context.Background()
	mp, tp := fresh(t)
	_, other := fresh(t)
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	first := grant.New(tp, mp, accessrequest.Limited, "p1_kari", "", registry.Date(2020, 1, 1), at)
	full, _ := first.ChangeLevel(accessrequest.Full, at.Add(time.Hour))
	removed, _ := full.Revoke(at.Add(2 * time.Hour))
	again := grant.New(tp, mp, accessrequest.Limited, "p1_ola", "", registry.Date(2025, 6, 1), at.Add(3*time.Hour)).After(removed)
	elsewhere := grant.New(other, mp, accessrequest.Full, "p1_ola", "", registry.Date(2025, 6, 1), at.Add(4*time.Hour))
	for _, write := range []func() error{
		func() error { return store.PutGrant(ctx, first) },
		func() error { return store.UpdateGrant(ctx, first, full) },
		func() error { return store.UpdateGrant(ctx, full, removed) },
		func() error { return store.PutGrant(ctx, again) },
		func() error { return store.PutGrant(ctx, elsewhere) },
	} {
		if err := write(); err != nil {
			t.Fatal(err)
		}
	}
	if err := store.UpdateGrant(ctx, full, removed); !errors.Is(err, grant.ErrStale) {
		t.Fatalf("a stale update: %v", err)
	}
	if err := store.PutGrant(ctx, grant.New(tp, mp, accessrequest.Full, "p1_ola", "", registry.Date(2025, 6, 1), at.Add(5*time.Hour))); !errors.Is(err, grant.ErrExists) {
		t.Fatalf("a second active grant: %v", err)
	}
	kept, err := store.GrantHistoryOn(ctx, mp)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, g := range kept {
		got = append(got, fmt.Sprintf("%s %s %d %s %s %s", g.ThirdParty, g.EndUser, g.Version, g.Level, g.Status, g.ChangedAt.UTC().Format(time.RFC3339)))
	}
	want := []string{
		fmt.Sprintf("%s p1_kari 1 LIMITED ACTIVE 2026-03-02T09:00:00Z", tp),
		fmt.Sprintf("%s p1_kari 2 FULL ACTIVE 2026-03-02T10:00:00Z", tp),
		fmt.Sprintf("%s p1_kari 3 FULL REVOKED 2026-03-02T11:00:00Z", tp),
		fmt.Sprintf("%s p1_ola 4 LIMITED ACTIVE 2026-03-02T12:00:00Z", tp),
		fmt.Sprintf("%s p1_ola 1 FULL ACTIVE 2026-03-02T13:00:00Z", other),
	}
	if !slices.Equal(got, want) {
		t.Fatalf("versions kept:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if current, _ := store.GrantsOn(ctx, mp); len(current) != 2 {
		t.Fatalf("the versions kept are not grants: %+v", current)
	}
	if active, _, _ := store.ActiveGrantsOf(ctx, tp, "", 10); len(active) != 1 || active[0].EndUser != "p1_ola" {
		t.Fatalf("the versions kept are not on the third party's index: %+v", active)
	}
}

func activeGrantsOfPagesByMeteringPoint(t *testing.T, store Grants) {
	ctx := context.Background()
	_, tp := fresh(t)
	var want []ident.GSRN
	var first grant.Grant
	for i := range 5 {
		mp, _ := fresh(t)
		g := grant.New(tp, mp, accessrequest.Limited, "p1_x", "", registry.Date(2024, 1, 1), time.Now())
		if err := store.PutGrant(ctx, g); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = g
			continue
		}
		want = append(want, mp)
	}
	revoked, _ := first.Revoke(time.Now())
	if err := store.UpdateGrant(ctx, first, revoked); err != nil {
		t.Fatal(err)
	}
	slices.Sort(want)
	var got []ident.GSRN
	cursor := ""
	for range 10 {
		grants, next, err := store.ActiveGrantsOf(ctx, tp, cursor, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range grants {
			got = append(got, g.MeteringPoint)
		}
		if cursor = next; cursor == "" {
			break
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("active grants %v, want %v", got, want)
	}
	_, other := fresh(t)
	_, next, _ := store.ActiveGrantsOf(ctx, tp, "", 1)
	if _, _, err := store.ActiveGrantsOf(ctx, other, next, 1); fault.KindOf(err) != fault.Invalid {
		t.Fatalf("another third party's cursor: %v", err)
	}
}

// shardPoints reads a whole delivery shard, page by page.
func shardPoints(t *testing.T, store Grants, tp ident.GLN, shard, page int) []ident.GSRN {
	t.Helper()
	var all []ident.GSRN
	after := ident.GSRN("")
	for range 100 {
		points, more, err := store.DeliveryShard(context.Background(), tp, shard, after, page)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, points...)
		if !more || len(points) == 0 {
			return all
		}
		after = points[len(points)-1]
	}
	t.Fatal("the shard does not end")
	return nil
}

func onlyActiveGrantsAreOnTheirDeliveryShard(t *testing.T, store Grants) {
	ctx := context.Background()
	_, tp := fresh(t)
	byShard := map[int][]ident.GSRN{}
	var grants []grant.Grant
	for range 6 {
		mp, _ := fresh(t)
		g := grant.New(tp, mp, accessrequest.Limited, "p1_x", "", registry.Date(2024, 1, 1), time.Now())
		if err := store.PutGrant(ctx, g); err != nil {
			t.Fatal(err)
		}
		grants = append(grants, g)
		byShard[delivery.ShardOf(mp)] = append(byShard[delivery.ShardOf(mp)], mp)
	}
	revoked, _ := grants[0].Revoke(time.Now())
	if err := store.UpdateGrant(ctx, grants[0], revoked); err != nil {
		t.Fatal(err)
	}
	gone := grants[0].MeteringPoint
	for shard := range delivery.ShardCount {
		var want []ident.GSRN
		for _, mp := range byShard[shard] {
			if mp != gone {
				want = append(want, mp)
			}
		}
		slices.Sort(want)
		// A page of one takes every point through a cursor.
		if got := shardPoints(t, store, tp, shard, 1); !slices.Equal(got, want) {
			t.Errorf("shard %d: %v, want %v", shard, got, want)
		}
	}
	if err := store.PutGrant(ctx, grants[0].After(revoked)); err != nil {
		t.Fatal(err)
	}
	if got := shardPoints(t, store, tp, delivery.ShardOf(gone), 1000); !slices.Contains(got, gone) {
		t.Errorf("granted again, %s is not on its shard: %v", gone, got)
	}
}
