//go:build integration

package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/tredjepart/tredjepart/localstack/emulate/gateway"
	"github.com/tredjepart/tredjepart/localstack/harness/apicheck"
	"github.com/tredjepart/tredjepart/localstack/harness/demo"
	"github.com/tredjepart/tredjepart/localstack/harness/testenv"
	"github.com/tredjepart/tredjepart/localstack/identity/issuer"
	"github.com/tredjepart/tredjepart/shared/dynamo"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/resources"
	"github.com/tredjepart/tredjepart/shared/thirdpartyapi"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

const audience = "tredjepart"

type world struct {
	api      string       // gateway base URL
	gw       http.Handler // the gateway itself, for requests a client cannot send
	provider string       // host:port of the end users' OpenID provider, where there is one
	issuer   *issuer.Issuer
	handler  *thirdpartyapi.RequestsHandler
	demo     demo.Data
	tokens   map[string]string // by client id
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// newWorld starts an issuer and a gateway in front of an in-process intake,
// wired from the stack's function environment, with the demo data seeded.
func newWorld(t testing.TB) *world {
	t.Helper()
	h, data := testenv.Intake(t)
	w := serve(t, lambda.NewHandler(h.Handle))
	w.handler, w.demo = h, data
	return w
}

// serve starts an issuer and a gateway that sends intake routes to fn.
func serve(t testing.TB, fn gateway.Invoker) *world {
	t.Helper()
	return serveFunctions(t, httptest.NewUnstartedServer(nil), map[string]gateway.Invoker{resources.IntakeFunctionID: fn})
}

// serveFunctions starts an issuer, and the gateway on gw with functions behind it.
func serveFunctions(t testing.TB, gw *httptest.Server, functions map[string]gateway.Invoker) *world {
	t.Helper()
	issuerSrv := httptest.NewUnstartedServer(nil)
	iss, err := issuer.LoadOrCreate(filepath.Join(t.TempDir(), "key.pem"), "http://"+issuerSrv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	iss.DefaultAudience = audience // as the local stack's issuer: a token request need not name it
	issuerSrv.Config.Handler = iss.Handler()
	issuerSrv.Start()
	t.Cleanup(issuerSrv.Close)
	auth, err := gateway.NewAuthorizer(context.Background(), iss.URL(), audience)
	if err != nil {
		t.Fatal(err)
	}
	gw.Config.Handler = gateway.New(resources.Routes, functions, auth, quiet)
	gw.Start()
	t.Cleanup(gw.Close)
	return &world{api: gw.URL, gw: gw.Config.Handler, issuer: iss, tokens: map[string]string{}}
}

// token gets a token the way a third party does: client credentials at the
// issuer. Clients named in ingestClients get the ingest scope instead.
func (w *world) token(t testing.TB, clientID string) string {
	t.Helper()
	if _, ok := w.tokens[clientID]; !ok {
		scope := resources.ThirdPartyScope
		if ingestClients[clientID] {
			scope = resources.IngestScope
		}
		w.withScope(t, clientID, scope)
	}
	return w.tokens[clientID]
}

// withScope fetches a token for clientID with scope from the issuer and
// keeps it as the client's token, so that w.call sends it.
func (w *world) withScope(t testing.TB, clientID, scope string) {
	t.Helper()
	res, err := http.PostForm(w.issuer.URL()+"/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {clientID}, "scope": {scope}, "audience": {audience},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil || body.AccessToken == "" {
		t.Fatalf("token for %s with %s: %v (status %d)", clientID, scope, err, res.StatusCode)
	}
	w.tokens[clientID] = body.AccessToken
}

type reply struct {
	status  int
	header  http.Header
	body    map[string]any
	rawBody string
}

func (w *world) call(t testing.TB, clientID, method, path, body string, headers ...string) reply {
	t.Helper()
	req, _ := http.NewRequest(method, w.api+path, strings.NewReader(body))
	if clientID != "" {
		req.Header.Set("Authorization", "Bearer "+w.token(t, clientID))
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return judge(t, req, res, raw)
}

var (
	contractOnce sync.Once
	contract     *apicheck.Validator
	contractErr  error
)

// judge checks every answer against the OpenAPI document, so that the
// document stays true to the API.
func judge(t testing.TB, req *http.Request, res *http.Response, raw []byte) reply {
	t.Helper()
	contractOnce.Do(func() { contract, contractErr = apicheck.New() })
	if contractErr != nil {
		t.Fatal(contractErr)
	}
	if err := contract.Check(req, res, raw); err != nil {
		t.Errorf("%s %s answered %d, which the OpenAPI document does not allow:\n%v", req.Method, req.URL.RequestURI(), res.StatusCode, err)
	}
	r := reply{status: res.StatusCode, header: res.Header, rawBody: string(raw)}
	_ = json.Unmarshal(raw, &r.body)
	return r
}

func (r reply) expect(t testing.TB, status int) reply {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.rawBody)
	}
	return r
}

func (r reply) str(field string) string { s, _ := r.body[field].(string); return s }

const straumkompis, ladeklar = "straumkompis", "ladeklar"

// gridCompany is a grid company's client; its tokens carry the ingest scope.
const gridCompany = demo.GridCompanyClient

var ingestClients = map[string]bool{gridCompany: true}

func TestAccessRequestLifecycle(t *testing.T) {
	w := newWorld(t)
	mp := string(w.demo.Requestable)
	body := fmt.Sprintf(`{"meteringPointId":%q,"scope":"FULL","agreementReference":"AVT-1"}`, mp)

	created := w.call(t, straumkompis, "POST", "/v1/access-requests", body, "Idempotency-Key", "lifecycle-1").expect(t, http.StatusAccepted)
	id := created.str("id")
	if created.str("status") != "PENDING" || created.str("scope") != "FULL" || !strings.HasSuffix(created.str("expiresAt"), "Z") {
		t.Fatalf("created %s", created.rawBody)
	}
	if created.header.Get("Location") != "/v1/access-requests/"+id {
		t.Errorf("Location %q", created.header.Get("Location"))
	}

	t.Run("a retry with the same Idempotency-Key returns the same request", func(t *testing.T) {
		again := w.call(t, straumkompis, "POST", "/v1/access-requests", body, "Idempotency-Key", "lifecycle-1").expect(t, http.StatusAccepted)
		if again.str("id") != id {
			t.Fatalf("retry created %s, first was %s", again.str("id"), id)
		}
	})
	t.Run("the same key with another body is refused", func(t *testing.T) {
		other := strings.Replace(body, "FULL", "LIMITED", 1)
		r := w.call(t, straumkompis, "POST", "/v1/access-requests", other, "Idempotency-Key", "lifecycle-1").expect(t, http.StatusUnprocessableEntity)
		if r.header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("Content-Type %q", r.header.Get("Content-Type"))
		}
	})
	t.Run("a second request while one is pending returns the pending one", func(t *testing.T) {
		r := w.call(t, straumkompis, "POST", "/v1/access-requests", fmt.Sprintf(`{"meteringPointId":%q,"scope":"FULL"}`, mp)).expect(t, http.StatusOK)
		if r.str("id") != id || r.str("scope") != "FULL" {
			t.Fatalf("got %s", r.rawBody)
		}
	})
	t.Run("a second request with the other scope names the pending one", func(t *testing.T) {
		r := w.call(t, straumkompis, "POST", "/v1/access-requests", fmt.Sprintf(`{"meteringPointId":%q}`, mp)).expect(t, http.StatusConflict)
		if r.str("code") != "pending-request-other-scope" || !strings.Contains(r.str("detail"), id) || !strings.Contains(r.rawBody, `"pendingRequest":"/v1/access-requests/`+id+`"`) {
			t.Fatalf("got %s", r.rawBody)
		}
	})
	t.Run("read", func(t *testing.T) {
		r := w.call(t, straumkompis, "GET", "/v1/access-requests/"+id, "").expect(t, http.StatusOK)
		if r.str("meteringPointId") != mp || r.str("agreementReference") != "AVT-1" {
			t.Fatalf("got %s", r.rawBody)
		}
	})
	t.Run("list, filtered by status", func(t *testing.T) {
		r := w.call(t, straumkompis, "GET", "/v1/access-requests?status=PENDING", "").expect(t, http.StatusOK)
		if !strings.Contains(r.rawBody, id) {
			t.Fatalf("pending list lacks %s: %s", id, r.rawBody)
		}
		r = w.call(t, straumkompis, "GET", "/v1/access-requests?status=WITHDRAWN", "").expect(t, http.StatusOK)
		if strings.Contains(r.rawBody, id) {
			t.Fatalf("withdrawn list has the pending request")
		}
	})
	t.Run("another third party sees nothing of it", func(t *testing.T) {
		w.call(t, ladeklar, "GET", "/v1/access-requests/"+id, "").expect(t, http.StatusNotFound)
		w.call(t, ladeklar, "DELETE", "/v1/access-requests/"+id, "").expect(t, http.StatusNotFound)
		if r := w.call(t, ladeklar, "GET", "/v1/access-requests", "").expect(t, http.StatusOK); strings.Contains(r.rawBody, id) {
			t.Fatal("listed to another third party")
		}
		missing := w.call(t, ladeklar, "GET", "/v1/access-requests/3f2b8c1e-9d4a-4f6e-8b7a-2c1d0e9f8a7b", "").expect(t, http.StatusNotFound)
		if missing.str("detail") != strings.Replace(w.call(t, ladeklar, "GET", "/v1/access-requests/"+id, "").str("detail"), id, "3f2b8c1e-9d4a-4f6e-8b7a-2c1d0e9f8a7b", 1) {
			t.Error("a missing request and another's request are told apart")
		}
	})
	t.Run("withdraw, twice", func(t *testing.T) {
		for range 2 {
			r := w.call(t, straumkompis, "DELETE", "/v1/access-requests/"+id, "").expect(t, http.StatusOK)
			if r.str("status") != "WITHDRAWN" || r.str("decidedAt") == "" {
				t.Fatalf("got %s", r.rawBody)
			}
		}
	})
	t.Run("after withdrawal a new request can be made", func(t *testing.T) {
		r := w.call(t, straumkompis, "POST", "/v1/access-requests", fmt.Sprintf(`{"meteringPointId":%q}`, mp)).expect(t, http.StatusAccepted)
		if r.str("id") == id || r.str("scope") != "LIMITED" {
			t.Fatalf("got %s", r.rawBody)
		}
	})
}

