package thirdpartyapi_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/uuid"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/inmem"
	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/thirdpartyapi"
)

// backend makes the handler a test calls.
type backend struct {
	name    string
	handler func(t *testing.T) *thirdpartyapi.RequestsHandler
}

// backends are the handler on the fakes, and under -tags integration the
// handler wired as the Lambda is, on moto with the demo data (moto_test.go).
var backends = []backend{{"inmem", onFakes}}

// onEach runs test on each backend's handler.
func onEach(t *testing.T, test func(t *testing.T, h *thirdpartyapi.RequestsHandler)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { test(t, b.handler(t)) })
	}
}

// onFakes is the handler on the fakes, with what the sample events name
// registered: the third parties straumkompis and ladeklar, and the
// metering points they ask for.
func onFakes(t *testing.T) *thirdpartyapi.RequestsHandler {
	t.Helper()
	ctx := context.Background()
	s := inmem.Open()
	for i, client := range []string{"straumkompis", "ladeklar"} {
		gln, err := ident.GLNWithCheckDigit("70900000000" + string(rune('1'+i)))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Parties.RegisterThirdParty(ctx, registry.ThirdParty{GLN: gln, Name: client, ClientIDs: []string{client}}); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []ident.GSRN{"707057500000001015", "707057500000001022"} {
		mp := registry.MeteringPoint{ID: id, AccountingPoint: true,
			Occupancies: []registry.Occupancy{{EndUser: "p1_kari", MoveIn: registry.Date(2021, 8, 1)}}}
		if _, err := s.MeteringPoints.PutMeteringPoint(ctx, mp); err != nil {
			t.Fatal(err)
		}
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	return &thirdpartyapi.RequestsHandler{
		Requests: &accessrequest.Service{MeteringPoints: s.MeteringPoints, Store: s.Requests, Grants: s.Grants, Expiry: noTimers{}, Clock: clock.System{},
			NewID: uuid.NewString, ExpiresAt: accessrequest.ExpiresAt, Logger: logger},
		ThirdParties: s.Parties,
		Logger:       logger,
	}
}

// noTimers stands in for the expiry timers, which these tests do not reach.
type noTimers struct{}

func (noTimers) Schedule(context.Context, accessrequest.Request) error { return nil }
func (noTimers) Cancel(context.Context, accessrequest.Request) error   { return nil }

func loadEvent(t *testing.T, name string) events.APIGatewayV2HTTPRequest {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("../../events/intake", name))
	if err != nil {
		t.Fatal(err)
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

// Every sample event in events/intake is sent through the handler.
func TestSampleEvents(t *testing.T) { onEach(t, sampleEvents) }

func sampleEvents(t *testing.T, h *thirdpartyapi.RequestsHandler) {
	want := map[string]int{
		"create-access-request.json":                 http.StatusAccepted,
		"create-access-request-base64.json":          http.StatusAccepted,
		"create-access-request-bad-check-digit.json": http.StatusBadRequest,
		"list-access-requests.json":                  http.StatusOK,
		"get-access-request.json":                    http.StatusNotFound,
		"withdraw-access-request.json":               http.StatusNotFound,
	}
	files, _ := filepath.Glob("../../events/intake/*.json")
	if len(files) != len(want) {
		t.Fatalf("%d sample events, %d expectations: give every sample an expectation", len(files), len(want))
	}
	for name, status := range want {
		t.Run(name, func(t *testing.T) {
			res, err := h.Handle(context.Background(), loadEvent(t, name))
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, status, res.Body)
			}
			wantType := "application/json"
			if status >= 400 {
				wantType = "application/problem+json"
			}
			if res.Headers["Content-Type"] != wantType {
				t.Errorf("Content-Type %q", res.Headers["Content-Type"])
			}
			if !json.Valid([]byte(res.Body)) {
				t.Errorf("body is not JSON: %s", res.Body)
			}
		})
	}
}

func TestSampleCreateIsIdempotent(t *testing.T) { onEach(t, sampleCreateIsIdempotent) }

func sampleCreateIsIdempotent(t *testing.T, h *thirdpartyapi.RequestsHandler) {
	ev := loadEvent(t, "create-access-request.json")
	var ids []string
	for i := range 2 {
		res, _ := h.Handle(context.Background(), ev)
		if res.StatusCode != http.StatusAccepted {
			t.Fatalf("status %d: %s", res.StatusCode, res.Body)
		}
		// The retry is marked as the replay of the first answer (which on
		// a shared stack may itself replay an earlier test's).
		if replayed := res.Headers["Idempotent-Replayed"]; i == 1 && replayed != "true" {
			t.Errorf("the retry: Idempotent-Replayed %q, want true", replayed)
		}
		var body struct{ ID, Status, Scope, ExpiresAt string }
		_ = json.Unmarshal([]byte(res.Body), &body)
		if body.Status != "PENDING" || body.Scope != "FULL" || body.ExpiresAt[len(body.ExpiresAt)-1] != 'Z' {
			t.Fatalf("body %s", res.Body)
		}
		if res.Headers["Location"] != "/v1/access-requests/"+body.ID {
			t.Errorf("Location %q", res.Headers["Location"])
		}
		ids = append(ids, body.ID)
	}
	if ids[0] != ids[1] {
		t.Fatalf("a retry with the same Idempotency-Key created %s and %s", ids[0], ids[1])
	}
}

func TestCallerMustBeARegisteredClient(t *testing.T) { onEach(t, callerMustBeARegisteredClient) }

func callerMustBeARegisteredClient(t *testing.T, h *thirdpartyapi.RequestsHandler) {
	cases := map[string]struct {
		claims map[string]string
		status int
	}{
		"no client_id claim":    {map[string]string{"sub": "x"}, http.StatusUnauthorized},
		"unregistered client":   {map[string]string{"client_id": "stranger"}, http.StatusForbidden},
		"registered, other TP":  {map[string]string{"client_id": "ladeklar"}, http.StatusOK},
		"registered, sample TP": {map[string]string{"client_id": "straumkompis"}, http.StatusOK},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			ev := loadEvent(t, "list-access-requests.json")
			ev.RequestContext.Authorizer.JWT.Claims = c.claims
			res, _ := h.Handle(context.Background(), ev)
			if res.StatusCode != c.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, c.status, res.Body)
			}
		})
	}
}

