package accessrequest

import (
	"testing"
	"time"

	"github.com/tredjepart/tredjepart/shared/fault"
)

func TestOnlyPendingRequestsMove(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	moves := map[Status]func(Request) (Request, error){
		Approved:  func(r Request) (Request, error) { return r.Approve(Full, now) },
		Rejected:  func(r Request) (Request, error) { return r.Reject(ReasonNotApproved, now) },
		Withdrawn: func(r Request) (Request, error) { return r.Withdraw(now) },
	}
	for _, from := range []Status{Pending, Approved, Rejected, Withdrawn} {
		for to, move := range moves {
			t.Run(string(from)+"→"+string(to), func(t *testing.T) {
				r := Request{Status: from, ExpiresAt: now.Add(time.Hour), Version: 3}
				got, err := move(r)
				if from != Pending {
					if fault.KindOf(err) != fault.Conflict {
						t.Fatalf("want a conflict moving %s to %s, got %v", from, to, err)
					}
					if got.Status != from || got.Version != 3 {
						t.Fatalf("a refused move changed the request: %+v", got)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if got.Status != to || got.Version != 4 || !got.DecidedAt.Equal(now) {
					t.Fatalf("got %+v", got)
				}
			})
		}
	}
}

func TestRejectionCarriesItsReason(t *testing.T) {
	now := time.Now()
	got, err := Request{Status: Pending, ExpiresAt: now.Add(time.Hour)}.Reject(ReasonNotApproved, now)
	if err != nil || got.ReasonCode != "EH088" {
		t.Fatalf("got %+v, %v", got, err)
	}
	if _, err := (Request{Status: Pending}).Reject("", now); err == nil {
		t.Fatal("a rejection without a reason was accepted")
	}
}

func TestExpiredRequestCannotBeApproved(t *testing.T) {
	expires := time.Date(2027, 4, 1, 22, 0, 0, 0, time.UTC)
	r := Request{Status: Pending, ExpiresAt: expires}
	if _, err := r.Approve(Limited, expires); err == nil {
		t.Fatal("approved at the expiry instant")
	}
	if got, err := r.Approve(Full, expires.Add(-time.Second)); err != nil || got.GrantedScope != Full {
		t.Fatalf("refused a second before expiry: %v", err)
	}
	if r.OpenAt(expires) || !r.OpenAt(expires.Add(-time.Nanosecond)) {
		t.Fatal("OpenAt disagrees with the expiry instant")
	}
}

func TestParseScope(t *testing.T) {
	for in, want := range map[string]Scope{"LIMITED": Limited, "FULL": Full} {
		if got, err := ParseScope(in); err != nil || got != want {
			t.Errorf("ParseScope(%q) = %q, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "full", "Full", "ALL", " LIMITED"} {
		if _, err := ParseScope(bad); err == nil {
			t.Errorf("ParseScope(%q) accepted", bad)
		}
	}
}

func TestParseStatus(t *testing.T) {
	for _, s := range []string{"PENDING", "APPROVED", "REJECTED", "WITHDRAWN"} {
		if _, err := ParseStatus(s); err != nil {
			t.Errorf("ParseStatus(%q): %v", s, err)
		}
	}
	if _, err := ParseStatus("EXPIRED"); err == nil {
		t.Error("EXPIRED accepted")
	}
}

// Elhub answers EH088 both for a request the end user declined and for one
// left unanswered; the third party is told which by RejectionReason: a
// rejection at or after expiresAt is the expiry timer's.
func TestRejectionReasonTellsADeclineFromAnExpiry(t *testing.T) {
	expires := time.Date(2026, 12, 3, 23, 0, 0, 0, time.UTC)
	pending := Request{Status: Pending, ExpiresAt: expires, Version: 1}
	declined, _ := pending.Reject(ReasonNotApproved, expires.Add(-time.Minute))
	expired, _ := pending.Reject(ReasonNotApproved, expires.Add(40*time.Millisecond))
	withdrawn, _ := pending.Withdraw(expires.Add(-time.Hour))
	for _, c := range []struct {
		r    Request
		want string
	}{{declined, RejectionDeclined}, {expired, RejectionExpired}, {withdrawn, ""}, {pending, ""}} {
		if got := c.r.RejectionReason(); got != c.want {
			t.Errorf("%s decided %v: %q, want %q", c.r.Status, c.r.DecidedAt, got, c.want)
		}
	}
}