func TestRejectionCodes(t *testing.T) {
	w := newWorld(t)
	cases := []struct {
		name   string
		mp     string
		status int
		code   string
	}{
		{"unknown metering point", string(w.demo.Unregistered), http.StatusUnprocessableEntity, "E10"},
		{"not an accounting point", string(w.demo.NotAccountingPoint), http.StatusUnprocessableEntity, "EH010"},
		{"no end user", string(w.demo.NoEndUser), http.StatusUnprocessableEntity, "EH016"},
		{"already has access", string(w.demo.AlreadyGranted), http.StatusConflict, "EH017"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := w.call(t, straumkompis, "POST", "/v1/access-requests", fmt.Sprintf(`{"meteringPointId":%q}`, c.mp)).expect(t, c.status)
			if r.str("code") != c.code || r.str("type") != "urn:tredjepart:problem:"+c.code || !strings.Contains(r.str("detail"), c.mp) {
				t.Fatalf("problem %s", r.rawBody)
			}
			if r.header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("Content-Type %q", r.header.Get("Content-Type"))
			}
		})
	}
	t.Run("another third party may still ask for the granted one", func(t *testing.T) {
		w.call(t, ladeklar, "POST", "/v1/access-requests", fmt.Sprintf(`{"meteringPointId":%q}`, w.demo.AlreadyGranted)).expect(t, http.StatusAccepted)
	})
}

