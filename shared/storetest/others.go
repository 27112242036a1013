package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/ingest"
	"github.com/tredjepart/tredjepart/shared/metering"
	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/pseudonym"
	"github.com/tredjepart/tredjepart/shared/readlog"
	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/websession"
)

// MeterValues is the store of meter values, one series per metering point per day.
type MeterValues interface {
	ingest.Values
	metering.Days
	Day(ctx context.Context, mp ident.GSRN, day time.Time) (metervalues.Series, bool, error)
}

// RunMeterValues runs the contract of a MeterValues store.
func RunMeterValues(t *testing.T, newStore func(t *testing.T) MeterValues) {
	t.Run("ADayIsCreatedUnchangedOrCorrected", func(t *testing.T) { dayCreatedUnchangedOrCorrected(t, newStore(t)) })
	t.Run("ConcurrentCorrectionsRaiseTheRevisionOnceEach", func(t *testing.T) { concurrentCorrections(t, newStore(t)) })
	t.Run("DaysFromInclusiveToExclusiveInOrder", func(t *testing.T) { daysInOrder(t, newStore(t)) })
}

// series is a PT60M day whose every position holds kWh.
func series(mp ident.GSRN, day time.Time, kWh string) metervalues.Series {
	q := make([]metervalues.Quantity, 24)
	for i := range q {
		q[i] = metervalues.Quantity{Value: decimal.RequireFromString(kWh), Quality: metervalues.Quality("A04")}
	}
	q[3].Quality = metervalues.Quality("A03")
	return metervalues.Series{MeteringPoint: mp, Day: day, Resolution: metervalues.Resolution("PT60M"), Quantities: q, ReceivedAt: time.Now()}
}

func dayCreatedUnchangedOrCorrected(t *testing.T, store MeterValues) {
	ctx := context.Background()
	mp, _ := fresh(t)
	day := registry.Date(2026, 3, 2)
	for _, step := range []struct {
		kWh      string
		outcome  ingest.Outcome
		revision int
	}{{"1.250", ingest.Created, 1}, {"1.25", ingest.Unchanged, 1}, {"2.000", ingest.Corrected, 2}, {"3.5", ingest.Corrected, 3}} {
		stored, outcome, err := store.PutDay(ctx, series(mp, day, step.kWh))
		if err != nil || outcome != step.outcome || stored.Revision != step.revision {
			t.Fatalf("%s kWh: %s revision %d, %v; want %s revision %d", step.kWh, outcome, stored.Revision, err, step.outcome, step.revision)
		}
	}
	got, found, err := store.Day(ctx, mp, day)
	if err != nil || !found || got.Revision != 3 || len(got.Quantities) != 24 || !got.Quantities[0].Value.Equal(decimal.RequireFromString("3.5")) ||
		got.Quantities[3].Quality != "A03" || got.Quantities[4].Quality != "A04" {
		t.Fatalf("day %+v found=%v err=%v", got, found, err)
	}
	if _, found, err := store.Day(ctx, mp, day.AddDate(0, 0, 1)); found || err != nil {
		t.Fatalf("a day never sent: found=%v err=%v", found, err)
	}
}

// Corrections of one day at once: each that is stored raises the revision
// by one, so the revisions stored are 2…n+1 without a gap or a repeat;
// one that loses a race is ingest.ErrConflict, never another error.
func concurrentCorrections(t *testing.T, store MeterValues) {
	ctx := context.Background()
	mp, _ := fresh(t)
	day := registry.Date(2026, 2, 1)
	if _, _, err := store.PutDay(ctx, series(mp, day, "1")); err != nil {
		t.Fatal(err)
	}
	const n = 6
	revisions := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			stored, outcome, err := store.PutDay(ctx, series(mp, day, fmt.Sprint(i+2)))
			switch {
			case err == nil && outcome == ingest.Corrected:
				revisions[i] = stored.Revision
			case !errors.Is(err, ingest.ErrConflict):
				t.Errorf("correction %d: %s %v", i, outcome, err)
			}
		})
	}
	wg.Wait()
	won, seen := 0, map[int]bool{}
	for _, r := range revisions {
		if r == 0 {
			continue
		}
		if won++; seen[r] || r < 2 || r > n+1 {
			t.Errorf("revision %d stored twice or out of range: %v", r, revisions)
		}
		seen[r] = true
	}
	if got, _, _ := store.Day(ctx, mp, day); won == 0 || got.Revision != won+1 {
		t.Fatalf("stored revision %d after %d corrections won", got.Revision, won)
	}
}

