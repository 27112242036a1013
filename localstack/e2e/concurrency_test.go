//go:build integration

package e2e_test

// Lost races through the gateway: the same write sent many times at once
// answers success or 409 Conflict, never a 5xx, and what is stored after is
// whole.

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tredjepart/tredjepart/shared/oslo"
	"github.com/tredjepart/tredjepart/shared/registry"
)

const racers = 12

// atOnce sends racers requests at the same moment, the body of the i-th
// made by body, and returns the replies (each checked against the OpenAPI
// document).
func (w *world) atOnce(t *testing.T, clientID, method, path string, body func(i int) string) []reply {
	t.Helper()
	token := w.token(t, clientID)
	replies := make([]reply, racers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range racers {
		wg.Go(func() {
			b := body(i)
			req, _ := http.NewRequest(method, w.api+path, strings.NewReader(b))
			req.Header.Set("Authorization", "Bearer "+token)
			if b != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			<-start
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Errorf("%s %s: %v", method, path, err)
				return
			}
			defer res.Body.Close()
			raw, _ := io.ReadAll(res.Body)
			replies[i] = judge(t, req, res, raw)
		})
	}
	close(start)
	wg.Wait()
	return replies
}

// onlyStatuses fails for a reply with a status not allowed, and counts them.
func onlyStatuses(t *testing.T, what string, replies []reply, allowed ...int) map[int]int {
	t.Helper()
	counts := map[int]int{}
	for _, r := range replies {
		counts[r.status]++
		ok := false
		for _, s := range allowed {
			ok = ok || r.status == s
		}
		if !ok {
			t.Errorf("%s answered %d, want one of %v: %s", what, r.status, allowed, r.rawBody)
		}
		if r.status == http.StatusConflict && (r.header.Get("Content-Type") != "application/problem+json" || r.str("detail") == "") {
			t.Errorf("%s: a conflict without a problem document: %s", what, r.rawBody)
		}
	}
	return counts
}

func noBody(int) string { return "" }

func TestConcurrentWebhookWritesAreSuccessesOrConflicts(t *testing.T) {
	w := newMeteringWorld(t)
	tp := w.registerThirdParty(t)

	same := w.atOnce(t, tp.client, "PUT", "/v1/webhook", func(int) string { return `{"url":"http://127.0.0.1:9/same"}` })
	if counts := onlyStatuses(t, "PUT /v1/webhook (same URL)", same, http.StatusOK); counts[http.StatusOK] != racers {
		t.Errorf("the same registration at once: %v", counts)
	}
	shown := 0
	for _, r := range same {
		if r.str("secret") != "" {
			shown++
		}
	}
	if shown != 1 {
		t.Errorf("%d replies showed a secret, want one", shown)
	}

	different := w.atOnce(t, tp.client, "PUT", "/v1/webhook", func(i int) string { return fmt.Sprintf(`{"url":"http://127.0.0.1:9/hook-%d"}`, i) })
	onlyStatuses(t, "PUT /v1/webhook (different URLs)", different, http.StatusOK, http.StatusConflict)

	rotations := w.atOnce(t, tp.client, "POST", "/v1/webhook/rotate", noBody)
	if counts := onlyStatuses(t, "POST /v1/webhook/rotate", rotations, http.StatusOK, http.StatusConflict); counts[http.StatusOK] == 0 {
		t.Errorf("no rotation succeeded: %v", counts)
	}
	after := w.call(t, tp.client, "GET", "/v1/webhook", "").expect(t, http.StatusOK)
	unending := 0
	secrets, _ := after.body["secrets"].([]any)
	for _, s := range secrets {
		if s.(map[string]any)["expiresAt"] == nil {
			unending++
		}
	}
	if unending != 1 {
		t.Errorf("after concurrent rotations %d secrets sign without an end, want one: %s", unending, after.rawBody)
	}

	mixed := w.atOnce(t, tp.client, "PUT", "/v1/webhook", func(i int) string { return fmt.Sprintf(`{"url":"http://127.0.0.1:9/mixed-%d"}`, i) })
	removals := w.atOnce(t, tp.client, "DELETE", "/v1/webhook", noBody)
	onlyStatuses(t, "PUT /v1/webhook", mixed, http.StatusOK, http.StatusConflict)
	onlyStatuses(t, "DELETE /v1/webhook", removals, http.StatusNoContent, http.StatusConflict)
	w.call(t, tp.client, "GET", "/v1/webhook", "").expect(t, http.StatusNotFound)
}

func TestConcurrentAccessRequestsAreSuccessesOrConflicts(t *testing.T) {
	w := newMeteringWorld(t)
	mp := freshGSRN(t)
	w.register(t, mp, "PT60M", endUser{id: person(t), name: "Samtidig", moveIn: "2021-08-01"})
	body := fmt.Sprintf(`{"meteringPointId":%q,"scope":"FULL"}`, mp)

	created := w.atOnce(t, straumkompis, "POST", "/v1/access-requests", func(int) string { return body })
	onlyStatuses(t, "POST /v1/access-requests", created, http.StatusAccepted, http.StatusOK, http.StatusConflict)
	ids := map[string]bool{}
	for _, r := range created {
		if r.status < 300 {
			ids[r.str("id")] = true
		}
	}
	if len(ids) != 1 {
		t.Fatalf("concurrent creates for one metering point answered %d requests, want one", len(ids))
	}
	for id := range ids {
		withdrawn := w.atOnce(t, straumkompis, "DELETE", "/v1/access-requests/"+id, noBody)
		onlyStatuses(t, "DELETE /v1/access-requests/{id}", withdrawn, http.StatusOK, http.StatusConflict)
		if got := w.call(t, straumkompis, "GET", "/v1/access-requests/"+id, "").expect(t, http.StatusOK); got.str("status") != "WITHDRAWN" {
			t.Errorf("after concurrent withdrawals: %s", got.rawBody)
		}
	}
}

func TestConcurrentIngestOfOneMeteringPointIsStoredOrConflicts(t *testing.T) {
	w := newMeteringWorld(t)
	mp := freshGSRN(t)
	who := endUser{id: person(t), name: "Samtidig", moveIn: "2021-08-01"}
	w.register(t, mp, "PT60M", who)
	day := time.Now().AddDate(0, 0, -2).In(oslo.Oslo).Format(registry.DateLayout)
	for _, c := range []struct{ path, field string }{
		{"/v1/ingest/master-data", "items"},
		{"/v1/ingest/meter-values", "series"},
	} {
		replies := w.atOnce(t, gridCompany, "POST", c.path, func(i int) string {
			item := seriesJSON(mp, day, "PT60M", 24, float64(i))
			if c.field == "items" {
				item = strings.Replace(masterDataJSON(mp, "PT60M", who), `"M-1"`, fmt.Sprintf(`"M-%d"`, i), 1)
			}
			return fmt.Sprintf(`{%q:[%s]}`, c.field, item)
		})
		onlyStatuses(t, "POST "+c.path, replies, http.StatusOK)
		for _, r := range replies {
			results, _ := r.body["results"].([]any)
			if len(results) != 1 {
				t.Errorf("%s: %s", c.path, r.rawBody)
				continue
			}
			res := results[0].(map[string]any)
			if p, ok := res["problem"].(map[string]any); ok && p["status"] != float64(http.StatusConflict) {
				t.Errorf("%s: an item answered %v, want stored or a conflict", c.path, p)
			}
		}
	}
}
