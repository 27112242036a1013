package operations_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/delivery"
	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/grant"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/inmem"
	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/operations"
	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/stdwebhook"
	"github.com/tredjepart/tredjepart/shared/webhook"
)

// queues is the queues as a fake: fixed depths, and a record of redrives.
type queues struct {
	depths   []operations.QueueDepth
	redriven []operations.Redriven
}

func (q *queues) Depths(context.Context) ([]operations.QueueDepth, error) { return q.depths, nil }

func (q *queues) Redrive(_ context.Context, queue string, max int, dryRun bool) (operations.Redriven, error) {
	r := operations.Redriven{Queue: queue, Moved: max, DryRun: dryRun}
	q.redriven = append(q.redriven, r)
	return r, nil
}

type shardsSent struct {
	mu    sync.Mutex // sent in batches at once
	tasks []delivery.ShardTask
}

func (s *shardsSent) SendShards(_ context.Context, tasks []delivery.ShardTask) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tasks = append(s.tasks, tasks...)
	return nil
}

const (
	tpA, tpB, tpOff ident.GLN  = "7080005051286", "7080005051293", "7080005051309"
	mp1, mp2, mp3   ident.GSRN = "707057500000001015", "707057500000001022", "707057500000001039"
	mpLeft          ident.GSRN = "707057500000001046" // kari moved out before the day
)

// The status counts each enabled third party's active grants whose data
// window holds the day as due (not one whose giver moved out before it) and
// its documents of the day's values as written (not those of other days
// or kinds), the jobs still queued, and the webhooks whose latest pushes
// failed.
func TestTheStatusOfADay(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { theStatusOfADay(t, b.open(t)) })
	}
}

// stores is what the status test writes and the status reads, on each backend.
type stores struct {
	Parties interface {
		delivery.ThirdParties
		RegisterThirdParty(ctx context.Context, tp registry.ThirdParty) error
	}
	MeteringPoints interface {
		PutMeteringPoint(ctx context.Context, mp registry.MeteringPoint) (bool, error)
	}
	Grants interface {
		delivery.ShardGrants
		PutGrant(ctx context.Context, g grant.Grant) error
	}
	Outbox interface {
		operations.Facts
		operations.Documents
		Put(ctx context.Context, d delivery.Document) (bool, error)
	}
	Webhooks interface {
		operations.Attempts
		LogAttempt(ctx context.Context, a webhook.Attempt) error
	}
}

var backends = []struct {
	name string
	open func(t *testing.T) stores
}{{"inmem", func(*testing.T) stores {
	s := inmem.Open()
	return stores{Parties: s.Parties, MeteringPoints: s.MeteringPoints, Grants: s.Grants, Outbox: s.Outbox, Webhooks: s.Webhooks}
}}}

