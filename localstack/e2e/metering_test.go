//go:build integration

package e2e_test

// Metering data end to end: a grid company sends master data and meter
// values through the ingest API, third parties query them through the
// gateway, each seeing exactly what its grant allows, and every read lands
// in the end user's read log.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tredjepart/tredjepart/localstack/harness/inprocess"
	"github.com/tredjepart/tredjepart/localstack/harness/testenv"
	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/dataproviderapi"
	"github.com/tredjepart/tredjepart/shared/dynamo"
	"github.com/tredjepart/tredjepart/shared/grant"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/pseudonym"
	"github.com/tredjepart/tredjepart/shared/readlog"
	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/resources"
)

// meteringWorld is the whole API behind one gateway, and the ways a test
// reaches past it: grants given directly and the read log.
type meteringWorld struct {
	*world
	stores dynamo.Stores
	people *pseudonym.Pseudonymizer
}

func newMeteringWorld(t *testing.T) *meteringWorld {
	t.Helper()
	w, stores := consentWorld(t)
	_, key := testenv.Demo(t)
	p, err := pseudonym.FromBase64(key)
	if err != nil {
		t.Fatal(err)
	}
	return &meteringWorld{world: w, stores: stores, people: p}
}

var nextPerson atomic.Int64

// person is a synthetic national identity number no other test uses.
func person(t *testing.T) ident.NationalID {
	t.Helper()
	for {
		n := nextPerson.Add(1)
		if id, err := ident.NationalIDWithControlDigits(fmt.Sprintf("%02d0390%03d", 1+n/900%28, 100+n%900)); err == nil {
			return id
		}
	}
}

var nextMeteringPoint atomic.Int64

func freshGSRN(t *testing.T) ident.GSRN {
	t.Helper()
	id, err := ident.GSRNWithCheckDigit(fmt.Sprintf("70705753%09d", nextMeteringPoint.Add(1)))
	if err != nil {
		t.Fatal(err)
	}
	return id
}

type endUser struct {
	id              ident.NationalID
	name            string
	moveIn, moveOut string
}

func masterDataJSON(id ident.GSRN, resolution string, users ...endUser) string {
	var eus []string
	for _, u := range users {
		moveOut := ""
		if u.moveOut != "" {
			moveOut = fmt.Sprintf(`,"moveOut":%q`, u.moveOut)
		}
		eus = append(eus, fmt.Sprintf(`{"nationalId":%q,"name":%q,"moveIn":%q%s}`, u.id.Digits(), u.name, u.moveIn, moveOut))
	}
	return fmt.Sprintf(`{"meteringPointId":%q,"type":"consumption","accountingPoint":true,"status":"connected",
		"address":{"street":"Testveien 1","postcode":"0150","municipality":"Oslo"},"gridArea":"50YNO1ELVIA0001K","priceArea":"NO1",
		"meterNumber":"M-1","resolution":%q,"estimatedAnnualConsumption":"15000.500",
		"contract":{"balanceSupplier":"7090000000035","start":"2024-01-01"},"endUsers":[%s]}`, id, resolution, strings.Join(eus, ","))
}

// seriesJSON is a day's series whose value at position p is base + p/1000 kWh.
func seriesJSON(id ident.GSRN, day, resolution string, n int, base float64) string {
	quantities := make([]string, n)
	for p := range n {
		quantities[p] = fmt.Sprintf(`{"quantity":"%.3f","quality":"A04"}`, base+float64(p+1)/1000)
	}
	return fmt.Sprintf(`{"meteringPointId":%q,"day":%q,"resolution":%q,"quantities":[%s]}`, id, day, resolution, strings.Join(quantities, ","))
}

// ingest sends a bulk call and returns its per-item results.
func (w *meteringWorld) ingest(t *testing.T, path, field string, items ...string) []map[string]any {
	t.Helper()
	r := w.call(t, gridCompany, "POST", path, fmt.Sprintf(`{%q:[%s]}`, field, strings.Join(items, ","))).expect(t, http.StatusOK)
	var body struct{ Results []map[string]any }
	if err := json.Unmarshal([]byte(r.rawBody), &body); err != nil || len(body.Results) != len(items) {
		t.Fatalf("results for %d items: %s", len(items), r.rawBody)
	}
	return body.Results
}

func (w *meteringWorld) register(t *testing.T, id ident.GSRN, resolution string, users ...endUser) {
	t.Helper()
	if res := w.ingest(t, "/v1/ingest/master-data", "items", masterDataJSON(id, resolution, users...)); res[0]["outcome"] != "created" {
		t.Fatalf("master data: %v", res[0])
	}
}

// gln is the demo third party's GLN for its client id.
func (w *meteringWorld) gln(t *testing.T, tp string) ident.GLN {
	t.Helper()
	for _, p := range w.demo.ThirdParties {
		if p.ClientIDs[0] == tp {
			return p.GLN
		}
	}
	t.Fatalf("no demo third party %q", tp)
	return ""
}

