//go:build integration

package enduserweb

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/tredjepart/tredjepart/localstack/harness/testenv"
	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/consent"
	"github.com/tredjepart/tredjepart/shared/dynamo"
	"github.com/tredjepart/tredjepart/shared/personaldata"
	"github.com/tredjepart/tredjepart/shared/pseudonym"
	"github.com/tredjepart/tredjepart/shared/websession"
	"github.com/tredjepart/tredjepart/shared/websession/websessiontest"
)

// TestMain starts moto: the pages' stores, sessions among them, are the
// stack's tables.
func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// testSite is the pages on moto's tables, with a session store there.
func testSite(t *testing.T) (*site, http.Handler) {
	t.Helper()
	env := testenv.Get(t)
	stores := dynamo.Open(dynamodb.NewFromConfig(env.Config), env.Stack.Tables)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	key := []byte(strings.Repeat("k", 32))
	s, err := newSite(context.Background(), Config{
		Consent: &consent.Service{Requests: stores.Requests, Grants: stores.Grants, MeteringPoints: stores.MeteringPoints,
			ThirdParties: stores.Parties, Clock: clock.System{}, Logger: logger},
		ThirdParties: stores.Parties,
		ReadLog:      stores.ReadLog,
		PersonalData: &personaldata.Service{Requests: stores.Requests, Grants: stores.Grants, MeteringPoints: stores.MeteringPoints,
			ReadLog: stores.ReadLog, ThirdParties: stores.Parties, Clock: clock.System{}},
		Sessions: stores.Sessions,
		Settings: websession.Settings{
			OIDC:   websession.OIDC{Issuer: websessiontest.Provider(t), ClientID: "consent", RedirectURL: "https://tredjepart.example/login/callback"},
			Keys:   websession.Keys{Session: key, Encryption: key},
			Secure: true,
		},
		Clock: clock.System{}, Logger: logger,
	})
	if err != nil {
		t.Fatal(err)
	}
	return s, s.Protect(s.routes())
}

// send sends r with cookies.
func send(h http.Handler, r *http.Request, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	for _, c := range cookies {
		r.AddCookie(c)
	}
	res := httptest.NewRecorder()
	h.ServeHTTP(res, r)
	return res
}

func TestACookieReplayedAfterLogoutGetsTheLoginPage(t *testing.T) {
	s, h := testSite(t)
	rec := httptest.NewRecorder()
	user := session{EndUser: pseudonym.EndUserID("p1_session-test"), Name: "Ola", Expires: time.Now().Add(sessionTTL)}
	if err := s.StartSession(context.Background(), rec, user); err != nil {
		t.Fatal(err)
	}
	kept := rec.Result().Cookies()[0]

	page := send(h, httptest.NewRequest("GET", "https://tredjepart.example/consent", nil), kept)
	if page.Code != http.StatusOK || !strings.Contains(page.Body.String(), `data-testid="logout"`) {
		t.Fatalf("before logout: %d\n%s", page.Code, page.Body)
	}
	for range 2 { // logging out twice is harmless
		logout := httptest.NewRequest("POST", "https://tredjepart.example/logout", nil)
		logout.Header.Set("Sec-Fetch-Site", "same-origin")
		if res := send(h, logout, kept); res.Code != http.StatusSeeOther || res.Header().Get("Location") != loggedOutPath {
			t.Fatalf("logout: %d to %q\n%s", res.Code, res.Header().Get("Location"), res.Body)
		}
	}

	if res := send(h, httptest.NewRequest("GET", "https://tredjepart.example/consent", nil), kept); res.Code != http.StatusFound || res.Header().Get("Location") != "/login?return=%2Fconsent" {
		t.Fatalf("the kept cookie after logout: %d to %q", res.Code, res.Header().Get("Location"))
	}
	if res := send(h, httptest.NewRequest("GET", "https://tredjepart.example/v1/me/access-log", nil), kept); res.Code != http.StatusUnauthorized {
		t.Fatalf("the access log with the kept cookie after logout: %d", res.Code)
	}
}

// The access-log feed answers its errors as the API does: problem documents
// of the project's types, a bad limit naming the field.
func TestTheAccessLogFeedAnswersProblemDocuments(t *testing.T) {
	s, h := testSite(t)
	rec := httptest.NewRecorder()
	user := session{EndUser: pseudonym.EndUserID("p1_feed-test"), Name: "Ola", Expires: time.Now().Add(sessionTTL)}
	if err := s.StartSession(context.Background(), rec, user); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name     string
		cookies  []*http.Cookie
		query    string
		status   int
		contains string
	}{
		{"no session", nil, "", http.StatusUnauthorized, `"type":"urn:tredjepart:problem:unauthenticated"`},
		{"limit 0", rec.Result().Cookies(), "?limit=0", http.StatusBadRequest, `"field":"limit"`},
		{"limit not a number", rec.Result().Cookies(), "?limit=ten", http.StatusBadRequest, `"type":"urn:tredjepart:problem:invalid-request"`},
	} {
		res := send(h, httptest.NewRequest("GET", "https://tredjepart.example/v1/me/access-log"+tt.query, nil), tt.cookies...)
		if res.Code != tt.status || res.Header().Get("Content-Type") != "application/problem+json" || !strings.Contains(res.Body.String(), tt.contains) {
			t.Errorf("%s: %d %s %s", tt.name, res.Code, res.Header().Get("Content-Type"), res.Body)
		}
	}
}

