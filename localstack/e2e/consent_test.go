//go:build integration

package e2e_test

// End users on the consent pages, through the gateway, with a real login on
// the development OpenID provider: a browser's requests, made by an HTTP
// client that keeps cookies and follows redirects.

import (
	"archive/zip"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tredjepart/tredjepart/localstack/emulate/gateway"
	"github.com/tredjepart/tredjepart/localstack/harness/demo"
	"github.com/tredjepart/tredjepart/localstack/harness/inprocess"
	"github.com/tredjepart/tredjepart/localstack/harness/testenv"
	"github.com/tredjepart/tredjepart/localstack/identity/oidcdev"
	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/adminapi"
	"github.com/tredjepart/tredjepart/shared/apidocs"
	"github.com/tredjepart/tredjepart/shared/dynamo"
	"github.com/tredjepart/tredjepart/shared/enduserweb"
	"github.com/tredjepart/tredjepart/shared/grant"
	"github.com/tredjepart/tredjepart/shared/personaldata"
	"github.com/tredjepart/tredjepart/shared/portalweb"
	"github.com/tredjepart/tredjepart/shared/resources"
	"github.com/tredjepart/tredjepart/shared/sender"
	"github.com/tredjepart/tredjepart/shared/websession"
)

// consentWorld is the intake and consent functions behind one gateway, with
// the development OpenID provider for end users.
func consentWorld(t *testing.T) (*world, dynamo.Stores) {
	t.Helper()
	ctx := context.Background()
	env := testenv.Get(t)
	data, pseudoKey := testenv.Demo(t)
	gw := httptest.NewUnstartedServer(nil)
	callback := "http://" + gw.Listener.Addr().String() + "/login/callback"
	portalCallback := "http://" + gw.Listener.Addr().String() + "/portal/login/callback"
	providerSrv := httptest.NewUnstartedServer(nil)
	provider, err := oidcdev.New("http://"+providerSrv.Listener.Addr().String(), filepath.Join(t.TempDir(), "oidc.pem"), demo.People,
		[]oidcdev.Client{
			{ID: "consent", Secret: "s3cret-for-tests", RedirectURIs: []string{callback}},
			{ID: "tredjepart-portal", Secret: "portal-s3cret-for-tests", RedirectURIs: []string{portalCallback}},
		})
	if err != nil {
		t.Fatal(err)
	}
	providerSrv.Config.Handler = provider.Handler()
	providerSrv.Start()
	t.Cleanup(providerSrv.Close)

	functionEnv := env.Stack.Env()
	for k, v := range map[string]string{
		enduserweb.OIDCIssuerEnv: provider.Issuer(), enduserweb.OIDCClientIDEnv: "consent", enduserweb.OIDCClientSecretEnv: "s3cret-for-tests",
		enduserweb.OIDCRedirectURLEnv: callback, enduserweb.PseudonymKeyEnv: pseudoKey,
		websession.CookieKeysEnv:      "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDEyMzQ1",
		websession.InsecureCookiesEnv: "true",
		sender.LocalEndpointsEnv:      "true", // webhooks on 127.0.0.1 over HTTP
		portalweb.OIDCIssuerEnv:       provider.Issuer(), portalweb.OIDCClientIDEnv: "tredjepart-portal",
		portalweb.OIDCClientSecretEnv: "portal-s3cret-for-tests", portalweb.OIDCRedirectURLEnv: portalCallback,
		adminapi.OperatorClientsEnv: operator,
	} {
		functionEnv[k] = v
	}
	if functionEnv[apidocs.BundleEnv], err = apidocs.LocalBundle(); err != nil {
		t.Fatal(err)
	}
	functions := map[string]gateway.Invoker{}
	for _, fn := range resources.Functions {
		invoker, err := inprocess.Function(ctx, fn.ID, env.Config, func(k string) string { return functionEnv[k] }, quiet)
		if err != nil {
			t.Fatal(err)
		}
		functions[fn.ID] = invoker
	}
	w := serveFunctions(t, gw, functions)
	w.demo, w.provider = data, providerSrv.Listener.Addr().String()
	return w, dynamo.Open(dynamodb.NewFromConfig(env.Config), env.Stack.Tables)
}

