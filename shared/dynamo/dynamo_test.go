package dynamo_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/google/uuid"

	"github.com/tredjepart/tredjepart/localstack/harness/testenv"
	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/dynamo"
	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/grant"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/resources"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

func stores(t *testing.T) (*dynamo.Registry, *dynamo.Requests) {
	env := testenv.Get(t)
	db := dynamodb.NewFromConfig(env.Config)
	return &dynamo.Registry{Client: db, Table: env.Stack.Tables[resources.RegistryTableID]},
		&dynamo.Requests{Client: db, Table: env.Stack.Tables[resources.AccessTableID]}
}

var serial = 1000

// fresh returns a GSRN and GLN no other test uses.
func fresh(t *testing.T) (ident.GSRN, ident.GLN) {
	serial++
	mp, err := ident.GSRNWithCheckDigit(fmt.Sprintf("70705750000%06d", serial))
	if err != nil {
		t.Fatal(err)
	}
	tp, err := ident.GLNWithCheckDigit(fmt.Sprintf("70900%07d", serial))
	if err != nil {
		t.Fatal(err)
	}
	return mp, tp
}

func pending(tp ident.GLN, mp ident.GSRN, created time.Time) accessrequest.Request {
	return accessrequest.Request{
		ID: uuid.NewString(), ThirdParty: tp, MeteringPoint: mp, Scope: accessrequest.Limited,
		Status: accessrequest.Pending, CreatedAt: created, ExpiresAt: created.Add(72 * time.Hour), Version: 1,
	}
}

func TestMeteringPointRoundTrip(t *testing.T) {
	ctx := context.Background()
	reg, _ := stores(t)
	id, _ := fresh(t)
	want := registry.MeteringPoint{ID: id, AccountingPoint: true, Address: registry.Address{Street: "Storgata 1", Postcode: "0155", Municipality: "Oslo"}, Occupancies: []registry.Occupancy{
		{EndUser: "p1_old", MoveIn: registry.Date(2019, 1, 1), MoveOut: registry.Date(2024, 6, 15)},
		{EndUser: "p1_new", MoveIn: registry.Date(2024, 6, 15)},
	}}
	if _, err := reg.PutMeteringPoint(ctx, want); err != nil {
		t.Fatal(err)
	}
	got, found, err := reg.MeteringPoint(ctx, id)
	if err != nil || !found {
		t.Fatalf("found=%v err=%v", found, err)
	}
	if !got.AccountingPoint || len(got.Occupancies) != 2 || got.Address.String() != "Storgata 1, 0155 Oslo" {
		t.Fatalf("got %+v", got)
	}
	if o, _ := got.EndUserAt(registry.Date(2025, 1, 1)); o.EndUser != "p1_new" {
		t.Errorf("current end user %q", o.EndUser)
	}
	missing, _ := fresh(t)
	if _, found, err := reg.MeteringPoint(ctx, missing); found || err != nil {
		t.Errorf("unregistered metering point: found=%v err=%v", found, err)
	}
}

func TestCreateTakesThePendingSlotOnce(t *testing.T) {
	ctx := context.Background()
	_, store := stores(t)
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

func TestIdempotencyKeyIsRecordedOnce(t *testing.T) {
	ctx := context.Background()
	_, store := stores(t)
	mp, tp := fresh(t)
	other, _ := fresh(t)
	r := pending(tp, mp, time.Now())
	idem := accessrequest.Idempotency{Key: "key-1", Fingerprint: "abc", RequestID: r.ID}
	if err := store.Create(ctx, r, "", idem); err != nil {
		t.Fatal(err)
	}
	got, found, err := store.Idempotency(ctx, tp, "key-1")
	if err != nil || !found || got.RequestID != r.ID || got.Fingerprint != "abc" {
		t.Fatalf("got %+v found=%v err=%v", got, found, err)
	}
	again := pending(tp, other, time.Now())
	if err := store.Create(ctx, again, "", accessrequest.Idempotency{Key: "key-1", RequestID: again.ID}); !errors.Is(err, accessrequest.ErrIdempotencyKeyUsed) {
		t.Fatalf("reused key: %v", err)
	}
	if _, err := store.Get(ctx, again.ID); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("a cancelled transaction left the request behind: %v", err)
	}
}