// The export answers the logged-in end user's data as a JSON download, or
// as a zip of CSV files, and each export is in their access log after it;
// without a session, or with a format it lacks, it answers a problem.
func TestTheExportIsADownloadOfTheLoggedInEndUsersData(t *testing.T) {
	s, h := testSite(t)
	rec := httptest.NewRecorder()
	user := session{EndUser: pseudonym.EndUserID("p1_export-test"), Name: "Ola", Expires: time.Now().Add(sessionTTL)}
	if err := s.StartSession(context.Background(), rec, user); err != nil {
		t.Fatal(err)
	}
	cookies := rec.Result().Cookies()
	get := func(query string, cookies ...*http.Cookie) *httptest.ResponseRecorder {
		return send(h, httptest.NewRequest("GET", "https://tredjepart.example/v1/me/export"+query, nil), cookies...)
	}
	if res := get(""); res.Code != http.StatusUnauthorized || res.Header().Get("Content-Type") != "application/problem+json" {
		t.Errorf("without a session: %d %s", res.Code, res.Header().Get("Content-Type"))
	}
	if res := get("?format=csv", cookies...); res.Code != http.StatusBadRequest || !strings.Contains(res.Body.String(), `"field":"format"`) {
		t.Errorf("format=csv: %d %s", res.Code, res.Body)
	}

	res := get("", cookies...)
	var x personaldata.Export
	if err := json.Unmarshal(res.Body.Bytes(), &x); err != nil || res.Code != http.StatusOK || res.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("JSON: %d %s %v\n%s", res.Code, res.Header().Get("Content-Type"), err, res.Body)
	}
	if !strings.HasPrefix(res.Header().Get("Content-Disposition"), `attachment; filename="tredjepart-`) || res.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("JSON headers %v", res.Header())
	}
	if x.SchemaVersion != personaldata.SchemaVersion || len(x.Reads) != 1 || x.Reads[0].What != "export" {
		t.Errorf("export %+v: this export should be its only read", x)
	}

	res = get("?format=zip", cookies...)
	z, err := zip.NewReader(bytes.NewReader(res.Body.Bytes()), int64(res.Body.Len()))
	if err != nil || res.Code != http.StatusOK || res.Header().Get("Content-Type") != "application/zip" || len(z.File) != 5 {
		t.Fatalf("zip: %d %s %v", res.Code, res.Header().Get("Content-Type"), err)
	}

	log := send(h, httptest.NewRequest("GET", "https://tredjepart.example/v1/me/access-log", nil), cookies...)
	if got := strings.Count(log.Body.String(), `"what":"export"`); got != 2 || strings.Contains(log.Body.String(), `"thirdPartyId"`) {
		t.Errorf("the access log after two exports: %s", log.Body)
	}
}

// A decision refused before its request was read (no level chosen) still
// names the request, in an error summary that leads back to it.
func TestARefusedDecisionLeadsBackToItsRequest(t *testing.T) {
	s, h := testSite(t)
	rec := httptest.NewRecorder()
	user := session{EndUser: pseudonym.EndUserID("p1_decision-test"), Name: "Ola", Expires: time.Now().Add(sessionTTL)}
	if err := s.StartSession(context.Background(), rec, user); err != nil {
		t.Fatal(err)
	}
	form := "request=r-42&decision-r-42=approve&level-r-42=EVERYTHING"
	post := httptest.NewRequest("POST", "https://tredjepart.example/consent/decisions", strings.NewReader(form))
	post.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	post.Header.Set("Sec-Fetch-Site", "same-origin")
	res := send(h, post, rec.Result().Cookies()...)
	body := strings.Join(strings.Fields(res.Body.String()), " ")
	for _, want := range []string{`data-testid="error-summary"`, `<a class="ds-link" href="/consent/requests/r-42">Forespørsel om tilgang: Velg et tilgangsnivå.</a>`, `data-testid="result-r-42"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the answer lacks %s:\n%s", want, res.Body)
		}
	}
}

// On Lambda, the feed's problem carries API Gateway's request id, as the
// API's do.
func TestTheAccessLogFeedsProblemCarriesTheRequestID(t *testing.T) {
	_, h := testSite(t)
	ev := events.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: "GET /v1/me/access-log", RawPath: "/v1/me/access-log",
		Headers: map[string]string{"host": "tredjepart.example", "x-forwarded-proto": "https"},
		RequestContext: events.APIGatewayV2HTTPRequestContext{RequestID: "Kx7vQhFuAMEEJ2A=", RouteKey: "GET /v1/me/access-log",
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", Path: "/v1/me/access-log"}}}
	res, err := httpadapter.NewV2(h).ProxyWithContext(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(res.Body, `"requestId":"Kx7vQhFuAMEEJ2A="`) {
		t.Fatalf("%d %s", res.StatusCode, res.Body)
	}
}
