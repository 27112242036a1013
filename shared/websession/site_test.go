package websession

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/a-h/templ"
	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/resources"
)

// visit is a site's session in these tests.
type visit struct {
	ID      string
	Expires time.Time
}

func (v visit) Valid(now time.Time) bool { return now.Before(v.Expires) && v.ID != "" }

func (v visit) Subject() string { return v.ID }

// memoryStore is a SessionStore in memory: the sessions that stand, by
// id, or the error every call fails with.
type memoryStore struct {
	standing map[string]string // site + subject, by id
	err      error
}

func (m *memoryStore) Start(_ context.Context, id, site, subject string, _ time.Time) error {
	if m.err != nil {
		return m.err
	}
	m.standing[id] = site + " " + subject
	return nil
}

func (m *memoryStore) Stands(_ context.Context, id, site, subject string, _ time.Time) (bool, error) {
	return m.standing[id] == site+" "+subject, m.err
}

func (m *memoryStore) End(_ context.Context, id string) error {
	if m.err != nil {
		return m.err
	}
	delete(m.standing, id)
	return nil
}

// problemPage draws every page as its data, as the sites' problem page
// shows its detail.
func problemPage(p Page[visit]) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		_, err := io.WriteString(w, templ.EscapeString(fmt.Sprint(p.Data)))
		return err
	})
}

// testSite is a site without a login: reading sessions needs none.
func testSite(hashKey string) *Site[visit, visit] {
	cookies, err := NewCookies(Keys{Session: []byte(strings.Repeat(hashKey, 32)), Encryption: []byte(strings.Repeat("e", 32))}, "/", time.Hour, true)
	if err != nil {
		panic(err)
	}
	return &Site[visit, visit]{
		config: SiteConfig[visit, visit]{
			Cookies:       CookieNames{Session: "s", Login: "l", Language: "lang", Path: "/"},
			SessionTTL:    time.Hour,
			LoginPath:     "/login",
			LoggedOutPath: "/logged-out",
			Sessions:      &memoryStore{standing: map[string]string{}},
			Pages:         problemPage,
			Clock:         clock.System{},
			Logger:        slog.New(slog.NewTextHandler(io.Discard, nil)),
		},
		cookies: cookies,
	}
}

func startedSession(t *testing.T, s *Site[visit, visit], v visit) *http.Cookie {
	t.Helper()
	rec := httptest.NewRecorder()
	if err := s.StartSession(context.Background(), rec, v); err != nil {
		t.Fatal(err)
	}
	return rec.Result().Cookies()[0]
}

// with is a request carrying cookie.
func with(method, target string, cookie *http.Cookie) *http.Request {
	r := httptest.NewRequest(method, target, nil)
	r.AddCookie(cookie)
	return r
}

func TestALoggedOutCookieIsNoSession(t *testing.T) {
	s := testSite("k")
	kept := startedSession(t, s, visit{ID: "p1_x", Expires: time.Now().Add(time.Hour)})
	for range 2 { // logging out twice is harmless
		rec := httptest.NewRecorder()
		s.Logout(rec, with("POST", "/logout", kept))
		cleared := rec.Result().Cookies()
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/logged-out" || len(cleared) != 1 || cleared[0].MaxAge >= 0 {
			t.Fatalf("logout: %d to %q, cookies %v", rec.Code, rec.Header().Get("Location"), cleared)
		}
	}
	rec := httptest.NewRecorder()
	if _, ok := s.Require(rec, with("GET", "/pages/1", kept)); ok || rec.Code != http.StatusFound || !strings.HasPrefix(rec.Header().Get("Location"), "/login?") {
		t.Fatalf("the kept cookie after logout: %d to %q", rec.Code, rec.Header().Get("Location"))
	}
}

func TestWhenTheStoreFailsNoSessionStandsAndTheLogoutCanBeTriedAgain(t *testing.T) {
	s := testSite("k")
	kept := startedSession(t, s, visit{ID: "p1_x", Expires: time.Now().Add(time.Hour)})
	s.config.Sessions.(*memoryStore).err = errors.New("store unavailable")
	rec := httptest.NewRecorder()
	if _, ok := s.Require(rec, with("GET", "/pages/1", kept)); ok || rec.Code != http.StatusInternalServerError {
		t.Errorf("a page: %d", rec.Code)
	}
	rec = httptest.NewRecorder()
	s.Logout(rec, with("POST", "/logout", kept))
	if rec.Code != http.StatusInternalServerError || len(rec.Result().Cookies()) != 0 {
		t.Errorf("logout: %d, cookies %v", rec.Code, rec.Result().Cookies())
	}
}

func TestSessionCookies(t *testing.T) {
	s := testSite("k")
	good := startedSession(t, s, visit{ID: "p1_x", Expires: time.Now().Add(time.Minute)})
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
	if err := read(startedSession(t, s, visit{ID: "p1_x", Expires: time.Now().Add(-time.Second)})); err == nil {
		t.Error("an expired session was accepted")
	}
	tampered := *good
	tampered.Value = good.Value[:len(good.Value)-3] + "abc"
	if err := read(&tampered); err == nil {
		t.Error("a tampered session was accepted")
	}
	if err := read(startedSession(t, testSite("x"), visit{ID: "p1_x", Expires: time.Now().Add(time.Hour)})); err == nil {
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
// behind never reads it; one at the limit goes on (to the cross-origin check).
func TestAFormOverTheLimitIsA413Page(t *testing.T) {
	s := testSite("k")
	s.origin, s.crossOrigin = &url.URL{Scheme: "https", Host: "consent.example"}, http.NewCrossOriginProtection()
	reached := false
	h := s.Protect(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { reached = true }))
	post := func(size int) *httptest.ResponseRecorder {
		r := httptest.NewRequest("POST", "/consent/decisions", strings.NewReader("a="+strings.Repeat("x", size-2)))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Sec-Fetch-Site", "cross-site")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec
	}
	rec := post(resources.DefaultMaxBody + 1)
	if rec.Code != http.StatusRequestEntityTooLarge || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") ||
		!strings.Contains(rec.Body.String(), "at most") || reached {
		t.Errorf("over the limit: %d %q %q, page reached %v", rec.Code, rec.Header().Get("Content-Type"), rec.Body.String(), reached)
	}
	if rec := post(resources.DefaultMaxBody); rec.Code != http.StatusForbidden { // cross-site: refused by the next check
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

// An error page shows who is logged in, so that the way out is there too.
func TestAnErrorPageKnowsWhoIsLoggedIn(t *testing.T) {
	s := testSite("k")
	s.config.Pages = func(p Page[visit]) templ.Component {
		return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
			_, err := io.WriteString(w, "user="+p.User.ID)
			return err
		})
	}
	cookie := startedSession(t, s, visit{ID: "ola", Expires: time.Now().Add(time.Hour)})
	rec := httptest.NewRecorder()
	s.Problem(rec, with("GET", "/nowhere", cookie), http.StatusNotFound, "")
	if rec.Code != http.StatusNotFound || rec.Body.String() != "user=ola" {
		t.Errorf("logged in: %d %q", rec.Code, rec.Body.String())
	}
	rec = httptest.NewRecorder()
	s.Problem(rec, httptest.NewRequest("GET", "/nowhere", nil), http.StatusNotFound, "")
	if rec.Body.String() != "user=" {
		t.Errorf("nobody logged in: %q", rec.Body.String())
	}
}
