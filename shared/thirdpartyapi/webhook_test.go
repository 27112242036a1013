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
	"strings"
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
		t.Fatalf("read: %d %v; the secret is shown once only", status, body)
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