func TestBadInputAndBadTokens(t *testing.T) {
	w := newWorld(t)
	r := w.call(t, straumkompis, "POST", "/v1/access-requests", `{"meteringPointId":"707057500000001016","scope":"ALL"}`).expect(t, http.StatusBadRequest)
	errs, _ := r.body["errors"].([]any)
	if len(errs) != 2 || !strings.Contains(r.rawBody, "check digit should be 5") {
		t.Fatalf("problem %s", r.rawBody)
	}
	w.call(t, straumkompis, "GET", "/v1/access-requests?limit=0", "").expect(t, http.StatusBadRequest)
	w.call(t, straumkompis, "GET", "/v1/access-requests?cursor=forged", "").expect(t, http.StatusBadRequest)
	w.call(t, straumkompis, "GET", "/v1/access-requests/not-a-uuid", "").expect(t, http.StatusBadRequest)
	w.call(t, "", "GET", "/v1/access-requests", "").expect(t, http.StatusUnauthorized)
	forged := w.call(t, straumkompis, "GET", "/v1/access-requests", "", "Authorization", "Bearer "+w.token(t, straumkompis)+"x")
	forged.expect(t, http.StatusUnauthorized)
	unregistered := w.call(t, "some-unregistered-client", "GET", "/v1/access-requests", "").expect(t, http.StatusForbidden)
	if unregistered.header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("Content-Type %q", unregistered.header.Get("Content-Type"))
	}
}