// browser is an end user's browser: cookies kept, redirects followed.
type browser struct {
	t      *testing.T
	client *http.Client
	base   string
}

// newBrowser follows redirects within the stack (gateway and OpenID
// provider) and stops at any other address, where a third party would be.
func newBrowser(t *testing.T, w *world) *browser {
	jar, _ := cookiejar.New(nil)
	gw, _ := url.Parse(w.api)
	stayOn := func(req *http.Request, _ []*http.Request) error {
		if req.URL.Host != gw.Host && req.URL.Host != w.provider {
			return http.ErrUseLastResponse
		}
		return nil
	}
	return &browser{t: t, client: &http.Client{Jar: jar, CheckRedirect: stayOn}, base: w.api}
}

type page struct {
	status   int
	url      string
	body     string
	location string // where a redirect out of the stack points
}

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	res, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return page{res.StatusCode, res.Request.URL.String(), string(body), res.Header.Get("Location")}
}

// feed gets one of the end user's JSON feeds under /v1/me with the
// browser's session, holding the answer to the OpenAPI document.
func (b *browser) feed(path string) reply {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.resolve(path), nil)
	res, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return judge(b.t, req, res, raw)
}

func (b *browser) get(path string) page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.resolve(path), nil)
	return b.do(req)
}

// post sends form as a browser sends a form on a page of the same origin.
func (b *browser) post(path string, form url.Values) page {
	b.t.Helper()
	return b.postFrom("same-origin", path, form)
}

// postFrom sends form as a browser does from a page of another origin:
// secFetchSite is what it says of that page (same-site, cross-site), or ""
// for an older browser that sends only Origin.
func (b *browser) postFrom(secFetchSite, path string, form url.Values) page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.resolve(path), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	origin := req.URL.Scheme + "://" + req.URL.Host
	if secFetchSite != "same-origin" {
		origin = "https://attacker.example"
	}
	req.Header.Set("Origin", origin)
	if secFetchSite != "" {
		req.Header.Set("Sec-Fetch-Site", secFetchSite)
	}
	return b.do(req)
}

func (b *browser) resolve(path string) string {
	if strings.HasPrefix(path, "http") {
		return path
	}
	return b.base + path
}

var (
	hiddenField = regexp.MustCompile(`type="hidden" name="([^"]+)" value="([^"]*)"`)
	formAction  = regexp.MustCompile(`<form method="post" action="([^"]+)"`)
)

// field returns the value of a hidden form field on the page.
func (p page) field(t *testing.T, name string) string {
	t.Helper()
	for _, m := range hiddenField.FindAllStringSubmatch(p.body, -1) {
		if m[1] == name {
			return html.UnescapeString(m[2])
		}
	}
	t.Fatalf("no field %s on %s", name, p.url)
	return ""
}

// logIn opens path, logs in as the person on the development provider, and
// returns the page it lands on.
func (b *browser) logIn(path string, who string) page {
	b.t.Helper()
	login := b.get(path)
	if login.status != http.StatusOK || !strings.Contains(login.body, "login_request") {
		b.t.Fatalf("expected the provider's login page, got %d at %s", login.status, login.url)
	}
	action := formAction.FindStringSubmatch(login.body)[1]
	u, _ := url.Parse(login.url)
	target, _ := u.Parse(strings.ReplaceAll(action, "&amp;", "&"))
	return b.post(target.String(), url.Values{"login_request": {login.field(b.t, "login_request")}, "user": {who}})
}

