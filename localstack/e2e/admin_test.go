//go:build integration

package e2e_test

// The operator's registry of parties end to end: the admin API through the
// gateway with an operator's token, and what disabling a third party or a
// data provider stops (API calls, deliveries, webhook pushes, ingest) and
// keeps (grants, the outbox), and that a data provider sends only for its
// own grid areas.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tredjepart/tredjepart/localstack/harness/testenv"
	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/delivery"
	"github.com/tredjepart/tredjepart/shared/grant"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/resources"
	"github.com/tredjepart/tredjepart/shared/stdwebhook"
)

// operator is the operator's client; withScope gives its tokens the admin scope.
const operator = "e2e-operator"

// testGridArea is a grid area no demo metering point is in.
const testGridArea = "50YTESTAREA0000X"

// party is a GLN, organisation number and client id no other test uses.
type party struct {
	gln    ident.GLN
	org    ident.OrgNumber
	client string
}

var nextParty atomic.Int64

func freshParty(t *testing.T) party {
	t.Helper()
	n := nextParty.Add(1)
	gln, err := ident.GLNWithCheckDigit(fmt.Sprintf("70700%07d", n))
	if err != nil {
		t.Fatal(err)
	}
	for i := n; ; i += 1000 {
		if org, err := ident.OrgNumberWithControlDigit(fmt.Sprintf("4%07d", i)); err == nil {
			return party{gln: gln, org: org, client: fmt.Sprintf("e2e-party-%d", n)}
		}
	}
}

func (p party) thirdPartyJSON(name string) string {
	return fmt.Sprintf(`{"gln":%q,"name":%q,"orgNumber":%q,"clientIds":[%q],"redirectUris":["https://example.no/callback"],
		"contact":{"name":"Drift","email":"drift@example.no","phone":"+47 22 00 00 00"}}`, p.gln, name, p.org, p.client)
}

func (p party) dataProviderJSON(name string, areas ...string) string {
	quoted := make([]string, len(areas))
	for i, a := range areas {
		quoted[i] = fmt.Sprintf("%q", a)
	}
	return fmt.Sprintf(`{"gln":%q,"name":%q,"orgNumber":%q,"role":"grid-company","clientIds":[%q],"gridAreas":[%s]}`,
		p.gln, name, p.org, p.client, strings.Join(quoted, ","))
}

// registerThirdParty registers a fresh third party through the admin API.
func (w *world) registerThirdParty(t *testing.T) party {
	t.Helper()
	p := freshParty(t)
	w.withScope(t, operator, resources.AdminScope)
	w.call(t, operator, "POST", "/v1/admin/third-parties", p.thirdPartyJSON("Testkraft "+p.client)).expect(t, http.StatusCreated)
	return p
}

// setThirdParty disables or enables a third party through the admin API.
func (w *world) setThirdParty(t *testing.T, gln ident.GLN, disabled bool) {
	t.Helper()
	w.setParty(t, "/v1/admin/third-parties/", gln, disabled)
}

func (w *world) setParty(t *testing.T, collection string, gln ident.GLN, disabled bool) {
	t.Helper()
	verb := "enable"
	if disabled {
		verb = "disable"
	}
	r := w.call(t, operator, "POST", collection+string(gln)+"/"+verb, "").expect(t, http.StatusOK)
	if r.body["disabled"] != disabled {
		t.Fatalf("after %s: %s", verb, r.rawBody)
	}
}

// expectProblem checks that r is a problem document with status.
func expectProblem(t *testing.T, r reply, status int, detail string) {
	t.Helper()
	r.expect(t, status)
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type %q, want application/problem+json: %s", ct, r.rawBody)
	}
	if r.body["status"] != float64(status) || !strings.Contains(r.str("detail"), detail) {
		t.Errorf("problem %s, want status %d and a detail with %q", r.rawBody, status, detail)
	}
}

