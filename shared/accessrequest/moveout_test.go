package accessrequest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/grant"
	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/pseudonym"
	"github.com/tredjepart/tredjepart/shared/registry"
)

// The access a third party holds covers the time of the end user who gave
// it. Once that end user has moved out and another moved in, a request for
// the point is the new end user's to decide: it is created, not answered
// EH017. Access given by the end user living there now is EH017.
func TestARequestAfterAMoveGoesToTheNewEndUser(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			reg, store, grants := b.newStores(t)
			svc, mp := service(t, reg, store, grants)
			ctx := context.Background()
			const kari, ola pseudonym.EndUserID = "p1_kari", "p1_ola"
			kariIn, moved := registry.Date(2021, 8, 1), metervalues.Date(time.Now()).AddDate(0, 0, -30)
			point, _, err := reg.MeteringPoint(ctx, mp)
			if err != nil {
				t.Fatal(err)
			}
			point.Occupancies = []registry.Occupancy{{EndUser: kari, MoveIn: kariIn, MoveOut: moved}, {EndUser: ola, MoveIn: moved}}
			if _, err := reg.PutMeteringPoint(ctx, point); err != nil {
				t.Fatal(err)
			}
			karis := grant.New(tp, mp, accessrequest.Full, kari, "", kariIn, moved.AddDate(0, -1, 0))
			if err := grants.PutGrant(ctx, karis); err != nil {
				t.Fatal(err)
			}

			r, outcome, _, err := svc.Create(ctx, tp, accessrequest.CreateInput{MeteringPoint: mp, Scope: accessrequest.Limited})
			if err != nil || outcome != accessrequest.Created || r.Status != accessrequest.Pending {
				t.Fatalf("asking again after the end user who gave access moved out: %+v %v %v", r, outcome, err)
			}
			if _, err := svc.Withdraw(ctx, tp, r.ID); err != nil {
				t.Fatal(err)
			}

			revoked, _ := karis.Revoke(time.Now())
			if err := grants.UpdateGrant(ctx, karis, revoked); err != nil {
				t.Fatal(err)
			}
			if err := grants.PutGrant(ctx, grant.New(tp, mp, accessrequest.Limited, ola, "", moved, time.Now()).After(revoked)); err != nil {
				t.Fatal(err)
			}
			_, _, _, err = svc.Create(ctx, tp, accessrequest.CreateInput{MeteringPoint: mp, Scope: accessrequest.Limited})
			if fe, ok := errors.AsType[*fault.Error](err); !ok || fe.Code != accessrequest.CodeAlreadyHasAccess {
				t.Fatalf("asking for access the end user living there gave: %v, want %s", err, accessrequest.CodeAlreadyHasAccess)
			}
		})
	}
}
