package grant

import (
	"testing"
	"time"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/fault"
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
