package oidcdev

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/oauth2"

	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/websession"
)

// Synthetic numbers that belong to nobody: Tenor test numbers (month + 80)
// and a D-number born in 2039.
const (
	kariPID    = "17897010070"
	olaPID     = "17897010151"
	typedDNum  = "55033951204"
	redirect   = "http://client.test/callback"
	otherRedir = "http://client.test/other"
)

func mustPID(t testing.TB, s string) ident.NationalID {
	t.Helper()
	id, err := ident.ParseNationalID(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func bakeri(t testing.TB) ident.OrgNumber {
	t.Helper()
	o, err := ident.OrgNumberWithControlDigit("91234568")
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func demoUsers(t testing.TB) []User {
	return []User{
		{Name: "Kari Nordmann", NationalID: mustPID(t, kariPID)},
		{Name: "Kari Nordmann", NationalID: mustPID(t, kariPID), OrgNumber: bakeri(t), OrgName: "Bakeri AS"},
		{Name: "Ola Nordmann", NationalID: mustPID(t, olaPID)},
	}
}

var demoClients = []Client{
	{ID: "consent", Secret: "consent-secret", RedirectURIs: []string{redirect, otherRedir}},
	{ID: "other", Secret: "other-secret", RedirectURIs: []string{redirect}},
}

// testClock is a clock the test moves; the server reads it concurrently.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

type env struct {
	p       *Provider
	url     string
	clock   *testClock
	browser *http.Client // a cookie jar, and it stops at redirects so tests see them
	keyPath string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	var h http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	keyPath := filepath.Join(t.TempDir(), "keys", "oidcdev.pem")
	p, err := New(srv.URL, keyPath, demoUsers(t), demoClients)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	clock := &testClock{t: time.Now()}
	p.now = clock.Now
	h = p.Handler()
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return &env{p: p, url: srv.URL, clock: clock, browser: browser, keyPath: keyPath}
}

func (e *env) config(client Client, style oauth2.AuthStyle) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     client.ID,
		ClientSecret: client.Secret,
		RedirectURL:  redirect,
		Scopes:       []string{"openid", "profile"},
		Endpoint: oauth2.Endpoint{
			AuthURL:   e.url + "/authorize",
			TokenURL:  e.url + "/token",
			AuthStyle: style,
		},
	}
}

// flow is one authorization request as a client starts it.
type flow struct {
	state, nonce, verifier string
	authURL                string
}

func (e *env) start(cfg *oauth2.Config) flow {
	f := flow{state: randomToken(), nonce: randomToken(), verifier: oauth2.GenerateVerifier()}
	f.authURL = cfg.AuthCodeURL(f.state, oauth2.S256ChallengeOption(f.verifier), oauth2.SetAuthURLParam("nonce", f.nonce))
	return f
}

type page struct {
	status   int
	location string
	body     string
}

func (e *env) do(t *testing.T, req *http.Request) page {
	t.Helper()
	res, err := e.browser.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return page{res.StatusCode, res.Header.Get("Location"), string(body)}
}

func (e *env) get(t *testing.T, u string) page {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	return e.do(t, req)
}

func (e *env) post(t *testing.T, u string, form url.Values) page {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return e.do(t, req)
}

var (
	loginRequestRE = regexp.MustCompile(`name="login_request" value="([^"]+)"`)
	actionRE       = regexp.MustCompile(`<form method="post" action="([^"]+)"`)
)

// loginPage opens the login page of f and returns its form action and the
// signed login request its forms carry.
func (e *env) loginPage(t *testing.T, f flow) (action, loginRequest string) {
	t.Helper()
	pg := e.get(t, f.authURL)
	if pg.status != http.StatusOK {
		t.Fatalf("GET authorize: status %d, body %s", pg.status, pg.body)
	}
	a, lr := actionRE.FindStringSubmatch(pg.body), loginRequestRE.FindStringSubmatch(pg.body)
	if a == nil || lr == nil {
		t.Fatalf("login page has no form with a login_request:\n%s", pg.body)
	}
	return a[1], lr[1]
}

// login completes f with choice (user=…, pid=… or cancel=1) and returns
// the parameters of the redirect back to the client.
func (e *env) login(t *testing.T, f flow, choice url.Values) url.Values {
	t.Helper()
	action, lr := e.loginPage(t, f)
	choice.Set("login_request", lr)
	pg := e.post(t, action, choice)
	if pg.status != http.StatusSeeOther {
		t.Fatalf("POST authorize: status %d, want 303; body %s", pg.status, pg.body)
	}
	u, err := url.Parse(pg.location)
	if err != nil {
		t.Fatal(err)
	}
	if got := u.Scheme + "://" + u.Host + u.Path; got != redirect {
		t.Fatalf("redirected to %s, want %s", got, redirect)
	}
	q := u.Query()
	if q.Get("state") != f.state {
		t.Errorf("state = %q, want %q", q.Get("state"), f.state)
	}
	if q.Get("iss") != e.url {
		t.Errorf("iss = %q, want %q", q.Get("iss"), e.url)
	}
	return q
}

// code runs the front channel for client and returns a fresh code.
func (e *env) code(t *testing.T, cfg *oauth2.Config, f flow) string {
	t.Helper()
	q := e.login(t, f, url.Values{"user": {"kari"}})
	if q.Get("code") == "" {
		t.Fatalf("no code in redirect: %v", q)
	}
	return q.Get("code")
}

type identity struct {
	PID     string `json:"pid"`
	Name    string `json:"name"`
	Org     string `json:"org"`
	OrgName string `json:"org_name"`
}

type idClaims struct {
	identity
	ACR      string   `json:"acr"`
	AMR      []string `json:"amr"`
	AuthTime int64    `json:"auth_time"`
}

// relyingParty checks ID tokens as a client of the provider does: with the
// keys of the JWKS its discovery document names, RS256 only, and the
// issuer, audience and times of the token.
type relyingParty struct {
	issuer, userinfo string
	keys             map[string]*rsa.PublicKey // by kid
}

func (e *env) discover(t *testing.T) relyingParty {
	t.Helper()
	var doc struct {
		Issuer   string `json:"issuer"`
		JWKSURI  string `json:"jwks_uri"`
		Userinfo string `json:"userinfo_endpoint"`
	}
	if err := json.Unmarshal([]byte(e.get(t, e.url+"/.well-known/openid-configuration").body), &doc); err != nil {
		t.Fatalf("discovery: %v", err)
	}
	if doc.Issuer != e.url {
		t.Fatalf("discovery names issuer %q, want %q", doc.Issuer, e.url)
	}
	keys, err := websession.RSAKeys([]byte(e.get(t, doc.JWKSURI).body))
	if err != nil || len(keys) == 0 {
		t.Fatalf("JWKS: %v keys, error %v", len(keys), err)
	}
	return relyingParty{issuer: doc.Issuer, userinfo: doc.Userinfo, keys: keys}
}

type idTokenClaims struct {
	jwt.RegisteredClaims
	Nonce string `json:"nonce"`
	idClaims
}

func (rp relyingParty) verify(raw, clientID string) (idTokenClaims, error) {
	var c idTokenClaims
	_, err := jwt.ParseWithClaims(raw, &c, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		if key, ok := rp.keys[kid]; ok {
			return key, nil
		}
		return nil, fmt.Errorf("no published key has kid %q", kid)
	}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer(rp.issuer), jwt.WithAudience(clientID),
		jwt.WithExpirationRequired(), jwt.WithIssuedAt())
	return c, err
}

