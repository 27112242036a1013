package personaldata_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/consent"
	"github.com/tredjepart/tredjepart/shared/grant"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/inmem"
	"github.com/tredjepart/tredjepart/shared/notify"
	"github.com/tredjepart/tredjepart/shared/personaldata"
	"github.com/tredjepart/tredjepart/shared/pseudonym"
	"github.com/tredjepart/tredjepart/shared/readlog"
	"github.com/tredjepart/tredjepart/shared/registry"
)

const (
	kari pseudonym.EndUserID = "p1_kari"
	ola  pseudonym.EndUserID = "p1_ola"
	tp   ident.GLN           = "7080005051286"
)

// settable is a clock the test moves.
type settable struct {
	mu  sync.Mutex
	now time.Time
}

func (c *settable) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *settable) set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.now = t }

type noTimers struct{}

func (noTimers) Schedule(context.Context, accessrequest.Request) error { return nil }
func (noTimers) Cancel(context.Context, accessrequest.Request) error   { return nil }

type quiet struct{}

func (quiet) Notify(context.Context, notify.Notification) error { return nil }

// world is the fakes, the consent service that writes requests and grants
// as the pages do, and the export.
type world struct {
	stores  inmem.Stores
	clock   *settable
	consent *consent.Service
	export  *personaldata.Service
	slot    map[ident.GSRN]string // the request that last held each metering point's pending slot
}

func newWorld(t *testing.T) world {
	t.Helper()
	s, clk := inmem.Open(), &settable{}
	if err := s.Parties.RegisterThirdParty(context.Background(), registry.ThirdParty{GLN: tp, Name: "Strømsparing AS"}); err != nil {
		t.Fatal(err)
	}
	return world{
		stores: s, clock: clk,
		consent: &consent.Service{Requests: s.Requests, Grants: s.Grants, MeteringPoints: s.MeteringPoints, ThirdParties: s.Parties,
			Expiry: noTimers{}, Notifier: quiet{}, Clock: clk},
		export: &personaldata.Service{Requests: s.Requests, Grants: s.Grants, MeteringPoints: s.MeteringPoints, ReadLog: s.ReadLog,
			ThirdParties: s.Parties, Clock: clk},
		slot: map[ident.GSRN]string{},
	}
}

func (w world) meteringPoint(t *testing.T, id ident.GSRN, street string, held ...registry.Occupancy) {
	t.Helper()
	mp := registry.MeteringPoint{ID: id, AccountingPoint: true, Address: registry.Address{Street: street, Postcode: "0150", Municipality: "Oslo"}, Occupancies: held}
	if _, err := w.stores.MeteringPoints.PutMeteringPoint(context.Background(), mp); err != nil {
		t.Fatal(err)
	}
}

// request is a pending request from tp on mp, made at the clock's now.
func (w world) request(t *testing.T, mp ident.GSRN) accessrequest.Request {
	t.Helper()
	now := w.clock.Now()
	r := accessrequest.Request{ID: uuid.NewString(), ThirdParty: tp, MeteringPoint: mp, Scope: accessrequest.Full,
		Status: accessrequest.Pending, CreatedAt: now, ExpiresAt: now.Add(72 * time.Hour), Version: 1}
	if err := w.stores.Requests.Create(context.Background(), r, w.slot[mp], accessrequest.Idempotency{}); err != nil {
		t.Fatal(err)
	}
	w.slot[mp] = r.ID
	return r
}