func TestAdminAPIThroughTheGateway(t *testing.T) {
	w := newMeteringWorld(t)
	w.withScope(t, operator, resources.AdminScope)
	p := freshParty(t)
	path := "/v1/admin/third-parties/" + string(p.gln)

	created := w.call(t, operator, "POST", "/v1/admin/third-parties", p.thirdPartyJSON("Testkraft AS")).expect(t, http.StatusCreated)
	if created.header.Get("Location") != path || created.str("gln") != string(p.gln) || created.body["disabled"] != false {
		t.Fatalf("registered: Location %q, %s", created.header.Get("Location"), created.rawBody)
	}

	t.Run("list", func(t *testing.T) {
		r := w.call(t, operator, "GET", "/v1/admin/third-parties", "").expect(t, http.StatusOK)
		for _, gln := range []ident.GLN{p.gln, w.demo.ThirdParties[0].GLN} {
			if !strings.Contains(r.rawBody, `"gln":"`+string(gln)+`"`) {
				t.Errorf("the list lacks %s: %s", gln, r.rawBody)
			}
		}
	})
	t.Run("show", func(t *testing.T) {
		r := w.call(t, operator, "GET", path, "").expect(t, http.StatusOK)
		if r.str("name") != "Testkraft AS" || r.str("orgNumber") != string(p.org) || !strings.Contains(r.rawBody, `"clientIds":["`+p.client+`"]`) {
			t.Fatalf("shown: %s", r.rawBody)
		}
		expectProblem(t, w.call(t, operator, "GET", "/v1/admin/third-parties/"+string(freshParty(t).gln), ""), http.StatusNotFound, "not registered")
	})
	t.Run("update", func(t *testing.T) {
		r := w.call(t, operator, "PUT", path, p.thirdPartyJSON("Testkraft Norge AS")).expect(t, http.StatusOK)
		if r.str("name") != "Testkraft Norge AS" {
			t.Fatalf("updated: %s", r.rawBody)
		}
		if again := w.call(t, operator, "GET", path, "").expect(t, http.StatusOK); again.str("name") != "Testkraft Norge AS" {
			t.Fatalf("after the update: %s", again.rawBody)
		}
		other := freshParty(t)
		moved := w.call(t, operator, "PUT", path, strings.Replace(p.thirdPartyJSON("X"), string(p.gln), string(other.gln), 1))
		expectProblem(t, moved, http.StatusBadRequest, "")
		if !strings.Contains(moved.rawBody, `"field":"gln"`) {
			t.Errorf("a body naming another GLN than the path: %s", moved.rawBody)
		}
	})
	t.Run("a duplicate registration is a conflict", func(t *testing.T) {
		expectProblem(t, w.call(t, operator, "POST", "/v1/admin/third-parties", p.thirdPartyJSON("Again AS")), http.StatusConflict, string(p.gln))
		// Another GLN with a client id that is taken.
		other := freshParty(t)
		other.client = p.client
		taken := w.call(t, operator, "POST", "/v1/admin/third-parties", other.thirdPartyJSON("Taken AS"))
		expectProblem(t, taken, http.StatusConflict, p.client)
		if !strings.Contains(taken.rawBody, `"field":"clientIds"`) {
			t.Errorf("the taken client id is not named: %s", taken.rawBody)
		}
	})
	t.Run("a bad GLN is named", func(t *testing.T) {
		bad := freshParty(t)
		body := strings.Replace(bad.thirdPartyJSON("Bad AS"), string(bad.gln), string(bad.gln[:12])+fmt.Sprint((int(bad.gln[12]-'0')+1)%10), 1)
		r := w.call(t, operator, "POST", "/v1/admin/third-parties", body)
		expectProblem(t, r, http.StatusBadRequest, "")
		if !strings.Contains(r.rawBody, `"field":"gln"`) {
			t.Fatalf("the bad GLN is not named: %s", r.rawBody)
		}
		w.call(t, operator, "GET", "/v1/admin/third-parties/123", "").expect(t, http.StatusBadRequest)
	})
	t.Run("the admin scope alone is not enough", func(t *testing.T) {
		// Maskinporten decides who gets the scope; the deployment decides
		// which clients are the operator's (ADMIN_OPERATOR_CLIENTS).
		const stranger = "e2e-not-an-operator"
		w.withScope(t, stranger, resources.AdminScope)
		expectProblem(t, w.call(t, stranger, "GET", "/v1/admin/third-parties", ""), http.StatusForbidden, "not one of the operator's")
		expectProblem(t, w.call(t, stranger, "POST", "/v1/admin/third-parties", freshParty(t).thirdPartyJSON("Sneaky AS")), http.StatusForbidden, stranger)
	})
	t.Run("disable and enable, each twice", func(t *testing.T) {
		for _, disabled := range []bool{true, true, false, false} {
			w.setThirdParty(t, p.gln, disabled)
		}
	})
	t.Run("data providers", func(t *testing.T) {
		dp := freshParty(t)
		r := w.call(t, operator, "POST", "/v1/admin/data-providers", dp.dataProviderJSON("Testnett AS", testGridArea)).expect(t, http.StatusCreated)
		if r.header.Get("Location") != "/v1/admin/data-providers/"+string(dp.gln) || r.str("role") != "grid-company" {
			t.Fatalf("registered: %s", r.rawBody)
		}
		list := w.call(t, operator, "GET", "/v1/admin/data-providers", "").expect(t, http.StatusOK)
		if !strings.Contains(list.rawBody, string(dp.gln)) || !strings.Contains(list.rawBody, string(w.demo.GridCompany.GLN)) {
			t.Errorf("the list: %s", list.rawBody)
		}
		bad := w.call(t, operator, "POST", "/v1/admin/data-providers", freshParty(t).dataProviderJSON("Bad Nett AS", "NO1"))
		expectProblem(t, bad, http.StatusBadRequest, "")
		if !strings.Contains(bad.rawBody, `"field":"gridAreas[0]"`) {
			t.Errorf("the bad grid area is not named: %s", bad.rawBody)
		}
	})
	t.Run("other scopes are refused by the authorizer", func(t *testing.T) {
		for _, client := range []string{straumkompis, gridCompany} {
			r := w.call(t, client, "GET", "/v1/admin/third-parties", "").expect(t, http.StatusForbidden)
			if !strings.Contains(r.header.Get("www-authenticate"), "insufficient_scope") {
				t.Errorf("%s: www-authenticate %q", client, r.header.Get("www-authenticate"))
			}
			w.call(t, client, "POST", "/v1/admin/third-parties/"+string(p.gln)+"/disable", "").expect(t, http.StatusForbidden)
		}
		w.call(t, "", "GET", "/v1/admin/third-parties", "").expect(t, http.StatusUnauthorized)
		if r := w.call(t, operator, "GET", path, "").expect(t, http.StatusOK); r.body["disabled"] != false {
			t.Fatalf("a refused call disabled it: %s", r.rawBody)
		}
	})
}

