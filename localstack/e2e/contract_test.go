//go:build integration

package e2e_test

// The contract test: every status the API can answer, produced by real calls
// through the gateway to the intake on moto, each checked against the OpenAPI
// document by judge (as every other call in this package is).

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tredjepart/tredjepart/localstack/emulate/gateway"
	"github.com/tredjepart/tredjepart/localstack/harness/testenv"
	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/dynamo"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/registry"
)

// unavailable fails the look-up of one metering point, for a 500.
type unavailable struct {
	accessrequest.MeteringPoints
	broken ident.GSRN
}

func (u unavailable) MeteringPoint(ctx context.Context, id ident.GSRN) (registry.MeteringPoint, bool, error) {
	if id == u.broken {
		return registry.MeteringPoint{}, false, errors.New("registry unavailable")
	}
	return u.MeteringPoints.MeteringPoint(ctx, id)
}

func TestEveryAnswerMatchesTheContract(t *testing.T) {
	w := newWorld(t)
	broken, _ := ident.GSRNWithCheckDigit("70705750000001060")
	w.handler.Requests.MeteringPoints = unavailable{w.handler.Requests.MeteringPoints, broken}
	mp := string(registerMeteringPoint(t))
	body := fmt.Sprintf(`{"meteringPointId":%q,"scope":"FULL","agreementReference":"AVT-1"}`, mp)
	const collection = "/v1/access-requests"
	call := func(status int, method, path, body string, headers ...string) reply {
		t.Helper()
		return w.call(t, straumkompis, method, path, body, headers...).expect(t, status)
	}

	// Creating, and the ways a create is answered.
	created := call(202, "POST", collection, body, "Idempotency-Key", "contract-1")
	id := created.str("id")
	call(202, "POST", collection, body, "Idempotency-Key", "contract-1")
	call(422, "POST", collection, strings.Replace(body, "FULL", "LIMITED", 1), "Idempotency-Key", "contract-1")
	call(200, "POST", collection, fmt.Sprintf(`{"meteringPointId":%q,"scope":"FULL"}`, mp), "Idempotency-Key", "contract-2")
	call(409, "POST", collection, fmt.Sprintf(`{"meteringPointId":%q}`, mp), "Idempotency-Key", "contract-3") // LIMITED: the other scope
	call(409, "POST", collection, fmt.Sprintf(`{"meteringPointId":%q,"scope":null,"agreementReference":""}`, mp))
	for gsrn, status := range map[ident.GSRN]int{
		w.demo.Unregistered: 422, w.demo.NotAccountingPoint: 422, w.demo.NoEndUser: 422, w.demo.AlreadyGranted: 409, broken: 500,
	} {
		call(status, "POST", collection, fmt.Sprintf(`{"meteringPointId":%q}`, gsrn))
	}
	for _, bad := range []string{
		`{"meteringPointId":"707057500000001016","scope":"ALL"}`,
		`{"meteringPointId":"707057500000001015","meteringpointid":"x"}`,
		`{"meteringPointId":"707057500000001015","scope":""}`,
		`{"meteringPointId":7070575000000010}`,
		`{"meteringPointId":"707057500000001015","agreementReference":"` + strings.Repeat("x", 101) + `"}`,
		`{"meteringPointId":"707057500000001015","agreementReference":"a\u0007b"}`,
		`{}`, `null`, `[]`, `{"meteringPointId":`, `x`, `{} {}`,
	} {
		call(400, "POST", collection, bad)
	}
	call(400, "POST", collection, body, "Idempotency-Key", "has space")
	call(415, "POST", collection, body, "Content-Type", "text/plain")
	call(415, "POST", collection, body, "Content-Type", "")

	// Reading and listing.
	if read := call(200, "GET", collection+"/"+id, ""); read.str("agreementReference") != "AVT-1" || read.str("expiresAt") != created.str("expiresAt") {
		t.Errorf("read %s", read.rawBody)
	}
	call(200, "GET", collection+"/"+strings.ToUpper(id), "")
	call(400, "GET", collection+"/not-a-uuid", "")
	call(400, "GET", collection+"/{"+id+"}", "")
	call(404, "GET", collection+"/3f2b8c1e-9d4a-4f6e-8b7a-2c1d0e9f8a7b", "")
	call(202, "POST", collection, fmt.Sprintf(`{"meteringPointId":%q}`, registerMeteringPoint(t)))
	call(200, "GET", collection, "")
	call(200, "GET", collection+"?status=PENDING&limit=100", "")
	call(200, "GET", collection+"?status=", "")
	next := call(200, "GET", collection+"?limit=1", "").str("nextCursor")
	if next == "" {
		t.Fatal("no nextCursor with two requests and limit=1")
	}
	call(200, "GET", collection+"?limit=1&cursor="+next, "")
	for _, bad := range []string{"?limit=0", "?limit=101", "?limit=x", "?status=pending", "?cursor=forged"} {
		call(400, "GET", collection+bad, "")
	}

	// Another third party sees none of it.
	w.call(t, ladeklar, "GET", collection+"/"+id, "").expect(t, 404)
	w.call(t, ladeklar, "DELETE", collection+"/"+id, "").expect(t, 404)
	w.call(t, ladeklar, "GET", collection+"?cursor="+next, "").expect(t, 400)

	// Withdrawing, twice; a replay shows the request as it is now; a decided request.
	call(200, "DELETE", collection+"/"+id, "")
	call(200, "DELETE", collection+"/"+id, "")
	if r := call(202, "POST", collection, body, "Idempotency-Key", "contract-1"); r.str("status") != "WITHDRAWN" {
		t.Errorf("replay %s", r.rawBody)
	}
	if r := call(200, "POST", collection, fmt.Sprintf(`{"meteringPointId":%q,"scope":"FULL"}`, mp), "Idempotency-Key", "contract-2"); r.str("id") != id || r.str("status") != "WITHDRAWN" {
		t.Errorf("a key first answered 200 was answered differently: %s", r.rawBody)
	}
	second := call(202, "POST", collection, fmt.Sprintf(`{"meteringPointId":%q}`, mp)).str("id")
	expire(t, second)
	if r := call(200, "GET", collection+"/"+second, ""); r.str("reasonCode") != "EH088" {
		t.Errorf("rejected %s", r.rawBody)
	}
	call(409, "DELETE", collection+"/"+second, "")
	call(200, "GET", collection+"?status=REJECTED", "")

	// Tokens.
	call(401, "GET", collection, "", "Authorization", "")
	call(401, "GET", collection, "", "Authorization", "Bearer "+w.token(t, straumkompis)+"x")
	otherScope, err := w.issuer.Token(straumkompis, []string{"openid"}, audience, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	call(403, "GET", collection, "", "Authorization", "Bearer "+otherScope)
	call(403, "POST", collection, body, "Authorization", "Bearer "+w.token(t, "some-unregistered-client"))

	// What the document does not describe.
	call(404, "PUT", collection+"/"+id, body)
	call(404, "GET", "/v1/access-requests/", "")
	call(404, "GET", "/v2/access-requests", "")

	// A body over API Gateway's limit, told by Content-Length before it is read.
	req := httptest.NewRequest("POST", collection, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+w.token(t, straumkompis))
	req.Header.Set("Content-Type", "application/json")
	req.ContentLength = gateway.MaxBodyBytes + 1
	rec := httptest.NewRecorder()
	w.gw.ServeHTTP(rec, req)
	judge(t, req, rec.Result(), rec.Body.Bytes()).expect(t, http.StatusRequestEntityTooLarge)
}

// expire rejects a pending request with EH088 as the expiry state machine does.
func expire(t *testing.T, id string) {
	t.Helper()
	env := testenv.Get(t)
	store := dynamo.Open(dynamodb.NewFromConfig(env.Config), env.Stack.Tables).Requests
	r, err := store.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	rejected, err := r.Reject(accessrequest.ReasonNotApproved, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Transition(context.Background(), r, rejected); err != nil {
		t.Fatal(err)
	}
}

type failing struct{}

func (failing) Invoke(context.Context, []byte) ([]byte, error) { return nil, errors.New("boom") }

// The gateway's own 500, when the function fails.
func TestFunctionFailureIsTheGatewaysInternalError(t *testing.T) {
	w := serve(t, failing{})
	w.call(t, straumkompis, "GET", "/v1/access-requests", "").expect(t, http.StatusInternalServerError)
}