func TestCodeFlow(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	rp := e.discover(t)
	org := string(bakeri(t))
	tests := []struct {
		name    string
		choice  url.Values
		style   oauth2.AuthStyle
		want    identity
		sameSub string // a pid whose login must give the same sub
	}{
		{"demo person, client_secret_basic", url.Values{"user": {"kari"}}, oauth2.AuthStyleInHeader,
			identity{PID: kariPID, Name: "Kari Nordmann"}, kariPID},
		{"demo person for an organisation, client_secret_post", url.Values{"user": {"kari-" + org}}, oauth2.AuthStyleInParams,
			identity{PID: kariPID, Name: "Kari Nordmann", Org: org, OrgName: "Bakeri AS"}, kariPID},
		{"another demo person", url.Values{"user": {"ola"}}, oauth2.AuthStyleInHeader,
			identity{PID: olaPID, Name: "Ola Nordmann"}, olaPID},
		{"typed D-number", url.Values{"pid": {typedDNum}}, oauth2.AuthStyleInParams,
			identity{PID: typedDNum, Name: typedUserName}, typedDNum},
		{"typed number of a demo person gets the name", url.Values{"pid": {olaPID}}, oauth2.AuthStyleInHeader,
			identity{PID: olaPID, Name: "Ola Nordmann"}, olaPID},
	}
	subs := map[string]string{} // pid → sub seen
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := e.config(demoClients[0], tt.style)
			f := e.start(cfg)
			q := e.login(t, f, tt.choice)
			tok, err := cfg.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(f.verifier))
			if err != nil {
				t.Fatalf("Exchange: %v", err)
			}
			if tok.TokenType != "Bearer" || tok.AccessToken == "" || tok.Expiry.IsZero() {
				t.Errorf("token = %+v, want a Bearer access token with expiry", tok)
			}
			raw, _ := tok.Extra("id_token").(string)
			idt, err := rp.verify(raw, cfg.ClientID)
			if err != nil {
				t.Fatalf("Verify ID token: %v", err)
			}
			if idt.Nonce != f.nonce {
				t.Errorf("nonce = %q, want %q", idt.Nonce, f.nonce)
			}
			got := idt.idClaims
			if got.AuthTime == 0 || got.ACR != "idporten-loa-substantial" || len(got.AMR) != 1 || got.AMR[0] != "TestID" {
				t.Errorf("auth_time/acr/amr = %d %q %q", got.AuthTime, got.ACR, got.AMR)
			}
			if got.identity != tt.want {
				t.Errorf("ID token claims = %+v, want %+v", got, tt.want)
			}
			if idt.Subject == "" || strings.Contains(idt.Subject, tt.want.PID) {
				t.Errorf("sub = %q: must be set and must not contain the pid", idt.Subject)
			}
			if prev, ok := subs[tt.sameSub]; ok && prev != idt.Subject {
				t.Errorf("sub for the same pid changed: %q then %q", prev, idt.Subject)
			}
			subs[tt.sameSub] = idt.Subject

			req, _ := http.NewRequest(http.MethodGet, rp.userinfo, nil)
			req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
			pg := e.do(t, req)
			var ui struct {
				Subject string `json:"sub"`
				identity
			}
			if err := json.Unmarshal([]byte(pg.body), &ui); pg.status != http.StatusOK || err != nil {
				t.Fatalf("userinfo: status %d, body %s", pg.status, pg.body)
			}
			if ui.Subject != idt.Subject || ui.identity != tt.want {
				t.Errorf("userinfo = %q %+v, want %q %+v", ui.Subject, ui.identity, idt.Subject, tt.want)
			}
		})
	}
	if subs[kariPID] == subs[olaPID] {
		t.Error("two people got the same sub")
	}
}