// grantedPointOf registers a metering point with values for days and
// gives the third party gln full access to it.
func (w *deliveryWorld) grantedPointOf(t *testing.T, gln ident.GLN, days ...string) ident.GSRN {
	t.Helper()
	owner, mp := person(t), freshGSRN(t)
	w.register(t, mp, "PT60M", endUser{id: owner, name: "Admin Testesen", moveIn: "2024-01-01"})
	var series []string
	for _, day := range days {
		series = append(series, seriesJSON(mp, day, "PT60M", 24, 0.4))
	}
	w.ingest(t, "/v1/ingest/meter-values", "series", series...)
	if err := w.stores.Grants.PutGrant(context.Background(), grant.New(gln, mp, accessrequest.Full, w.people.Person(owner), "", registry.Date(2024, 1, 1), time.Now())); err != nil {
		t.Fatal(err)
	}
	return mp
}

func TestDisablingAThirdPartyStopsItAtOnceAndLosesNothing(t *testing.T) {
	w := newDeliveryWorld(t)
	tp := w.registerThirdParty(t)
	// Day one is fanned out while it is disabled; day two's jobs are made
	// while it is enabled and delivered after it is disabled.
	const dayOne, dayTwo = "2026-11-20", "2026-11-21"
	mp := w.grantedPointOf(t, tp.gln, dayOne, dayTwo)
	w.call(t, tp.client, "GET", "/v1/metering-points/"+string(mp), "").expect(t, http.StatusOK)

	w.runFanOut(t, dayTwo)
	w.setThirdParty(t, tp.gln, true)
	expectProblem(t, w.call(t, tp.client, "GET", "/v1/metering-points", ""), http.StatusForbidden, "disabled")
	expectProblem(t, w.call(t, tp.client, "GET", "/v1/deliveries", ""), http.StatusForbidden, "disabled")
	w.runFanOut(t, dayOne)
	w.drain(t)

	w.setThirdParty(t, tp.gln, false)
	list := w.call(t, tp.client, "GET", "/v1/metering-points?limit=100", "").expect(t, http.StatusOK)
	if !strings.Contains(list.rawBody, string(mp)) {
		t.Fatalf("after enabling, the list lacks %s: %s", mp, list.rawBody)
	}
	if g, found, err := w.stores.Grants.Grant(context.Background(), tp.gln, mp); err != nil || !found || g.Status != grant.Active {
		t.Fatalf("the grant after disabling and enabling: %+v %v %v", g, found, err)
	}
	// (w.feed wants a cursor, which an outbox that was always empty does not give.)
	time.Sleep(delivery.SettleLag + 500*time.Millisecond)
	if r := w.call(t, tp.client, "GET", "/v1/deliveries?limit=100", "").expect(t, http.StatusOK); strings.Contains(r.rawBody, string(mp)) {
		t.Fatalf("delivered while disabled: %s", r.rawBody)
	}

	// The operator runs the fan-out again for the days it missed.
	w.runFanOut(t, dayOne)
	w.runFanOut(t, dayTwo)
	w.drain(t)
	got := w.feed(t, tp.client, mp)
	days := map[string]bool{}
	for _, it := range got {
		days[it.Day] = true
		if len(it.Document.Points) != 24 {
			t.Errorf("document %s has %d points", it.ID, len(it.Document.Points))
		}
	}
	if len(got) != 2 || !days[dayOne] || !days[dayTwo] {
		t.Fatalf("after enabling and running the fan-out again, the outbox holds %+v", got)
	}
}