func TestEndUserDecidesAndChangesAccess(t *testing.T) {
	w, store := consentWorld(t)
	ctx := context.Background()
	mp := string(w.demo.Requestable) // Kari's
	fromLadeklar := w.call(t, ladeklar, "POST", "/v1/access-requests", fmt.Sprintf(`{"meteringPointId":%q,"scope":"FULL"}`, mp)).str("id")
	fromStraumkompis := w.call(t, straumkompis, "POST", "/v1/access-requests", fmt.Sprintf(`{"meteringPointId":%q}`, mp)).str("id")

	kari := newBrowser(t, w)
	pending := kari.logIn("/consent", "kari")
	if pending.status != http.StatusOK || !strings.Contains(pending.body, fromLadeklar) || !strings.Contains(pending.body, fromStraumkompis) {
		t.Fatalf("pending page (%d at %s) lacks the requests:\n%s", pending.status, pending.url, pending.body)
	}
	if !strings.Contains(pending.body, "Ladeklar AS") || !strings.Contains(pending.body, `lang="nb"`) {
		t.Error("the pending page does not name the third party in bokmål")
	}
	if !strings.Contains(pending.body, "Storgata 12B, 0155 Oslo") {
		t.Error("the pending page does not give the metering point's address")
	}

	result := kari.post("/consent/decisions", url.Values{
		"request":                  {fromLadeklar, fromStraumkompis},
		"decision-" + fromLadeklar: {"approve"}, "level-" + fromLadeklar: {"FULL"},
		"decision-" + fromStraumkompis: {"decline"},
	})
	if result.status != http.StatusOK {
		t.Fatalf("decisions: %d\n%s", result.status, result.body)
	}
	if r, _ := store.Requests.Get(ctx, fromLadeklar); r.Status != accessrequest.Approved || r.GrantedScope != accessrequest.Full {
		t.Fatalf("approved request %+v", r)
	}
	if r, _ := store.Requests.Get(ctx, fromStraumkompis); r.Status != accessrequest.Rejected || r.ReasonCode != "EH088" {
		t.Fatalf("declined request %+v", r)
	}
	if api := w.call(t, ladeklar, "GET", "/v1/access-requests/"+fromLadeklar, "").expect(t, http.StatusOK); api.str("grantedScope") != "FULL" {
		t.Errorf("the third party sees %s", api.rawBody)
	}

	// The third party reads; Kari sees the read on My access and in her feed.
	w.call(t, ladeklar, "GET", "/v1/metering-points/"+mp, "").expect(t, http.StatusOK)
	feed := kari.feed("/v1/me/access-log")
	if feed.status != http.StatusOK || !strings.Contains(feed.rawBody, `"thirdPartyName":"Ladeklar AS"`) || !strings.Contains(feed.rawBody, `"what":"master-data"`) {
		t.Fatalf("access log %d: %s", feed.status, feed.rawBody)
	}
	if anonymous := newBrowser(t, w).feed("/v1/me/access-log"); anonymous.status != http.StatusUnauthorized || strings.Contains(anonymous.rawBody, "Ladeklar") {
		t.Fatalf("access log without a session: %d %s", anonymous.status, anonymous.rawBody)
	}

	access := kari.get("/consent/access")
	if reads := access.body[strings.Index(access.body, `data-testid="reads"`):]; !strings.Contains(reads, "Ladeklar AS") || !strings.Contains(reads, "Anleggsdata") {
		t.Errorf("My access does not show the read:\n%s", reads)
	}
	tp := string(w.demo.ThirdParties[1].GLN)
	if !strings.Contains(access.body, "grant-"+tp+"-"+mp) {
		t.Fatalf("My access lacks the grant:\n%s", access.body)
	}
	kari.post("/consent/access", url.Values{"action": {"level"}, "thirdParty": {tp}, "meteringPoint": {mp}, "level": {"LIMITED"}})
	if g, _, _ := store.Grants.Grant(ctx, w.demo.ThirdParties[1].GLN, w.demo.Requestable); g.Level != accessrequest.Limited {
		t.Fatalf("after the level change: %+v", g)
	}
	kari.post("/consent/access", url.Values{"action": {"revoke"}, "thirdParty": {tp}, "meteringPoint": {mp}})
	if g, _, _ := store.Grants.Grant(ctx, w.demo.ThirdParties[1].GLN, w.demo.Requestable); g.Status != grant.Revoked {
		t.Fatalf("after removal: %+v", g)
	}
	// Removal takes effect on the third party's very next call: it may ask again.
	w.call(t, ladeklar, "POST", "/v1/access-requests", fmt.Sprintf(`{"meteringPointId":%q}`, mp)).expect(t, http.StatusAccepted)

	// Kari takes her data with her: both requests she decided, the grant with
	// its three states, Ladeklar's read; Ola, who holds none of it, gets none.
	export := kari.feed("/v1/me/export").expect(t, http.StatusOK)
	var x personaldata.Export
	if err := json.Unmarshal([]byte(export.rawBody), &x); err != nil {
		t.Fatal(err)
	}
	// The grant of this test's request: other tests in the package give and
	// remove grants on the same demo point as Kari.
	var levels []string
	for _, g := range x.Grants {
		if g.ThirdPartyID == tp && g.MeteringPointID == mp && g.RequestID == fromLadeklar {
			for _, c := range g.Changes {
				levels = append(levels, c.Level+" "+c.Status)
			}
		}
	}
	if want := []string{"FULL ACTIVE", "LIMITED ACTIVE", "LIMITED REVOKED"}; !slices.Equal(levels, want) {
		t.Errorf("the grant's changes in the export: %v, want %v", levels, want)
	}
	for _, want := range []string{fromLadeklar, fromStraumkompis, `"what": "master-data"`, `"what": "export"`} {
		if !strings.Contains(export.rawBody, want) {
			t.Errorf("the export lacks %s:\n%s", want, export.rawBody)
		}
	}
	zipped := kari.feed("/v1/me/export?format=zip").expect(t, http.StatusOK)
	if z, err := zip.NewReader(strings.NewReader(zipped.rawBody), int64(len(zipped.rawBody))); err != nil || len(z.File) != 5 {
		t.Errorf("the zip: %v", err)
	}
	if feed := kari.feed("/v1/me/access-log"); strings.Count(feed.rawBody, `"what":"export"`) < 2 {
		t.Errorf("the two exports are not in Kari's access log: %s", feed.rawBody)
	}
	ola := newBrowser(t, w)
	ola.logIn("/consent", "ola")
	if others := ola.feed("/v1/me/export").expect(t, http.StatusOK); strings.Contains(others.rawBody, mp) || strings.Contains(others.rawBody, fromLadeklar) {
		t.Errorf("Ola's export holds Kari's data:\n%s", others.rawBody)
	}
	if anonymous := newBrowser(t, w).feed("/v1/me/export"); anonymous.status != http.StatusUnauthorized {
		t.Errorf("the export without a session: %d", anonymous.status)
	}
	kari.feed("/v1/me/export?format=csv").expect(t, http.StatusBadRequest)
	kari.feed("/v1/me/access-log?limit=0").expect(t, http.StatusBadRequest)
}

