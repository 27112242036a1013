//go:build integration

package e2e_test

// Body limits through the gateway: each route refuses a body over its limit
// with a 413 problem document (a 413 page for a form), and a body whose
// Lambda event would be over 6 MiB gets API Gateway's own 413.

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/tredjepart/tredjepart/shared/resources"
)

func TestBodyLimitsThroughTheGateway(t *testing.T) {
	w := newMeteringWorld(t)
	// A JSON object of size bytes.
	object := func(field string, size int) string {
		return `{"` + field + `":"` + strings.Repeat("x", size-len(field)-7) + `"}`
	}

	t.Run("a third party's request over 64 KiB", func(t *testing.T) {
		r := w.call(t, straumkompis, "POST", "/v1/access-requests", object("meteringPointId", resources.DefaultMaxBody+1), "Idempotency-Key", "limits-1")
		expectProblem(t, r, http.StatusRequestEntityTooLarge, "at most 65536 bytes")
		if r.str("type") != "urn:tredjepart:problem:payload-too-large" {
			t.Errorf("type %q", r.str("type"))
		}
	})
	t.Run("a webhook at 64 KiB is read, and refused for its URL", func(t *testing.T) {
		r := w.call(t, straumkompis, "PUT", "/v1/webhook", object("url", resources.DefaultMaxBody))
		expectProblem(t, r, http.StatusBadRequest, "url")
	})
	t.Run("an ingest call over 4 MiB", func(t *testing.T) {
		expectProblem(t, w.call(t, gridCompany, "POST", "/v1/ingest/meter-values", object("meterValues", resources.IngestMaxBody+1)),
			http.StatusRequestEntityTooLarge, "at most 4194304 bytes")
	})
	t.Run("an ingest call whose event is over Lambda's 6 MiB", func(t *testing.T) {
		r := w.call(t, gridCompany, "POST", "/v1/ingest/meter-values", object("meterValues", 7<<20))
		r.expect(t, http.StatusRequestEntityTooLarge)
		if r.header.Get("Content-Type") != "application/json" || r.str("message") != "Request Too Long" {
			t.Errorf("%s %s", r.header.Get("Content-Type"), r.rawBody)
		}
	})
	t.Run("a form over 64 KiB is a 413 page", func(t *testing.T) {
		res, err := http.Post(w.api+"/consent/decisions", "application/x-www-form-urlencoded",
			strings.NewReader("decision="+strings.Repeat("x", resources.DefaultMaxBody)))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		page, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusRequestEntityTooLarge || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
			t.Errorf("%d %s: %.300s", res.StatusCode, res.Header.Get("Content-Type"), page)
		}
	})
	t.Run("a form of 5 MiB, over 6 MiB in base64, is API Gateway's 413", func(t *testing.T) {
		res, err := http.Post(w.api+"/consent/decisions", "application/x-www-form-urlencoded",
			strings.NewReader("decision="+strings.Repeat("x", 5<<20)))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusRequestEntityTooLarge || string(body) != `{"message":"Request Too Long"}` {
			t.Errorf("%d %s", res.StatusCode, body)
		}
	})
}

// A repeated name and a webhook on a port other than 443 are refused with a
// 400 naming the field.
func TestStrictWebhookBodiesThroughTheGateway(t *testing.T) {
	w := newMeteringWorld(t)
	for body, reason := range map[string]string{
		`{"url":"https://hooks.example.com/a","url":"https://hooks.example.com/b"}`: "appears more than once",
		`{"url":"https://93.184.216.34:22/hook"}`:                                   "An https URL must use port 443, not 22.",
	} {
		r := w.call(t, straumkompis, "PUT", "/v1/webhook", body)
		expectProblem(t, r, http.StatusBadRequest, "url")
		if !strings.Contains(r.rawBody, `"field":"url"`) || !strings.Contains(r.rawBody, reason) {
			t.Errorf("%s: %s", body, r.rawBody)
		}
	}
}