func (w world) read(t *testing.T, user pseudonym.EndUserID, mp ident.GSRN, from, to time.Time) readlog.Entry {
	t.Helper()
	e := readlog.Entry{ID: uuid.NewString(), EndUser: user, ThirdParty: tp, MeteringPoint: mp, What: readlog.MeterValues,
		From: from, To: to, At: w.clock.Now()}
	if err := w.stores.ReadLog.Append(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	return e
}

func (w world) exportOf(t *testing.T, user pseudonym.EndUserID) (personaldata.Export, string) {
	t.Helper()
	x, err := w.export.Export(context.Background(), user)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := x.WriteJSON(&out); err != nil {
		t.Fatal(err)
	}
	return x, out.String()
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func ids[T any](items []T, id func(T) string) []string {
	out := []string{}
	for _, it := range items {
		out = append(out, id(it))
	}
	return out
}

func requestIDs(x personaldata.Export) []string {
	return ids(x.AccessRequests, func(r personaldata.AccessRequest) string { return r.ID })
}

func readIDs(x personaldata.Export) []string {
	return ids(x.Reads, func(r personaldata.Read) string { return r.What + ":" + r.MeteringPointID + ":" + r.From })
}

// Two people with a metering point each: each export has their own
// metering point, request, grant (with every change) and reads, and not one
// identifier of the other's.
func TestTwoPeopleSharingNothingSeeOnlyTheirOwn(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	mpKari, mpOla := ident.GSRN("707057500000000017"), ident.GSRN("707057500000000024")
	w.meteringPoint(t, mpKari, "Storgata 1", registry.Occupancy{EndUser: kari, MoveIn: registry.Date(2020, 1, 1)})
	w.meteringPoint(t, mpOla, "Lillegata 2", registry.Occupancy{EndUser: ola, MoveIn: registry.Date(2021, 3, 1)})
	w.clock.set(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	rKari, rOla := w.request(t, mpKari), w.request(t, mpOla)
	must[accessrequest.Request](t)(w.consent.Approve(ctx, kari, rKari.ID, accessrequest.Limited))
	w.clock.set(time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC))
	must[grant.Grant](t)(w.consent.ChangeLevel(ctx, kari, tp, mpKari, accessrequest.Full))
	w.clock.set(time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC))
	must[grant.Grant](t)(w.consent.Revoke(ctx, kari, tp, mpKari))
	must[accessrequest.Request](t)(w.consent.Approve(ctx, ola, rOla.ID, accessrequest.Full))
	w.read(t, kari, mpKari, registry.Date(2026, 1, 1), registry.Date(2026, 2, 1))
	w.read(t, ola, mpOla, registry.Date(2026, 2, 1), registry.Date(2026, 3, 1))

	x, doc := w.exportOf(t, kari)
	if len(x.MeteringPoints) != 1 || x.MeteringPoints[0] != (personaldata.MeteringPoint{
		MeteringPointID: string(mpKari), Address: "Storgata 1, 0150 Oslo", From: "2020-01-01"}) {
		t.Errorf("metering points %+v", x.MeteringPoints)
	}
	if got := requestIDs(x); !slices.Equal(got, []string{rKari.ID}) {
		t.Errorf("requests %v, want only Kari's %s", got, rKari.ID)
	}
	if len(x.Grants) != 1 {
		t.Fatalf("grants %+v", x.Grants)
	}
	g := x.Grants[0]
	want := []personaldata.GrantChange{
		{Version: 1, At: "2026-03-02T09:00:00Z", Level: "LIMITED", Status: "ACTIVE"},
		{Version: 2, At: "2026-03-03T09:00:00Z", Level: "FULL", Status: "ACTIVE"},
		{Version: 3, At: "2026-03-04T09:00:00Z", Level: "FULL", Status: "REVOKED"},
	}
	if !slices.Equal(g.Changes, want) || !g.ChangesComplete || g.Status != "REVOKED" || g.RequestID != rKari.ID || g.ThirdPartyName != "Strømsparing AS" {
		t.Errorf("grant %+v, want the changes %+v", g, want)
	}
	if got := readIDs(x); !slices.Equal(got, []string{"export::", "meter-values:" + string(mpKari) + ":2026-01-01"}) {
		t.Errorf("reads %v", got)
	}
	for _, other := range []string{string(mpOla), rOla.ID, "Lillegata", string(ola)} {
		if strings.Contains(doc, other) {
			t.Errorf("Kari's export holds Ola's %q", other)
		}
	}
	y, doc := w.exportOf(t, ola)
	if got := requestIDs(y); !slices.Equal(got, []string{rOla.ID}) || len(y.Grants) != 1 || y.Grants[0].MeteringPointID != string(mpOla) {
		t.Errorf("Ola's export: requests %v, grants %+v", got, y.Grants)
	}
	for _, other := range []string{string(mpKari), rKari.ID, "Storgata", string(kari)} {
		if strings.Contains(doc, other) {
			t.Errorf("Ola's export holds Kari's %q", other)
		}
	}
}

// Kari lived at a metering point until 1 June 2025, Ola from then. The same
// third party asked each of them, and each gave it access (Kari removed hers
// before she moved). Each export has only its own period: the request, the
// grant and the reads of that time; a read of Ola's days never shows in
// Kari's export even if it were logged under her.
func TestTwoPeopleOneAfterTheOtherSeeOnlyTheirOwnPeriod(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	mp := ident.GSRN("707057500000000031")
	moved := registry.Date(2025, 6, 1)
	w.meteringPoint(t, mp, "Storgata 1",
		registry.Occupancy{EndUser: kari, MoveIn: registry.Date(2024, 1, 1), MoveOut: moved},
		registry.Occupancy{EndUser: ola, MoveIn: moved})

	w.clock.set(time.Date(2025, 1, 10, 9, 0, 0, 0, time.UTC))
	rKari := w.request(t, mp)
	must[accessrequest.Request](t)(w.consent.Approve(ctx, kari, rKari.ID, accessrequest.Limited))
	w.read(t, kari, mp, registry.Date(2024, 12, 1), registry.Date(2025, 1, 1))
	w.clock.set(time.Date(2025, 5, 20, 9, 0, 0, 0, time.UTC))
	must[grant.Grant](t)(w.consent.Revoke(ctx, kari, tp, mp))

	w.clock.set(time.Date(2025, 8, 1, 9, 0, 0, 0, time.UTC))
	rOla := w.request(t, mp)
	must[accessrequest.Request](t)(w.consent.Approve(ctx, ola, rOla.ID, accessrequest.Full))
	w.read(t, ola, mp, registry.Date(2025, 7, 1), registry.Date(2025, 8, 1))
	w.read(t, kari, mp, registry.Date(2025, 7, 1), registry.Date(2025, 8, 1)) // not hers, whoever logged it

	x, _ := w.exportOf(t, kari)
	if len(x.MeteringPoints) != 1 || x.MeteringPoints[0].From != "2024-01-01" || x.MeteringPoints[0].To != "2025-06-01" {
		t.Errorf("Kari's periods %+v", x.MeteringPoints)
	}
	if got := requestIDs(x); !slices.Equal(got, []string{rKari.ID}) {
		t.Errorf("Kari's requests %v, want %s", got, rKari.ID)
	}
	if len(x.Grants) != 1 || x.Grants[0].RequestID != rKari.ID || len(x.Grants[0].Changes) != 2 || x.Grants[0].Status != "REVOKED" {
		t.Errorf("Kari's grants %+v: her grant, given and removed, though Ola's replaced it", x.Grants)
	}
	if got := readIDs(x); !slices.Equal(got, []string{"export::", "meter-values:" + string(mp) + ":2024-12-01"}) {
		t.Errorf("Kari's reads %v", got)
	}

	y, _ := w.exportOf(t, ola)
	if len(y.MeteringPoints) != 1 || y.MeteringPoints[0].From != "2025-06-01" || y.MeteringPoints[0].To != "" {
		t.Errorf("Ola's periods %+v", y.MeteringPoints)
	}
	if got := requestIDs(y); !slices.Equal(got, []string{rOla.ID}) {
		t.Errorf("Ola's requests %v, want %s", got, rOla.ID)
	}
	if len(y.Grants) != 1 || y.Grants[0].RequestID != rOla.ID || y.Grants[0].Level != "FULL" || y.Grants[0].Status != "ACTIVE" {
		t.Errorf("Ola's grants %+v", y.Grants)
	}
	if got := readIDs(y); !slices.Equal(got, []string{"export::", "meter-values:" + string(mp) + ":2025-07-01"}) {
		t.Errorf("Ola's reads %v", got)
	}
}

// Every export is in the exporter's read log, and nobody else's.
func TestAnExportIsLoggedForTheExporterOnly(t *testing.T) {
	w := newWorld(t)
	w.clock.set(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	w.exportOf(t, kari)
	w.exportOf(t, kari)
	exports := func(user pseudonym.EndUserID) int {
		page := must[readlog.Page](t)(w.stores.ReadLog.List(context.Background(), user, "", 100))
		n := 0
		for _, e := range page.Entries {
			if e.What == readlog.Export && e.ThirdParty == "" {
				n++
			}
		}
		return n
	}
	if exports(kari) != 2 || exports(ola) != 0 {
		t.Errorf("exports logged: Kari %d, Ola %d; want 2 and 0", exports(kari), exports(ola))
	}
	x, _ := w.exportOf(t, kari)
	if got := readIDs(x); !slices.Equal(got, []string{"export::", "export::", "export::"}) {
		t.Errorf("reads %v: the third export and the two before it", got)
	}
}

// noHistory is a grant store from before grant versions were kept.
type noHistory struct{ *inmem.Grants }

func (noHistory) GrantHistoryOn(context.Context, ident.GSRN) ([]grant.Grant, error) { return nil, nil }

// A grant stored before its versions were kept is in the export as it is
// now, marked as such.
func TestAGrantWithoutKeptVersionsIsMarkedIncomplete(t *testing.T) {
	w := newWorld(t)
	mp := ident.GSRN("707057500000000048")
	w.meteringPoint(t, mp, "Storgata 1", registry.Occupancy{EndUser: kari, MoveIn: registry.Date(2020, 1, 1)})
	w.clock.set(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	must[grant.Grant](t)(w.consent.GrantDirectly(context.Background(), kari, tp, mp, accessrequest.Limited))
	w.clock.set(time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC))
	must[grant.Grant](t)(w.consent.ChangeLevel(context.Background(), kari, tp, mp, accessrequest.Full))
	w.export.Grants = noHistory{w.stores.Grants}
	x, _ := w.exportOf(t, kari)
	if len(x.Grants) != 1 || x.Grants[0].ChangesComplete || !slices.Equal(x.Grants[0].Changes,
		[]personaldata.GrantChange{{Version: 2, At: "2026-03-03T09:00:00Z", Level: "FULL", Status: "ACTIVE"}}) {
		t.Errorf("grants %+v", x.Grants)
	}
}

// The zip has one CSV per kind, a header and a row per item, and a cell a
// spreadsheet would run as a formula is made text.
func TestTheZipHasACSVPerKind(t *testing.T) {
	x := personaldata.Export{
		MeteringPoints: []personaldata.MeteringPoint{{MeteringPointID: "707057500000000017", Address: "Storgata 1", From: "2020-01-01"}},
		AccessRequests: []personaldata.AccessRequest{{ID: "r1", ThirdPartyName: "=HYPERLINK(\"x\")"}},
		Grants: []personaldata.Grant{{ThirdPartyID: string(tp), Changes: []personaldata.GrantChange{
			{Version: 1, Level: "LIMITED", Status: "ACTIVE"}, {Version: 2, Level: "FULL", Status: "ACTIVE"}}}},
		Reads: []personaldata.Read{{ID: "e1", What: "export"}, {ID: "e2", What: "meter-values"}, {ID: "e3", What: "master-data"}},
	}
	var out bytes.Buffer
	if err := x.WriteZip(&out); err != nil {
		t.Fatal(err)
	}
	z, err := zip.NewReader(bytes.NewReader(out.Bytes()), int64(out.Len()))
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string][][]string{}
	for _, f := range z.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		if rows[f.Name], err = csv.NewReader(r).ReadAll(); err != nil {
			t.Fatal(f.Name, err)
		}
	}
	counts := map[string]int{personaldata.MeteringPointsFile: 2, personaldata.AccessRequestsFile: 2, personaldata.GrantsFile: 2,
		personaldata.GrantChangesFile: 3, personaldata.ReadsFile: 4}
	for name, n := range counts {
		if len(rows[name]) != n {
			t.Errorf("%s has %d rows, want %d (a header and one per item)", name, len(rows[name]), n)
		}
	}
	if len(rows) != len(counts) {
		t.Errorf("files %v", slices.Sorted(func(yield func(string) bool) {
			for k := range rows {
				if !yield(k) {
					return
				}
			}
		}))
	}
	if got := rows[personaldata.AccessRequestsFile][1][2]; got != "'=HYPERLINK(\"x\")" {
		t.Errorf("a formula-like name is %q", got)
	}
	if got := fmt.Sprint(rows[personaldata.GrantChangesFile][2]); !strings.Contains(got, "FULL") {
		t.Errorf("the second change %s", got)
	}
}
