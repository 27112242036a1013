//go:build integration

package portalweb

import (
	"context"
	"errors"
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
	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/dynamo"
	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/websession"
	"github.com/tredjepart/tredjepart/shared/websession/websessiontest"
)

// TestMain starts moto: the sessions are in the Access table.
func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

const (
	ours   = ident.GLN("7090000000011")
	theirs = ident.GLN("7090000000028")
)

// thirdParties is a registry of two third parties, one disabled by org.
type thirdParties map[ident.GLN]registry.ThirdParty

func (tps thirdParties) ThirdParty(_ context.Context, gln ident.GLN) (registry.ThirdParty, bool, error) {
	tp, ok := tps[gln]
	return tp, ok, nil
}

func (tps thirdParties) ThirdPartyByOrg(_ context.Context, org ident.OrgNumber) (registry.ThirdParty, bool, error) {
	for _, tp := range tps {
		if tp.OrgNumber == org {
			return tp, true, nil
		}
	}
	return registry.ThirdParty{}, false, nil
}

// requests holds requests in memory; the tests reach only Get.
type requests struct {
	accessrequest.Store
	byID map[string]accessrequest.Request
}

func (r requests) Get(_ context.Context, id string) (accessrequest.Request, error) {
	if req, ok := r.byID[id]; ok {
		return req, nil
	}
	return accessrequest.Request{}, accessrequest.NotFound(id)
}

