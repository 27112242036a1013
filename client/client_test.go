package client_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/tredjepart/tredjepart/client"
)

// api serves one canned answer and records the Authorization header.
func api(t *testing.T, status int, contentType, body string, headers ...string) (*client.ClientWithResponses, *string) {
	t.Helper()
	var authorization string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		authorization = r.Header.Get("Authorization")
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	c, err := client.New(srv.URL, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "the-token"}))
	if err != nil {
		t.Fatal(err)
	}
	return c, &authorization
}

func TestASuccessIsTheGeneratedResponseAndCarriesTheToken(t *testing.T) {
	c, authorization := api(t, http.StatusAccepted, "application/json",
		`{"id":"7f4c1b2e-8a0d-4c3e-9b5f-1d2e3f4a5b6c","meteringPointId":"707057500000001015","scope":"FULL","status":"PENDING",`+
			`"requestedAt":"2027-03-01T10:00:00Z","expiresAt":"2027-03-03T23:00:00Z","links":{"self":"/v1/access-requests/7f4c1b2e-8a0d-4c3e-9b5f-1d2e3f4a5b6c"}}`)
	res, err := c.CreateAccessRequestWithResponse(context.Background(), nil, client.CreateAccessRequest{MeteringPointId: "707057500000001015"})
	if err != nil {
		t.Fatal(err)
	}
	if res.JSON202 == nil || res.JSON202.Status != client.StatusPENDING || res.JSON202.Id.String() != "7f4c1b2e-8a0d-4c3e-9b5f-1d2e3f4a5b6c" {
		t.Fatalf("202 decoded as %+v from %s", res.JSON202, res.Body)
	}
	if *authorization != "Bearer the-token" {
		t.Fatalf("Authorization %q, want the token source's", *authorization)
	}
}

func TestAProblemDocumentIsAProblemError(t *testing.T) {
	c, _ := api(t, http.StatusBadRequest, "application/problem+json",
		`{"type":"urn:tredjepart:problem:invalid-request","title":"Bad Request","status":400,"detail":"The request is not valid.",`+
			`"instance":"/v1/access-requests","errors":[{"field":"meteringPointId","reason":"check digit should be 5"}]}`,
		"Apigw-Requestid", "req-1")
	res, err := c.CreateAccessRequestWithResponse(context.Background(), nil, client.CreateAccessRequest{MeteringPointId: "707057500000001010"})
	var problem *client.ProblemError
	if !errors.As(err, &problem) {
		t.Fatalf("err %v (%T), response %v; want a *ProblemError", err, err, res)
	}
	want := client.ProblemError{Type: "urn:tredjepart:problem:invalid-request", Title: "Bad Request", Status: 400, Detail: "The request is not valid.",
		Instance: "/v1/access-requests", Errors: []client.FieldError{{Field: "meteringPointId", Reason: "check digit should be 5"}}, RequestID: "req-1"}
	if problem.Type != want.Type || problem.Title != want.Title || problem.Status != want.Status || problem.Detail != want.Detail ||
		problem.Instance != want.Instance || len(problem.Errors) != 1 || problem.Errors[0] != want.Errors[0] || problem.RequestID != want.RequestID {
		t.Fatalf("problem %+v, want %+v", *problem, want)
	}
	if got := problem.Error(); !strings.Contains(got, "400 Bad Request") || !strings.Contains(got, "meteringPointId check digit should be 5") {
		t.Fatalf("Error() = %q", got)
	}
}

func TestAnElhubCodeIsInTheProblemError(t *testing.T) {
	c, _ := api(t, http.StatusConflict, "application/problem+json; charset=utf-8",
		`{"type":"urn:tredjepart:problem:EH017","title":"Conflict","status":409,"code":"EH017","detail":"You already have access to this metering point."}`)
	_, err := c.CreateAccessRequestWithResponse(context.Background(), nil, client.CreateAccessRequest{MeteringPointId: "707057500000001015"})
	var problem *client.ProblemError
	if !errors.As(err, &problem) || problem.Code != "EH017" || problem.Status != http.StatusConflict {
		t.Fatalf("err %v, want a 409 *ProblemError with code EH017", err)
	}
}

func TestAPendingRequestWithTheOtherScopeIsLinkedFromTheProblemError(t *testing.T) {
	c, _ := api(t, http.StatusConflict, "application/problem+json",
		`{"type":"urn:tredjepart:problem:pending-request-other-scope","title":"Conflict","status":409,"code":"pending-request-other-scope",`+
			`"detail":"Your request r-1 is pending with scope FULL.","links":{"pendingRequest":"/v1/access-requests/r-1"}}`)
	_, err := c.CreateAccessRequestWithResponse(context.Background(), nil, client.CreateAccessRequest{MeteringPointId: "707057500000001015"})
	var problem *client.ProblemError
	if !errors.As(err, &problem) || problem.Code != "pending-request-other-scope" || problem.Links["pendingRequest"] != "/v1/access-requests/r-1" {
		t.Fatalf("err %v, want a 409 *ProblemError linking the pending request", err)
	}
}

func TestTheGatewaysMessageIsAProblemErrorOfTypeAboutBlank(t *testing.T) {
	c, _ := api(t, http.StatusUnauthorized, "application/json", `{"message":"Unauthorized"}`,
		"WWW-Authenticate", `Bearer error="invalid_token", error_description="no aud"`)
	_, err := c.ListAccessRequestsWithResponse(context.Background(), nil)
	var problem *client.ProblemError
	if !errors.As(err, &problem) {
		t.Fatalf("err %v (%T), want a *ProblemError", err, err)
	}
	if problem.Type != "about:blank" || problem.Status != 401 || problem.Title != "Unauthorized" ||
		problem.Detail != `Unauthorized (Bearer error="invalid_token", error_description="no aud")` {
		t.Fatalf("problem %+v", *problem)
	}
}

func TestNotModifiedIsNotAnError(t *testing.T) {
	c, _ := api(t, http.StatusNotModified, "application/json", "")
	res, err := c.GetMasterDataWithResponse(context.Background(), "707057500000001015", nil)
	if err != nil || res.StatusCode() != http.StatusNotModified {
		t.Fatalf("err %v, response %v; want a 304 response", err, res)
	}
}

// The sandbox's token request, as the README prints it: client_id and
// scope in the form, no client secret, no audience.
func TestClientCredentialsSendsTheSandboxForm(t *testing.T) {
	var form url.Values
	issuer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		form = r.PostForm
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"t","token_type":"Bearer","expires_in":3600}`))
	}))
	defer issuer.Close()
	tok, err := client.ClientCredentials(context.Background(), issuer.URL+"/token", "straumkompis").Token()
	if err != nil {
		t.Fatal(err)
	}
	want := url.Values{"grant_type": {"client_credentials"}, "client_id": {"straumkompis"}, "scope": {"tredjepart:thirdparty"}}
	if tok.AccessToken != "t" || form.Encode() != want.Encode() {
		t.Fatalf("token %q from the form %q, want the form %q", tok.AccessToken, form.Encode(), want.Encode())
	}
}
