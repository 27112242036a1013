//go:build integration

package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tredjepart/tredjepart/localstack/harness/testenv"
)

// The whole local stack as `make run` starts it — moto, the intake bootstrap
// under the Lambda emulator, the issuer and the gateway — with the clock set
// to Wednesday 24 March 2027, so that a request expires after Easter.
func TestStackRunsTheRealBootstrapOnASetClock(t *testing.T) {
	buildDir := buildBootstraps(t)
	t.Setenv("NOW", "2027-03-24T10:00:00+01:00")
	t.Setenv("AWS_ENDPOINT_URL", "")
	opts := options{gatewayPort: testenv.FreePort(t), issuerPort: testenv.FreePort(t), motoPort: testenv.FreePort(t), oidcPort: testenv.FreePort(t), stateDir: t.TempDir(), buildDir: buildDir}
	s, err := start(context.Background(), opts, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if s != nil {
		defer s.close()
	}
	if err != nil {
		t.Fatal(err)
	}
	banner := s.banner()
	for _, want := range []string{"functions: Lambda emulator", "2027-03-24", string(s.demo.Requestable), string(s.demo.ThirdParties[0].GLN), "/consent/requests/" + s.demoRequest, s.returnPage()} {
		if !strings.Contains(banner, want) {
			t.Errorf("banner lacks %q", want)
		}
	}

	base := "http://127.0.0.1:"
	doc, err := http.Get(base + itoa(opts.gatewayPort) + "/openapi.json")
	if err != nil || doc.StatusCode != http.StatusOK || doc.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("openapi.json: %v %v", doc, err)
	}
	doc.Body.Close()
	// The API reference, and Redoc's bundle from node_modules, through the
	// docs function's real bootstrap.
	for path, contentType := range map[string]string{"/docs": "text/html; charset=utf-8", "/docs/redoc.standalone.js": "text/javascript; charset=utf-8"} {
		res, err := http.Get(base + itoa(opts.gatewayPort) + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != contentType || len(body) < 100 {
			t.Errorf("GET %s: %d %q, %d bytes", path, res.StatusCode, res.Header.Get("Content-Type"), len(body))
		}
		if path == "/docs" && !strings.HasPrefix(res.Header.Get("Content-Security-Policy"), "default-src 'none'; script-src 'self';") {
			t.Errorf("GET /docs: Content-Security-Policy %q", res.Header.Get("Content-Security-Policy"))
		}
	}
	res, err := http.Get(base + itoa(opts.issuerPort) + "/local/token?gln=" + string(s.demo.ThirdParties[0].GLN))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("token: %d %s", res.StatusCode, raw)
	}
	token := strings.TrimSpace(string(raw))

	req, _ := http.NewRequest("POST", base+itoa(opts.gatewayPort)+"/v1/access-requests",
		strings.NewReader(`{"meteringPointId":"`+string(s.demo.Requestable)+`"}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct{ Status, CreatedAt, ExpiresAt string }
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil || res.StatusCode != http.StatusAccepted {
		t.Fatalf("status %d, %v", res.StatusCode, err)
	}
	if body.ExpiresAt != "2027-04-01T22:00:00Z" {
		t.Errorf("expiresAt %s, want 2027-04-01T22:00:00Z (24:00 Oslo on Thursday after Easter)", body.ExpiresAt)
	}
	created, _ := time.Parse(time.RFC3339, body.CreatedAt)
	if d := created.Sub(time.Date(2027, 3, 24, 9, 0, 0, 0, time.UTC)); d < 0 || d > time.Minute {
		t.Errorf("createdAt %s: the function's clock is not the runner's", body.CreatedAt)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
