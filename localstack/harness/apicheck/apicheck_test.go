package apicheck_test

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/tredjepart/tredjepart/localstack/harness/apicheck"
)

const (
	id       = "3f2b8c1e-9d4a-4f6e-8b7a-2c1d0e9f8a7b"
	location = "/v1/access-requests/" + id
	pending  = `{"id":"` + id + `","status":"PENDING","meteringPointId":"707057500000001015","scope":"FULL",` +
		`"agreementReference":"AVT-1","thirdPartyId":"7090000000011","createdAt":"2027-03-24T09:00:00Z",` +
		`"expiresAt":"2027-04-01T22:00:00Z","links":{"self":"` + location + `","consent":"http://127.0.0.1:4010/consent/requests/` + id + `"}}`
	createBody = `{"meteringPointId":"707057500000001015","scope":"FULL","agreementReference":"AVT-1"}`
	// The end user's feeds: a page of the read log, and an export with
	// nothing in it but itself.
	accessLog = `{"items":[{"at":"2027-03-25T08:00:03Z","what":"export"},{"at":"2027-03-25T06:12:40Z","thirdPartyId":"7090000000011",` +
		`"thirdPartyName":"Straumkompis AS","meteringPointId":"707057500000001015","what":"meter-values","from":"2027-03-24","to":"2027-03-25"}]}`
	export = `{"schemaVersion":1,"exportedAt":"2027-03-25T08:00:03Z","meteringPoints":[],"accessRequests":[],"grants":[],` +
		`"reads":[{"id":"` + id + `","at":"2027-03-25T08:00:03Z","what":"export"}]}`
	noSession = `{"type":"urn:tredjepart:problem:unauthenticated","title":"Unauthorized","status":401,` +
		`"detail":"Log in at /consent first; this feed uses the same session.","instance":"/v1/me/export"}`
)

// download is the export's answer: a file to save, not to cache.
func download(contentType, name string) *http.Response {
	return fromService(200, contentType, "Content-Disposition", `attachment; filename="`+name+`"`)
}

