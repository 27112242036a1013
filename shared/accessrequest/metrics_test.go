package accessrequest_test

import (
	"context"
	"maps"
	"testing"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/metrics"
)

// A request counts once when created and once when withdrawn: asking
// again for a pending one, or withdrawing again, counts nothing.
func TestRequestsCreatedAndWithdrawnAreCountedOnce(t *testing.T) {
	onEach(t, countsCreatedAndWithdrawn)
}

func countsCreatedAndWithdrawn(t *testing.T, svc *accessrequest.Service, _ accessrequest.Store, mp ident.GSRN) {
	var counted metrics.Recorder
	svc.Metrics = &counted
	ctx := context.Background()
	in := accessrequest.CreateInput{MeteringPoint: mp, Scope: accessrequest.Full}
	r, _, _, err := svc.Create(ctx, tp, in)
	if err != nil {
		t.Fatal(err)
	}
	if _, outcome, _, err := svc.Create(ctx, tp, in); err != nil || outcome != accessrequest.AlreadyPending {
		t.Fatalf("again: %v %v", outcome, err)
	}
	for range 2 {
		if _, err := svc.Withdraw(ctx, tp, r.ID); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := counted.Counts(metrics.AccessRequests), map[string]int{"created": 1, "withdrawn": 1}; !maps.Equal(got, want) {
		t.Errorf("counts %v, want %v", got, want)
	}
}