func TestDiscovery(t *testing.T) {
	e := newEnv(t)
	var doc map[string]any
	pg := e.get(t, e.url+"/.well-known/openid-configuration")
	if err := json.Unmarshal([]byte(pg.body), &doc); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"issuer":                                e.url,
		"authorization_endpoint":                e.url + "/authorize",
		"token_endpoint":                        e.url + "/token",
		"jwks_uri":                              e.url + "/jwks.json",
		"userinfo_endpoint":                     e.url + "/userinfo",
		"code_challenge_methods_supported":      `["S256"]`,
		"response_types_supported":              `["code"]`,
		"subject_types_supported":               `["public"]`,
		"id_token_signing_alg_values_supported": `["RS256"]`,
		"token_endpoint_auth_methods_supported": `["client_secret_basic","client_secret_post"]`,
		"scopes_supported":                      `["openid","profile"]`,
	}
	for k, v := range want {
		got, _ := json.Marshal(doc[k])
		if s, ok := doc[k].(string); ok {
			got = []byte(s)
		}
		if string(got) != v {
			t.Errorf("%s = %s, want %s", k, got, v)
		}
	}
	if _, ok := doc["claims_supported"]; !ok {
		t.Error("claims_supported is missing")
	}
}

func TestLoginPage(t *testing.T) {
	e := newEnv(t)
	cfg := e.config(demoClients[0], oauth2.AuthStyleInHeader)
	pg := e.get(t, e.start(cfg).authURL)
	org := string(bakeri(t))
	for _, want := range []string{
		`<html lang="nb">`,
		`name="viewport"`,
		`data-testid="login-kari"`,
		`data-testid="login-kari-` + org + `"`,
		`data-testid="login-ola"`,
		`Logg inn som Kari Nordmann</button>`,
		`Logg inn som Kari Nordmann for Bakeri AS (org.nr ` + org + `)</button>`,
		`<label for="pid">`,
		`id="pid" name="pid"`,
		`data-testid="login-pid"`,
		`data-testid="cancel"`,
	} {
		if !strings.Contains(pg.body, want) {
			t.Errorf("login page lacks %s", want)
		}
	}
	for _, pid := range []string{kariPID, olaPID} {
		if strings.Contains(pg.body, pid) {
			t.Error("login page shows a national identity number")
		}
	}
	if strings.Contains(pg.body, "<script") {
		t.Error("login page uses JavaScript")
	}
}