func daysInOrder(t *testing.T, store MeterValues) {
	ctx := context.Background()
	mp, _ := fresh(t)
	other, _ := fresh(t)
	first := registry.Date(2026, 1, 30)
	for i := range 5 {
		if _, _, err := store.PutDay(ctx, series(mp, first.AddDate(0, 0, i), "1")); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := store.PutDay(ctx, series(other, first.AddDate(0, 0, 1), "1")); err != nil {
		t.Fatal(err)
	}
	days, err := store.Days(ctx, mp, first.AddDate(0, 0, 1), first.AddDate(0, 0, 4))
	if err != nil || len(days) != 3 {
		t.Fatalf("days: %d %v", len(days), err)
	}
	for i, d := range days {
		if want := first.AddDate(0, 0, i+1); !d.Day.Equal(want) || d.MeteringPoint != mp {
			t.Errorf("day %d is %s of %s, want %s", i, d.Day, d.MeteringPoint, want)
		}
	}
	if none, err := store.Days(ctx, mp, first, first); len(none) != 0 || err != nil {
		t.Fatalf("an empty range: %d %v", len(none), err)
	}
}

// ReadLog is the store of the end users' read logs.
type ReadLog interface {
	metering.ReadLog
	List(ctx context.Context, user pseudonym.EndUserID, cursor string, limit int) (readlog.Page, error)
}

// RunReadLog runs the contract of a ReadLog store.
func RunReadLog(t *testing.T, newStore func(t *testing.T) ReadLog) {
	t.Run("PagesNewestFirstAndARetriedAppendIsOneEntry", func(t *testing.T) { readLogPages(t, newStore(t)) })
}

func readLogPages(t *testing.T, store ReadLog) {
	ctx := context.Background()
	mp, tp := fresh(t)
	user, other := pseudonym.EndUserID("p1_reader"+string(mp)), pseudonym.EndUserID("p1_other"+string(mp))
	start := time.Now().UTC().Truncate(time.Millisecond)
	var want []string
	for i := range 5 {
		e := readlog.Entry{ID: uuid.NewString(), EndUser: user, ThirdParty: tp, MeteringPoint: mp, What: readlog.MeterValues,
			From: registry.Date(2026, 1, 1), To: registry.Date(2026, 2, 1), At: start.Add(time.Duration(i) * time.Second)}
		for range 2 { // a retried append
			if err := store.Append(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		want = append([]string{e.ID}, want...)
	}
	var got []string
	cursor := ""
	for range 10 {
		page, err := store.List(ctx, user, cursor, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Entries {
			got = append(got, e.ID)
			if e.What != readlog.MeterValues || !e.From.Equal(registry.Date(2026, 1, 1)) || e.ThirdParty != tp {
				t.Errorf("entry %+v", e)
			}
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("read log %v, want %v", got, want)
	}
	first, _ := store.List(ctx, user, "", 1)
	if _, err := store.List(ctx, other, first.NextCursor, 1); fault.KindOf(err) != fault.Invalid {
		t.Fatalf("another end user's cursor: %v", err)
	}
}

// RunSessions runs the contract of a websession.SessionStore.
func RunSessions(t *testing.T, newStore func(t *testing.T) websession.SessionStore) {
	t.Run("ASessionStandsFromStartToEnd", func(t *testing.T) { sessionStands(t, newStore(t)) })
}

func sessionStands(t *testing.T, store websession.SessionStore) {
	ctx := context.Background()
	id, now := uuid.NewString(), time.Now()
	stands := func(site, subject string, at time.Time) bool {
		t.Helper()
		ok, err := store.Stands(ctx, id, site, subject, at)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if stands("tp_session", "p1_abc", now) {
		t.Fatal("a session that was never started stands")
	}
	for range 2 { // a retried start is harmless
		if err := store.Start(ctx, id, "tp_session", "p1_abc", now.Add(30*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	if !stands("tp_session", "p1_abc", now) {
		t.Fatal("a started session does not stand")
	}
	if stands("tp_portal_session", "p1_abc", now) || stands("tp_session", "p1_other", now) {
		t.Error("a session stands for another site or subject")
	}
	if stands("tp_session", "p1_abc", now.Add(31*time.Minute)) {
		t.Error("a session stands after it expired")
	}
	if err := store.Start(ctx, id, "tp_session", "p1_other", now.Add(time.Hour)); err == nil {
		t.Error("another subject took over the session's id")
	}
	for range 2 { // a repeated logout is harmless
		if err := store.End(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if stands("tp_session", "p1_abc", now) {
		t.Fatal("an ended session stands")
	}
}