func TestConsentPagesRefuseAbuse(t *testing.T) {
	w, store := consentWorld(t)
	karisRequest := w.call(t, ladeklar, "POST", "/v1/access-requests", fmt.Sprintf(`{"meteringPointId":%q}`, w.demo.Requestable)).str("id")

	ola := newBrowser(t, w)
	guessed := ola.logIn("/consent/requests/"+karisRequest, "ola")
	if guessed.status != http.StatusNotFound || strings.Contains(guessed.body, "Ladeklar") || strings.Contains(guessed.body, string(w.demo.Requestable)) {
		t.Fatalf("another end user's request showed (%d):\n%s", guessed.status, guessed.body)
	}
	forged := ola.post("/consent/decisions", url.Values{"request": {karisRequest}, "decision-" + karisRequest: {"approve"}, "level-" + karisRequest: {"FULL"}})
	if !strings.Contains(forged.body, "Not recorded") && !strings.Contains(forged.body, "Ikke registrert") {
		t.Fatalf("deciding another's request was not refused:\n%s", forged.body)
	}
	for _, from := range []string{"cross-site", "same-site", ""} {
		if p := ola.postFrom(from, "/consent/decisions", url.Values{"request": {karisRequest}, "decision-" + karisRequest: {"decline"}}); p.status != http.StatusForbidden {
			t.Fatalf("a post from another origin (Sec-Fetch-Site %q): %d", from, p.status)
		}
	}
	if r, _ := store.Requests.Get(context.Background(), karisRequest); r.Status != accessrequest.Pending {
		t.Fatalf("the request changed: %+v", r)
	}

	u, _ := url.Parse(w.api)
	for _, c := range ola.client.Jar.Cookies(u) {
		if c.Name == "tp_session" {
			tampered := *c
			tampered.Value = c.Value[:len(c.Value)-2] + "AA"
			ola.client.Jar.SetCookies(u, []*http.Cookie{&tampered})
		}
	}
	if p := ola.get("/consent"); !strings.Contains(p.body, "login_request") {
		t.Fatalf("a tampered session was accepted (%d at %s)", p.status, p.url)
	}
}