func TestCancel(t *testing.T) {
	e := newEnv(t)
	q := e.login(t, e.start(e.config(demoClients[0], oauth2.AuthStyleInHeader)), url.Values{"cancel": {"1"}})
	if q.Get("error") != "access_denied" || q.Has("code") {
		t.Errorf("cancel redirected with %v, want error=access_denied and no code", q)
	}
}

// An unchecked redirect_uri must never be redirected to: the error is shown
// on a page instead.
func TestAuthorizeNeverRedirectsToUnregisteredURI(t *testing.T) {
	e := newEnv(t)
	cfg := e.config(demoClients[0], oauth2.AuthStyleInHeader)
	good := e.start(cfg).authURL
	tests := []struct {
		name string
		edit func(q url.Values)
	}{
		{"unregistered", func(q url.Values) { q.Set("redirect_uri", "http://evil.test/callback") }},
		{"registered plus path", func(q url.Values) { q.Set("redirect_uri", redirect+"/more") }},
		{"registered plus query", func(q url.Values) { q.Set("redirect_uri", redirect+"?x=1") }},
		{"registered plus slash", func(q url.Values) { q.Set("redirect_uri", redirect+"/") }},
		{"other scheme", func(q url.Values) { q.Set("redirect_uri", strings.Replace(redirect, "http:", "https:", 1)) }},
		{"missing", func(q url.Values) { q.Del("redirect_uri") }},
		{"given twice", func(q url.Values) { q.Add("redirect_uri", "http://evil.test/callback") }},
		{"unknown client", func(q url.Values) { q.Set("client_id", "nobody") }},
		{"missing client", func(q url.Values) { q.Del("client_id") }},
		{"another client's URI", func(q url.Values) { q.Set("client_id", "other"); q.Set("redirect_uri", otherRedir) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, _ := url.Parse(good)
			q := u.Query()
			tt.edit(q)
			u.RawQuery = q.Encode()
			pg := e.get(t, u.String())
			if pg.status != http.StatusBadRequest || pg.location != "" || !strings.Contains(pg.body, `data-testid="error"`) {
				t.Errorf("status %d, Location %q; want 400 error page without redirect", pg.status, pg.location)
			}
		})
	}
}

