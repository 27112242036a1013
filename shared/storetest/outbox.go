package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/delivery"
	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/grant"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/stdwebhook"
	"github.com/tredjepart/tredjepart/shared/webhook"
)

// Outbox is the store of outbox documents and late days: the ports of
// webhook and delivery's changes that it serves.
type Outbox interface {
	webhook.Documents
	delivery.ChangeStore
	AwaitLate(ctx context.Context, tp ident.GLN, mp ident.GSRN, day, now time.Time) error
	// The third party's feed, oldest first (the API's), newest first (the
	// portal's), and how much arrived since an instant.
	Feed(ctx context.Context, tp ident.GLN, cursor string, limit int, now time.Time) (delivery.FeedPage, error)
	Latest(ctx context.Context, tp ident.GLN, cursor string, limit int) (delivery.FeedPage, error)
	CountSince(ctx context.Context, tp ident.GLN, since time.Time) (int, error)
}

// RunOutbox runs the contract of an Outbox store.
func RunOutbox(t *testing.T, newStore func(t *testing.T) Outbox) {
	cases := []struct {
		name string
		run  func(t *testing.T, store Outbox)
	}{
		{"ADocumentIsPutOnceAndMarkedPushedOnce", documentPutOnceAndPushedOnce},
		{"LateDaysAreAwaitedUntilCleared", lateDaysAwaited},
		{"FeedIsInArrivalOrderAfterTheCursorOnceSettled", feedMergesInArrivalOrder},
		{"LatestPagesNewestFirst", latestPagesNewestFirst},
		{"CountSinceCountsWhatArrivedSince", countSince},
		{"AFeedCursorIsOneFromAPreviousPage", feedCursorsAreChecked},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.run(t, newStore(t)) })
	}
}

// RunWebhooks runs the contract of a webhook.Store: endpoints and the
// attempt log.
func RunWebhooks(t *testing.T, newStore func(t *testing.T) webhook.Store) {
	cases := []struct {
		name string
		run  func(t *testing.T, store webhook.Store)
	}{
		{"EndpointWritesAreConditionalOnTheVersionBefore", endpointWritesAreConditional},
		{"ARemovedEndpointKeepsItsVersion", removedEndpointKeepsItsVersion},
		{"OnlySealedSecretsAreStored", onlySealedSecretsAreStored},
		{"AttemptsNewestFirst", attemptsNewestFirst},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.run(t, newStore(t)) })
	}
}

func documentPutOnceAndPushedOnce(t *testing.T, store Outbox) {
	ctx := context.Background()
	_, tp := fresh(t)
	created := time.Now().Add(-time.Hour)
	var ids []string
	for i := range 3 {
		d := delivery.Document{ID: fmt.Sprintf("notification:%s:%03d", tp, i), ThirdParty: tp, Kind: delivery.Notice,
			CreatedAt: created, Body: []byte(fmt.Sprintf(`{"i":%d}`, i))}
		if wrote, err := store.Put(ctx, d); err != nil || !wrote {
			t.Fatalf("put %s: wrote=%v err=%v", d.ID, wrote, err)
		}
		ids = append(ids, d.ID)
	}
	at := time.Now().UTC().Truncate(time.Millisecond)
	for _, when := range []time.Time{at, at.Add(time.Minute)} { // the first push is the one recorded
		if err := store.MarkPushed(ctx, tp, ids[1], when); err != nil {
			t.Fatal(err)
		}
	}
	for i, id := range ids {
		d, pushedAt, found, err := store.Document(ctx, tp, id)
		if err != nil || !found || d.ID != id || d.Kind != delivery.Notice || string(d.Body) != fmt.Sprintf(`{"i":%d}`, i) || !d.CreatedAt.Equal(created) {
			t.Fatalf("%s: %+v found=%v err=%v", id, d, found, err)
		}
		if wantPushed := i == 1; pushedAt.Equal(at) != wantPushed || pushedAt.IsZero() == wantPushed {
			t.Errorf("%s pushed at %v", id, pushedAt)
		}
	}
	if wrote, err := store.Put(ctx, delivery.Document{ID: ids[0], ThirdParty: tp, Kind: delivery.Notice, CreatedAt: time.Now(), Body: []byte(`{}`)}); err != nil || wrote {
		t.Fatalf("second put: wrote=%v err=%v", wrote, err)
	}
	if d, _, _, _ := store.Document(ctx, tp, ids[0]); string(d.Body) != `{"i":0}` {
		t.Fatalf("a second put replaced the document: %s", d.Body)
	}
	if _, _, found, err := store.Document(ctx, tp, "no-such-document"); found || err != nil {
		t.Fatalf("an unknown document: found=%v err=%v", found, err)
	}
	if err := store.MarkPushed(ctx, tp, "no-such-document", at); err != nil {
		t.Fatalf("marking an unknown document: %v", err)
	}
}

