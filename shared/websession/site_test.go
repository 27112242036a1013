package websession

import (
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/resources"
)

// visit is a site's session in these tests.
type visit struct {
	ID      string
	Expires time.Time
}

func (v visit) Valid(now time.Time) bool { return now.Before(v.Expires) && v.ID != "" }

// testSite is a site without a login: reading sessions needs none.
func testSite(hashKey string) *Site[visit, visit] {
	return &Site[visit, visit]{
		config: SiteConfig[visit, visit]{
			Cookies:    CookieNames{Session: "s", Login: "l", Language: "lang", CSRF: "c", Path: "/"},
			SessionTTL: time.Hour,
			LoginPath:  "/login",
			Templates:  template.Must(template.New("").Parse(`{{define "problem.html"}}{{.Data}}{{end}}`)),
			Clock:      clock.System{},
			Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
		},
		cookies: NewCookies([]byte(strings.Repeat(hashKey, 32)), []byte(strings.Repeat("e", 32)), "/", time.Hour, true),
	}
}

func sessionCookie(t *testing.T, s *Site[visit, visit], v visit) *http.Cookie {
	t.Helper()
	rec := httptest.NewRecorder()
	if err := s.StartSession(rec, v); err != nil {
		t.Fatal(err)
	}
	return rec.Result().Cookies()[0]
}

func TestSessionCookies(t *testing.T) {
	s := testSite("k")
	good := sessionCookie(t, s, visit{ID: "p1_x", Expires: time.Now().Add(time.Minute)})
	if !good.HttpOnly || !good.Secure || good.SameSite != http.SameSiteLaxMode || strings.Contains(good.Value, "p1_x") {
		t.Fatalf("cookie attributes or clear content: %+v", good)
	}
	read := func(cookie *http.Cookie) error {
		r := httptest.NewRequest("GET", "/", nil)
		r.AddCookie(cookie)
		_, err := s.Session(r)
		return err
	}
	if err := read(good); err != nil {
		t.Fatalf("a fresh session was refused: %v", err)
	}
	if err := read(sessionCookie(t, s, visit{ID: "p1_x", Expires: time.Now().Add(-time.Second)})); err == nil {
		t.Error("an expired session was accepted")
	}
	tampered := *good
	tampered.Value = good.Value[:len(good.Value)-3] + "abc"
	if err := read(&tampered); err == nil {
		t.Error("a tampered session was accepted")
	}
	if err := read(sessionCookie(t, testSite("x"), visit{ID: "p1_x", Expires: time.Now().Add(time.Hour)})); err == nil {
		t.Error("a session signed with another key was accepted")
	}
}

func TestWithoutASessionAGETLogsInAndAPostIsRefused(t *testing.T) {
	s := testSite("k")
	rec := httptest.NewRecorder()
	if _, ok := s.Require(rec, httptest.NewRequest("GET", "/pages/1?x=y", nil)); ok || rec.Code != http.StatusFound ||
		rec.Header().Get("Location") != "/login?return=%2Fpages%2F1%3Fx%3Dy" {
		t.Errorf("GET: %d to %q", rec.Code, rec.Header().Get("Location"))
	}
	rec = httptest.NewRecorder()
	if _, ok := s.Require(rec, httptest.NewRequest("POST", "/pages/1", nil)); ok || rec.Code != http.StatusUnauthorized {
		t.Errorf("POST: %d", rec.Code)
	}
}

// A form over the route's limit gets an error page with 413, and the page
// behind never reads it; one at the limit goes on (to the CSRF check).
func TestAFormOverTheLimitIsA413Page(t *testing.T) {
	s := testSite("k")
	s.origin, s.csrfKey = &url.URL{Scheme: "https", Host: "consent.example"}, []byte(strings.Repeat("c", 32))
	reached := false
	h := s.Protect(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { reached = true }))
	post := func(size int) *httptest.ResponseRecorder {
		r := httptest.NewRequest("POST", "/consent/decisions", strings.NewReader("a="+strings.Repeat("x", size-2)))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec
	}
	rec := post(resources.DefaultMaxBody + 1)
	if rec.Code != http.StatusRequestEntityTooLarge || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") ||
		!strings.Contains(rec.Body.String(), "at most") || reached {
		t.Errorf("over the limit: %d %q %q, page reached %v", rec.Code, rec.Header().Get("Content-Type"), rec.Body.String(), reached)
	}
	if rec := post(resources.DefaultMaxBody); rec.Code != http.StatusForbidden { // no CSRF token: refused by the next check
		t.Errorf("at the limit: %d %s", rec.Code, rec.Body.String())
	}
}

func TestEnvNamesEverythingMissingAtOnce(t *testing.T) {
	vars := map[string]string{"A_ISSUER": "https://issuer.example", CookieKeysEnv: "not keys"}
	env := NewEnv(func(name string) string { return vars[name] })
	env.Need("TABLE")
	settings := env.Settings(OIDCEnv{Issuer: "A_ISSUER", ClientID: "A_CLIENT", ClientSecret: "A_SECRET", RedirectURL: "A_REDIRECT"})
	err := env.Err()
	if err == nil || !strings.Contains(err.Error(), "[TABLE A_CLIENT A_SECRET A_REDIRECT]") || !strings.Contains(err.Error(), CookieKeysEnv+" must be") {
		t.Fatalf("got %v", err)
	}
	if settings.OIDC.Issuer != "https://issuer.example" || !settings.Secure {
		t.Errorf("settings %+v", settings)
	}
}

func TestTimeLeftInDaysAndHours(t *testing.T) {
	left := 2*24*time.Hour + 5*time.Hour + 20*time.Minute
	if got := NewTranslator(Bokmal, nil).TimeLeft(left); got != "2 d 5 t" {
		t.Errorf("bokmål: %q", got)
	}
	if got := NewTranslator(English, nil).TimeLeft(left); got != "2 d 5 h" {
		t.Errorf("English: %q", got)
	}
	if got := NewTranslator(English, nil).TimeLeft(-time.Minute); got != "0" {
		t.Errorf("none left: %q", got)
	}
}
