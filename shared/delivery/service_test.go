package delivery_test

// The daily delivery and the changes after it, on the fakes: what a job
// writes to the outbox and announces, what it remembers as late, and what
// a late or corrected day delivers.

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/delivery"
	"github.com/tredjepart/tredjepart/shared/grant"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/inmem"
	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/metrics"
	"github.com/tredjepart/tredjepart/shared/registry"
)

// announced records the webhook announcements.
type announced struct {
	mu  sync.Mutex
	ids map[ident.GLN][]string
}

func (a *announced) Announce(_ context.Context, tp ident.GLN, ids ...string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.ids[tp] = append(a.ids[tp], ids...)
	return nil
}

type world struct {
	inmem.Stores
	announced *announced
	deliverer *delivery.Deliverer
	changes   *delivery.Changes
	day       time.Time // delivered by now
}

var moveIn = registry.Date(2021, 8, 1)

// newWorld registers both third parties and, for each metering point, kari
// as its end user and enabledTP's active grant.
func newWorld(t *testing.T, points ...ident.GSRN) world {
	t.Helper()
	ctx := context.Background()
	w := world{Stores: inmem.Open(), announced: &announced{ids: map[ident.GLN][]string{}}, day: metervalues.Date(time.Now().AddDate(0, 0, -3))}
	for _, tp := range []registry.ThirdParty{{GLN: enabledTP, Name: "enabled"}, {GLN: disabledTP, Name: "disabled", Disabled: true}} {
		if err := w.Parties.RegisterThirdParty(ctx, tp); err != nil {
			t.Fatal(err)
		}
	}
	for _, mp := range points {
		if _, err := w.MeteringPoints.PutMeteringPoint(ctx, registry.MeteringPoint{ID: mp, AccountingPoint: true, Resolution: metervalues.PT60M,
			Occupancies: []registry.Occupancy{{EndUser: "p1_kari", MoveIn: moveIn}}}); err != nil {
			t.Fatal(err)
		}
		for _, tp := range []ident.GLN{enabledTP, disabledTP} {
			if err := w.Grants.PutGrant(ctx, grant.New(tp, mp, accessrequest.Full, "p1_kari", "", moveIn, time.Now())); err != nil {
				t.Fatal(err)
			}
		}
	}
	w.deliverer = &delivery.Deliverer{ThirdParties: w.Parties, Store: w.Outbox, Webhooks: w.announced, Clock: clock.System{}}
	w.changes = &delivery.Changes{Store: w.Outbox, Grants: w.Grants, MeteringPoints: w.MeteringPoints, Webhooks: w.announced, Clock: clock.System{},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	return w
}

// store puts the day's values of mp, every position kWh, and returns what was stored.
func (w world) store(t *testing.T, mp ident.GSRN, kWh string) metervalues.Series {
	t.Helper()
	return w.storeDay(t, mp, w.day, kWh)
}

// storeDay puts a day's values of mp, every position kWh, and returns what was stored.
func (w world) storeDay(t *testing.T, mp ident.GSRN, day time.Time, kWh string) metervalues.Series {
	t.Helper()
	qs := make([]metervalues.Quantity, metervalues.SlotsOn(day, metervalues.PT60M))
	for i := range qs {
		qs[i] = metervalues.Quantity{Value: decimal.RequireFromString(kWh), Quality: metervalues.Measured}
	}
	s, _, err := w.MeterValues.PutDay(context.Background(), metervalues.Series{MeteringPoint: mp, Day: day, Resolution: metervalues.PT60M, Quantities: qs})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// document reads an outbox document's body.
func (w world) document(t *testing.T, tp ident.GLN, id string) map[string]any {
	t.Helper()
	d, _, found, err := w.Outbox.Document(context.Background(), tp, id)
	if err != nil || !found {
		t.Fatalf("document %s of %s: found=%v err=%v", id, tp, found, err)
	}
	var body map[string]any
	if err := json.Unmarshal(d.Body, &body); err != nil {
		t.Fatal(err)
	}
	return body
}

const (
	mpA ident.GSRN = "707057500000001015"
	mpB ident.GSRN = "707057500000001022"
	mpC ident.GSRN = "707057500000001039"
)

func TestAJobDeliversEachDayOnceAndRemembersTheLateOnes(t *testing.T) {
	w := newWorld(t, mpA, mpB, mpC)
	ctx := context.Background()
	w.store(t, mpA, "0.5")
	g, _, _ := w.Grants.Grant(ctx, enabledTP, mpC)
	revoked, _ := g.Revoke(time.Now())
	if err := w.Grants.UpdateGrant(ctx, g, revoked); err != nil {
		t.Fatal(err)
	}
	w.store(t, mpC, "0.5")
	job := delivery.Job{ThirdParty: enabledTP, Day: w.day.Format(metervalues.DayLayout), MeteringPoints: []ident.GSRN{mpA, mpB, mpC}}
	r, err := w.deliverer.Deliver(ctx, job)
	if err != nil || r.Delivered != 1 || r.Late != 1 || r.NoAccess != 1 {
		t.Fatalf("first run: %+v %v", r, err)
	}
	id := delivery.DocumentID(delivery.DailySeries, mpA, w.day, 1)
	if body := w.document(t, enabledTP, id); body["late"] != false || body["meteringPointId"] != string(mpA) {
		t.Fatalf("document %v", body)
	}
	if awaiting, _ := w.Outbox.Awaiting(ctx, mpB, w.day); !slices.Equal(awaiting, []ident.GLN{enabledTP}) {
		t.Fatalf("awaiting %s: %v", mpB, awaiting)
	}
	// A retried job writes nothing new but announces again.
	if r, err := w.deliverer.Deliver(ctx, job); err != nil || r.Delivered != 0 || r.AlreadyDelivered != 1 {
		t.Fatalf("retried: %+v %v", r, err)
	}
	if got := w.announced.ids[enabledTP]; !slices.Equal(got, []string{id, id}) {
		t.Fatalf("announced %v", got)
	}
}

func TestADisabledThirdPartyIsDeliveredNothing(t *testing.T) {
	w := newWorld(t, mpA)
	w.store(t, mpA, "0.5")
	r, err := w.deliverer.Deliver(context.Background(), delivery.Job{ThirdParty: disabledTP, Day: w.day.Format(metervalues.DayLayout), MeteringPoints: []ident.GSRN{mpA}})
	if err != nil || !r.ThirdPartyDisabled || r.Delivered != 0 {
		t.Fatalf("%+v %v", r, err)
	}
	if _, _, found, _ := w.Outbox.Document(context.Background(), disabledTP, delivery.DocumentID(delivery.DailySeries, mpA, w.day, 1)); found {
		t.Fatal("a document was written for a disabled third party")
	}
}

func TestALateDayGoesToThoseItWasDueToAndACorrectionToEveryoneWithAccess(t *testing.T) {
	w := newWorld(t, mpA)
	var counted metrics.Recorder
	w.changes.Metrics = &counted
	ctx := context.Background()
	job := delivery.Job{ThirdParty: enabledTP, Day: w.day.Format(metervalues.DayLayout), MeteringPoints: []ident.GSRN{mpA}}
	if r, err := w.deliverer.Deliver(ctx, job); err != nil || r.Late != 1 {
		t.Fatalf("%+v %v", r, err)
	}
	first := w.store(t, mpA, "0.5")
	if err := w.changes.DayStored(ctx, delivery.DayStored{Series: first}); err != nil {
		t.Fatal(err)
	}
	lateID := delivery.DocumentID(delivery.DailySeries, mpA, w.day, 1)
	if body := w.document(t, enabledTP, lateID); body["late"] != true {
		t.Fatalf("late document %v", body)
	}
	if awaiting, _ := w.Outbox.Awaiting(ctx, mpA, w.day); len(awaiting) != 0 {
		t.Fatalf("still awaiting: %v", awaiting)
	}
	corrected := w.store(t, mpA, "0.7")
	if err := w.changes.DayStored(ctx, delivery.DayStored{Series: corrected, BeforeRevision: first.Revision}); err != nil {
		t.Fatal(err)
	}
	correctionID := delivery.DocumentID(delivery.Correction, mpA, w.day, 2)
	w.document(t, enabledTP, correctionID)
	if !slices.Equal(w.announced.ids[enabledTP], []string{lateID, correctionID}) {
		t.Fatalf("announced %v", w.announced.ids)
	}
	// The same change again (a stream record retried) writes nothing and
	// counts nothing. The correction went to both grant holders (a disabled
	// third party's outbox keeps what it is due), the late day to the one
	// it was due to.
	if err := w.changes.DayStored(ctx, delivery.DayStored{Series: corrected, BeforeRevision: first.Revision}); err != nil {
		t.Fatal(err)
	}
	if got, want := counted.Counts(metrics.DocumentsDelivered), map[string]int{"late": 1, "correction": 2}; !maps.Equal(got, want) {
		t.Errorf("documents delivered %v, want %v", got, want)
	}
}
