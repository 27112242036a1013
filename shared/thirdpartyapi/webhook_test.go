package thirdpartyapi_test

// The webhook routes on the fakes: register, read, rotate, remove.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tredjepart/tredjepart/shared/apigw"
	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/stdwebhook"
	"github.com/tredjepart/tredjepart/shared/thirdpartyapi"
	"github.com/tredjepart/tredjepart/shared/webhook"
)

// contextSealer stands in for KMS: it seals a key to its encryption
// context, and opens it only in the same one.
type contextSealer struct{}

func (contextSealer) Seal(_ context.Context, plaintext []byte, ec map[string]string) ([]byte, error) {
	return append([]byte(ec["thirdParty"]+":"), plaintext...), nil
}

func (contextSealer) Open(_ context.Context, sealed []byte, ec map[string]string) ([]byte, error) {
	key, ok := bytes.CutPrefix(sealed, []byte(ec["thirdParty"]+":"))
	if !ok {
		return nil, errors.New("sealed in another context")
	}
	return key, nil
}

// call sends a webhook route as reader.
func (q queries) call(t *testing.T, routeKey, body string) (int, map[string]any) {
	t.Helper()
	method, _, _ := strings.Cut(routeKey, " ")
	ev := apigw.Request{RouteKey: routeKey, Body: body, Headers: map[string]string{"content-type": "application/json"}}
	ev.RequestContext.HTTP.Method = method
	ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
		JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: map[string]string{"client_id": "reader"}}}
	res, err := q.h.Handle(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if res.Body != "" {
		if err := json.Unmarshal([]byte(res.Body), &out); err != nil {
			t.Fatalf("%s: %d %s", routeKey, res.StatusCode, res.Body)
		}
	}
	return res.StatusCode, out
}

