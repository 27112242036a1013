//go:build integration

package enduserweb

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tredjepart/tredjepart/localstack/harness/testenv"
	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/consent"
	"github.com/tredjepart/tredjepart/shared/dynamo"
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
		Sessions:     stores.Sessions,
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
