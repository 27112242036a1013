package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tredjepart/tredjepart/shared/adminapi"
	"github.com/tredjepart/tredjepart/shared/apigw"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/inmem"
	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/resources"
)

// backend makes the admin handler the commands reach.
type backend struct {
	name    string
	handler func(t *testing.T) *adminapi.Handler
}

// backends are the handler on the fakes, and under -tags integration the
// handler FromEnv builds on moto (moto_test.go).
var backends = []backend{{"inmem", func(*testing.T) *adminapi.Handler {
	return &adminapi.Handler{Service: &registry.Parties{Store: inmem.NewParties()}, Operators: []string{"operator"},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
}}}

// onEach runs test on each backend, the handler served by serveAdmin.
func onEach(t *testing.T, test func(t *testing.T, api string)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { test(t, serveAdmin(t, b.handler(t))) })
	}
}

// serveAdmin serves the admin handler over HTTP as API Gateway would after
// its authorizer: route matching, path parameters and the token's client.
func serveAdmin(t *testing.T, h *adminapi.Handler) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer admin-token" {
			http.Error(w, `{"message":"Unauthorized"}`, http.StatusUnauthorized)
			return
		}
		body, _ := io.ReadAll(r.Body)
		ev := apigw.Request{RawPath: r.URL.Path, Body: string(body), Headers: map[string]string{"content-type": r.Header.Get("Content-Type")}}
		if query := r.URL.Query(); len(query) > 0 {
			ev.QueryStringParameters = map[string]string{}
			for k := range query {
				ev.QueryStringParameters[k] = query.Get(k)
			}
		}
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: map[string]string{"client_id": "operator"}}}
		for _, route := range resources.Routes {
			if params, ok := match(route, r.Method, r.URL.Path); ok && route.Function == resources.AdminFunctionID {
				ev.RouteKey, ev.PathParameters = route.Key(), params
			}
		}
		res, _ := h.Handle(r.Context(), ev)
		for k, v := range res.Headers {
			w.Header().Set(k, v)
		}
		w.WriteHeader(res.StatusCode)
		_, _ = io.WriteString(w, res.Body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func match(route resources.Route, method, path string) (map[string]string, bool) {
	want, got := strings.Split(route.Path, "/"), strings.Split(path, "/")
	if route.Method != method || len(want) != len(got) {
		return nil, false
	}
	params := map[string]string{}
	for i := range want {
		switch {
		case strings.HasPrefix(want[i], "{"):
			params[strings.Trim(want[i], "{}")] = got[i]
		case want[i] != got[i]:
			return nil, false
		}
	}
	return params, true
}

type cli struct {
	t   *testing.T
	env map[string]string
}

func (c cli) run(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, func(k string) string { return c.env[k] }, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func gln(t *testing.T, first12 string) string {
	g, err := ident.GLNWithCheckDigit(first12)
	if err != nil {
		t.Fatal(err)
	}
	return string(g)
}

func TestCommands(t *testing.T) { onEach(t, everyCommand) }

func everyCommand(t *testing.T, api string) {
	c := cli{t, map[string]string{APIEnv: api, TokenEnv: "admin-token"}}
	tp, dp := gln(t, "707000000001"), gln(t, "707000000002")

	code, out, errOut := c.run("third-party", "register", "-gln", tp, "-name", "Varme AS", "-org", "912345688",
		"-client-id", "cli-varme", "-client-id", "cli-varme-2", "-redirect-uri", "https://varme.example/back", "-contact-email", "ops@varme.example")
	if code != 0 {
		t.Fatalf("register: %d %s", code, errOut)
	}
	var shown adminapi.ThirdPartyBody
	if err := json.Unmarshal([]byte(out), &shown); err != nil || len(shown.ClientIDs) != 2 || shown.Contact.Email != "ops@varme.example" {
		t.Fatalf("register printed %s (%v)", out, err)
	}

	t.Run("registering again shows the problem and fails", func(t *testing.T) {
		code, _, errOut := c.run("third-party", "register", "-gln", tp, "-name", "Varme AS", "-org", "912345688", "-client-id", "cli-varme")
		if code != 1 || !strings.Contains(errOut, "409") || !strings.Contains(errOut, "already registered") {
			t.Fatalf("%d %s", code, errOut)
		}
	})
	t.Run("bad fields are listed by name", func(t *testing.T) {
		code, _, errOut := c.run("data-provider", "register", "-gln", dp, "-name", "Nett", "-org", "912345688", "-client-id", "cli-nett", "-role", "supplier")
		if code != 1 || !strings.Contains(errOut, "role:") || !strings.Contains(errOut, "gridAreas:") {
			t.Fatalf("%d %s", code, errOut)
		}
	})
	t.Run("update changes only what is given", func(t *testing.T) {
		code, out, errOut := c.run("third-party", "update", "-name", "Varme og Kulde AS", tp)
		if code != 0 || !strings.Contains(out, "Varme og Kulde AS") || !strings.Contains(out, "cli-varme-2") || !strings.Contains(out, "ops@varme.example") {
			t.Fatalf("%d %s %s", code, out, errOut)
		}
	})
	t.Run("disable, list, enable", func(t *testing.T) {
		if code, out, _ := c.run("third-party", "disable", tp); code != 0 || !strings.Contains(out, `"disabled": true`) {
			t.Fatalf("disable: %d %s", code, out)
		}
		code, out, _ := c.run("third-party", "list")
		if code != 0 || !strings.Contains(out, "GLN") || !strings.Contains(out, tp) || !strings.Contains(out, "disabled") {
			t.Fatalf("list: %d %s", code, out)
		}
		if code, out, _ := c.run("third-party", "enable", "-gln", tp); code != 0 || !strings.Contains(out, `"disabled": false`) {
			t.Fatalf("enable: %d %s", code, out)
		}
	})
	t.Run("data providers", func(t *testing.T) {
		code, _, errOut := c.run("data-provider", "register", "-gln", dp, "-name", "Nett AS", "-org", "912345688", "-client-id", "cli-nett",
			"-role", "grid-company", "-grid-area", "50YNO1ELVIA0001K", "-grid-area", "50YELVIA-OSLO--A")
		if code != 0 {
			t.Fatalf("register: %d %s", code, errOut)
		}
		code, out, _ := c.run("data-provider", "list", "-json")
		var items []adminapi.DataProviderBody
		if err := json.Unmarshal([]byte(out), &items); code != 0 || err != nil || !strings.Contains(out, "50YELVIA-OSLO--A") {
			t.Fatalf("list: %d %s %v", code, out, err)
		}
		if code, out, _ := c.run("data-provider", "show", dp); code != 0 || !strings.Contains(out, `"role": "grid-company"`) {
			t.Fatalf("show: %d %s", code, out)
		}
	})
	t.Run("a missing party is 404", func(t *testing.T) {
		if code, _, errOut := c.run("data-provider", "show", gln(t, "707000000099")); code != 1 || !strings.Contains(errOut, "404") {
			t.Fatalf("%d %s", code, errOut)
		}
	})
	t.Run("usage errors", func(t *testing.T) {
		for _, args := range [][]string{{}, {"party", "list"}, {"third-party", "show"}, {"third-party", "frobnicate", tp}} {
			if code, _, _ := c.run(args...); code != 2 {
				t.Errorf("%v: exit %d, want 2", args, code)
			}
		}
	})
	t.Run("without the token the gateway's answer is shown", func(t *testing.T) {
		code, _, errOut := cli{t, map[string]string{APIEnv: c.env[APIEnv]}}.run("third-party", "list")
		if code != 1 || !strings.Contains(errOut, "401") {
			t.Fatalf("%d %s", code, errOut)
		}
	})
}
