//go:build integration

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tredjepart/tredjepart/localstack/harness/demo"
	"github.com/tredjepart/tredjepart/localstack/harness/testenv"
)

// The sandbox's own routes on a running stack: the test data, public and
// the same as package demo's table, and the reset: changes made through
// the API are gone after it, the seeded state is back, the stack runs on,
// and a second reset gives the same state again.
func TestTheSandboxServesItsTestDataAndResets(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	t.Setenv("NOW", "")
	t.Setenv("AWS_ENDPOINT_URL", "")
	opts := options{gatewayPort: testenv.FreePort(t), issuerPort: testenv.FreePort(t), motoPort: testenv.FreePort(t), oidcPort: testenv.FreePort(t),
		stateDir: t.TempDir(), inProcess: true}
	var log strings.Builder // the reasons behind a 500, when the test fails
	s, err := start(ctx, opts, slog.New(slog.NewTextHandler(&lockedWriter{w: &log}, &slog.HandlerOptions{Level: slog.LevelError})))
	if s != nil {
		defer s.close()
	}
	defer func() {
		if t.Failed() {
			t.Log(log.String())
		}
	}()
	if err != nil {
		t.Fatal(err)
	}
	u := user{t: t, ctx: ctx, s: s}
	straum, ladeklar := s.demo.ThirdParties[0], s.demo.ThirdParties[1]

	var table demo.TestData
	u.call(http.MethodGet, u.gateway("/v1/sandbox/test-data"), "", nil, &table)
	if want := demo.Table(s.demo, s.clock.Now()); !reflect.DeepEqual(table, want) {
		t.Errorf("GET /v1/sandbox/test-data:\n%+v\nwant\n%+v", table, want)
	}
	if status(u, http.MethodGet, "/v1/sandbox/test-data?x=1", "") != http.StatusBadRequest {
		t.Error("an unknown query parameter is not refused")
	}

	// Changes through the API: a new request, the pending demo request
	// withdrawn, the webhook removed, a demo party disabled.
	tok, ladeTok, admin := u.token("gln="+string(straum.GLN)), u.token("gln="+string(ladeklar.GLN)), u.token("admin=true")
	var asked struct{ Links struct{ Authorize string } }
	u.call(http.MethodPost, u.gateway("/v1/access-requests"), tok, map[string]string{"meteringPointId": string(s.demo.Requestable)}, &asked)
	u.authorizeLinkReturnsToTheReturnPage(asked.Links.Authorize)
	seededRequest := s.demoRequest
	u.call(http.MethodDelete, u.gateway("/v1/access-requests/"+seededRequest), ladeTok, nil, nil)
	u.call(http.MethodDelete, u.gateway("/v1/webhook"), tok, nil, nil)
	u.call(http.MethodPost, u.gateway("/v1/admin/third-parties/"+string(ladeklar.GLN)+"/disable"), admin, nil, nil)
	if got := status(u, http.MethodGet, "/v1/access-requests", ladeTok); got != http.StatusForbidden {
		t.Fatalf("a disabled party's call answered %d, want 403", got)
	}

	if got := status(u, http.MethodPost, "/v1/sandbox/reset", ""); got != http.StatusUnauthorized {
		t.Errorf("a reset without a token answered %d, want 401", got)
	}
	if got := status(u, http.MethodPost, "/v1/sandbox/reset", u.token("ingest=true")); got != http.StatusForbidden {
		t.Errorf("a reset with the grid company's token answered %d, want 403", got)
	}
	// The issuer gives any client any scope: a third party's scope for a
	// client no third party is registered to, or the admin scope for a
	// client not the operator's, is refused, as the rest of the API does.
	for _, stranger := range []struct{ client, scope string }{{"nobody", "tredjepart:thirdparty"}, {"nobody", "tredjepart:admin"}} {
		if got, kind := problemStatus(u, http.MethodPost, "/v1/sandbox/reset", u.clientToken(stranger.client, stranger.scope)); got != http.StatusForbidden || kind != "application/problem+json" {
			t.Errorf("a reset with a token for client %s with scope %s answered %d %s, want 403 application/problem+json", stranger.client, stranger.scope, got, kind)
		}
	}
	for i, token := range []string{tok, admin} { // a demo third party's token, then the operator's
		var done resetDone
		u.call(http.MethodPost, u.gateway("/v1/sandbox/reset"), token, nil, &done)
		t.Logf("reset %d: %+v", i+1, done)
		if done.QueuesPurged != 8 || done.PendingRequest.ID == "" || done.PendingRequest.ID == seededRequest ||
			!strings.HasSuffix(done.PendingRequest.ConsentURL, "/consent/requests/"+done.PendingRequest.ID) {
			t.Errorf("reset %d answered %+v", i+1, done)
		}
		if i == 0 && (done.ItemsDeleted == 0 || done.ExecutionsStopped == 0) {
			t.Errorf("the first reset deleted %d items and stopped %d expiry executions", done.ItemsDeleted, done.ExecutionsStopped)
		}
		u.seeded(done.PendingRequest.ID)
	}
}