func newValidator(t *testing.T) *apicheck.Validator {
	t.Helper()
	v, err := apicheck.New()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func request(method, target, body string, header ...string) *http.Request {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, "http://127.0.0.1:4010"+target, r)
	if err != nil {
		panic(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return req
}

func response(status int, contentType string, header ...string) *http.Response {
	res := &http.Response{StatusCode: status, Status: http.StatusText(status), Header: http.Header{}, Body: http.NoBody}
	res.Header.Set("Content-Type", contentType)
	for i := 0; i+1 < len(header); i += 2 {
		res.Header.Set(header[i], header[i+1])
	}
	return res
}

// fromService adds the headers the intake function always sends.
func fromService(status int, contentType string, header ...string) *http.Response {
	return response(status, contentType, append([]string{"Cache-Control", "no-store"}, header...)...)
}

func create() *http.Request {
	return request("POST", "/v1/access-requests", createBody, "Idempotency-Key", "lifecycle-1")
}

func TestValidPairsPass(t *testing.T) {
	v := newValidator(t)
	cases := []struct {
		name string
		req  *http.Request
		res  *http.Response
		body string
	}{
		{"202 created", create(), fromService(202, "application/json", "Location", location), pending},
		{"200 already pending", request("POST", "/v1/access-requests", `{"meteringPointId":"707057500000001015"}`),
			fromService(200, "application/json", "Location", location), pending},
		{"422 E10", request("POST", "/v1/access-requests", `{"meteringPointId":"707057500000099999"}`),
			fromService(422, "application/problem+json"),
			`{"type":"urn:tredjepart:problem:E10","title":"Unprocessable Entity","status":422,` +
				`"detail":"Metering point 707057500000099999 is not registered.","instance":"/v1/access-requests","code":"E10"}`},
		{"422 Idempotency-Key reused", create(), fromService(422, "application/problem+json"),
			`{"type":"urn:tredjepart:problem:idempotency-key-reused","title":"Unprocessable Entity","status":422,` +
				`"detail":"This Idempotency-Key was already used with a different request body.","instance":"/v1/access-requests",` +
				`"code":"idempotency-key-reused","errors":[{"field":"Idempotency-Key","reason":"already used with a different request body"}],` +
				`"requestId":"Kx7vQhFuAMEEJ2A="}`},
		{"409 EH017", request("POST", "/v1/access-requests", `{"meteringPointId":"707057500000001039"}`),
			fromService(409, "application/problem+json"),
			`{"type":"urn:tredjepart:problem:EH017","title":"Conflict","status":409,` +
				`"detail":"You already have access to metering point 707057500000001039.","instance":"/v1/access-requests","code":"EH017"}`},
		{"400 for a request the document also calls invalid",
			request("POST", "/v1/access-requests", `{"meteringPointId":"707057500000001016","scope":"ALL"}`),
			fromService(400, "application/problem+json"),
			`{"type":"urn:tredjepart:problem:invalid-request","title":"Bad Request","status":400,"detail":"The request has invalid fields.",` +
				`"instance":"/v1/access-requests","errors":[{"field":"meteringPointId","reason":"check digit should be 5"},{"field":"scope","reason":"must be LIMITED or FULL"}]}`},
		{"list", request("GET", "/v1/access-requests?status=PENDING&limit=1", ""), fromService(200, "application/json"),
			`{"items":[` + pending + `],"nextCursor":"abc"}`},
		{"withdrawn", request("DELETE", location, ""), fromService(200, "application/json"),
			strings.Replace(strings.Replace(pending, `"PENDING"`, `"WITHDRAWN"`, 1), `"links"`, `"decidedAt":"2027-03-25T08:30:00Z","links"`, 1)},
		{"404 from the service", request("GET", location, ""), fromService(404, "application/problem+json"),
			`{"type":"urn:tredjepart:problem:not-found","title":"Not Found","status":404,"detail":"Access request ` + id + ` was not found.","instance":"` + location + `"}`},
		{"401 from the gateway", request("GET", "/v1/access-requests", ""),
			response(401, "application/json", "WWW-Authenticate", `Bearer scope="" error="invalid_token" error_description="the token is missing"`),
			`{"message":"Unauthorized"}`},
		{"403 from the service", request("GET", "/v1/access-requests", ""), fromService(403, "application/problem+json"),
			`{"type":"urn:tredjepart:problem:forbidden","title":"Forbidden","status":403,"detail":"Client \"x\" is not registered to a third party.","instance":"/v1/access-requests"}`},
		{"503 from the gateway", create(), response(503, "application/json"), `{"message":"Service Unavailable"}`},
		{"unknown route: the gateway's 404", request("PUT", location, ""), response(404, "application/json"), `{"message":"Not Found"}`},
		{"the end user's read log", request("GET", "/v1/me/access-log?limit=2", ""), response(200, "application/json"), accessLog},
		{"the end user's export as JSON", request("GET", "/v1/me/export", ""), download("application/json", "tredjepart-2027-03-25.json"), export},
		{"the end user's export as a zip", request("GET", "/v1/me/export?format=zip", ""), download("application/zip", "tredjepart-2027-03-25.zip"), "PK\x03\x04"},
		{"the export without a session", request("GET", "/v1/me/export", ""), response(401, "application/problem+json"), noSession},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := v.Check(c.req, c.res, []byte(c.body)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestInvalidPairsFail(t *testing.T) {
	v := newValidator(t)
	cases := []struct {
		name string
		req  *http.Request
		res  *http.Response
		body string
		want []string // each must be in the error message
	}{
		{"202 without expiresAt", create(), fromService(202, "application/json", "Location", location),
			strings.Replace(pending, `"expiresAt":"2027-04-01T22:00:00Z",`, "", 1), []string{"expiresAt"}},
		{"undocumented status", create(), fromService(418, "application/json"), `{}`, []string{"418"}},
		{"an unknown field in an access request", create(), fromService(202, "application/json", "Location", location),
			strings.Replace(pending, `"scope"`, `"consentText":"yes","scope"`, 1), []string{"consentText"}},
		{"every problem is listed", create(), fromService(202, "application/json"),
			strings.Replace(strings.Replace(pending, `"expiresAt":"2027-04-01T22:00:00Z",`, "", 1), `"scope"`, `"consentText":"yes","scope"`, 1),
			[]string{"expiresAt", "consentText", "Location"}},
		{"202 without Location", create(), fromService(202, "application/json"), pending, []string{"Location"}},
		{"202 without Cache-Control", create(), response(202, "application/json", "Location", location), pending, []string{"Cache-Control"}},
		{"a problem sent as application/json", request("POST", "/v1/access-requests", `{"meteringPointId":"707057500000099999"}`),
			fromService(422, "application/json"),
			`{"type":"urn:tredjepart:problem:E10","title":"Unprocessable Entity","status":422,"instance":"/v1/access-requests","code":"E10"}`,
			[]string{"application/json"}},
		{"a problem whose status is not the response's", request("POST", "/v1/access-requests", `{"meteringPointId":"707057500000099999"}`),
			fromService(422, "application/problem+json"),
			`{"type":"urn:tredjepart:problem:E10","title":"Unprocessable Entity","status":409,"instance":"/v1/access-requests","code":"E10"}`,
			[]string{"status"}},
		{"a problem whose type does not match its code", request("POST", "/v1/access-requests", `{"meteringPointId":"707057500000099999"}`),
			fromService(422, "application/problem+json"),
			`{"type":"urn:tredjepart:problem:EH010","title":"Unprocessable Entity","status":422,"instance":"/v1/access-requests","code":"E10"}`,
			[]string{"type"}},
		{"a problem for another path", request("GET", location, ""), fromService(404, "application/problem+json"),
			`{"type":"urn:tredjepart:problem:not-found","title":"Not Found","status":404,"instance":"/v1/access-requests"}`,
			[]string{"instance"}},
		{"a withdrawn request without decidedAt", request("DELETE", location, ""), fromService(200, "application/json"),
			strings.Replace(pending, `"PENDING"`, `"WITHDRAWN"`, 1), []string{"decidedAt"}},
		{"the gateway's 401 without a challenge", request("GET", "/v1/access-requests", ""), response(401, "application/json"),
			`{"message":"Unauthorized"}`, []string{"www-authenticate"}},
		{"a gateway message on a status the gateway does not answer", create(), response(409, "application/json"),
			`{"message":"Conflict"}`, []string{"application/json"}},
		{"a request the document calls invalid, accepted", request("POST", "/v1/access-requests", `{"meteringPointId":"707057500000001015","scope":"ALL"}`),
			fromService(202, "application/json", "Location", location), pending, []string{"request", "scope"}},
		{"an unknown route answered by the service", request("PUT", location, ""), fromService(200, "application/json"), pending,
			[]string{"not an operation"}},
		{"an export with a field the schema lacks", request("GET", "/v1/me/export", ""), download("application/json", "tredjepart-2027-03-25.json"),
			strings.Replace(export, `"grants":[]`, `"grants":[],"nationalId":"01017012345"`, 1), []string{"nationalId"}},
		{"an export that is not an attachment", request("GET", "/v1/me/export", ""), fromService(200, "application/json"), export,
			[]string{"Content-Disposition"}},
		{"an export in a format the document lacks", request("GET", "/v1/me/export?format=csv", ""), download("text/csv", "tredjepart-2027-03-25.csv"), "a,b",
			[]string{"request", "format"}},
		{"the session feeds' 401 from the gateway", request("GET", "/v1/me/access-log", ""),
			response(401, "application/json", "WWW-Authenticate", `Bearer error="invalid_token"`), `{"message":"Unauthorized"}`, []string{"application/json"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := v.Check(c.req, c.res, []byte(c.body))
			if err == nil {
				t.Fatal("passed")
			}
			var e *apicheck.Error
			if !errors.As(err, &e) || len(e.Problems) == 0 {
				t.Fatalf("error %T %v", err, err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not mention %q:\n%v", w, err)
				}
			}
			t.Log(err)
		})
	}
}

// A request whose body was sent and cannot be read again is still checked,
// all but its body.
func TestRequestBodyAlreadyConsumed(t *testing.T) {
	v := newValidator(t)
	req := create()
	_, _ = io.ReadAll(req.Body)
	req.GetBody = nil
	if err := v.Check(req, fromService(202, "application/json", "Location", location), []byte(pending)); err != nil {
		t.Fatal(err)
	}
	req = request("POST", "/v1/access-requests", `{}`, "Idempotency-Key", "has space")
	req.GetBody = nil
	if err := v.Check(req, fromService(202, "application/json", "Location", location), []byte(pending)); err == nil || !strings.Contains(err.Error(), "Idempotency-Key") {
		t.Fatalf("a bad header, accepted, is not reported: %v", err)
	}
}
