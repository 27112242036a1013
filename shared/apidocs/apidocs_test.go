package apidocs_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/tredjepart/tredjepart/shared/apidocs"
	"github.com/tredjepart/tredjepart/shared/apigw"
	"github.com/tredjepart/tredjepart/shared/openapi"
	"github.com/tredjepart/tredjepart/shared/resources"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// fakeBundle stands in for Redoc's 2 MB script.
var fakeBundle = []byte(strings.Repeat("export const init = () => {};\n", 100))

func handler(t *testing.T) *apidocs.Handler {
	t.Helper()
	h, err := apidocs.New(fakeBundle, quiet)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func get(t *testing.T, h *apidocs.Handler, routeKey, path string, headers map[string]string, params map[string]string) apigw.Response {
	t.Helper()
	res, err := h.Handle(context.Background(), apigw.Request{RouteKey: routeKey, RawPath: path, Headers: headers, PathParameters: params})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// Every route of the docs function is one the handler answers.
func TestTheRoutesAreTheHandlers(t *testing.T) {
	want := map[string]bool{apidocs.RoutePage: true, apidocs.RouteFile: true, apidocs.RouteDocument: true}
	for _, r := range resources.Routes {
		if r.Function != resources.DocsFunctionID {
			continue
		}
		if !want[r.Key()] {
			t.Errorf("route %s goes to the docs function, which does not answer it", r.Key())
		}
		if !r.Public {
			t.Errorf("route %s needs a token: the reference is for developers before they have one", r.Key())
		}
		delete(want, r.Key())
	}
	for key := range want {
		t.Errorf("the docs function answers %s, which is no route", key)
	}
}

// The page loads its script from this origin, has no inline script, and
// gives styled-components the nonce its CSP allows; each page has a nonce
// of its own.
func TestThePageAndItsPolicy(t *testing.T) {
	h := handler(t)
	nonces := map[string]bool{}
	for range 2 {
		res := get(t, h, apidocs.RoutePage, "/docs", nil, nil)
		if res.StatusCode != http.StatusOK || res.Headers["Content-Type"] != "text/html; charset=utf-8" || res.Headers["Cache-Control"] != "no-store" {
			t.Fatalf("GET /docs: %d %v", res.StatusCode, res.Headers)
		}
		csp := res.Headers["Content-Security-Policy"]
		m := regexp.MustCompile(`<meta property="csp-nonce" content="([A-Za-z0-9+/=]{24})">`).FindStringSubmatch(res.Body)
		if m == nil {
			t.Fatalf("no nonce for styled-components in\n%s", res.Body)
		}
		nonces[m[1]] = true
		if csp != apidocs.CSP(m[1]) {
			t.Errorf("CSP %q, want the policy for the page's nonce", csp)
		}
		for _, want := range []string{"default-src 'none'", "script-src 'self';", "connect-src 'self'", "img-src 'self' data:", "frame-ancestors 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("CSP %q lacks %q", csp, want)
			}
		}
		if strings.Contains(csp, "unsafe") {
			t.Errorf("CSP %q allows something unsafe", csp)
		}
		scripts := regexp.MustCompile(`<script[^>]*>`).FindAllString(res.Body, -1)
		if len(scripts) != 1 || scripts[0] != `<script type="module" src="/docs/redoc.standalone.js">` {
			t.Errorf("scripts %q, want the bundle alone", scripts)
		}
		if !strings.Contains(res.Body, `<redoc spec-url="/openapi.json" disable-telemetry="true">`) {
			t.Errorf("the page does not point Redoc at /openapi.json with telemetry off:\n%s", res.Body)
		}
		if strings.Contains(res.Body, "http") {
			t.Errorf("the page names another origin:\n%s", res.Body)
		}
	}
	if len(nonces) != 2 {
		t.Errorf("two pages had the same nonce")
	}
}

func TestTheScript(t *testing.T) {
	h := handler(t)
	params := map[string]string{"file": apidocs.BundleFile}
	plain := get(t, h, apidocs.RouteFile, "/docs/redoc.standalone.js", nil, params)
	if plain.StatusCode != http.StatusOK || plain.Headers["Content-Type"] != "text/javascript; charset=utf-8" ||
		plain.IsBase64Encoded || plain.Headers["Content-Encoding"] != "" || plain.Body != string(fakeBundle) {
		t.Errorf("without Accept-Encoding: %d %v base64 %v, %d bytes", plain.StatusCode, plain.Headers, plain.IsBase64Encoded, len(plain.Body))
	}
	for _, accept := range []string{"gzip, deflate, br, zstd", "br;q=1.0, gzip;q=0.8", "*"} {
		res := get(t, h, apidocs.RouteFile, "/docs/redoc.standalone.js", map[string]string{"accept-encoding": accept}, params)
		if res.Headers["Content-Encoding"] != "gzip" || !res.IsBase64Encoded || res.Headers["Vary"] != "Accept-Encoding" {
			t.Errorf("Accept-Encoding %q: %v base64 %v", accept, res.Headers, res.IsBase64Encoded)
			continue
		}
		raw, _ := base64.StdEncoding.DecodeString(res.Body)
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		if body, err := io.ReadAll(zr); err != nil || !bytes.Equal(body, fakeBundle) {
			t.Errorf("Accept-Encoding %q: the gzipped body is not the bundle (%v)", accept, err)
		}
	}
	if res := get(t, h, apidocs.RouteFile, "/docs/redoc.standalone.js", map[string]string{"accept-encoding": "gzip;q=0, identity"}, params); res.Headers["Content-Encoding"] != "" {
		t.Errorf("gzip;q=0 got %v", res.Headers)
	}
	missing := get(t, h, apidocs.RouteFile, "/docs/other.js", nil, map[string]string{"file": "other.js"})
	if missing.StatusCode != http.StatusNotFound || missing.Headers["Content-Type"] != "application/problem+json" {
		t.Errorf("GET /docs/other.js: %d %v %s", missing.StatusCode, missing.Headers, missing.Body)
	}
}

func TestTheDocument(t *testing.T) {
	res := get(t, handler(t), apidocs.RouteDocument, "/openapi.json", nil, nil)
	if res.StatusCode != http.StatusOK || res.Headers["Content-Type"] != "application/json" || res.Body != string(openapi.Document()) {
		t.Errorf("GET /openapi.json: %d %v, %d bytes", res.StatusCode, res.Headers, len(res.Body))
	}
}

// On AWS the bundle is beside the bootstrap; locally REDOC_BUNDLE names it;
// without one the function does not start.
func TestLambdaFindsTheBundle(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, apidocs.BundleFile), fakeBundle, 0o644); err != nil {
		t.Fatal(err)
	}
	env := func(vars map[string]string) func(string) string { return func(k string) string { return vars[k] } }
	for name, vars := range map[string]map[string]string{
		"LAMBDA_TASK_ROOT": {"LAMBDA_TASK_ROOT": dir},
		apidocs.BundleEnv:  {apidocs.BundleEnv: filepath.Join(dir, apidocs.BundleFile), "LAMBDA_TASK_ROOT": "/nowhere"},
	} {
		fn, err := apidocs.Lambda(context.Background(), aws.Config{}, env(vars), quiet)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		handle := fn.(func(context.Context, apigw.Request) (apigw.Response, error))
		res, _ := handle(context.Background(), apigw.Request{RouteKey: apidocs.RouteFile, PathParameters: map[string]string{"file": apidocs.BundleFile}})
		if res.Body != string(fakeBundle) {
			t.Errorf("%s: served %d bytes, not the bundle", name, len(res.Body))
		}
	}
	for name, vars := range map[string]map[string]string{
		"nothing set":      {},
		"no bundle there":  {"LAMBDA_TASK_ROOT": t.TempDir()},
		"REDOC_BUNDLE bad": {apidocs.BundleEnv: filepath.Join(dir, "missing.js")},
	} {
		if _, err := apidocs.Lambda(context.Background(), aws.Config{}, env(vars), quiet); err == nil {
			t.Errorf("%s: the function started without a bundle", name)
		}
	}
}