func org(t *testing.T, first8 string) ident.OrgNumber {
	o, err := ident.OrgNumberWithControlDigit(first8)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func testSite(t *testing.T) (*site, http.Handler) {
	t.Helper()
	tps := thirdParties{
		ours:   {GLN: ours, Name: "Straumkompis AS", OrgNumber: org(t, "91234568")},
		theirs: {GLN: theirs, Name: "Ladeklar AS", OrgNumber: org(t, "98765432"), Disabled: true},
	}
	store := requests{byID: map[string]accessrequest.Request{
		"their-request": {ID: "their-request", ThirdParty: theirs, Status: accessrequest.Pending, ExpiresAt: time.Now().Add(time.Hour)},
	}}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	key := []byte(strings.Repeat("k", 32))
	env := testenv.Get(t)
	s, err := newSite(context.Background(), Config{
		Requests:     &accessrequest.Service{Store: store, Clock: clock.System{}, Logger: logger},
		ThirdParties: tps,
		Sessions:     dynamo.Open(dynamodb.NewFromConfig(env.Config), env.Stack.Tables).Sessions,
		Settings: websession.Settings{
			OIDC:   websession.OIDC{Issuer: websessiontest.Provider(t), ClientID: "portal", RedirectURL: "https://tredjepart.example/portal/login/callback"},
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

const notANationalID = "01019012345" // bad control digits

func TestLoginMapsTheOrganisationToItsThirdParty(t *testing.T) {
	s, _ := testSite(t)
	pid, err := ident.NationalIDWithControlDigits("010190124")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		claims  websession.Claims
		refused string
	}{
		{"no organisation", websession.Claims{PID: pid.Digits(), Name: "Siri"}, refusedNoOrg},
		{"unknown organisation", websession.Claims{PID: pid.Digits(), Org: string(org(t, "87654321"))}, refusedUnknownOrg},
		{"malformed organisation", websession.Claims{PID: pid.Digits(), Org: "123"}, refusedUnknownOrg},
		{"disabled third party", websession.Claims{PID: pid.Digits(), Org: string(org(t, "98765432"))}, refusedDisabled},
		{"no person", websession.Claims{PID: notANationalID, Org: string(org(t, "91234568"))}, refusedNoPerson},
		{"staff of a registered third party", websession.Claims{PID: pid.Digits(), Name: "Siri", Org: string(org(t, "91234568"))}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			sess, err := s.sessionFor(context.Background(), c.claims)
			var refusal *fault.Error
			refused := ""
			if errors.As(err, &refusal) && refusal.Kind == fault.Forbidden {
				refused, err = refusal.Detail, nil
			}
			if err != nil || refused != c.refused {
				t.Fatalf("refused %q, %v; want %q", refused, err, c.refused)
			}
			if c.refused == "" && (sess.ThirdParty != ours || sess.Name != "Siri") {
				t.Fatalf("session %+v", sess)
			}
		})
	}
}

// logIn starts a session for gln, on its registration as it is now, and
// returns its cookie.
func logIn(t *testing.T, s *site, gln ident.GLN) *http.Cookie {
	t.Helper()
	rec := httptest.NewRecorder()
	registration := s.thirdParties.(thirdParties)[gln].Version
	if err := s.StartSession(context.Background(), rec, session{ThirdParty: gln, Registration: registration, Name: "Siri", Expires: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	return rec.Result().Cookies()[0]
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

// request sends r with a new session for gln.
func request(t *testing.T, s *site, h http.Handler, r *http.Request, gln ident.GLN) *httptest.ResponseRecorder {
	t.Helper()
	return send(h, r, logIn(t, s, gln))
}

// fromOurPage marks r as a browser marks a form posted from the site's own page.
func fromOurPage(r *http.Request) *http.Request {
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	r.Header.Set("Origin", "https://tredjepart.example")
	return r
}

func TestPostsFromOtherOriginsAreRefused(t *testing.T) {
	s, h := testSite(t)
	for name, headers := range map[string]map[string]string{
		"a cross-site form":                    {"Sec-Fetch-Site": "cross-site", "Origin": "https://attacker.example"},
		"a sibling subdomain":                  {"Sec-Fetch-Site": "same-site", "Origin": "https://evil.tredjepart.example"},
		"an older browser from another origin": {"Origin": "https://attacker.example"},
		"another scheme of the same host":      {"Origin": "http://tredjepart.example"},
		"a sandboxed frame":                    {"Origin": "null"},
	} {
		r := httptest.NewRequest("POST", "https://tredjepart.example/portal/requests/their-request/withdraw", nil)
		for k, v := range headers {
			r.Header.Set(k, v)
		}
		if res := request(t, s, h, r, ours); res.Code != http.StatusForbidden || !strings.Contains(res.Body.String(), "did not come from this site") {
			t.Errorf("%s: status %d\n%s", name, res.Code, res.Body)
		}
	}
}

func TestEveryPageKeepsBrowsersOnHTTPS(t *testing.T) {
	s, h := testSite(t)
	res := request(t, s, h, httptest.NewRequest("GET", newRequestsPage, nil), ours)
	if got := res.Header().Get("Strict-Transport-Security"); got != websession.StrictTransportSecurity {
		t.Fatalf("Strict-Transport-Security = %q", got)
	}
}

func TestAnotherThirdPartysRequestIsNotFound(t *testing.T) {
	s, h := testSite(t)
	for _, id := range []string{"their-request", "no-such-request"} {
		r := fromOurPage(httptest.NewRequest("POST", "https://tredjepart.example/portal/requests/"+id+"/withdraw", nil))
		res := request(t, s, h, r, ours)
		if res.Code != http.StatusNotFound || strings.Contains(res.Body.String(), "their-request") {
			t.Fatalf("%s: status %d\n%s", id, res.Code, res.Body)
		}
	}
}

func TestADisabledThirdPartyIsRefusedAtTheNextRequest(t *testing.T) {
	s, h := testSite(t)
	res := request(t, s, h, httptest.NewRequest("GET", "https://tredjepart.example/portal/requests/new", nil), theirs)
	if res.Code != http.StatusForbidden || !strings.Contains(res.Body.String(), "stengt") {
		t.Fatalf("status %d\n%s", res.Code, res.Body)
	}
}

const newRequestsPage = "https://tredjepart.example/portal/requests/new"

// loggedOut reports whether res sends the visitor to log in.
func loggedOut(res *httptest.ResponseRecorder) bool {
	return res.Code == http.StatusFound && strings.HasPrefix(res.Header().Get("Location"), loginPath+"?")
}

func TestACookieReplayedAfterLogoutGetsTheLoginPage(t *testing.T) {
	s, h := testSite(t)
	kept := logIn(t, s, ours)
	page := send(h, httptest.NewRequest("GET", newRequestsPage, nil), kept)
	if page.Code != http.StatusOK {
		t.Fatalf("before logout: %d", page.Code)
	}
	for range 2 { // logging out twice is harmless
		logout := fromOurPage(httptest.NewRequest("POST", "https://tredjepart.example/portal/logout", nil))
		if res := send(h, logout, kept); res.Code != http.StatusSeeOther || res.Header().Get("Location") != loggedOutPath {
			t.Fatalf("logout: %d to %q\n%s", res.Code, res.Header().Get("Location"), res.Body)
		}
	}
	if res := send(h, httptest.NewRequest("GET", newRequestsPage, nil), kept); !loggedOut(res) {
		t.Fatalf("the kept cookie after logout: %d to %q", res.Code, res.Header().Get("Location"))
	}
}

func TestDisablingAThirdPartyEndsItsStaffsSessionsAtOnce(t *testing.T) {
	s, h := testSite(t)
	tps := s.thirdParties.(thirdParties)
	registered := tps[ours]
	setDisabled := func(disabled bool) {
		tp := tps[ours]
		tp.Disabled, tp.Version = disabled, tp.Version+1
		tps[ours] = tp
	}

	kept := logIn(t, s, ours)
	setDisabled(true)
	if res := send(h, httptest.NewRequest("GET", newRequestsPage, nil), kept); res.Code != http.StatusForbidden || !strings.Contains(res.Body.String(), "stengt") {
		t.Fatalf("a disabled third party's staff: %d\n%s", res.Code, res.Body)
	}
	// The refusal ended the session in the store: even on the very
	// registration it was let in on, the cookie opens nothing.
	tps[ours] = registered
	if res := send(h, httptest.NewRequest("GET", newRequestsPage, nil), kept); !loggedOut(res) {
		t.Fatalf("the refused session still stands: %d", res.Code)
	}

	// A session not used while its third party was disabled has ended too.
	unused := logIn(t, s, ours)
	setDisabled(true)
	setDisabled(false)
	post := httptest.NewRequest("POST", "https://tredjepart.example/portal/requests/their-request/withdraw", nil)
	if res := send(h, fromOurPage(post), unused); res.Code != http.StatusUnauthorized {
		t.Fatalf("a post with a session that outlived the disabling: %d\n%s", res.Code, res.Body)
	}
	if res := send(h, httptest.NewRequest("GET", newRequestsPage, nil), unused); !loggedOut(res) {
		t.Fatalf("a session outlived the disabling: %d", res.Code)
	}
}

func TestParseMeteringPoints(t *testing.T) {
	id, err := ident.GSRNWithCheckDigit("70705750000001012")
	if err != nil {
		t.Fatal(err)
	}
	good := string(id)
	bad := good[:17] + string(rune((good[17]-'0'+1)%10+'0'))
	entries, err := parseMeteringPoints(" " + good + "\n" + bad + ",  " + good + ";abc\r\n")
	if err != nil || len(entries) != 3 {
		t.Fatalf("entries %+v, %v", entries, err)
	}
	if entries[0].Err != "" || string(entries[0].GSRN) != good || entries[1].Err == "" || entries[1].Input != bad || entries[2].Err == "" {
		t.Errorf("entries %+v", entries)
	}
	if _, err := parseMeteringPoints(" ,\n"); fault.KindOf(err) != fault.Invalid {
		t.Errorf("nothing given: %v", err)
	}
	var many []string
	for i := range maxPerSubmission + 1 {
		many = append(many, strings.Repeat("7", 17)+string(rune('0'+i%10))+strings.Repeat("x", i/10))
	}
	if _, err := parseMeteringPoints(strings.Join(many, " ")); fault.KindOf(err) != fault.Invalid {
		t.Errorf("%d given: %v", len(many), err)
	}
}

// A path the portal lacks shows who is logged in and the way out, and to
// nobody nothing of the kind.
func TestThePortals404ShowsWhoIsLoggedIn(t *testing.T) {
	s, h := testSite(t)
	res := request(t, s, h, httptest.NewRequest("GET", "https://tredjepart.example/portal/nowhere", nil), ours)
	if res.Code != http.StatusNotFound || !strings.Contains(res.Body.String(), `data-testid="who"`) || !strings.Contains(res.Body.String(), `data-testid="logout"`) ||
		!strings.Contains(res.Body.String(), "Straumkompis AS") {
		t.Errorf("logged in: %d\n%s", res.Code, res.Body)
	}
	res = send(h, httptest.NewRequest("GET", "https://tredjepart.example/portal/nowhere", nil))
	if res.Code != http.StatusNotFound || strings.Contains(res.Body.String(), `data-testid="logout"`) {
		t.Errorf("nobody logged in: %d\n%s", res.Code, res.Body)
	}
}

// A refused form says why in bokmål, in an error summary that takes focus
// and links to the field to correct.
func TestARefusedRequestFormSaysWhyInItsLanguage(t *testing.T) {
	s, h := testSite(t)
	form := "submission=" + strings.Repeat("s", 20) + "&level=LIMITED&meteringPoints=+"
	res := request(t, s, h, fromOurPage(httptest.NewRequest("POST", "https://tredjepart.example/portal/requests", strings.NewReader(form))), ours)
	body := strings.Join(strings.Fields(res.Body.String()), " ")
	for _, want := range []string{`<div class="ds-error-summary" tabindex="-1" autofocus`,
		`<a class="ds-link" href="#meteringPoints" data-testid="form-error">Skriv inn minst én målepunkt-ID.</a>`, `aria-invalid`} {
		if res.Code != http.StatusBadRequest || !strings.Contains(body, want) {
			t.Errorf("%d lacks %s:\n%s", res.Code, want, res.Body)
		}
	}
	if strings.Contains(body, "give at least one") {
		t.Error("English on a bokmål page")
	}
}
