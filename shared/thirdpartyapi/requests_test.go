package thirdpartyapi_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
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
// registered: the third parties straumkompis, with a redirect URI, and
// ladeklar, without, and the metering points they ask for.
func onFakes(t *testing.T) *thirdpartyapi.RequestsHandler {
	t.Helper()
	ctx := context.Background()
	s := inmem.Open()
	for i, client := range []string{"straumkompis", "ladeklar"} {
		gln, err := ident.GLNWithCheckDigit("70900000000" + string(rune('1'+i)))
		if err != nil {
			t.Fatal(err)
		}
		tp := registry.ThirdParty{GLN: gln, Name: client, ClientIDs: []string{client}}
		if client == "straumkompis" {
			tp.RedirectURIs = []string{"https://straumkompis.example/tredjepart/return"}
		}
		if err := s.Parties.RegisterThirdParty(ctx, tp); err != nil {
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
		ThirdParties:  s.Parties,
		ConsentOrigin: "https://consent.tredjepart.example",
		Logger:        logger,
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

func TestARequestLinksToItsConsentPageAndRedirectFlow(t *testing.T) {
	onEach(t, requestLinksToItsConsentPageAndRedirectFlow)
}

func requestLinksToItsConsentPageAndRedirectFlow(t *testing.T, h *thirdpartyapi.RequestsHandler) {
	if h.ConsentOrigin == "" {
		t.Fatal("the handler has no consent origin")
	}
	for _, client := range []string{"straumkompis", "ladeklar"} {
		t.Run(client, func(t *testing.T) {
			tp, _, err := h.ThirdParties.ThirdPartyByClient(context.Background(), client)
			if err != nil {
				t.Fatal(err)
			}
			ev := loadEvent(t, "create-access-request.json")
			ev.RequestContext.Authorizer.JWT.Claims["client_id"] = client
			ev.Headers["idempotency-key"] = uuid.NewString()
			created := handleJSON(t, h, ev, http.StatusAccepted, http.StatusOK) // 200 when a test before asked for it
			get := loadEvent(t, "get-access-request.json")
			get.RequestContext.Authorizer.JWT.Claims["client_id"] = client
			get.PathParameters = map[string]string{"id": created.ID}
			list := loadEvent(t, "list-access-requests.json")
			list.RequestContext.Authorizer.JWT.Claims["client_id"] = client
			var listed struct{ Items []requestBody }
			if err := json.Unmarshal([]byte(handle(t, h, list, http.StatusOK)), &listed); err != nil {
				t.Fatal(err)
			}
			if len(listed.Items) == 0 {
				t.Fatal("the list is empty")
			}
			answers := map[string]requestBody{"created": created, "read": handleJSON(t, h, get, http.StatusOK)}
			for _, item := range listed.Items {
				answers["listed "+item.ID] = item
			}
			for name, r := range answers {
				if want := h.ConsentOrigin + "/consent/requests/" + r.ID; r.Links.Consent != want {
					t.Errorf("%s: links.consent %q, want %q", name, r.Links.Consent, want)
				}
				if len(tp.RedirectURIs) == 0 {
					if r.Links.Authorize != "" {
						t.Errorf("%s: links.authorize %q for a third party without a redirect URI", name, r.Links.Authorize)
					}
					continue
				}
				brsScope := map[string]string{"FULL": "Full", "LIMITED": "Limited"}[r.Scope]
				want := h.ConsentOrigin + "/authorize?" + url.Values{"client_id": {string(tp.GLN)}, "request_id": {r.ID},
					"scope": {brsScope}, "redirect_uri": {tp.RedirectURIs[0]}}.Encode()
				if r.Links.Authorize != want {
					t.Errorf("%s: links.authorize %q, want %q", name, r.Links.Authorize, want)
				}
			}
		})
	}
}

// requestBody is an access request as the API answers it.
type requestBody struct {
	ID, Status, Scope string
	Links             struct{ Self, Consent, Authorize string }
}

// handle sends ev and wants one of the statuses.
func handle(t *testing.T, h *thirdpartyapi.RequestsHandler, ev events.APIGatewayV2HTTPRequest, statuses ...int) string {
	t.Helper()
	res, err := h.Handle(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(statuses, res.StatusCode) {
		t.Fatalf("%s: status %d, want one of %v: %s", ev.RouteKey, res.StatusCode, statuses, res.Body)
	}
	return res.Body
}

func handleJSON(t *testing.T, h *thirdpartyapi.RequestsHandler, ev events.APIGatewayV2HTTPRequest, statuses ...int) requestBody {
	t.Helper()
	var r requestBody
	if err := json.Unmarshal([]byte(handle(t, h, ev, statuses...)), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestAskingAgainWhileARequestIsPending(t *testing.T) {
	onEach(t, askingAgainWhileARequestIsPending)
}

// Asking again for a metering point with a request pending: the same scope
// is answered 200 with the pending request; another scope is a 409 that
// names the pending request, which stays as it was.
func askingAgainWhileARequestIsPending(t *testing.T, h *thirdpartyapi.RequestsHandler) {
	ask := func(scope string, statuses ...int) string {
		t.Helper()
		ev := loadEvent(t, "create-access-request.json")
		ev.Headers["idempotency-key"] = uuid.NewString()
		ev.Body = `{"meteringPointId":"707057500000001022","scope":"` + scope + `"}`
		return handle(t, h, ev, statuses...)
	}
	var pending requestBody
	if err := json.Unmarshal([]byte(ask("FULL", http.StatusAccepted, http.StatusOK)), &pending); err != nil || pending.Status != "PENDING" {
		t.Fatalf("the first request: %+v, %v", pending, err)
	}
	var again requestBody
	if err := json.Unmarshal([]byte(ask("FULL", http.StatusOK)), &again); err != nil || again.ID != pending.ID {
		t.Fatalf("the same scope again: %+v, %v; want the pending request %s", again, err, pending.ID)
	}
	var p struct {
		Type, Code, Detail string
		Status             int
		Links              map[string]string
	}
	if err := json.Unmarshal([]byte(ask("LIMITED", http.StatusConflict)), &p); err != nil {
		t.Fatal(err)
	}
	if p.Type != "urn:tredjepart:problem:pending-request-other-scope" || p.Code != "pending-request-other-scope" || p.Status != http.StatusConflict ||
		!strings.Contains(p.Detail, pending.ID) || !strings.Contains(p.Detail, "FULL") || p.Links["pendingRequest"] != "/v1/access-requests/"+pending.ID {
		t.Errorf("another scope: %+v", p)
	}
	get := loadEvent(t, "get-access-request.json")
	get.PathParameters = map[string]string{"id": pending.ID}
	if still := handleJSON(t, h, get, http.StatusOK); still.Status != "PENDING" || still.Scope != "FULL" {
		t.Errorf("the pending request after the refusal: %+v", still)
	}
}