func TestDisabledThirdPartyGetsNoWebhookPushes(t *testing.T) {
	w := newDeliveryWorld(t)
	tp := w.registerThirdParty(t)
	var mu sync.Mutex
	var pushed []string
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, req *http.Request) {
		_, _ = io.Copy(io.Discard, req.Body)
		mu.Lock()
		pushed = append(pushed, req.Header.Get(stdwebhook.HeaderID))
		mu.Unlock()
		rw.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	w.call(t, tp.client, "PUT", "/v1/webhook", fmt.Sprintf(`{"url":%q}`, srv.URL+"/hook")).expect(t, http.StatusOK)

	const day = "2026-11-22"
	mp := w.grantedPointOf(t, tp.gln, day)
	w.runFanOut(t, day)
	w.drain(t) // the document is in the outbox and its push is queued
	pushes := testenv.Get(t).Stack.QueueURLs[resources.WebhookPushesQueueID]
	if n := w.queueCounts(t, pushes)["ApproximateNumberOfMessages"]; n == "" || n == "0" {
		t.Fatalf("no push was queued: %v", w.queueCounts(t, pushes))
	}
	w.setThirdParty(t, tp.gln, true)
	w.drainQueue(t, resources.WebhookPushesQueueID, w.push, 1)
	mu.Lock()
	got := append([]string(nil), pushed...)
	mu.Unlock()
	if len(got) != 0 {
		t.Fatalf("pushed to a disabled third party: %v", got)
	}

	w.setThirdParty(t, tp.gln, false)
	docs := w.feed(t, tp.client, mp)
	if len(docs) != 1 || docs[0].ID != "meter-values:"+string(mp)+":"+day+":r1" {
		t.Fatalf("the outbox after enabling holds %+v", docs)
	}
}

// ingestAs sends a bulk ingest call as client and returns its per-item results.
func (w *world) ingestAs(t *testing.T, client, path, field string, items ...string) []map[string]any {
	t.Helper()
	r := w.call(t, client, "POST", path, fmt.Sprintf(`{%q:[%s]}`, field, strings.Join(items, ","))).expect(t, http.StatusOK)
	var body struct{ Results []map[string]any }
	if err := json.Unmarshal([]byte(r.rawBody), &body); err != nil || len(body.Results) != len(items) {
		t.Fatalf("results for %d items: %s", len(items), r.rawBody)
	}
	return body.Results
}