func TestListPagesThroughTheGateway(t *testing.T) {
	w := newWorld(t)
	for _, mp := range []string{string(w.demo.Requestable), string(w.demo.SecondRequestable)} {
		w.call(t, ladeklar, "POST", "/v1/access-requests", fmt.Sprintf(`{"meteringPointId":%q}`, mp))
	}
	seen := map[string]bool{}
	path := "/v1/access-requests?limit=1"
	for range 10 {
		r := w.call(t, ladeklar, "GET", path, "").expect(t, http.StatusOK)
		for _, item := range r.body["items"].([]any) {
			seen[item.(map[string]any)["id"].(string)] = true
		}
		next := r.str("nextCursor")
		if next == "" {
			break
		}
		path = "/v1/access-requests?limit=1&cursor=" + url.QueryEscape(next)
	}
	if len(seen) < 2 {
		t.Fatalf("paged through %d requests, want at least 2", len(seen))
	}
}

// The expiry timer of a request whose expiresAt is set a few seconds ahead
// (a test seam on the service, not a setting) rejects it with EH088 and
// notifies the third party.
func TestUnansweredRequestExpires(t *testing.T) {
	w := newWorld(t)
	w.handler.Requests.ExpiresAt = func(received time.Time) time.Time { return received.Add(3 * time.Second) }
	r := w.call(t, straumkompis, "POST", "/v1/access-requests", fmt.Sprintf(`{"meteringPointId":%q}`, registerMeteringPoint(t))).expect(t, http.StatusAccepted)
	id := r.str("id")
	deadline := time.Now().Add(45 * time.Second)
	for {
		got := w.call(t, straumkompis, "GET", "/v1/access-requests/"+id, "").expect(t, http.StatusOK)
		if got.str("status") == "REJECTED" {
			if got.str("reasonCode") != "EH088" || got.str("decidedAt") == "" {
				t.Fatalf("rejected as %s", got.rawBody)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("still %s after 45 s", got.str("status"))
		}
		time.Sleep(300 * time.Millisecond)
	}
	env := testenv.Get(t)
	queue := env.Stack.QueueURLs[resources.NotificationQueueID]
	client := sqs.NewFromConfig(env.Config)
	for range 5 {
		out, err := client.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: &queue, MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out.Messages {
			var n map[string]string
			_ = json.Unmarshal([]byte(*m.Body), &n)
			if n["requestId"] == id {
				if n["reasonCode"] != "EH088" || n["type"] != "access-request.rejected" || n["thirdPartyId"] != string(w.demo.ThirdParties[0].GLN) {
					t.Fatalf("notification %s", *m.Body)
				}
				return
			}
		}
	}
	t.Fatal("no notification for the expired request")
}

// Many simultaneous requests for one metering point make one request: the
// pending slot is taken in a conditional transaction, and the losers answer
// with the winner.
func TestConcurrentRequestsForOneMeteringPointMakeOne(t *testing.T) {
	w := newWorld(t)
	w.token(t, ladeklar)
	body := fmt.Sprintf(`{"meteringPointId":%q}`, registerMeteringPoint(t))
	const callers = 8
	replies := make(chan reply, callers)
	var wg sync.WaitGroup
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			replies <- w.call(t, ladeklar, "POST", "/v1/access-requests", body)
		}()
	}
	wg.Wait()
	close(replies)
	ids, created := map[string]bool{}, 0
	for r := range replies {
		switch r.status {
		case http.StatusAccepted:
			created++
		case http.StatusOK:
		default:
			t.Fatalf("status %d: %s", r.status, r.rawBody)
		}
		ids[r.str("id")] = true
	}
	if created != 1 || len(ids) != 1 {
		t.Fatalf("%d created, %d distinct ids; want exactly one request", created, len(ids))
	}
}

var nextSerial atomic.Int64

// registerMeteringPoint registers an accounting point with an end user that
// no other test uses.
func registerMeteringPoint(t testing.TB) ident.GSRN {
	t.Helper()
	id, err := ident.GSRNWithCheckDigit(fmt.Sprintf("70705752%09d", nextSerial.Add(1)))
	if err != nil {
		t.Fatal(err)
	}
	env := testenv.Get(t)
	reg := dynamo.Open(dynamodb.NewFromConfig(env.Config), env.Stack.Tables).MeteringPoints
	mp := registry.MeteringPoint{ID: id, AccountingPoint: true, Occupancies: []registry.Occupancy{{EndUser: "p1_test", MoveIn: registry.Date(2020, 1, 1)}}}
	if _, err := reg.PutMeteringPoint(context.Background(), mp); err != nil {
		t.Fatal(err)
	}
	return id
}