// seeded checks the state the stack starts in, through the API.
func (u user) seeded(pendingID string) {
	t, s := u.t, u.s
	t.Helper()
	straum, ladeklar := s.demo.ThirdParties[0], s.demo.ThirdParties[1]
	tok, ladeTok := u.token("gln="+string(straum.GLN)), u.token("gln="+string(ladeklar.GLN))
	type request struct{ ID, Status, MeteringPointID, Scope string }
	var list struct{ Items []request }
	u.call(http.MethodGet, u.gateway("/v1/access-requests"), tok, nil, &list)
	if len(list.Items) != 0 {
		t.Errorf("%s has requests after the reset: %+v", straum.Name, list.Items)
	}
	u.call(http.MethodGet, u.gateway("/v1/access-requests"), ladeTok, nil, &list) // 403 if still disabled
	if want := []request{{pendingID, "PENDING", string(s.demo.Requestable), "FULL"}}; !reflect.DeepEqual(list.Items, want) {
		t.Errorf("%s's requests after the reset: %+v, want %+v", ladeklar.Name, list.Items, want)
	}
	var hook struct{ URL string }
	u.call(http.MethodGet, u.gateway("/v1/webhook"), tok, nil, &hook)
	if hook.URL != s.webhookURL {
		t.Errorf("webhook %q after the reset, want the demo receiver %s", hook.URL, s.webhookURL)
	}
	var points struct {
		Items []struct{ MeteringPointID string }
	}
	u.call(http.MethodGet, u.gateway("/v1/metering-points"), tok, nil, &points)
	if len(points.Items) != 1 || points.Items[0].MeteringPointID != string(s.demo.AlreadyGranted) {
		t.Errorf("metering points with access after the reset: %+v, want the seeded grant's", points.Items)
	}
	var deliveries struct{ Items []any }
	u.call(http.MethodGet, u.gateway("/v1/deliveries"), tok, nil, &deliveries)
	if len(deliveries.Items) != 0 {
		t.Errorf("%d deliveries after the reset", len(deliveries.Items))
	}
	var arrived struct{ Received []arrival }
	u.call(http.MethodGet, s.webhookURL, "", nil, &arrived)
	if len(arrived.Received) != 0 {
		t.Errorf("the demo receiver still shows %d arrivals", len(arrived.Received))
	}
	if got := status(u, http.MethodPost, "/v1/access-requests", tok, `{"meteringPointId":"`+string(s.demo.AlreadyGranted)+`"}`); got != http.StatusConflict {
		t.Errorf("a request for the granted point answered %d, want 409 (EH017)", got)
	}
	var registered struct{ RedirectURIs []string }
	u.call(http.MethodGet, u.gateway("/v1/admin/third-parties/"+string(straum.GLN)), u.token("admin=true"), nil, &registered)
	if len(registered.RedirectURIs) == 0 || registered.RedirectURIs[0] != s.returnPage() {
		t.Errorf("%s's redirect URIs after the reset: %q, want the return page %s first", straum.Name, registered.RedirectURIs, s.returnPage())
	}
}

// authorizeLinkReturnsToTheReturnPage checks that a demo request's
// links.authorize sends the end user back to the stack's return page, and
// that the page is there, showing a decision.
func (u user) authorizeLinkReturnsToTheReturnPage(link string) {
	u.t.Helper()
	authorize, err := url.Parse(link)
	if err != nil || authorize.Query().Get("redirect_uri") != u.s.returnPage() {
		u.t.Fatalf("links.authorize %q (%v) does not return to the stack's return page %s", link, err, u.s.returnPage())
	}
	res, err := http.Get(u.s.returnPage() + "?status=APPROVED&granted_scope=Full&state=st-1")
	if err != nil {
		u.t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), "st-1") {
		u.t.Errorf("the return page answered %d:\n%s", res.StatusCode, body)
	}
}

// clientToken is a token from the issuer's token endpoint, which gives
// any client the scope it asks for.
func (u user) clientToken(client, scope string) string {
	u.t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {client}, "scope": {scope}}
	res, err := http.PostForm(u.issuer("/token"), form)
	if err != nil {
		u.t.Fatal(err)
	}
	defer res.Body.Close()
	var token struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&token); err != nil || token.AccessToken == "" {
		u.t.Fatalf("token for %s %s answered %d (%v)", client, scope, res.StatusCode, err)
	}
	return token.AccessToken
}

// problemStatus is status with the answer's content type.
func problemStatus(u user, method, path, token string) (int, string) {
	u.t.Helper()
	req, err := http.NewRequestWithContext(u.ctx, method, u.gateway(path), nil)
	if err != nil {
		u.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		u.t.Fatal(fmt.Errorf("%s %s: %w", method, path, err))
	}
	res.Body.Close()
	return res.StatusCode, res.Header.Get("Content-Type")
}

// status sends a request to the gateway and returns the answer's status.
func status(u user, method, path, token string, body ...string) int {
	u.t.Helper()
	req, err := http.NewRequestWithContext(u.ctx, method, u.gateway(path), strings.NewReader(strings.Join(body, "")))
	if err != nil {
		u.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if len(body) > 0 {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		u.t.Fatal(fmt.Errorf("%s %s: %w", method, path, err))
	}
	res.Body.Close()
	return res.StatusCode
}

// lockedWriter lets the stack's goroutines share one log.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