// Once the redirect URI is known to be good, a bad request goes back to the
// client as an OAuth error, and no login page is shown.
func TestAuthorizeRefusals(t *testing.T) {
	e := newEnv(t)
	cfg := e.config(demoClients[0], oauth2.AuthStyleInHeader)
	tests := []struct {
		name string
		edit func(q url.Values)
		want string
	}{
		{"no PKCE", func(q url.Values) { q.Del("code_challenge"); q.Del("code_challenge_method") }, "invalid_request"},
		{"PKCE plain", func(q url.Values) { q.Set("code_challenge_method", "plain") }, "invalid_request"},
		{"PKCE without method", func(q url.Values) { q.Del("code_challenge_method") }, "invalid_request"},
		{"malformed challenge", func(q url.Values) { q.Set("code_challenge", "short") }, "invalid_request"},
		{"no nonce", func(q url.Values) { q.Del("nonce") }, "invalid_request"},
		{"no state", func(q url.Values) { q.Del("state") }, "invalid_request"},
		{"implicit flow", func(q url.Values) { q.Set("response_type", "id_token") }, "unsupported_response_type"},
		{"no openid scope", func(q url.Values) { q.Set("scope", "profile") }, "invalid_scope"},
		{"parameter twice", func(q url.Values) { q.Add("scope", "openid") }, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := e.start(cfg)
			u, _ := url.Parse(f.authURL)
			q := u.Query()
			tt.edit(q)
			u.RawQuery = q.Encode()
			pg := e.get(t, u.String())
			loc, _ := url.Parse(pg.location)
			if pg.status != http.StatusFound || !strings.HasPrefix(pg.location, redirect+"?") {
				t.Fatalf("status %d, Location %q; want a redirect to the client", pg.status, pg.location)
			}
			if got := loc.Query(); got.Get("error") != tt.want || got.Has("code") {
				t.Errorf("redirect parameters %v, want error=%s", got, tt.want)
			}
		})
	}
}

func TestTypedNumberRefused(t *testing.T) {
	e := newEnv(t)
	cfg := e.config(demoClients[0], oauth2.AuthStyleInHeader)
	for _, typed := range []string{"", "1789701007", "17897010071", "1789701007x", " 17897010070", "32017010070"} {
		t.Run(typed, func(t *testing.T) {
			action, lr := e.loginPage(t, e.start(cfg))
			pg := e.post(t, action, url.Values{"login_request": {lr}, "pid": {typed}})
			if pg.status != http.StatusBadRequest || pg.location != "" {
				t.Fatalf("status %d, Location %q; want 400 and no redirect", pg.status, pg.location)
			}
			if !strings.Contains(pg.body, `data-testid="pid-error"`) || !strings.Contains(pg.body, `aria-invalid="true"`) {
				t.Errorf("the page does not show the error:\n%s", pg.body)
			}
			if len(typed) > 5 && strings.Contains(pg.body, strings.TrimSpace(typed)) {
				t.Error("the page echoes the typed number")
			}
			// The page shown again still works.
			lr2 := loginRequestRE.FindStringSubmatch(pg.body)
			if lr2 == nil {
				t.Fatal("error page has no login form")
			}
			pg = e.post(t, action, url.Values{"login_request": {lr2[1]}, "pid": {typedDNum}})
			if pg.status != http.StatusSeeOther {
				t.Errorf("second try: status %d, want 303", pg.status)
			}
		})
	}
}