func lateDaysAwaited(t *testing.T, store Outbox) {
	ctx := context.Background()
	mp, a := fresh(t)
	_, b := fresh(t)
	day := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for _, tp := range []ident.GLN{b, a, a} {
		if err := store.AwaitLate(ctx, tp, mp, day, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := store.Awaiting(ctx, mp, day); err != nil || !slices.Equal(got, []ident.GLN{a, b}) {
		t.Fatalf("awaiting: %v %v", got, err)
	}
	if got, _ := store.Awaiting(ctx, mp, day.AddDate(0, 0, 1)); len(got) != 0 {
		t.Fatalf("the next day is awaited by %v", got)
	}
	for range 2 { // clearing twice is harmless
		if err := store.ClearAwaiting(ctx, mp, day, a); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := store.Awaiting(ctx, mp, day); !slices.Equal(got, []ident.GLN{b}) {
		t.Fatalf("after clearing: %v", got)
	}
}

func sealedKey(created time.Time) webhook.Key {
	return webhook.Key{Secret: stdwebhook.Secret{Key: []byte("clear, never stored")}, Sealed: []byte("sealed"), CreatedAt: created}
}

func endpointWritesAreConditional(t *testing.T, store webhook.Store) {
	ctx := context.Background()
	_, tp := fresh(t)
	now := time.Now().UTC().Truncate(time.Millisecond)
	if _, found, err := store.Endpoint(ctx, tp); found || err != nil {
		t.Fatalf("before: found=%v err=%v", found, err)
	}
	first := webhook.Endpoint{ThirdParty: tp, URL: "https://tp.example/hook", Keys: []webhook.Key{sealedKey(now)}, Enabled: true, ChangedAt: now, Version: 1}
	if err := store.PutEndpoint(ctx, first); err != nil {
		t.Fatal(err)
	}
	if err := store.PutEndpoint(ctx, first); !errors.Is(err, webhook.ErrStale) {
		t.Fatalf("a second first version: %v", err)
	}
	got, found, err := store.Endpoint(ctx, tp)
	if err != nil || !found || got.URL != first.URL || !got.Enabled || got.Version != 1 || !got.ChangedAt.Equal(now) || len(got.Keys) != 1 {
		t.Fatalf("read %+v found=%v err=%v", got, found, err)
	}
	if k := got.Keys[0]; string(k.Sealed) != "sealed" || k.Key != nil || !k.CreatedAt.Equal(now) {
		t.Fatalf("stored key %+v: only the sealed form is stored", k)
	}
	second := first
	second.URL, second.Version, second.Events = "https://tp.example/other", 2, []delivery.Kind{delivery.Notice, delivery.Correction}
	if err := store.PutEndpoint(ctx, second); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := store.Endpoint(ctx, tp); !slices.Equal(got.Events, second.Events) {
		t.Fatalf("events %v, want %v", got.Events, second.Events)
	}
	stale := first
	stale.Version, stale.Enabled = 2, false
	if err := store.PutEndpoint(ctx, stale); !errors.Is(err, webhook.ErrStale) {
		t.Fatalf("a write on a stale read: %v", err)
	}
	if got, _, _ := store.Endpoint(ctx, tp); got.URL != second.URL || got.Version != 2 {
		t.Fatalf("clobbered: %+v", got)
	}
	_, stranger := fresh(t)
	if err := store.PutEndpoint(ctx, webhook.Endpoint{ThirdParty: stranger, URL: "https://x.example", Version: 3}); !errors.Is(err, webhook.ErrStale) {
		t.Fatalf("a later version of an endpoint that is not there: %v", err)
	}
}

func removedEndpointKeepsItsVersion(t *testing.T, store webhook.Store) {
	ctx := context.Background()
	_, tp := fresh(t)
	now := time.Now()
	e := webhook.Endpoint{ThirdParty: tp, URL: "https://tp.example/hook", Keys: []webhook.Key{sealedKey(now)}, Enabled: true, ChangedAt: now, Version: 1}
	if err := store.PutEndpoint(ctx, e); err != nil {
		t.Fatal(err)
	}
	removal := e
	removal.Version = 2
	if err := store.DeleteEndpoint(ctx, removal); err != nil {
		t.Fatal(err)
	}
	if err := store.DeleteEndpoint(ctx, removal); !errors.Is(err, webhook.ErrStale) {
		t.Fatalf("removed twice on one read: %v", err)
	}
	got, found, err := store.Endpoint(ctx, tp)
	if err != nil || found || got.Version != 2 || got.URL != "" || len(got.Keys) != 0 {
		t.Fatalf("after removal: %+v found=%v err=%v", got, found, err)
	}
	// A write based on a read from before the removal fails; the next version succeeds.
	e.Version = 2
	if err := store.PutEndpoint(ctx, e); !errors.Is(err, webhook.ErrStale) {
		t.Fatalf("a write from before the removal: %v", err)
	}
	e.Version = 3
	if err := store.PutEndpoint(ctx, e); err != nil {
		t.Fatal(err)
	}
	if got, found, _ := store.Endpoint(ctx, tp); !found || got.Version != 3 {
		t.Fatalf("registered again: %+v found=%v", got, found)
	}
}

func onlySealedSecretsAreStored(t *testing.T, store webhook.Store) {
	ctx := context.Background()
	_, tp := fresh(t)
	clear := webhook.Key{Secret: stdwebhook.Secret{Key: []byte("whsec")}, CreatedAt: time.Now()}
	err := store.PutEndpoint(ctx, webhook.Endpoint{ThirdParty: tp, URL: "https://tp.example/hook", Keys: []webhook.Key{clear}, Enabled: true, Version: 1})
	if !errors.Is(err, webhook.ErrKeyNotSealed) {
		t.Fatalf("stored a secret in clear: %v", err)
	}
	if _, found, _ := store.Endpoint(ctx, tp); found {
		t.Fatal("a refused endpoint was written")
	}
}

func attemptsNewestFirst(t *testing.T, store webhook.Store) {
	ctx := context.Background()
	_, tp := fresh(t)
	start := time.Now().UTC().Truncate(time.Millisecond)
	for i := range 4 {
		a := webhook.Attempt{ThirdParty: tp, DocumentID: "doc", Number: i + 1, At: start.Add(time.Duration(i) * time.Second),
			Outcome: stdwebhook.Retry, Status: 503, Duration: 120 * time.Millisecond, Error: "busy", NextAttemptAt: start.Add(time.Hour)}
		switch i {
		case 2: // a test push the endpoint refused, which is not retried
			a.Outcome, a.Status, a.Error, a.NextAttemptAt = stdwebhook.Failed, 401, "endpoint answered 401", time.Time{}
		case 3:
			a.Outcome, a.Status, a.Error, a.NextAttemptAt = stdwebhook.Delivered, 200, "", time.Time{}
		}
		if err := store.LogAttempt(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	got, err := store.Attempts(ctx, tp, 3)
	if err != nil || len(got) != 3 {
		t.Fatalf("attempts: %+v %v", got, err)
	}
	if got[0].Number != 4 || got[0].Outcome != stdwebhook.Delivered || got[0].Status != 200 || !got[0].At.Equal(start.Add(3*time.Second)) ||
		got[1].Outcome != stdwebhook.Failed || got[1].Status != 401 ||
		got[2].Number != 2 || got[2].Error != "busy" || got[2].Duration != 120*time.Millisecond ||
		!got[0].NextAttemptAt.IsZero() || !got[2].NextAttemptAt.Equal(start.Add(time.Hour)) {
		t.Fatalf("attempts %+v", got)
	}
	_, other := fresh(t)
	if none, err := store.Attempts(ctx, other, 3); len(none) != 0 || err != nil {
		t.Fatalf("another third party's attempts: %+v %v", none, err)
	}
}

// Delivery is the outbox as a delivery job uses it, with the stores its
// facts are read from.
type Delivery struct {
	Outbox         delivery.Store
	Grants         Grants
	MeteringPoints MeteringPoints
	MeterValues    MeterValues
}

// RunDeliveryFacts runs the contract of a delivery.Store's Facts: what one
// read gives of a job's grants, occupancies and days.
func RunDeliveryFacts(t *testing.T, newStores func(t *testing.T) Delivery) {
	t.Run("FactsOfAJob", func(t *testing.T) { factsOfAJob(t, newStores(t)) })
}

func factsOfAJob(t *testing.T, s Delivery) {
	ctx := context.Background()
	withDay, tp := fresh(t)
	withoutDay, _ := fresh(t)
	revoked, _ := fresh(t)
	movedOut, _ := fresh(t)
	nothing, _ := fresh(t)
	day := registry.Date(2026, 3, 2)
	moveIn := registry.Date(2021, 8, 1)
	for _, mp := range []ident.GSRN{withDay, withoutDay, revoked, movedOut} {
		occupancies := []registry.Occupancy{{EndUser: "p1_kari", MoveIn: moveIn}}
		if mp == movedOut {
			occupancies = []registry.Occupancy{{EndUser: "p1_kari", MoveIn: moveIn, MoveOut: registry.Date(2024, 1, 1)},
				{EndUser: "p1_ola", MoveIn: registry.Date(2024, 1, 1)}}
		}
		if _, err := s.MeteringPoints.PutMeteringPoint(ctx, registry.MeteringPoint{ID: mp, AccountingPoint: true, Occupancies: occupancies}); err != nil {
			t.Fatal(err)
		}
		g := grant.New(tp, mp, accessrequest.Full, "p1_kari", "", moveIn, time.Now())
		if err := s.Grants.PutGrant(ctx, g); err != nil {
			t.Fatal(err)
		}
		if mp == revoked {
			gone, _ := g.Revoke(time.Now())
			if err := s.Grants.UpdateGrant(ctx, g, gone); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, mp := range []ident.GSRN{withDay, nothing} {
		if _, _, err := s.MeterValues.PutDay(ctx, series(mp, day, "1")); err != nil {
			t.Fatal(err)
		}
	}
	facts, err := s.Outbox.Facts(ctx, tp, day, []ident.GSRN{withDay, withoutDay, revoked, movedOut, nothing})
	if err != nil {
		t.Fatal(err)
	}
	if f := facts[withDay]; !f.HasGrant || !f.HasSeries || f.Occupancy.EndUser != "p1_kari" || f.Series.Revision != 1 || f.Grant.Status != grant.Active {
		t.Errorf("with its day: %+v", f)
	}
	if f := facts[withoutDay]; !f.HasGrant || f.HasSeries || f.Occupancy.EndUser != "p1_kari" {
		t.Errorf("without its day: %+v", f)
	}
	if f := facts[revoked]; !f.HasGrant || f.Grant.Status != grant.Revoked || f.Occupancy.EndUser != "" {
		t.Errorf("a revoked grant: %+v", f)
	}
	if f := facts[movedOut]; !f.HasGrant || f.Occupancy.EndUser != "p1_kari" || !f.Occupancy.MoveOut.Equal(registry.Date(2024, 1, 1)) {
		t.Errorf("the grant's end user moved out: %+v", f)
	}
	if f := facts[nothing]; f.HasGrant || !f.HasSeries {
		t.Errorf("a day without a grant: %+v", f)
	}
	if len(facts) != 5 {
		t.Errorf("%d facts for 5 metering points", len(facts))
	}
}

// Documents puts n notices for the third party, one millisecond apart from
// first, and returns their ids in the order they were written.
func Documents(t *testing.T, store Outbox, tp ident.GLN, first time.Time, n int) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("notification:%s:%03d", tp, i)
		d := delivery.Document{ID: ids[i], ThirdParty: tp, Kind: delivery.Notice, CreatedAt: first.Add(time.Duration(i) * time.Millisecond), Body: []byte(`{"i":` + fmt.Sprint(i) + `}`)}
		if created, err := store.Put(context.Background(), d); err != nil || !created {
			t.Fatalf("put %s: created=%v err=%v", d.ID, created, err)
		}
	}
	return ids
}

// IDsOf is the ids of a page's documents, in order.
func IDsOf(page delivery.FeedPage) []string {
	ids := make([]string, len(page.Documents))
	for i, d := range page.Documents {
		ids[i] = d.ID
	}
	return ids
}

func feedMergesInArrivalOrder(t *testing.T, store Outbox) {
	ctx := context.Background()
	_, tp := fresh(t)
	first := time.Now().Add(-time.Hour)
	ids := Documents(t, store, tp, first, 40)
	// The last ten are younger than SettleLag at now: not shown yet. Pages
	// of two and of seven (on dynamo: shards cut short, mostly not).
	now := first.Add(29500*time.Microsecond + delivery.SettleLag)
	var cursor string
	for _, size := range []int{2, 7} {
		var got []string
		cursor = ""
		for range 100 {
			page, err := store.Feed(ctx, tp, cursor, size, now)
			if err != nil {
				t.Fatal(err)
			}
			if page.Next == "" {
				t.Fatal("no cursor to poll with")
			}
			got = append(got, IDsOf(page)...)
			if len(page.Documents) == 0 {
				if page.Next != cursor {
					t.Fatalf("an empty page moved the cursor from %q to %q", cursor, page.Next)
				}
				break
			}
			cursor = page.Next
		}
		if fmt.Sprint(got) != fmt.Sprint(ids[:30]) {
			t.Fatalf("pages of %d gave\n%v\nwant\n%v", size, got, ids[:30])
		}
	}
	// Once settled, the rest follow the same cursor.
	page, err := store.Feed(ctx, tp, cursor, 100, first.Add(time.Second+delivery.SettleLag))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(IDsOf(page)) != fmt.Sprint(ids[30:]) {
		t.Fatalf("after settling: %v, want %v", IDsOf(page), ids[30:])
	}
}

func latestPagesNewestFirst(t *testing.T, store Outbox) {
	ctx := context.Background()
	_, tp := fresh(t)
	ids := Documents(t, store, tp, time.Now().Add(-time.Hour), 25)
	for _, size := range []int{2, 6} {
		var got []string
		cursor := ""
		for range 100 {
			page, err := store.Latest(ctx, tp, cursor, size)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, IDsOf(page)...)
			if cursor = page.Next; cursor == "" {
				break
			}
		}
		want := slices.Clone(ids)
		slices.Reverse(want)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("pages of %d gave\n%v\nwant\n%v", size, got, want)
		}
	}
}

func countSince(t *testing.T, store Outbox) {
	ctx := context.Background()
	_, tp := fresh(t)
	first := time.Now().Add(-time.Hour)
	Documents(t, store, tp, first, 30)
	for since, want := range map[time.Time]int{first: 30, first.Add(10 * time.Millisecond): 20, first.Add(time.Second): 0} {
		if n, err := store.CountSince(ctx, tp, since); err != nil || n != want {
			t.Errorf("since %s: %d, %v; want %d", since, n, err, want)
		}
	}
}

func feedCursorsAreChecked(t *testing.T, store Outbox) {
	ctx := context.Background()
	_, tp := fresh(t)
	for _, cursor := range []string{"garbage", "eyJwIjoiIn0", "MjAyNg"} {
		if _, err := store.Feed(ctx, tp, cursor, 10, time.Now()); fault.KindOf(err) != fault.Invalid {
			t.Errorf("feed after %q: %v", cursor, err)
		}
		if _, err := store.Latest(ctx, tp, cursor, 10); fault.KindOf(err) != fault.Invalid {
			t.Errorf("latest before %q: %v", cursor, err)
		}
	}
}
