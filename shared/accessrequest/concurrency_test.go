package accessrequest_test

// Access requests created and withdrawn by many goroutines at once, on the
// fakes and (-tags integration, moto_test.go) on moto: every call succeeds
// or answers a conflict, never an internal error, and one metering point
// never has two open requests from one third party.

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/conflict/conflicttest"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/inmem"
	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/storetest"
)

const (
	tp      = ident.GLN("7090000000011")
	writers = 16
)

// noTimers stands in for the expiry timers, which these tests do not reach.
type noTimers struct{}

func (noTimers) Schedule(context.Context, accessrequest.Request) error { return nil }
func (noTimers) Cancel(context.Context, accessrequest.Request) error   { return nil }

var serial atomic.Int64

// backend makes the stores a test runs on.
type backend struct {
	name      string
	newStores func(t *testing.T) (storetest.MeteringPoints, accessrequest.Store, storetest.Grants)
}

// backends are the fakes, and moto's tables under -tags integration.
var backends = []backend{{"inmem", func(*testing.T) (storetest.MeteringPoints, accessrequest.Store, storetest.Grants) {
	s := inmem.Open()
	return s.MeteringPoints, s.Requests, s.Grants
}}}

// onEach runs test on each backend, with the service on its stores and a
// fresh metering point with an end user.
func onEach(t *testing.T, test func(t *testing.T, svc *accessrequest.Service, store accessrequest.Store, mp ident.GSRN)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			reg, store, grants := b.newStores(t)
			svc, mp := service(t, reg, store, grants)
			test(t, svc, store, mp)
		})
	}
}

func service(t *testing.T, reg storetest.MeteringPoints, store accessrequest.Store, grants accessrequest.Grants) (*accessrequest.Service, ident.GSRN) {
	t.Helper()
	mp, err := ident.GSRNWithCheckDigit(fmt.Sprintf("70705754%09d", serial.Add(1)))
	if err != nil {
		t.Fatal(err)
	}
	point := registry.MeteringPoint{ID: mp, AccountingPoint: true, Occupancies: []registry.Occupancy{{EndUser: "p1_kari", MoveIn: registry.Date(2021, 8, 1)}}}
	if _, err := reg.PutMeteringPoint(context.Background(), point); err != nil {
		t.Fatal(err)
	}
	return &accessrequest.Service{MeteringPoints: reg, Store: store, Grants: grants, Expiry: noTimers{}, Clock: clock.System{}, NewID: uuid.NewString,
		ExpiresAt: func(at time.Time) time.Time { return at.Add(time.Hour) }, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, mp
}

// together runs call from writers goroutines at once.
func together(call func(i int) error) []error { return conflicttest.Together(writers, call) }

func expectSuccessOrConflict(t *testing.T, errs []error) {
	conflicttest.ExpectSuccessOrConflict(t, errs)
}

// Creating and withdrawing requests for one metering point at once: each
// answer is a success or a conflict, and at most one request is left open.
func TestConcurrentCreatesAndWithdrawals(t *testing.T) { onEach(t, concurrentCreatesAndWithdrawals) }

func concurrentCreatesAndWithdrawals(t *testing.T, svc *accessrequest.Service, store accessrequest.Store, mp ident.GSRN) {
	ctx := context.Background()
	errs := together(func(i int) error {
		r, _, _, err := svc.Create(ctx, tp, accessrequest.CreateInput{MeteringPoint: mp, Scope: accessrequest.Full})
		if err != nil || i%2 == 0 {
			return err
		}
		_, err = svc.Withdraw(ctx, tp, r.ID)
		return err
	})
	expectSuccessOrConflict(t, errs)
	page, err := store.List(ctx, tp, accessrequest.ListQuery{Status: accessrequest.Pending, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	open := 0
	for _, r := range page.Items {
		if r.MeteringPoint == mp {
			open++
		}
	}
	if open > 1 {
		t.Errorf("%d requests are open for one metering point", open)
	}
}

// Withdrawing one request many times at once answers the withdrawn request every time.
func TestConcurrentWithdrawals(t *testing.T) { onEach(t, concurrentWithdrawals) }

func concurrentWithdrawals(t *testing.T, svc *accessrequest.Service, store accessrequest.Store, mp ident.GSRN) {
	ctx := context.Background()
	r, _, _, err := svc.Create(ctx, tp, accessrequest.CreateInput{MeteringPoint: mp, Scope: accessrequest.Full})
	if err != nil {
		t.Fatal(err)
	}
	errs := together(func(int) error {
		_, err := svc.Withdraw(ctx, tp, r.ID)
		return err
	})
	for i, err := range errs {
		if err != nil {
			t.Errorf("withdrawal %d: %v", i, err)
		}
	}
	if final, err := store.Get(ctx, r.ID); err != nil || final.Status != accessrequest.Withdrawn || final.Version != 2 {
		t.Fatalf("%+v, %v", final, err)
	}
}

// releasingStore lets another request take the pending slot and be
// withdrawn between a create's read of the slot and its write.
type releasingStore struct {
	accessrequest.Store
	raced bool
}

func (s *releasingStore) Create(ctx context.Context, r accessrequest.Request, replacing string, idem accessrequest.Idempotency) error {
	if !s.raced {
		s.raced = true
		other := r
		other.ID = uuid.NewString()
		if err := s.Store.Create(ctx, other, replacing, accessrequest.Idempotency{}); err != nil {
			return err
		}
		withdrawn, err := other.Withdraw(time.Now())
		if err != nil {
			return err
		}
		if err := s.Store.Transition(ctx, other, withdrawn); err != nil {
			return err
		}
	}
	return s.Store.Create(ctx, r, replacing, idem)
}

// A create that finds the pending slot taken by a request already ended
// is made again, and creates its request.
func TestACreateThatLosesTheSlotToAnEndedRequestIsMadeAgain(t *testing.T) {
	onEach(t, aCreateThatLosesTheSlotToAnEndedRequestIsMadeAgain)
}

func aCreateThatLosesTheSlotToAnEndedRequestIsMadeAgain(t *testing.T, svc *accessrequest.Service, store accessrequest.Store, mp ident.GSRN) {
	ctx := context.Background()
	svc.Store = &releasingStore{Store: store}
	r, outcome, _, err := svc.Create(ctx, tp, accessrequest.CreateInput{MeteringPoint: mp, Scope: accessrequest.Full})
	if err != nil || outcome != accessrequest.Created || r.Status != accessrequest.Pending {
		t.Fatalf("%+v, %v, %v", r, outcome, err)
	}
	if held, found, err := store.Pending(ctx, tp, mp); err != nil || !found || held.ID != r.ID {
		t.Fatalf("the pending slot holds %+v (%v, %v), not %s", held, found, err, r.ID)
	}
}