func (w *meteringWorld) grant(t *testing.T, tp string, mp ident.GSRN, level accessrequest.Scope, by ident.NationalID, dataFrom time.Time) {
	t.Helper()
	if err := w.stores.Grants.PutGrant(context.Background(), grant.New(w.gln(t, tp), mp, level, w.people.Person(by), "", dataFrom, time.Now())); err != nil {
		t.Fatal(err)
	}
}

// revokedGrant stores a grant the end user has already removed, as a
// revocation leaves it.
func (w *meteringWorld) revokedGrant(t *testing.T, tp string, mp ident.GSRN, by ident.NationalID, dataFrom time.Time) {
	t.Helper()
	g := grant.New(w.gln(t, tp), mp, accessrequest.Limited, w.people.Person(by), "", dataFrom, time.Now())
	revoked, err := g.Revoke(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.stores.Grants.PutGrant(context.Background(), g); err != nil {
		t.Fatal(err)
	}
	if err := w.stores.Grants.UpdateGrant(context.Background(), g, revoked); err != nil {
		t.Fatal(err)
	}
}

// values reads meter values and returns the periods.
func (w *meteringWorld) values(t *testing.T, tp string, mp ident.GSRN, query string, status int) reply {
	t.Helper()
	return w.call(t, tp, "GET", fmt.Sprintf("/v1/metering-points/%s/meter-values?%s", mp, query), "").expect(t, status)
}

type periodsBody struct {
	Period      struct{ From, To string }
	Aggregation string
	Periods     []struct {
		Start, End, Resolution string
		Revision               int
		Points                 []struct {
			Position          int
			Quantity, Quality string
		}
	}
}

func periods(t *testing.T, r reply) periodsBody {
	t.Helper()
	var b periodsBody
	if err := json.Unmarshal([]byte(r.rawBody), &b); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestMeterValuesFromIngestToQuery(t *testing.T) {
	w := newMeteringWorld(t)
	ctx := context.Background()
	mp, kari := freshGSRN(t), person(t)
	w.register(t, mp, "PT60M", endUser{id: kari, name: "Kari Testesen", moveIn: "2024-01-01"})
	w.grant(t, straumkompis, mp, accessrequest.Full, kari, registry.Date(2024, 1, 1))
	w.grant(t, ladeklar, mp, accessrequest.Limited, kari, registry.Date(2024, 1, 1))

	res := w.ingest(t, "/v1/ingest/meter-values", "series",
		seriesJSON(mp, "2026-03-29", "PT60M", 23, 0.5),
		seriesJSON(mp, "2026-03-30", "PT60M", 24, 0.7),
		seriesJSON(mp, "2026-10-25", "PT60M", 25, 0.9))
	for _, r := range res {
		if r["outcome"] != "created" || r["revision"] != float64(1) {
			t.Fatalf("ingest: %v", r)
		}
	}

	t.Run("DST days keep 23 and 25 hours, Oslo-local", func(t *testing.T) {
		got := periods(t, w.values(t, straumkompis, mp, "from=2026-03-29&to=2026-03-31", http.StatusOK))
		if len(got.Periods) != 2 || len(got.Periods[0].Points) != 23 || len(got.Periods[1].Points) != 24 {
			t.Fatalf("periods: %+v", got.Periods)
		}
		first := got.Periods[0]
		if first.Start != "2026-03-29T00:00:00+01:00" || first.End != "2026-03-30T00:00:00+02:00" || first.Resolution != "PT60M" {
			t.Errorf("the DST day runs %s to %s at %s", first.Start, first.End, first.Resolution)
		}
		if first.Points[22].Position != 23 || first.Points[22].Quantity != "0.523" || first.Points[22].Quality != "A04" {
			t.Errorf("last point of the short day: %+v", first.Points[22])
		}
		autumn := periods(t, w.values(t, ladeklar, mp, "from=2026-10-25&to=2026-10-26", http.StatusOK))
		if len(autumn.Periods) != 1 || len(autumn.Periods[0].Points) != 25 {
			t.Fatalf("the long day: %+v", autumn.Periods)
		}
	})

	t.Run("aggregation sums exactly", func(t *testing.T) {
		got := periods(t, w.values(t, straumkompis, mp, "from=2026-03-01&to=2026-04-01&aggregation=P1D", http.StatusOK))
		if len(got.Periods) != 1 || got.Periods[0].Resolution != "P1D" || len(got.Periods[0].Points) != 2 {
			t.Fatalf("daily: %+v", got.Periods)
		}
		// 23 × 0.5 + (1+…+23)/1000 = 11.5 + 0.276
		if p := got.Periods[0].Points[0]; p.Position != 29 || p.Quantity != "11.776" {
			t.Errorf("29 March: %+v", p)
		}
	})

	t.Run("ETag and If-None-Match", func(t *testing.T) {
		first := w.values(t, straumkompis, mp, "from=2026-03-29&to=2026-03-30", http.StatusOK)
		tag := first.header.Get("ETag")
		if tag == "" {
			t.Fatal("no ETag")
		}
		again := w.call(t, straumkompis, "GET", "/v1/metering-points/"+string(mp)+"/meter-values?from=2026-03-29&to=2026-03-30", "", "If-None-Match", tag)
		if again.status != http.StatusNotModified || again.rawBody != "" {
			t.Fatalf("revalidation: %d %q", again.status, again.rawBody)
		}
	})

	t.Run("a correction replaces the values and raises the revision", func(t *testing.T) {
		same := w.ingest(t, "/v1/ingest/meter-values", "series", seriesJSON(mp, "2026-03-30", "PT60M", 24, 0.7))
		if same[0]["outcome"] != "unchanged" || same[0]["revision"] != float64(1) {
			t.Fatalf("resending the same day: %v", same[0])
		}
		corrected := w.ingest(t, "/v1/ingest/meter-values", "series", seriesJSON(mp, "2026-03-30", "PT60M", 24, 1.2))
		if corrected[0]["outcome"] != "corrected" || corrected[0]["revision"] != float64(2) {
			t.Fatalf("correction: %v", corrected[0])
		}
		got := periods(t, w.values(t, straumkompis, mp, "from=2026-03-30&to=2026-03-31", http.StatusOK))
		if p := got.Periods[0]; p.Revision != 2 || p.Points[0].Quantity != "1.201" {
			t.Fatalf("after the correction: revision %d, first %+v", p.Revision, p.Points[0])
		}
	})

	t.Run("every read is in the end user's read log", func(t *testing.T) {
		w.call(t, ladeklar, "GET", "/v1/metering-points/"+string(mp), "").expect(t, http.StatusOK)
		page, err := w.stores.ReadLog.List(ctx, w.people.Person(kari), "", 100)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]int{}
		for _, e := range page.Entries {
			seen[string(e.ThirdParty)+" "+string(e.What)]++
			if e.MeteringPoint != mp {
				t.Errorf("entry for %s", e.MeteringPoint)
			}
		}
		for _, want := range []string{
			string(w.demo.ThirdParties[0].GLN) + " " + string(readlog.MeterValues),
			string(w.demo.ThirdParties[1].GLN) + " " + string(readlog.MeterValues),
			string(w.demo.ThirdParties[1].GLN) + " " + string(readlog.MasterData),
		} {
			if seen[want] == 0 {
				t.Errorf("no read log entry %q in %v", want, seen)
			}
		}
	})

	t.Run("the list shows the metering points with access", func(t *testing.T) {
		list := w.call(t, straumkompis, "GET", "/v1/metering-points?limit=100", "").expect(t, http.StatusOK)
		if !strings.Contains(list.rawBody, string(mp)) {
			t.Fatalf("list lacks %s: %s", mp, list.rawBody)
		}
	})
}

// quarterHourSeries is a PT15M day of n values counting up one watt-hour at
// a time from firstWh, written from whole watt-hours so no float is involved.
func quarterHourSeries(id ident.GSRN, day string, n int, firstWh int64) string {
	quantities := make([]string, n)
	for p := range n {
		wh := firstWh + int64(p)
		quantities[p] = fmt.Sprintf(`{"quantity":"%d.%03d","quality":"A04"}`, wh/1000, wh%1000)
	}
	return fmt.Sprintf(`{"meteringPointId":%q,"day":%q,"resolution":"PT15M","quantities":[%s]}`, id, day, strings.Join(quantities, ","))
}

// wattHours reads a quantity with exactly 3 decimals as whole watt-hours.
func wattHours(t *testing.T, quantity string) int64 {
	t.Helper()
	whole, frac, ok := strings.Cut(quantity, ".")
	wh, err := strconv.ParseInt(whole+frac, 10, 64)
	if !ok || len(frac) != 3 || err != nil {
		t.Fatalf("quantity %q is not kWh with 3 decimals", quantity)
	}
	return wh
}

func TestQuarterHourlyDSTDaysFromIngestToQuery(t *testing.T) {
	w := newMeteringWorld(t)
	mp, owner := freshGSRN(t), person(t)
	w.register(t, mp, "PT15M", endUser{id: owner, name: "Kvart Timesen", moveIn: "2024-01-01"})
	w.grant(t, straumkompis, mp, accessrequest.Full, owner, registry.Date(2024, 1, 1))

	days := []struct {
		day        string
		quarters   int
		firstWh    int64
		start, end string
	}{
		{"2026-03-29", 92, 1, "2026-03-29T00:00:00+01:00", "2026-03-30T00:00:00+02:00"},
		{"2026-03-30", 96, 250_001, "2026-03-30T00:00:00+02:00", "2026-03-31T00:00:00+02:00"},
		// Near the largest quantity ingest takes (10⁹ kWh): the hourly sums pass it.
		{"2026-10-25", 100, 999_999_876_543, "2026-10-25T00:00:00+02:00", "2026-10-26T00:00:00+01:00"},
	}
	var series []string
	for _, d := range days {
		series = append(series, quarterHourSeries(mp, d.day, d.quarters, d.firstWh))
	}
	for i, r := range w.ingest(t, "/v1/ingest/meter-values", "series", series...) {
		if r["outcome"] != "created" {
			t.Fatalf("%s: %v", days[i].day, r)
		}
	}

	const span = "from=2026-03-29&to=2026-10-26"
	stored := periods(t, w.values(t, straumkompis, mp, span, http.StatusOK))
	hourly := periods(t, w.values(t, straumkompis, mp, span+"&aggregation=PT1H", http.StatusOK))
	if len(stored.Periods) != len(days) || len(hourly.Periods) != len(days) {
		t.Fatalf("%d stored and %d hourly periods for %d days", len(stored.Periods), len(hourly.Periods), len(days))
	}
	if stored.Aggregation != "" || hourly.Aggregation != "PT1H" {
		t.Errorf("aggregation %q and %q", stored.Aggregation, hourly.Aggregation)
	}
	for i, d := range days {
		quarters, hours := stored.Periods[i], hourly.Periods[i]
		// Both views are one Oslo day, the hourly one a quarter as many points.
		for _, view := range []struct {
			name, resolution string
			points           int
		}{{"stored", "PT15M", d.quarters}, {"PT1H", "PT1H", d.quarters / 4}} {
			got := quarters
			if view.name == "PT1H" {
				got = hours
			}
			if got.Start != d.start || got.End != d.end || got.Resolution != view.resolution || len(got.Points) != view.points {
				t.Fatalf("%s %s: %s to %s at %s with %d points, want %s to %s at %s with %d",
					d.day, view.name, got.Start, got.End, got.Resolution, len(got.Points), d.start, d.end, view.resolution, view.points)
			}
		}
		for k, q := range quarters.Points {
			if q.Position != k+1 || wattHours(t, q.Quantity) != d.firstWh+int64(k) {
				t.Fatalf("%s quarter %d: %+v, sent %d Wh", d.day, k+1, q, d.firstWh+int64(k))
			}
		}
		// Each hour is its four quarter-hours in elapsed time: on 25 October
		// the repeated 02:00 hour is two points, not one of eight quarters.
		for h, p := range hours.Points {
			var sum int64
			for _, q := range quarters.Points[4*h : 4*h+4] {
				sum += wattHours(t, q.Quantity)
			}
			if p.Position != h+1 || wattHours(t, p.Quantity) != sum || p.Quality != "A04" {
				t.Errorf("%s hour %d: %+v, want %d Wh from its quarters", d.day, h+1, p, sum)
			}
		}
	}

	t.Run("a normal day's count on a DST day is rejected, naming the count", func(t *testing.T) {
		res := w.ingest(t, "/v1/ingest/meter-values", "series",
			quarterHourSeries(mp, "2026-03-29", 96, 7),
			quarterHourSeries(mp, "2026-10-25", 96, 7))
		for i, want := range []string{
			"must have 92 values for PT15M on 2026-03-29 (daylight saving time starts that day, so it has 23 hours), got 96",
			"must have 100 values for PT15M on 2026-10-25 (daylight saving time ends that day, so it has 25 hours), got 96",
		} {
			doc, _ := res[i]["problem"].(map[string]any)
			if res[i]["outcome"] != "rejected" || !strings.Contains(fmt.Sprint(doc["errors"]), "field:quantities reason:"+want) {
				t.Errorf("item %d: %v", i, res[i])
			}
		}
		// The stored short day is untouched by the rejected one.
		again := periods(t, w.values(t, straumkompis, mp, "from=2026-03-29&to=2026-03-30", http.StatusOK))
		if p := again.Periods[0]; len(p.Points) != 92 || p.Revision != 1 || p.Points[0].Quantity != "0.001" {
			t.Errorf("after the rejection: revision %d, %d points, first %+v", p.Revision, len(p.Points), p.Points[0])
		}
	})
}

// minimumSet is every field limited access shows.
var minimumSet = []string{"accessLevel", "address", "dataWindow", "meteringPointId", "priceArea", "resolution", "type"}

func TestAccessLevelMatrix(t *testing.T) {
	w := newMeteringWorld(t)
	mp, owner := freshGSRN(t), person(t)
	w.register(t, mp, "PT15M", endUser{id: owner, name: "Ola Testesen", moveIn: "2023-05-01"})

	for _, tc := range []struct {
		level accessrequest.Scope
		want  []string
	}{
		{accessrequest.Limited, minimumSet},
		{accessrequest.Full, append(slices.Clone(minimumSet), "accountingPoint", "contract", "endUser", "estimatedAnnualConsumption", "gridArea", "meterNumber", "status")},
	} {
		t.Run(string(tc.level), func(t *testing.T) {
			tp := straumkompis
			if tc.level == accessrequest.Full {
				tp = ladeklar
			}
			w.grant(t, tp, mp, tc.level, owner, registry.Date(2023, 5, 1))
			got := w.call(t, tp, "GET", "/v1/metering-points/"+string(mp), "").expect(t, http.StatusOK)
			keys := slices.Sorted(maps.Keys(got.body))
			slices.Sort(tc.want)
			if !slices.Equal(keys, tc.want) {
				t.Fatalf("%s access shows %v, want %v", tc.level, keys, tc.want)
			}
			if strings.Contains(got.rawBody, owner.Digits()) {
				t.Fatal("the national identity number is in the response")
			}
			if tc.level == accessrequest.Full {
				if eu, _ := got.body["endUser"].(map[string]any); eu["name"] != "Ola Testesen" || eu["moveIn"] != "2023-05-01" {
					t.Errorf("end user %v", got.body["endUser"])
				}
			}
		})
	}
}

func TestThirdPartiesSeeNothingOfEachOther(t *testing.T) {
	w := newMeteringWorld(t)
	mp, owner := freshGSRN(t), person(t)
	w.register(t, mp, "PT60M", endUser{id: owner, name: "Per Testesen", moveIn: "2022-01-01"})
	w.ingest(t, "/v1/ingest/meter-values", "series", seriesJSON(mp, "2026-03-30", "PT60M", 24, 0.1))
	w.grant(t, straumkompis, mp, accessrequest.Full, owner, registry.Date(2022, 1, 1))

	w.call(t, ladeklar, "GET", "/v1/metering-points/"+string(mp), "").expect(t, http.StatusNotFound)
	w.values(t, ladeklar, mp, "from=2026-03-30&to=2026-03-31", http.StatusNotFound)
	unknown := freshGSRN(t)
	if a, b := w.call(t, ladeklar, "GET", "/v1/metering-points/"+string(mp), ""), w.call(t, ladeklar, "GET", "/v1/metering-points/"+string(unknown), ""); a.status != b.status || a.str("detail") == "" {
		t.Errorf("no access (%d) and unknown (%d) must look alike", a.status, b.status)
	}
	if list := w.call(t, ladeklar, "GET", "/v1/metering-points?limit=100", "").expect(t, http.StatusOK); strings.Contains(list.rawBody, string(mp)) {
		t.Error("another third party's metering point is listed")
	}
	page, _ := w.stores.ReadLog.List(context.Background(), w.people.Person(owner), "", 100)
	if len(page.Entries) != 0 {
		t.Errorf("refused reads were logged: %+v", page.Entries)
	}
	// A third party's own access, once removed, stops at once.
	g, _, _ := w.stores.Grants.Grant(context.Background(), w.demo.ThirdParties[0].GLN, mp)
	revoked, _ := g.Revoke(time.Now())
	if err := w.stores.Grants.UpdateGrant(context.Background(), g, revoked); err != nil {
		t.Fatal(err)
	}
	w.values(t, straumkompis, mp, "from=2026-03-30&to=2026-03-31", http.StatusNotFound)
}

// listPage is one page of GET /v1/metering-points.
type listPage struct {
	Items []struct {
		MeteringPointID ident.GSRN
		AccessLevel     accessrequest.Scope
		DataFrom        string
	}
	NextCursor string
}

func (w *meteringWorld) listPage(t *testing.T, tp string, limit int, cursor string) listPage {
	t.Helper()
	query := fmt.Sprintf("/v1/metering-points?limit=%d", limit)
	if cursor != "" {
		query += "&cursor=" + url.QueryEscape(cursor)
	}
	var page listPage
	if err := json.Unmarshal([]byte(w.call(t, tp, "GET", query, "").expect(t, http.StatusOK).rawBody), &page); err != nil {
		t.Fatal(err)
	}
	return page
}

// expectBadCursor asserts the list refuses cursor with a problem naming it.
func (w *meteringWorld) expectBadCursor(t *testing.T, tp, why, cursor string) {
	t.Helper()
	r := w.call(t, tp, "GET", "/v1/metering-points?limit=2&cursor="+url.QueryEscape(cursor), "")
	if r.status != http.StatusBadRequest || r.header.Get("Content-Type") != "application/problem+json" ||
		!strings.Contains(fmt.Sprint(r.body["errors"]), "field:cursor ") {
		t.Errorf("%s: %d %s %s", why, r.status, r.header.Get("Content-Type"), r.rawBody)
	}
}

func TestMeteringPointListFollowsNextCursorToTheEnd(t *testing.T) {
	w := newMeteringWorld(t)
	owner := person(t)
	since := registry.Date(2024, 1, 1)
	// The list skips revoked grants with a filter, reading at most limit × 8
	// items a page (maxQueriesPerPage in shared/dynamo); a run of revoked
	// grants longer than that makes a page come back short, or empty, with
	// a cursor, which a client must follow all the same.
	const limit, revokedRun = 2, 17

	want := map[ident.GSRN]accessrequest.Scope{} // straumkompis's active grants
	hidden := map[ident.GSRN]string{}            // points straumkompis must not see, and why
	active := func() {
		mp := freshGSRN(t)
		level := []accessrequest.Scope{accessrequest.Limited, accessrequest.Full}[len(want)%2]
		w.grant(t, straumkompis, mp, level, owner, since)
		want[mp] = level
	}
	ladeklarOnly := func() {
		mp := freshGSRN(t)
		w.grant(t, ladeklar, mp, accessrequest.Full, owner, since)
		hidden[mp] = "ladeklar's grant"
	}
	// GSRNs are handed out in increasing order, which is the list's order.
	active()
	ladeklarOnly()
	active()
	for i := range revokedRun {
		mp := freshGSRN(t)
		w.revokedGrant(t, straumkompis, mp, owner, since)
		if i == 0 {
			// Another third party's active grant on the same point does not bring it back.
			w.grant(t, ladeklar, mp, accessrequest.Full, owner, since)
		}
		hidden[mp] = "revoked"
	}
	active()
	active()
	ladeklarOnly()
	active()
	active()
	active()
	ladeklarOnly()

	seen := map[ident.GSRN]int{}
	var order []ident.GSRN
	shortWithCursor, pages := 0, 0
	cursor, lastCursor := "", ""
	for {
		pages++
		if pages > 1000 {
			t.Fatal("nextCursor never ran out")
		}
		page := w.listPage(t, straumkompis, limit, cursor)
		if len(page.Items) > limit {
			t.Fatalf("page %d has %d items, limit %d", pages, len(page.Items), limit)
		}
		for _, it := range page.Items {
			seen[it.MeteringPointID]++
			order = append(order, it.MeteringPointID)
			if level, ok := want[it.MeteringPointID]; ok && (it.AccessLevel != level || it.DataFrom != "2024-01-01") {
				t.Errorf("%s listed at %s from %s, granted %s from 2024-01-01", it.MeteringPointID, it.AccessLevel, it.DataFrom, level)
			}
		}
		if page.NextCursor == "" {
			break
		}
		if len(page.Items) < limit {
			shortWithCursor++
		}
		cursor, lastCursor = page.NextCursor, page.NextCursor
	}
	t.Logf("%d pages, %d short with a cursor", pages, shortWithCursor)

	for mp := range want {
		if seen[mp] != 1 {
			t.Errorf("active grant on %s listed %d times", mp, seen[mp])
		}
	}
	for mp, why := range hidden {
		if seen[mp] != 0 {
			t.Errorf("%s (%s) listed", mp, why)
		}
	}
	for mp, n := range seen {
		if n > 1 {
			t.Errorf("%s listed %d times", mp, n)
		}
	}
	if !slices.IsSorted(order) {
		t.Errorf("not in order of metering point: %v", order)
	}
	if shortWithCursor == 0 {
		t.Errorf("no page came back short with a cursor across %d revoked grants: the test no longer covers a filtered page", revokedRun)
	}

	t.Run("a cursor is bound to the third party and cannot be forged", func(t *testing.T) {
		if lastCursor == "" {
			t.Fatal("no cursor to replay")
		}
		ladeklarCursor := w.listPage(t, ladeklar, 1, "").NextCursor
		if ladeklarCursor == "" {
			t.Fatal("ladeklar has several grants but got no nextCursor at limit=1")
		}
		w.expectBadCursor(t, straumkompis, "another third party's cursor", ladeklarCursor)
		w.expectBadCursor(t, ladeklar, "straumkompis's cursor replayed by ladeklar", lastCursor)

		// The cursor is base64url JSON naming its partition; pointing it at
		// ladeklar's partition must not open ladeklar's list.
		raw, err := base64.RawURLEncoding.DecodeString(lastCursor)
		if err != nil {
			t.Fatalf("cursor %q: %v", lastCursor, err)
		}
		var fields map[string]string
		if err := json.Unmarshal(raw, &fields); err != nil || !strings.HasPrefix(fields["g"], "TP#") {
			t.Fatalf("cursor %s", raw)
		}
		reencoded := func(key, value string) string {
			changed := maps.Clone(fields)
			changed[key] = value
			raw, _ := json.Marshal(changed)
			return base64.RawURLEncoding.EncodeToString(raw)
		}
		w.expectBadCursor(t, straumkompis, "a cursor steered to another third party", reencoded("g", "TP#"+string(w.gln(t, ladeklar))))
		// Its own partition, but outside the grants: DynamoDB would refuse
		// the start key, and an empty last page would end the listing early.
		w.expectBadCursor(t, straumkompis, "a cursor steered to the access requests", reencoded("h", "REQ#2026-11-28"))
		w.expectBadCursor(t, straumkompis, "a cursor past every grant", reencoded("h", "ZZZ"))

		for why, bad := range map[string]string{
			"not base64 JSON":   "forged",
			"cut short":         lastCursor[:len(lastCursor)/2],
			"an empty position": base64.RawURLEncoding.EncodeToString([]byte(`{}`)),
			"padded":            lastCursor + "=",
		} {
			w.expectBadCursor(t, straumkompis, why, bad)
		}
	})
}

func TestMoveInAndMoveOutBoundTheData(t *testing.T) {
	w := newMeteringWorld(t)
	mp, old, newcomer := freshGSRN(t), person(t), person(t)
	w.register(t, mp, "PT60M",
		endUser{id: old, name: "Old Occupant", moveIn: "2025-01-01", moveOut: "2026-03-01"},
		endUser{id: newcomer, name: "New Occupant", moveIn: "2026-03-01"})
	var days []string
	for _, d := range []string{"2026-02-27", "2026-02-28", "2026-03-01", "2026-03-02"} {
		days = append(days, seriesJSON(mp, d, "PT60M", 24, 0.2))
	}
	w.ingest(t, "/v1/ingest/meter-values", "series", days...)
	w.grant(t, straumkompis, mp, accessrequest.Full, old, registry.Date(2025, 1, 1))
	w.grant(t, ladeklar, mp, accessrequest.Full, newcomer, registry.Date(2026, 3, 1))

	before := periods(t, w.values(t, straumkompis, mp, "from=2026-02-01&to=2026-04-01", http.StatusOK))
	if before.Period.From != "2026-02-01" || before.Period.To != "2026-03-01" || len(before.Periods) != 2 || !strings.HasPrefix(before.Periods[1].Start, "2026-02-28") {
		t.Fatalf("the old end user's third party sees %+v", before)
	}
	w.values(t, straumkompis, mp, "from=2026-03-01&to=2026-04-01", http.StatusUnprocessableEntity)

	after := periods(t, w.values(t, ladeklar, mp, "from=2026-02-01&to=2026-04-01", http.StatusOK))
	if after.Period.From != "2026-03-01" || len(after.Periods) != 2 || !strings.HasPrefix(after.Periods[0].Start, "2026-03-01") {
		t.Fatalf("the new end user's third party sees %+v", after)
	}

	oldView := w.call(t, straumkompis, "GET", "/v1/metering-points/"+string(mp), "").expect(t, http.StatusOK)
	if strings.Contains(oldView.rawBody, "New Occupant") || oldView.body["contract"] != nil {
		t.Errorf("after move-out the old end user's third party sees the newcomer or the contract: %s", oldView.rawBody)
	}
	newView := w.call(t, ladeklar, "GET", "/v1/metering-points/"+string(mp), "").expect(t, http.StatusOK)
	if strings.Contains(newView.rawBody, "Old Occupant") || newView.body["contract"] == nil {
		t.Errorf("the new end user's third party: %s", newView.rawBody)
	}
}

func TestIngestRejectsEachBadSeriesAlone(t *testing.T) {
	w := newMeteringWorld(t)
	mp, owner := freshGSRN(t), person(t)
	w.register(t, mp, "PT60M", endUser{id: owner, name: "Eva Testesen", moveIn: "2022-01-01"})
	tomorrow := time.Now().AddDate(0, 0, 1).Format(time.DateOnly)
	good := seriesJSON(mp, "2026-04-01", "PT60M", 24, 0.3)
	cases := []struct {
		name, series, field, code string
	}{
		{"24 values on a 23-hour day", seriesJSON(mp, "2026-03-29", "PT60M", 24, 0.3), "quantities", ""},
		{"a future day", seriesJSON(mp, tomorrow, "PT60M", 24, 0.3), "day", ""},
		{"more than three years back", seriesJSON(mp, "2020-01-01", "PT60M", 24, 0.3), "day", ""},
		{"four decimals", strings.Replace(good, `"0.301"`, `"0.3011"`, 1), "quantities[0].quantity", ""},
		{"a negative quantity", strings.Replace(good, `"0.301"`, `"-0.301"`, 1), "quantities[0].quantity", ""},
		{"an unknown quality", strings.Replace(good, `"A04"`, `"X99"`, 1), "quantities[0].quality", ""},
		{"the wrong resolution for the point", seriesJSON(mp, "2026-04-02", "PT15M", 96, 0.3), "resolution", ""},
		{"an unregistered metering point", seriesJSON(freshGSRN(t), "2026-04-02", "PT60M", 24, 0.3), "", "E10"},
		{"a float in disguise", strings.Replace(good, `"0.301"`, `3.01e-1`, 1), "quantities[0].quantity", ""},
	}
	items := []string{good}
	for _, c := range cases {
		items = append(items, c.series)
	}
	res := w.ingest(t, "/v1/ingest/meter-values", "series", items...)
	if res[0]["outcome"] != "created" {
		t.Fatalf("the good series beside the bad: %v", res[0])
	}
	for i, c := range cases {
		r := res[i+1]
		doc, _ := r["problem"].(map[string]any)
		if r["outcome"] != "rejected" || doc == nil {
			t.Errorf("%s: %v", c.name, r)
			continue
		}
		if c.code != "" && doc["code"] != c.code {
			t.Errorf("%s: code %v, want %s", c.name, doc["code"], c.code)
		}
		if c.field != "" && !strings.Contains(fmt.Sprint(doc["errors"]), "field:"+c.field+" ") {
			t.Errorf("%s: errors %v do not name %s", c.name, doc["errors"], c.field)
		}
	}
	// Nothing of a rejected day was stored.
	w.grant(t, straumkompis, mp, accessrequest.Limited, owner, registry.Date(2022, 1, 1))
	got := periods(t, w.values(t, straumkompis, mp, "from=2026-03-29&to=2026-04-03", http.StatusOK))
	if len(got.Periods) != 1 || !strings.HasPrefix(got.Periods[0].Start, "2026-04-01") {
		t.Fatalf("stored days: %+v", got.Periods)
	}
	// The envelope itself is checked before anything is stored.
	w.call(t, gridCompany, "POST", "/v1/ingest/meter-values", `{"series":[]}`).expect(t, http.StatusBadRequest)
	w.call(t, gridCompany, "POST", "/v1/ingest/meter-values", `{"serie":[]}`).expect(t, http.StatusBadRequest)
	// A third party's token cannot ingest, and a grid company's cannot query.
	w.call(t, straumkompis, "POST", "/v1/ingest/meter-values", `{"series":[`+good+`]}`).expect(t, http.StatusForbidden)
	w.call(t, gridCompany, "GET", "/v1/metering-points", "").expect(t, http.StatusForbidden)
}

func TestQueryParametersAreChecked(t *testing.T) {
	w := newMeteringWorld(t)
	mp, owner := freshGSRN(t), person(t)
	w.register(t, mp, "PT60M", endUser{id: owner, name: "Siv Testesen", moveIn: "2022-01-01"})
	w.grant(t, straumkompis, mp, accessrequest.Limited, owner, registry.Date(2022, 1, 1))
	for query, field := range map[string]string{
		"to=2026-01-01":                                  "from",
		"from=2026-01-01":                                "to",
		"from=2026-02-01&to=2026-01-01":                  "to",
		"from=2020-01-01&to=2024-01-02":                  "to",
		"from=2026-01-01&to=2026-02-01&aggregation=PT5M": "aggregation",
		"from=01.01.2026&to=2026-02-01":                  "from",
		"from=2026-01-01&to=2026-02-01&color=blue":       "color",
	} {
		r := w.values(t, straumkompis, mp, query, http.StatusBadRequest)
		if !strings.Contains(r.rawBody, `"field":"`+field+`"`) {
			t.Errorf("%s: %s", query, r.rawBody)
		}
	}
}

// Every sample event in events/queries and events/ingest, sent straight to
// its function as API Gateway would, is answered 200.
func TestSampleEvents(t *testing.T) {
	env := testenv.Get(t)
	_, key := testenv.Demo(t)
	functionEnv := env.Stack.Env()
	functionEnv[dataproviderapi.PseudonymKeyEnv] = key
	for dir, fn := range map[string]string{"queries": resources.QueriesFunctionID, "ingest": resources.IngestFunctionID} {
		invoker, err := inprocess.Function(context.Background(), fn, env.Config, func(k string) string { return functionEnv[k] }, quiet)
		if err != nil {
			t.Fatal(err)
		}
		files, _ := filepath.Glob(filepath.Join("../../events", dir, "*.json"))
		if len(files) == 0 {
			t.Fatalf("no sample events in events/%s", dir)
		}
		slices.Sort(files) // ingest/post-master-data before ingest/post-meter-values
		for _, file := range files {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			out, err := invoker.Invoke(context.Background(), raw)
			if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			var res events.APIGatewayV2HTTPResponse
			if err := json.Unmarshal(out, &res); err != nil || res.StatusCode != http.StatusOK || strings.Contains(res.Body, `"rejected"`) && !strings.Contains(res.Body, `"rejected":0`) {
				t.Errorf("%s: %d %s", file, res.StatusCode, res.Body)
			}
		}
	}
}