func theStatusOfADay(t *testing.T, stores stores) {
	ctx := context.Background()
	now := time.Now()
	day := delivery.PreviousDay(now)
	for _, tp := range []registry.ThirdParty{{GLN: tpA, Name: "A"}, {GLN: tpB, Name: "B"}, {GLN: tpOff, Name: "off", Disabled: true}} {
		if err := stores.Parties.RegisterThirdParty(ctx, tp); err != nil {
			t.Fatal(err)
		}
	}
	moveIn := registry.Date(2021, 8, 1)
	for _, mp := range []ident.GSRN{mp1, mp2, mp3, mpLeft} {
		kari := registry.Occupancy{EndUser: "p1_kari", MoveIn: moveIn}
		if mp == mpLeft {
			kari.MoveOut = day.AddDate(0, 0, -5)
		}
		if _, err := stores.MeteringPoints.PutMeteringPoint(ctx, registry.MeteringPoint{ID: mp, AccountingPoint: true, Occupancies: []registry.Occupancy{kari}}); err != nil {
			t.Fatal(err)
		}
	}
	for _, g := range []struct {
		tp ident.GLN
		mp ident.GSRN
	}{{tpA, mp1}, {tpA, mp2}, {tpA, mp3}, {tpA, mpLeft}, {tpB, mp1}, {tpOff, mp1}} {
		if err := stores.Grants.PutGrant(ctx, grant.New(g.tp, g.mp, accessrequest.Full, "p1_kari", "", moveIn, now)); err != nil {
			t.Fatal(err)
		}
	}
	put := func(tp ident.GLN, kind delivery.Kind, mp ident.GSRN, d time.Time) {
		t.Helper()
		doc := delivery.Document{ID: delivery.DocumentID(kind, mp, d, 1), ThirdParty: tp, Kind: kind, MeteringPoint: mp, Day: d, CreatedAt: now, Body: []byte(`{}`)}
		if _, err := stores.Outbox.Put(ctx, doc); err != nil {
			t.Fatal(err)
		}
	}
	put(tpA, delivery.DailySeries, mp1, day)
	put(tpA, delivery.DailySeries, mp2, day)
	put(tpA, delivery.Correction, mp3, day)                    // another kind
	put(tpA, delivery.DailySeries, mp3, day.AddDate(0, 0, -1)) // another day
	put(tpB, delivery.DailySeries, mp1, day)
	for i, outcome := range []stdwebhook.Outcome{stdwebhook.Delivered, stdwebhook.Retry, stdwebhook.Retry} {
		a := webhook.Attempt{ThirdParty: tpB, DocumentID: "d", Number: i + 1, At: now.Add(time.Duration(i) * time.Minute), Outcome: outcome, Status: 503, Error: "endpoint answered 503"}
		if err := stores.Webhooks.LogAttempt(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	q := &queues{depths: []operations.QueueDepth{
		{Queue: "FanOutShards", Waiting: 1, InFlight: 1}, {Queue: "DeliveryJobs", Waiting: 3, Delayed: 1}, {Queue: "WebhookPushes", Waiting: 7, DeadLetters: 2},
	}}
	svc := &operations.Service{ThirdParties: stores.Parties, Grants: stores.Grants, Facts: stores.Outbox, Documents: stores.Outbox, Attempts: stores.Webhooks, Queues: q, Clock: clock.System{}}
	st, err := svc.Status(ctx, day)
	if err != nil {
		t.Fatal(err)
	}
	if st.Day != day.Format(metervalues.DayLayout) || st.Due != 4 || st.Written != 3 || st.PendingJobs != 6 || len(st.Queues) != 3 {
		t.Errorf("status %+v, want 4 due, 3 written, 6 pending jobs", st)
	}
	want := []operations.ThirdPartyStatus{{ThirdParty: tpA, Due: 3, Written: 2}, {ThirdParty: tpB, Due: 1, Written: 1}}
	if len(st.ThirdParties) != 2 || st.ThirdParties[0] != want[0] || st.ThirdParties[1] != want[1] {
		t.Errorf("third parties %+v, want %+v", st.ThirdParties, want)
	}
	if len(st.FailingWebhooks) != 1 {
		t.Fatalf("failing webhooks %+v, want B's", st.FailingWebhooks)
	}
	if f := st.FailingWebhooks[0]; f.ThirdParty != tpB || f.Failures != 2 || f.Status != 503 || !f.Since.Equal(now.Add(time.Minute)) {
		t.Errorf("failing %+v, want B failing twice since its second attempt", f)
	}
}

// A day is replayed once it is over; a redrive is bounded.
func TestDeliverAndRedriveAreBounded(t *testing.T) {
	ctx := context.Background()
	stores := inmem.Open()
	if err := stores.Parties.RegisterThirdParty(ctx, registry.ThirdParty{GLN: tpA, Name: "A"}); err != nil {
		t.Fatal(err)
	}
	sent := &shardsSent{}
	q := &queues{}
	svc := &operations.Service{ThirdParties: stores.Parties, Queues: q, Clock: clock.System{},
		FanOut: &delivery.FanOut{ThirdParties: stores.Parties, Shards: sent, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}}
	today := metervalues.Date(time.Now())
	if _, err := svc.Deliver(ctx, today); fault.KindOf(err) != fault.Unprocessable {
		t.Errorf("today: %v, want Unprocessable", err)
	}
	r, err := svc.Deliver(ctx, today.AddDate(0, 0, -1))
	if err != nil || r.ThirdParties != 1 || len(sent.tasks) != delivery.ShardCount {
		t.Fatalf("yesterday: %+v %v, %d shard messages", r, err, len(sent.tasks))
	}
	for _, max := range []int{0, -1, operations.MaxRedrive + 1} {
		if _, err := svc.Redrive(ctx, "DeliveryJobs", max, false); fault.KindOf(err) != fault.Invalid {
			t.Errorf("max %d: %v, want Invalid", max, err)
		}
	}
	if _, err := svc.Redrive(ctx, "DeliveryJobs", 10, true); err != nil || len(q.redriven) != 1 || !q.redriven[0].DryRun {
		t.Errorf("dry run: %v %+v", err, q.redriven)
	}
}