func TestAWebhookIsRegisteredReadRotatedAndRemoved(t *testing.T) {
	q := onFakesQueries(t)
	policy := stdwebhook.Policy{AllowLoopback: true, AllowHTTP: true}
	q.h.Webhooks = &webhook.Service{Store: q.webhooks, Documents: q.outbox, Secrets: contextSealer{}, Policy: policy, Client: policy.Client(time.Second),
		Clock: clock.System{}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if status, body := q.call(t, thirdpartyapi.RouteWebhookGet, ""); status != http.StatusNotFound {
		t.Fatalf("before registering: %d %v", status, body)
	}
	status, body := q.call(t, thirdpartyapi.RouteWebhookPut, `{"url":"http://127.0.0.1:9/hook"}`)
	secret, _ := body["secret"].(string)
	if status != http.StatusOK || secret == "" || body["url"] != "http://127.0.0.1:9/hook" || body["enabled"] != true {
		t.Fatalf("registered: %d %v", status, body)
	}
	if status, body := q.call(t, thirdpartyapi.RouteWebhookGet, ""); status != http.StatusOK || body["secret"] != nil || len(body["secrets"].([]any)) != 1 {
		t.Fatalf("read: %d %v; the settings show no secret's text", status, body)
	}
	status, body = q.call(t, thirdpartyapi.RouteWebhookRotate, "")
	if rotated, _ := body["secret"].(string); status != http.StatusOK || rotated == "" || rotated == secret || len(body["secrets"].([]any)) != 2 {
		t.Fatalf("rotated: %d %v", status, body)
	}
	if status, body := q.call(t, thirdpartyapi.RouteWebhookPut, `{"address":"http://127.0.0.1:9/hook"}`); status != http.StatusBadRequest {
		t.Fatalf("a body without url: %d %v", status, body)
	}
	if status, _ := q.call(t, thirdpartyapi.RouteWebhookDelete, ""); status != http.StatusNoContent {
		t.Fatalf("removed: %d", status)
	}
	if status, _ := q.call(t, thirdpartyapi.RouteWebhookGet, ""); status != http.StatusNotFound {
		t.Fatalf("after removal: %d", status)
	}
	if status, body := q.call(t, thirdpartyapi.RouteWebhookAttempts, ""); status != http.StatusOK || len(body["items"].([]any)) != 0 {
		t.Fatalf("attempts: %d %v", status, body)
	}
}

// A failed attempt that will be retried says when; one that will not, does
// not.
func TestWebhookAttemptsSayWhenTheNextIsDue(t *testing.T) {
	q := onFakesQueries(t)
	q.h.Webhooks = &webhook.Service{Store: q.webhooks, Clock: clock.System{}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	at := time.Date(2027, 3, 29, 7, 0, 3, 0, time.UTC)
	for _, a := range []webhook.Attempt{
		{ThirdParty: reader, DocumentID: "doc", Number: 1, At: at, Outcome: stdwebhook.Retry, Status: 503, NextAttemptAt: at.Add(time.Minute)},
		{ThirdParty: reader, DocumentID: "doc", Number: 11, At: at.Add(time.Hour), Outcome: stdwebhook.Retry, Status: 503, GaveUp: true},
	} {
		if err := q.webhooks.LogAttempt(context.Background(), a); err != nil {
			t.Fatal(err)
		}
	}
	status, body := q.call(t, thirdpartyapi.RouteWebhookAttempts, "")
	items, _ := body["items"].([]any)
	if status != http.StatusOK || len(items) != 2 {
		t.Fatalf("%d %v", status, body)
	}
	if last, first := items[0].(map[string]any), items[1].(map[string]any); last["nextAttemptAt"] != nil || first["nextAttemptAt"] != "2027-03-29T07:01:03Z" {
		t.Fatalf("attempts %v", items)
	}
}

// PUT /v1/webhook takes the events to push (all when left out); an unknown
// one is a 400 naming the known ones.
func TestAWebhookIsRegisteredForSomeEvents(t *testing.T) {
	q := onFakesQueries(t)
	policy := stdwebhook.Policy{AllowLoopback: true, AllowHTTP: true}
	q.h.Webhooks = &webhook.Service{Store: q.webhooks, Documents: q.outbox, Secrets: contextSealer{}, Policy: policy, Client: policy.Client(time.Second),
		Clock: clock.System{}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	status, body := q.call(t, thirdpartyapi.RouteWebhookPut, `{"url":"http://127.0.0.1:9/hook","events":["notification","master-data-change"]}`)
	if status != http.StatusOK || fmt.Sprint(body["events"]) != "[notification master-data-change]" {
		t.Fatalf("registered for two events: %d %v", status, body)
	}
	if status, body := q.call(t, thirdpartyapi.RouteWebhookGet, ""); status != http.StatusOK || fmt.Sprint(body["events"]) != "[notification master-data-change]" {
		t.Fatalf("read: %d %v", status, body)
	}
	status, body = q.call(t, thirdpartyapi.RouteWebhookPut, `{"url":"http://127.0.0.1:9/hook","events":["notification","grant.created"]}`)
	errs, _ := body["errors"].([]any)
	if status != http.StatusBadRequest || len(errs) != 1 || errs[0].(map[string]any)["field"] != "events[1]" ||
		!strings.Contains(errs[0].(map[string]any)["reason"].(string), "meter-values, meter-values-correction, master-data-change, notification") {
		t.Fatalf("an unknown event: %d %v", status, body)
	}
	for _, events := range []string{`[]`, `null`} {
		if status, body := q.call(t, thirdpartyapi.RouteWebhookPut, `{"url":"http://127.0.0.1:9/hook","events":`+events+`}`); status != http.StatusBadRequest {
			t.Fatalf("events %s: %d %v", events, status, body)
		}
	}
	if status, body := q.call(t, thirdpartyapi.RouteWebhookPut, `{"url":"http://127.0.0.1:9/hook"}`); status != http.StatusOK || body["events"] != nil {
		t.Fatalf("registered again without events, for all: %d %v", status, body)
	}
}

// withReceiver gives the handler a webhook service on the fakes, and
// registers reader's webhook at a receiver that counts what it gets.
func (q queries) withReceiver(t *testing.T) (secret string, pushes *atomic.Int32) {
	t.Helper()
	pushes = &atomic.Int32{}
	receiver := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { pushes.Add(1) }))
	t.Cleanup(receiver.Close)
	policy := stdwebhook.Policy{AllowLoopback: true, AllowHTTP: true}
	q.h.Webhooks = &webhook.Service{Store: q.webhooks, Documents: q.outbox, Grants: q.h.Metering.Grants, Secrets: contextSealer{}, Policy: policy,
		Client: policy.Client(time.Second), Clock: clock.System{}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if status, body := q.call(t, thirdpartyapi.RouteWebhookSecret, ""); status != http.StatusNotFound {
		t.Fatalf("secrets before registering: %d %v", status, body)
	}
	if status, body := q.call(t, thirdpartyapi.RouteWebhookTest, `{"type":"webhook.test"}`); status != http.StatusNotFound {
		t.Fatalf("a test before registering: %d %v", status, body)
	}
	status, body := q.call(t, thirdpartyapi.RouteWebhookPut, `{"url":"`+receiver.URL+`"}`)
	if secret, _ = body["secret"].(string); status != http.StatusOK || secret == "" {
		t.Fatalf("registered: %d %v", status, body)
	}
	return secret, pushes
}

func TestAThirdPartyReadsItsSigningSecretsAgain(t *testing.T) {
	q := onFakesQueries(t)
	first, _ := q.withReceiver(t)
	secrets := func() []any {
		t.Helper()
		status, body := q.call(t, thirdpartyapi.RouteWebhookSecret, "")
		list, _ := body["secrets"].([]any)
		if status != http.StatusOK || len(list) == 0 {
			t.Fatalf("secrets: %d %v", status, body)
		}
		return list
	}
	if got := secrets(); len(got) != 1 || got[0].(map[string]any)["secret"] != first || got[0].(map[string]any)["createdAt"] == nil {
		t.Fatalf("after registering: %v; want the secret registering showed", got)
	}
	_, rotated := q.call(t, thirdpartyapi.RouteWebhookRotate, "")
	got := secrets()
	if len(got) != 2 || got[0].(map[string]any)["secret"] != rotated["secret"] || got[1].(map[string]any)["secret"] != first {
		t.Fatalf("after a rotation: %v; want the new secret, then the old", got)
	}
	if _, ends := got[1].(map[string]any)["expiresAt"]; !ends {
		t.Errorf("the old secret has no expiresAt: %v", got[1])
	}
}

func TestATestPushIsSentAtOnceAndAnsweredWithItsAttempt(t *testing.T) {
	q := onFakesQueries(t)
	_, pushes := q.withReceiver(t)
	for i, eventType := range []string{"webhook.test", "meter-values"} {
		status, body := q.call(t, thirdpartyapi.RouteWebhookTest, `{"type":"`+eventType+`"}`)
		if status != http.StatusOK || body["outcome"] != "delivered" || body["status"] != float64(http.StatusOK) || body["attempt"] != float64(1) ||
			!strings.HasPrefix(body["documentId"].(string), eventType) {
			t.Fatalf("%s: %d %v", eventType, status, body)
		}
		if got := pushes.Load(); got != int32(i+1) {
			t.Fatalf("%s: the receiver got %d pushes, want %d", eventType, got, i+1)
		}
	}
	if feed, _ := q.outbox.Feed(context.Background(), reader, "", 10, time.Now().Add(time.Hour)); len(feed.Documents) != 0 {
		t.Errorf("a test went to the outbox: %+v", feed.Documents)
	}
	for body, field := range map[string]string{`{"type":"meter-values-correction"}`: "type", `{}`: "type", `{"kind":"webhook.test"}`: "kind"} {
		status, problem := q.call(t, thirdpartyapi.RouteWebhookTest, body)
		errs, _ := problem["errors"].([]any)
		if status != http.StatusBadRequest || len(errs) == 0 || !strings.Contains(fmt.Sprint(errs), field) {
			t.Errorf("%s: %d %v; want a 400 naming %s", body, status, problem, field)
		}
	}
	if got := pushes.Load(); got != 2 {
		t.Errorf("refused tests were pushed: %d pushes", got)
	}
}