func TestOrganisationEndUserActsThroughAPerson(t *testing.T) {
	w, _ := consentWorld(t)
	id := w.call(t, straumkompis, "POST", "/v1/access-requests", fmt.Sprintf(`{"meteringPointId":%q}`, w.demo.SecondRequestable)).str("id")
	baker := newBrowser(t, w)
	pending := baker.logIn("/consent", "per-"+string(demo.Baker.OrgNumber))
	if !strings.Contains(pending.body, id) || !strings.Contains(pending.body, "Bakeriet AS") {
		t.Fatalf("the organisation's request is not shown to its person:\n%s", pending.body)
	}
}

const straumkompisReturn = "http://127.0.0.1:8765/return" // registered in the demo data

func authorizeURL(client, requestID, redirect, scope string) string {
	return "/authorize?" + url.Values{"client_id": {client}, "request_id": {requestID}, "scope": {scope}, "redirect_uri": {redirect}, "state": {"st-42"}}.Encode()
}

// decide posts the authorize page's form with the decision.
func (b *browser) decide(p page, decision, level string) page {
	b.t.Helper()
	form := url.Values{"decision": {decision}, "level": {level}}
	for _, name := range []string{"client_id", "redirect_uri", "request_id", "state"} {
		form.Set(name, p.field(b.t, name))
	}
	return b.post("/authorize", form)
}

func TestRedirectFlowReturnsTheDecision(t *testing.T) {
	w, _ := consentWorld(t)
	client := string(w.demo.ThirdParties[0].GLN)
	mp := string(w.demo.Requestable)
	approveID := w.call(t, straumkompis, "POST", "/v1/access-requests", fmt.Sprintf(`{"meteringPointId":%q}`, mp)).str("id")

	kari := newBrowser(t, w)
	page := kari.logIn(authorizeURL(client, approveID, straumkompisReturn, "Full"), "kari")
	if page.status != http.StatusOK || !strings.Contains(page.body, `value="FULL" selected`) {
		t.Fatalf("authorize page (%d at %s):\n%s", page.status, page.url, page.body)
	}
	back := kari.decide(page, "approve", "FULL")
	want := straumkompisReturn + "?" + url.Values{"granted_scope": {"Full"}, "metering_point_ids": {mp}, "request_id": {approveID}, "state": {"st-42"}, "status": {"APPROVED"}}.Encode()
	if back.status != http.StatusFound || back.location != want {
		t.Fatalf("approve sent the browser to %q (%d), want %q", back.location, back.status, want)
	}

	// Declining another request, after removing the access the first one gave.
	w.call(t, straumkompis, "GET", "/v1/access-requests/"+approveID, "").expect(t, http.StatusOK)
	kari.post("/consent/access", url.Values{"action": {"revoke"}, "thirdParty": {client}, "meteringPoint": {mp}})
	declineID := w.call(t, straumkompis, "POST", "/v1/access-requests", fmt.Sprintf(`{"meteringPointId":%q}`, mp)).expect(t, http.StatusAccepted).str("id")
	declined := kari.decide(kari.get(authorizeURL(client, declineID, straumkompisReturn, "Limited")), "decline", "LIMITED")
	if u, err := url.Parse(declined.location); err != nil || u.Query().Get("error") != "access_denied" || u.Query().Get("error_code") != "EH088" || u.Query().Get("state") != "st-42" {
		t.Fatalf("decline sent the browser to %q", declined.location)
	}
}