// Redoc 3's sidebar badge, "API docs by" and Redocly's logo, would fetch the
// logo from Redocly's CDN, which the page's policy refuses (an error in the
// browser's console): the script served draws it from a data: URL instead,
// which the policy allows, plain and gzipped alike.
func TestTheScriptAsksRedoclysCDNForNothing(t *testing.T) {
	bundle := []byte("function y4({full:e=!1}){return {alt:`redocly logo`,src:e?`https://cdn.redoc.ly/redoc/logo-mini-full.svg`:`https://cdn.redoc.ly/redoc/logo-mini.svg`}}\n")
	h, err := apidocs.New(bundle, quiet)
	if err != nil {
		t.Fatal(err)
	}
	params := map[string]string{"file": apidocs.BundleFile}
	plain := get(t, h, apidocs.RouteFile, "/docs/redoc.standalone.js", nil, params).Body
	zipped := get(t, h, apidocs.RouteFile, "/docs/redoc.standalone.js", map[string]string{"accept-encoding": "gzip"}, params)
	raw, _ := base64.StdEncoding.DecodeString(zipped.Body)
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	unzipped, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{plain, string(unzipped)} {
		// Still a script: as many backticks, and no ${ to substitute.
		if strings.Contains(body, "cdn.redoc.ly") || strings.Count(body, "`data:image/svg+xml,") != 2 ||
			strings.Count(body, "`") != strings.Count(string(bundle), "`") || strings.Contains(body, "${") {
			t.Errorf("the logo is not drawn from data: URLs:\n%s", body)
		}
	}
	if !strings.Contains(apidocs.CSP("n"), "img-src 'self' data:") {
		t.Error("the policy no longer allows images from data: URLs")
	}
}