// A key's first use is no replay; used again with another body it is a
// problem of its own type and code, carrying the gateway's request id.
func TestIdempotencyKeyReusedWithAnotherBody(t *testing.T) {
	onEach(t, idempotencyKeyReusedWithAnotherBody)
}

func idempotencyKeyReusedWithAnotherBody(t *testing.T, h *thirdpartyapi.RequestsHandler) {
	ev := loadEvent(t, "create-access-request.json")
	ev.Headers["idempotency-key"] = uuid.NewString()
	if res, _ := h.Handle(context.Background(), ev); res.StatusCode != http.StatusAccepted && res.StatusCode != http.StatusOK || res.Headers["Idempotent-Replayed"] != "" {
		t.Fatalf("a key's first use: %d %v %s", res.StatusCode, res.Headers, res.Body)
	}
	ev.Body = `{"meteringPointId":"707057500000001022","scope":"LIMITED"}`
	ev.RequestContext.RequestID = "Kx7vQhFuAMEEJ2A="
	res, _ := h.Handle(context.Background(), ev)
	var doc struct{ Type, Code, RequestID string }
	_ = json.Unmarshal([]byte(res.Body), &doc)
	if res.StatusCode != http.StatusUnprocessableEntity || doc.Type != "urn:tredjepart:problem:idempotency-key-reused" ||
		doc.Code != "idempotency-key-reused" || doc.RequestID != "Kx7vQhFuAMEEJ2A=" {
		t.Fatalf("%d %s", res.StatusCode, res.Body)
	}
}

// A rejected request says whether the end user declined it or it expired
// (both EH088, as Elhub has it).
func TestARejectedRequestSaysWhy(t *testing.T) { onEach(t, aRejectedRequestSaysWhy) }

func aRejectedRequestSaysWhy(t *testing.T, h *thirdpartyapi.RequestsHandler) {
	ctx := context.Background()
	ev := loadEvent(t, "create-access-request.json")
	ev.Headers["idempotency-key"] = uuid.NewString()
	res, _ := h.Handle(ctx, ev)
	var created struct{ ID string }
	if err := json.Unmarshal([]byte(res.Body), &created); err != nil || created.ID == "" {
		t.Fatalf("%d %s", res.StatusCode, res.Body)
	}
	r, err := h.Requests.Store.Get(ctx, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	declined, _ := r.Reject(accessrequest.ReasonNotApproved, r.ExpiresAt.Add(-time.Hour))
	if err := h.Requests.Store.Transition(ctx, r, declined); err != nil {
		t.Fatal(err)
	}
	get := loadEvent(t, "get-access-request.json")
	get.PathParameters["id"] = created.ID
	res, _ = h.Handle(ctx, get)
	var got struct{ Status, ReasonCode, RejectionReason string }
	_ = json.Unmarshal([]byte(res.Body), &got)
	if got.Status != "REJECTED" || got.ReasonCode != "EH088" || got.RejectionReason != "DECLINED" {
		t.Fatalf("%d %s", res.StatusCode, res.Body)
	}
}