// forbidden checks that an item was rejected as not the sender's.
func forbidden(t *testing.T, what string, r map[string]any) {
	t.Helper()
	doc, _ := r["problem"].(map[string]any)
	if r["outcome"] != "rejected" || doc == nil || doc["status"] != float64(http.StatusForbidden) || doc["type"] != "urn:tredjepart:problem:forbidden" {
		t.Errorf("%s: %v, want it rejected as forbidden", what, r)
	}
}

func TestIngestRefusesWhatIsNotTheSenders(t *testing.T) {
	w := newMeteringWorld(t)
	w.withScope(t, operator, resources.AdminScope)
	owner := person(t)
	users := endUser{id: owner, name: "Nett Testesen", moveIn: "2024-01-01"}
	inDemoArea := freshGSRN(t)
	w.register(t, inDemoArea, "PT60M", users)

	t.Run("a client that is no data provider", func(t *testing.T) {
		w.withScope(t, "e2e-unregistered-sender", resources.IngestScope)
		r := w.call(t, "e2e-unregistered-sender", "POST", "/v1/ingest/master-data", `{"items":[`+masterDataJSON(freshGSRN(t), "PT60M", users)+`]}`)
		expectProblem(t, r, http.StatusForbidden, "e2e-unregistered-sender")
	})

	dp := freshParty(t)
	w.call(t, operator, "POST", "/v1/admin/data-providers", dp.dataProviderJSON("Testnett AS", testGridArea)).expect(t, http.StatusCreated)
	w.withScope(t, dp.client, resources.IngestScope)
	ownArea := func(id ident.GSRN) string {
		return strings.Replace(masterDataJSON(id, "PT60M", users), `"50YNO1ELVIA0001K"`, `"`+testGridArea+`"`, 1)
	}
	own := freshGSRN(t)

	t.Run("only metering points in its grid areas", func(t *testing.T) {
		res := w.ingestAs(t, dp.client, "/v1/ingest/master-data", "items",
			ownArea(own),
			masterDataJSON(freshGSRN(t), "PT60M", users), // a new point in the demo area
			ownArea(inDemoArea))                          // moving the demo grid company's point into its own area
		if res[0]["outcome"] != "created" {
			t.Errorf("the point in its own area: %v", res[0])
		}
		forbidden(t, "a new point in another grid area", res[1])
		forbidden(t, "another grid company's point moved into its area", res[2])

		values := w.ingestAs(t, dp.client, "/v1/ingest/meter-values", "series",
			seriesJSON(own, "2026-11-20", "PT60M", 24, 0.1),
			seriesJSON(inDemoArea, "2026-11-20", "PT60M", 24, 0.1))
		if values[0]["outcome"] != "created" {
			t.Errorf("values in its own area: %v", values[0])
		}
		forbidden(t, "values of another grid company's point", values[1])

		// And the demo grid company cannot send for the new one's point.
		theirs := w.ingestAs(t, gridCompany, "/v1/ingest/meter-values", "series", seriesJSON(own, "2026-11-21", "PT60M", 24, 0.1))
		forbidden(t, "the demo grid company sending for another's point", theirs[0])
		if still := w.ingest(t, "/v1/ingest/master-data", "items", masterDataJSON(inDemoArea, "PT60M", users)); still[0]["outcome"] != "unchanged" {
			t.Errorf("the demo grid company's point was changed by another: %v", still[0])
		}
	})

	t.Run("a disabled data provider is refused, and enabled again sends", func(t *testing.T) {
		w.setParty(t, "/v1/admin/data-providers/", dp.gln, true)
		r := w.call(t, dp.client, "POST", "/v1/ingest/meter-values", `{"series":[`+seriesJSON(own, "2026-11-22", "PT60M", 24, 0.1)+`]}`)
		expectProblem(t, r, http.StatusForbidden, "disabled")
		w.setParty(t, "/v1/admin/data-providers/", dp.gln, false)
		if res := w.ingestAs(t, dp.client, "/v1/ingest/meter-values", "series", seriesJSON(own, "2026-11-22", "PT60M", 24, 0.1)); res[0]["outcome"] != "created" {
			t.Fatalf("after enabling: %v", res[0])
		}
	})
}