// The POST that completes the login decides where the code goes only
// through the signed login_request; anything else is refused on a page.
func TestForgedLoginPost(t *testing.T) {
	e := newEnv(t)
	cfg := e.config(demoClients[0], oauth2.AuthStyleInHeader)
	action, lr := e.loginPage(t, e.start(cfg))
	payload, sig, _ := strings.Cut(lr, ".")
	body, _ := base64.RawURLEncoding.DecodeString(payload)
	var req authRequest
	if err := json.Unmarshal(body, &req); err != nil {
		t.Fatal(err)
	}
	reseal := func(edit func(*authRequest)) string {
		r := req
		edit(&r)
		b, _ := json.Marshal(r)
		return base64.RawURLEncoding.EncodeToString(b) + "." + sig
	}
	tests := []struct {
		name string
		form url.Values
	}{
		{"redirect_uri swapped", url.Values{"user": {"kari"}, "login_request": {reseal(func(r *authRequest) { r.RedirectURI = "http://evil.test/cb" })}}},
		{"redirect_uri swapped to another registered one", url.Values{"user": {"kari"}, "login_request": {reseal(func(r *authRequest) { r.RedirectURI = otherRedir })}}},
		{"challenge swapped", url.Values{"user": {"kari"}, "login_request": {reseal(func(r *authRequest) { r.Challenge = strings.Repeat("A", 43) })}}},
		{"expiry extended", url.Values{"user": {"kari"}, "login_request": {reseal(func(r *authRequest) { r.Expires += 3600 })}}},
		{"signature altered", url.Values{"user": {"kari"}, "login_request": {payload + "." + strings.Repeat("A", len(sig))}}},
		{"no signature", url.Values{"user": {"kari"}, "login_request": {payload}}},
		{"garbage", url.Values{"user": {"kari"}, "login_request": {"garbage"}}},
		{"missing", url.Values{"user": {"kari"}, "redirect_uri": {"http://evil.test/cb"}}},
		{"unknown user", url.Values{"user": {"mallory"}, "login_request": {lr}}},
		{"no choice", url.Values{"login_request": {lr}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pg := e.post(t, action, tt.form)
			if pg.status != http.StatusBadRequest || pg.location != "" {
				t.Errorf("status %d, Location %q; want 400 and no redirect", pg.status, pg.location)
			}
		})
	}
	t.Run("expired", func(t *testing.T) {
		e.clock.Add(loginTTL + time.Second)
		defer e.clock.Add(-loginTTL - time.Second)
		if pg := e.post(t, action, url.Values{"user": {"kari"}, "login_request": {lr}}); pg.status != http.StatusBadRequest || pg.location != "" {
			t.Errorf("status %d, Location %q; want 400 and no redirect", pg.status, pg.location)
		}
	})
}

