package thirdpartyapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tredjepart/tredjepart/localstack/harness/testenv"
	"github.com/tredjepart/tredjepart/shared/thirdpartyapi"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

func handler(t *testing.T) *thirdpartyapi.RequestsHandler {
	h, _ := testenv.Intake(t)
	return h
}

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
func TestSampleEvents(t *testing.T) {
	h := handler(t)
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

func TestSampleCreateIsIdempotent(t *testing.T) {
	h := handler(t)
	ev := loadEvent(t, "create-access-request.json")
	var ids []string
	for range 2 {
		res, _ := h.Handle(context.Background(), ev)
		if res.StatusCode != http.StatusAccepted {
			t.Fatalf("status %d: %s", res.StatusCode, res.Body)
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

func TestCallerMustBeARegisteredClient(t *testing.T) {
	h := handler(t)
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
