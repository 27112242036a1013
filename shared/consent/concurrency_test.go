package consent_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/conflict"
	"github.com/tredjepart/tredjepart/shared/conflict/conflicttest"
	"github.com/tredjepart/tredjepart/shared/consent"
	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/grant"
)

const writers = 16

// together runs call from writers goroutines at once.
func together(call func(i int) error) []error { return conflicttest.Together(writers, call) }

// expectSuccessOrConflict fails for any answer but success or a conflict.
func expectSuccessOrConflict(t *testing.T, errs []error) {
	conflicttest.ExpectSuccessOrConflict(t, errs)
}

// The end user changes the level from many tabs at once, and removes the
// access from some: every change succeeds or is a conflict, and what is
// stored is what the last successful write returned.
func TestConcurrentLevelChangesAndRemovals(t *testing.T) {
	onEach(t, concurrentLevelChangesAndRemovals)
}

func concurrentLevelChangesAndRemovals(t *testing.T, f fixture) {
	ctx := context.Background()
	mp := f.meteringPoint(t)
	if _, err := f.svc.GrantDirectly(ctx, kari, tp, mp, accessrequest.Limited); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var latest grant.Grant
	errs := together(func(i int) error {
		var g grant.Grant
		var err error
		switch {
		case i == writers-1:
			g, err = f.svc.Revoke(ctx, kari, tp, mp)
		case i%2 == 0:
			g, err = f.svc.ChangeLevel(ctx, kari, tp, mp, accessrequest.Full)
		default:
			g, err = f.svc.ChangeLevel(ctx, kari, tp, mp, accessrequest.Limited)
		}
		if err == nil {
			mu.Lock()
			if g.Version > latest.Version {
				latest = g
			}
			mu.Unlock()
		}
		return err
	})
	expectSuccessOrConflict(t, errs)
	if errs[writers-1] != nil {
		t.Errorf("the removal: %v", errs[writers-1])
	}
	stored, found, err := f.grants.Grant(ctx, tp, mp)
	if err != nil || !found {
		t.Fatal(found, err)
	}
	if stored.Status != grant.Revoked || stored.Version != latest.Version || stored.Level != latest.Level {
		t.Errorf("stored %s %s at version %d; the latest successful change returned %s %s at version %d",
			stored.Status, stored.Level, stored.Version, latest.Status, latest.Level, latest.Version)
	}
}

// A double-submitted decision: the same approval many times at once
// answers success every time, with one grant.
func TestConcurrentApprovalsOfOneRequest(t *testing.T) { onEach(t, concurrentApprovalsOfOneRequest) }

func concurrentApprovalsOfOneRequest(t *testing.T, f fixture) {
	ctx := context.Background()
	mp := f.meteringPoint(t)
	r := f.request(t, mp, accessrequest.Full, time.Hour)
	errs := together(func(int) error {
		_, err := f.svc.Approve(ctx, kari, r.ID, accessrequest.Full)
		return err
	})
	for i, err := range errs {
		if err != nil {
			t.Errorf("approval %d: %v", i, err)
		}
	}
	g, found, err := f.grants.Grant(ctx, tp, mp)
	if err != nil || !found || g.Status != grant.Active || g.RequestID != r.ID || g.Version != 1 {
		t.Fatalf("grant %+v, %v, %v", g, found, err)
	}
}

// Approving and declining at once: one decision wins; the other answers a
// conflict naming it, and the grant exists exactly when APPROVED won.
func TestConcurrentApprovalsAndDeclines(t *testing.T) { onEach(t, concurrentApprovalsAndDeclines) }

func concurrentApprovalsAndDeclines(t *testing.T, f fixture) {
	ctx := context.Background()
	mp := f.meteringPoint(t)
	r := f.request(t, mp, accessrequest.Limited, time.Hour)
	errs := together(func(i int) error {
		var err error
		if i%2 == 0 {
			_, err = f.svc.Approve(ctx, kari, r.ID, accessrequest.Limited)
		} else {
			_, err = f.svc.Decline(ctx, kari, r.ID)
		}
		return err
	})
	expectSuccessOrConflict(t, errs)
	final, err := f.requests.Get(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	granted, err := f.grants.HasActiveGrantFrom(ctx, tp, mp, karis)
	if err != nil {
		t.Fatal(err)
	}
	if final.Version != 2 || granted != (final.Status == accessrequest.Approved) {
		t.Errorf("request %s at version %d, grant %v", final.Status, final.Version, granted)
	}
	for i, err := range errs {
		if won := (i%2 == 0) == (final.Status == accessrequest.Approved); won != (err == nil) {
			t.Errorf("call %d answered %v after %s won", i, err, final.Status)
		}
	}
}

// racedStore lets another writer change the grant between every read and
// write of it, as many tabs or devices could.
type racedStore struct {
	consent.Grants
	writes int
}

func (s *racedStore) UpdateGrant(ctx context.Context, prev, next grant.Grant) error {
	s.writes++
	other := prev
	other.Version++
	if err := s.Grants.UpdateGrant(ctx, prev, other); err != nil {
		return err
	}
	return s.Grants.UpdateGrant(ctx, prev, next)
}

// A change that loses every race is made a bounded number of times and
// then answers a conflict, not an internal error.
func TestALevelChangeThatAlwaysLosesIsAConflict(t *testing.T) {
	onEach(t, aLevelChangeThatAlwaysLosesIsAConflict)
}

func aLevelChangeThatAlwaysLosesIsAConflict(t *testing.T, f fixture) {
	ctx := context.Background()
	mp := f.meteringPoint(t)
	if _, err := f.svc.GrantDirectly(ctx, kari, tp, mp, accessrequest.Limited); err != nil {
		t.Fatal(err)
	}
	raced := &racedStore{Grants: f.grants}
	svc := *f.svc
	svc.Grants = raced
	if _, err := svc.ChangeLevel(ctx, kari, tp, mp, accessrequest.Full); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("a change that always lost answered %v, want a conflict", err)
	}
	if _, err := svc.Revoke(ctx, kari, tp, mp); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("a removal that always lost answered %v, want a conflict", err)
	}
	if raced.writes != 2*conflict.Attempts {
		t.Errorf("%d writes, want %d for each change", raced.writes, conflict.Attempts)
	}
}

// busyStore loses every approval to a write that changed nothing the end
// user decides on (in DynamoDB: another transaction on the item at that
// moment).
type busyStore struct{ consent.Requests }

func (busyStore) Approve(context.Context, accessrequest.Request, accessrequest.Request, grant.Grant, time.Time) error {
	return accessrequest.ErrStale
}

// An approval that lost while the request is still pending says to look
// again; it does not claim the request can no longer change.
func TestAnApprovalThatLostToNoDecisionSaysToLookAgain(t *testing.T) {
	onEach(t, anApprovalThatLostToNoDecisionSaysToLookAgain)
}

func anApprovalThatLostToNoDecisionSaysToLookAgain(t *testing.T, f fixture) {
	r := f.request(t, f.meteringPoint(t), accessrequest.Full, time.Hour)
	svc := *f.svc
	svc.Requests = busyStore{f.requests}
	_, err := svc.Approve(context.Background(), kari, r.ID, accessrequest.Full)
	if !errors.Is(err, accessrequest.ErrStale) {
		t.Fatalf("answered %v, want the lost race (a conflict to look again)", err)
	}
}