func TestTransitionIsConditionalOnVersion(t *testing.T) {
	ctx := context.Background()
	_, store := stores(t)
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
}

func TestListPagesNewestFirstWithStatusFilter(t *testing.T) {
	ctx := context.Background()
	_, store := stores(t)
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

func TestCursorOfAnotherThirdPartyIsRejected(t *testing.T) {
	ctx := context.Background()
	_, store := stores(t)
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

func TestActiveGrantIsFound(t *testing.T) {
	ctx := context.Background()
	_, store := stores(t)
	mp, tp := fresh(t)
	if has, err := store.HasActiveGrant(ctx, tp, mp); has || err != nil {
		t.Fatalf("before: %v %v", has, err)
	}
	g := grant.New(tp, mp, accessrequest.Full, "p1_x", "", registry.Date(2024, 6, 15), time.Now())
	if err := store.PutGrant(ctx, g); err != nil {
		t.Fatal(err)
	}
	if has, err := store.HasActiveGrant(ctx, tp, mp); !has || err != nil {
		t.Fatalf("after: %v %v", has, err)
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
	if has, _ := store.HasActiveGrant(ctx, tp, mp); has {
		t.Fatal("a revoked grant counts as access")
	}
	if err := store.PutGrant(ctx, g); err != nil {
		t.Fatalf("granting again after revocation: %v", err)
	}
	grants, err := store.GrantsOn(ctx, mp)
	if err != nil || len(grants) != 1 || grants[0].Status != grant.Active || !grants[0].DataFrom.Equal(registry.Date(2024, 6, 15)) {
		t.Fatalf("grants on %s: %+v %v", mp, grants, err)
	}
}

func TestApprovalIsOneConditionalTransaction(t *testing.T) {
	ctx := context.Background()
	_, store := stores(t)
	mp, tp := fresh(t)
	now := time.Now()
	r := pending(tp, mp, now)
	if err := store.Create(ctx, r, "", accessrequest.Idempotency{}); err != nil {
		t.Fatal(err)
	}
	approved, _ := r.Approve(accessrequest.Full, now)
	g := grant.New(tp, mp, accessrequest.Full, "p1_x", r.ID, registry.Date(2020, 1, 1), now)
	if err := store.Approve(ctx, r, approved, g, r.ExpiresAt); !errors.Is(err, accessrequest.ErrStale) {
		t.Fatalf("approved at the expiry instant: %v", err)
	}
	if has, _ := store.HasActiveGrant(ctx, tp, mp); has {
		t.Fatal("a refused approval left a grant")
	}
	if err := store.Approve(ctx, r, approved, g, now); err != nil {
		t.Fatal(err)
	}
	if err := store.Approve(ctx, r, approved, g, now); !errors.Is(err, accessrequest.ErrStale) {
		t.Fatalf("approved twice: %v", err)
	}
	got, _ := store.Get(ctx, r.ID)
	if got.Status != accessrequest.Approved || got.GrantedScope != accessrequest.Full {
		t.Fatalf("request %+v", got)
	}
	if has, _ := store.HasActiveGrant(ctx, tp, mp); !has {
		t.Fatal("no grant after approval")
	}
	other := pending(tp, mp, now)
	if err := store.Create(ctx, other, r.ID, accessrequest.Idempotency{}); err != nil {
		t.Fatal(err)
	}
	otherApproved, _ := other.Approve(accessrequest.Limited, now)
	if err := store.Approve(ctx, other, otherApproved, g, now); !errors.Is(err, grant.ErrExists) {
		t.Fatalf("a second grant through another request: %v", err)
	}
	if got, _ := store.Get(ctx, other.ID); got.Status != accessrequest.Pending {
		t.Fatalf("a refused approval changed the request: %+v", got)
	}
}
