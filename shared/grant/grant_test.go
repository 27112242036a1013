package grant

import (
	"testing"
	"time"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/registry"
)

func TestActiveGrantChangesAndIsRevokedOnce(t *testing.T) {
	t0 := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	g := New("7090000000011", "707057500000001015", accessrequest.Limited, "p1_x", "", t0.AddDate(-1, 0, 0), t0)
	full, err := g.ChangeLevel(accessrequest.Full, t0.Add(time.Hour))
	if err != nil || full.Level != accessrequest.Full || full.Version != 2 || !full.ChangedAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("%+v %v", full, err)
	}
	revoked, err := full.Revoke(t0.Add(2 * time.Hour))
	if err != nil || revoked.Status != Revoked || revoked.Version != 3 {
		t.Fatalf("%+v %v", revoked, err)
	}
	if _, err := revoked.Revoke(t0); fault.KindOf(err) != fault.Conflict {
		t.Errorf("revoked twice: %v", err)
	}
	if _, err := revoked.ChangeLevel(accessrequest.Limited, t0); fault.KindOf(err) != fault.Conflict {
		t.Errorf("changed a revoked grant: %v", err)
	}
}

// The stored access makes way for a new one when it was removed, or when it
// was given in another occupancy of the point; never for the same giver's
// new access while its own is active, nor out of version order.
func TestWhichAccessMakesWayForANewOne(t *testing.T) {
	t0 := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	kariIn, olaIn := registry.Date(2021, 8, 1), registry.Date(2026, 10, 1)
	karis := New("7090000000011", "707057500000001015", accessrequest.Full, "p1_kari", "", kariIn, t0.AddDate(-1, 0, 0))
	revoked, _ := karis.Revoke(t0)
	kariAgain := New(karis.ThirdParty, karis.MeteringPoint, accessrequest.Limited, "p1_kari", "", kariIn, t0)
	kariBack := New(karis.ThirdParty, karis.MeteringPoint, accessrequest.Limited, "p1_kari", "", olaIn, t0) // moved in again
	olas := New(karis.ThirdParty, karis.MeteringPoint, accessrequest.Limited, "p1_ola", "", olaIn, t0)
	for _, c := range []struct {
		name         string
		stored, next Grant
		want         bool
	}{
		{"the same giver's access while it is active", karis, kariAgain.After(karis), false},
		{"the same giver's access once removed", revoked, kariAgain.After(revoked), true},
		{"the next end user's access", karis, olas.After(karis), true},
		{"the same end user's access from a later move-in", karis, kariBack.After(karis), true},
		{"the next end user's access out of version order", karis, olas, false},
		{"the next end user's access at the version kari's end takes", karis, atVersion(olas, karis.Version+1), false},
	} {
		if got := c.stored.MakesWayFor(c.next); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	if ended := olas.After(karis).Replaced; ended == nil || ended.Status != Revoked || ended.Version != karis.Version+1 || !ended.ChangedAt.Equal(olas.GrantedAt) {
		t.Errorf("replacing kari's active access does not end it: %+v", ended)
	}
	if next := olas.After(karis); next.Version != karis.Version+2 || next.Follows() != karis.Version {
		t.Errorf("ola's access after kari's is version %d following %d: kari's end needs a version of its own", next.Version, next.Follows())
	}
	if kariAgain.After(revoked).Replaced != nil || kariAgain.After(karis).Replaced != nil {
		t.Error("following a removed access, or the same giver's active one, ends it")
	}
	if !karis.GivenBy(registry.Occupancy{EndUser: "p1_kari", MoveIn: kariIn}) || karis.GivenBy(registry.Occupancy{EndUser: "p1_ola", MoveIn: olaIn}) {
		t.Error("GivenBy does not tell kari's occupancy from ola's")
	}
}

func atVersion(g Grant, v int) Grant {
	g.Version = v
	return g
}