// scope= takes BRS-NO-624's Full and Limited and the API's FULL and
// LIMITED, in any case; any other value goes back to the third party as
// invalid_scope, before any login and whatever the request's state.
func TestRedirectFlowReadsEitherSpellingOfTheScopeAndRefusesOthers(t *testing.T) {
	w, _ := consentWorld(t)
	client := string(w.demo.ThirdParties[0].GLN)
	id := w.call(t, straumkompis, "POST", "/v1/access-requests", fmt.Sprintf(`{"meteringPointId":%q}`, w.demo.Requestable)).str("id") // Kari's
	invalidScope := func(who string, p page) {
		t.Helper()
		u, err := url.Parse(p.location)
		if err != nil || p.status != http.StatusFound || !strings.HasPrefix(p.location, straumkompisReturn+"?") || u.Query().Get("error") != "invalid_scope" ||
			u.Query().Get("request_id") != id || u.Query().Get("state") != "st-42" {
			t.Errorf("%s: %d to %q; want invalid_scope back at the redirect URI", who, p.status, p.location)
		}
	}
	invalidScope("before logging in", newBrowser(t, w).get(authorizeURL(client, id, straumkompisReturn, "Fulll")))

	kari := newBrowser(t, w)
	kari.logIn("/consent", "kari")
	for scope, level := range map[string]string{"Full": "FULL", "FULL": "FULL", "full": "FULL", "Limited": "LIMITED", "LIMITED": "LIMITED", "limited": "LIMITED"} {
		if p := kari.get(authorizeURL(client, id, straumkompisReturn, scope)); p.status != http.StatusOK || !strings.Contains(p.body, `value="`+level+`" selected`) {
			t.Errorf("scope=%s: %d at %s, want the page with %s chosen", scope, p.status, p.url, level)
		}
	}
	for _, scope := range []string{"Fulll", "READ", "Full Limited"} {
		invalidScope("scope="+scope, kari.get(authorizeURL(client, id, straumkompisReturn, scope)))
	}
	w.call(t, straumkompis, "DELETE", "/v1/access-requests/"+id, "").expect(t, http.StatusOK)
	invalidScope("a withdrawn request", kari.get(authorizeURL(client, id, straumkompisReturn, "Fulll")))
}

func TestRedirectFlowForAnotherEndUsersPointSaysEH106(t *testing.T) {
	w, _ := consentWorld(t)
	id := w.call(t, straumkompis, "POST", "/v1/access-requests", fmt.Sprintf(`{"meteringPointId":%q}`, registerMeteringPoint(t))).str("id")
	ola := newBrowser(t, w)
	back := ola.logIn(authorizeURL(string(w.demo.ThirdParties[0].GLN), id, straumkompisReturn, "Full"), "ola")
	if u, err := url.Parse(back.location); err != nil || u.Query().Get("error_code") != "EH106" || strings.Contains(back.location, "metering_point_ids") {
		t.Fatalf("sent the browser to %q (%d)", back.location, back.status)
	}
}

func TestRedirectFlowNeverRedirectsToUnregisteredAddresses(t *testing.T) {
	w, _ := consentWorld(t)
	client := string(w.demo.ThirdParties[0].GLN)
	id := w.call(t, straumkompis, "POST", "/v1/access-requests", fmt.Sprintf(`{"meteringPointId":%q}`, registerMeteringPoint(t))).str("id")
	kari := newBrowser(t, w)
	kari.logIn("/consent", "kari")
	for _, bad := range []struct{ client, redirect string }{
		{client, straumkompisReturn + "/"},
		{client, straumkompisReturn + "?next=/"},
		{client, straumkompisReturn + "/../evil"},
		{client, "http://127.0.0.1:8765.evil.no/return"},
		{client, "https://straumkompis.example.evil.no/tredjepart/return"},
		{client, "https://evil.no/?u=https://straumkompis.example/tredjepart/return"},
		{client, "javascript:alert(document.cookie)"},
		{client, "https://app.ladeklar.example/consent-done"}, // registered, but to another third party
		{"7090000000028", straumkompisReturn},                 // another client with this client's address
		{"7090000000099", straumkompisReturn},                 // no such client
		{client, ""},
	} {
		p := kari.get(authorizeURL(bad.client, id, bad.redirect, "Full"))
		if p.status != http.StatusBadRequest || p.location != "" {
			t.Errorf("client %s, redirect_uri %q: %d, Location %q", bad.client, bad.redirect, p.status, p.location)
		}
		form := url.Values{"client_id": {bad.client},
			"redirect_uri": {bad.redirect}, "request_id": {id}, "decision": {"approve"}, "level": {"FULL"}}
		if p := kari.post("/authorize", form); p.status != http.StatusBadRequest || p.location != "" {
			t.Errorf("posted to client %s, redirect_uri %q: %d, Location %q", bad.client, bad.redirect, p.status, p.location)
		}
	}
}