func TestTokenRefusals(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name       string
		exchange   func(t *testing.T, e *env, cfg *oauth2.Config, f flow, code string) error
		wantStatus int
		wantCode   string
	}{
		{"wrong verifier", func(t *testing.T, e *env, cfg *oauth2.Config, f flow, code string) error {
			_, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(oauth2.GenerateVerifier()))
			return err
		}, 400, "invalid_grant"},
		{"no verifier", func(t *testing.T, e *env, cfg *oauth2.Config, f flow, code string) error {
			_, err := cfg.Exchange(ctx, code)
			return err
		}, 400, "invalid_grant"},
		{"code reused", func(t *testing.T, e *env, cfg *oauth2.Config, f flow, code string) error {
			if _, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(f.verifier)); err != nil {
				t.Fatalf("first exchange: %v", err)
			}
			_, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(f.verifier))
			return err
		}, 400, "invalid_grant"},
		{"code reused after a wrong verifier", func(t *testing.T, e *env, cfg *oauth2.Config, f flow, code string) error {
			_, _ = cfg.Exchange(ctx, code, oauth2.VerifierOption(oauth2.GenerateVerifier()))
			_, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(f.verifier))
			return err
		}, 400, "invalid_grant"},
		{"code expired", func(t *testing.T, e *env, cfg *oauth2.Config, f flow, code string) error {
			e.clock.Add(codeTTL + time.Second)
			_, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(f.verifier))
			return err
		}, 400, "invalid_grant"},
		{"other redirect_uri", func(t *testing.T, e *env, cfg *oauth2.Config, f flow, code string) error {
			c := *cfg
			c.RedirectURL = otherRedir
			_, err := c.Exchange(ctx, code, oauth2.VerifierOption(f.verifier))
			return err
		}, 400, "invalid_grant"},
		{"another client's code", func(t *testing.T, e *env, cfg *oauth2.Config, f flow, code string) error {
			_, err := e.config(demoClients[1], oauth2.AuthStyleInHeader).Exchange(ctx, code, oauth2.VerifierOption(f.verifier))
			return err
		}, 400, "invalid_grant"},
		{"wrong secret, basic", func(t *testing.T, e *env, cfg *oauth2.Config, f flow, code string) error {
			c := *cfg
			c.ClientSecret = "wrong"
			_, err := c.Exchange(ctx, code, oauth2.VerifierOption(f.verifier))
			// Failed client authentication does not burn the code.
			if _, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(f.verifier)); err != nil {
				t.Errorf("the code no longer works for its client: %v", err)
			}
			return err
		}, 401, "invalid_client"},
		{"wrong secret, post", func(t *testing.T, e *env, cfg *oauth2.Config, f flow, code string) error {
			c := *cfg
			c.ClientSecret = "wrong"
			c.Endpoint.AuthStyle = oauth2.AuthStyleInParams
			_, err := c.Exchange(ctx, code, oauth2.VerifierOption(f.verifier))
			return err
		}, 401, "invalid_client"},
		{"unknown client", func(t *testing.T, e *env, cfg *oauth2.Config, f flow, code string) error {
			_, err := e.config(Client{ID: "nobody", Secret: "x"}, oauth2.AuthStyleInParams).Exchange(ctx, code, oauth2.VerifierOption(f.verifier))
			return err
		}, 401, "invalid_client"},
		{"unknown code", func(t *testing.T, e *env, cfg *oauth2.Config, f flow, code string) error {
			_, err := cfg.Exchange(ctx, randomToken(), oauth2.VerifierOption(f.verifier))
			return err
		}, 400, "invalid_grant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			cfg := e.config(demoClients[0], oauth2.AuthStyleInHeader)
			f := e.start(cfg)
			err := tt.exchange(t, e, cfg, f, e.code(t, cfg, f))
			var re *oauth2.RetrieveError
			if !errors.As(err, &re) {
				t.Fatalf("Exchange error = %v, want a RetrieveError", err)
			}
			if re.Response.StatusCode != tt.wantStatus || re.ErrorCode != tt.wantCode || re.ErrorDescription == "" {
				t.Errorf("got %d %q (%q), want %d %q", re.Response.StatusCode, re.ErrorCode, re.ErrorDescription, tt.wantStatus, tt.wantCode)
			}
		})
	}
}

func TestUserinfoRefusals(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	cfg := e.config(demoClients[0], oauth2.AuthStyleInHeader)
	f := e.start(cfg)
	tok, err := cfg.Exchange(ctx, e.code(t, cfg, f), oauth2.VerifierOption(f.verifier))
	if err != nil {
		t.Fatal(err)
	}
	idToken, _ := tok.Extra("id_token").(string)
	tests := []struct {
		name, header string
		later        time.Duration
	}{
		{"no token", "", 0},
		{"ID token instead of access token", "Bearer " + idToken, 0},
		{"garbage", "Bearer abc.def.ghi", 0},
		{"expired", "Bearer " + tok.AccessToken, tokenTTL + time.Minute},
		{"at its exp", "Bearer " + tok.AccessToken, tokenTTL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.clock.Add(tt.later)
			defer e.clock.Add(-tt.later)
			req, _ := http.NewRequest(http.MethodGet, e.url+"/userinfo", nil)
			if tt.header != "" {
				req.Header.Set("Authorization", tt.header)
			}
			if pg := e.do(t, req); pg.status != http.StatusUnauthorized {
				t.Errorf("status %d, want 401", pg.status)
			}
		})
	}
}

// Restarting on the same key file keeps the kid, the sub of each person
// and open login pages valid.
func TestRestartKeepsKeys(t *testing.T) {
	e := newEnv(t)
	again, err := New(e.url, e.keyPath, demoUsers(t), demoClients)
	if err != nil {
		t.Fatal(err)
	}
	kid1 := e.p.signer.JWK().Kid
	kid2 := again.signer.JWK().Kid
	if kid1 == "" || kid1 != kid2 {
		t.Errorf("kid %q then %q", kid1, kid2)
	}
	u := demoUsers(t)[0]
	if e.p.identityClaims(u)["sub"] != again.identityClaims(u)["sub"] {
		t.Error("sub changed across a restart")
	}
	_, lr := e.loginPage(t, e.start(e.config(demoClients[0], oauth2.AuthStyleInHeader)))
	if _, ok := again.open(lr); !ok {
		t.Error("a login page from before the restart no longer opens")
	}
}

func TestNewRejects(t *testing.T) {
	dir := t.TempDir()
	users := demoUsers(t)
	tests := []struct {
		name    string
		issuer  string
		users   []User
		clients []Client
	}{
		{"relative issuer", "127.0.0.1:4012", users, demoClients},
		{"issuer with query", "http://127.0.0.1:4012?x=1", users, demoClients},
		{"user without name", "http://127.0.0.1:4012", []User{{NationalID: users[0].NationalID}}, demoClients},
		{"user without number", "http://127.0.0.1:4012", []User{{Name: "Kari"}}, demoClients},
		{"org without name", "http://127.0.0.1:4012", []User{{Name: "Kari", NationalID: users[0].NationalID, OrgNumber: bakeri(t)}}, demoClients},
		{"invalid org number", "http://127.0.0.1:4012", []User{{Name: "Kari", NationalID: users[0].NationalID, OrgNumber: "123456789", OrgName: "X"}}, demoClients},
		{"client without secret", "http://127.0.0.1:4012", users, []Client{{ID: "a", RedirectURIs: []string{redirect}}}},
		{"client without redirect", "http://127.0.0.1:4012", users, []Client{{ID: "a", Secret: "s"}}},
		{"relative redirect", "http://127.0.0.1:4012", users, []Client{{ID: "a", Secret: "s", RedirectURIs: []string{"/cb"}}}},
		{"redirect with fragment", "http://127.0.0.1:4012", users, []Client{{ID: "a", Secret: "s", RedirectURIs: []string{redirect + "#x"}}}},
		{"client twice", "http://127.0.0.1:4012", users, []Client{demoClients[0], demoClients[0]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.issuer, filepath.Join(dir, "k.pem"), tt.users, tt.clients)
			if err == nil {
				t.Fatal("New succeeded, want error")
			}
			for _, u := range users {
				if strings.Contains(err.Error(), u.NationalID.Digits()) {
					t.Errorf("error %q shows a national identity number", err)
				}
			}
		})
	}
}

func TestSlugs(t *testing.T) {
	users := []User{
		{Name: "Ærlig Øystein Åsen", NationalID: mustPID(t, kariPID)},
		{Name: "Kari Nordmann", NationalID: mustPID(t, kariPID)},
		{Name: "Kari Hansen", NationalID: mustPID(t, olaPID)},
	}
	demo, err := checkUsers(users)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"aerlig", "kari", "kari-2"} {
		if demo[i].Slug != want {
			t.Errorf("slug %d = %q, want %q", i, demo[i].Slug, want)
		}
	}
}

// FuzzOpen: the login_request field is outside input. Nothing but what the
// provider sealed may open.
func FuzzOpen(f *testing.F) {
	p, err := New("http://127.0.0.1:4012", filepath.Join(f.TempDir(), "k.pem"), demoUsers(f), demoClients)
	if err != nil {
		f.Fatal(err)
	}
	sealed := p.seal(authRequest{ClientID: "consent", RedirectURI: redirect, State: "s", Nonce: "n",
		Challenge: strings.Repeat("A", 43), Expires: time.Now().Add(time.Hour).Unix()})
	f.Add(sealed)
	f.Add("")
	f.Add(".")
	f.Add("e30.AAAA")
	f.Fuzz(func(t *testing.T, s string) {
		if _, ok := p.open(s); ok && s != sealed {
			t.Errorf("open accepted %q, which was never sealed", s)
		}
	})
}
