//go:build integration

package main

// The contract from outside: the local stack as `make run` starts it (with
// the functions in-process), probed by schemathesis over the third-party,
// ingest and admin APIs with their own tokens, and its webhook pushes
// verified by the Python Standard Webhooks library. Both tools come from the
// venv that `make testvenv` completes from localstack/test-requirements.txt;
// without them the test fails, as the moto-backed tests do.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tredjepart/tredjepart/localstack/harness/testenv"
	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/stdwebhook"
)

// venvTool is a program of the repository's venv.
func venvTool(t *testing.T, name string) string {
	t.Helper()
	path, err := filepath.Abs(filepath.Join("..", "..", ".venv", "bin", name))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("%s is missing: run `make testvenv` (make test does); it installs the pinned tools of localstack/test-requirements.txt", path)
	}
	return path
}

func TestTheStackKeepsItsContract(t *testing.T) {
	python, schemathesis := venvTool(t, "python"), venvTool(t, "schemathesis")
	t.Setenv("NOW", "")
	t.Setenv("AWS_ENDPOINT_URL", "")
	opts := options{gatewayPort: testenv.FreePort(t), issuerPort: testenv.FreePort(t), motoPort: testenv.FreePort(t), oidcPort: testenv.FreePort(t),
		stateDir: t.TempDir(), inProcess: true}
	// The stack's log, for the errors behind a 500 when the test fails.
	logFile, err := os.Create(filepath.Join(opts.stateDir, "stack.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	defer func() {
		if t.Failed() {
			raw, _ := os.ReadFile(logFile.Name())
			for _, line := range strings.Split(string(raw), "\n") {
				if strings.Contains(line, "level=ERROR") {
					t.Log(line)
				}
			}
		}
	}()
	s, err := start(context.Background(), opts, slog.New(slog.NewTextHandler(logFile, nil)))
	if s != nil {
		defer s.close()
	}
	if err != nil {
		t.Fatal(err)
	}
	// The webhook check first: schemathesis changes and deletes the webhook.
	t.Run("webhook pushes verify with Python's standardwebhooks", func(t *testing.T) {
		pushesVerifyIndependently(t, s, python)
	})
	t.Run("schemathesis finds nothing beyond the baseline", func(t *testing.T) {
		schemathesisFindsNothingNew(t, s, schemathesis)
	})
}

// localToken gets a token from the runner's demo issuer (?gln=, ?ingest=true or ?admin=true).
func localToken(t *testing.T, s *stack, query string) string {
	t.Helper()
	res, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/local/token?%s", s.opts.issuerPort, query))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("token %s: %d %s", query, res.StatusCode, raw)
	}
	return strings.TrimSpace(string(raw))
}

// push is one request a webhook endpoint received, as it arrived.
type push struct {
	Headers map[string]string `json:"headers"`
	Body    []byte            `json:"body"` // base64 in JSON
}

// pushesVerifyIndependently registers a capturing endpoint for the first
// demo third party (who has access to a metering point), runs yesterday's
// delivery, and hands what arrived to the Python verifier.
func pushesVerifyIndependently(t *testing.T, s *stack, python string) {
	var mu sync.Mutex
	var pushes []push
	arrived := make(chan struct{}, 100)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		pushes = append(pushes, push{Headers: map[string]string{
			stdwebhook.HeaderID:        r.Header.Get(stdwebhook.HeaderID),
			stdwebhook.HeaderTimestamp: r.Header.Get(stdwebhook.HeaderTimestamp),
			stdwebhook.HeaderSignature: r.Header.Get(stdwebhook.HeaderSignature),
		}, Body: body})
		mu.Unlock()
		arrived <- struct{}{}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer hook.Close()

	// The demo receiver is registered for this party: delete it, so that
	// the registration is new and its answer carries the one secret.
	token := localToken(t, s, "gln="+string(s.demo.ThirdParties[0].GLN))
	webhookURL := fmt.Sprintf("http://127.0.0.1:%d/v1/webhook", s.opts.gatewayPort)
	req, _ := http.NewRequest(http.MethodDelete, webhookURL, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != http.StatusNoContent {
		t.Fatalf("DELETE /v1/webhook: %v %v", res, err)
	}
	res.Body.Close()
	req, _ = http.NewRequest(http.MethodPut, webhookURL, strings.NewReader(fmt.Sprintf(`{"url":%q}`, hook.URL+"/hooks/tredjepart")))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	if res, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	var registered struct{ Secret string }
	err = json.NewDecoder(res.Body).Decode(&registered)
	res.Body.Close()
	if err != nil || res.StatusCode != http.StatusOK || registered.Secret == "" {
		t.Fatalf("PUT /v1/webhook: %d %v", res.StatusCode, err)
	}

	yesterday := metervalues.Date(s.clock.Now()).AddDate(0, 0, -1).Format(metervalues.DayLayout)
	res, err = http.Get(fmt.Sprintf("http://127.0.0.1:%d/local/deliver?day=%s", s.opts.issuerPort, yesterday))
	if err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("deliver %s: %d %s", yesterday, res.StatusCode, out)
	}
	// The push queue is worked on its own; wait (bounded) for the first push.
	select {
	case <-arrived:
	case <-time.After(2 * time.Minute):
		t.Fatalf("no push arrived after the delivery of %s (%s)", yesterday, out)
	}

	mu.Lock()
	input, _ := json.Marshal(map[string]any{"secret": registered.Secret, "pushes": pushes})
	n := len(pushes)
	mu.Unlock()
	cmd := exec.Command(python, filepath.Join("testdata", "verify_webhook.py"))
	cmd.Stdin = bytes.NewReader(input)
	report, err := cmd.CombinedOutput()
	t.Logf("standardwebhooks (Python) on %d pushes:\n%s", n, report)
	if err != nil {
		t.Fatalf("the Python verifier refused: %v", err)
	}
	if want := fmt.Sprintf("%d passed, 0 failed", n); !strings.Contains(string(report), want) {
		t.Fatalf("the verifier's report lacks %q", want)
	}
	// A push the Go side altered must be refused too: the verifier is not a yes-sayer.
	forged := pushes[0]
	forged.Body = append(bytes.Clone(forged.Body), ' ')
	input, _ = json.Marshal(map[string]any{"secret": registered.Secret, "pushes": []push{forged}})
	cmd = exec.Command(python, filepath.Join("testdata", "verify_webhook.py"))
	cmd.Stdin = bytes.NewReader(input)
	if report, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(report), "0 passed, 1 failed") {
		t.Fatalf("a push with a body changed after signing was accepted:\n%s", report)
	}
}

// The APIs schemathesis probes, each with a token for its own scope.
var contractAPIs = []struct{ name, paths, token string }{
	{"third-party", `^/v1/(access-requests|metering-points|deliveries|webhook)`, "gln"},
	{"ingest", `^/v1/ingest/`, "ingest=true"},
	{"admin", `^/v1/admin/`, "admin=true"},
	// Last: its reset puts back what the others changed.
	{"sandbox", `^/v1/sandbox/`, "gln"},
}

// schemathesisBudget bounds each API's run: test cases per operation.
var schemathesisBudget = map[string]string{"third-party": "150", "ingest": "60", "admin": "100", "sandbox": "20"}

// schemathesisFindsNothingNew runs schemathesis with every check and the
// stateful phase, a fixed seed and one worker, and fails on any failure
// that the baseline does not name.
func schemathesisFindsNothingNew(t *testing.T, s *stack, schemathesis string) {
	baseline := readBaseline(t, filepath.Join("testdata", "schemathesis-baseline.txt"))
	spec, err := filepath.Abs(filepath.Join("..", "..", "shared", "openapi", "openapi.json"))
	if err != nil {
		t.Fatal(err)
	}
	hooks, err := filepath.Abs(filepath.Join("testdata", "contract_formats.py"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, api := range contractAPIs {
		query := api.token
		if query == "gln" {
			query = "gln=" + string(s.demo.ThirdParties[0].GLN)
		}
		report := filepath.Join(t.TempDir(), api.name+".json")
		args := []string{"run", spec, "--url", fmt.Sprintf("http://127.0.0.1:%d", s.opts.gatewayPort),
			"-H", "Authorization: Bearer " + localToken(t, s, query), "--include-path-regex", api.paths,
			"--checks", "all", "--phases", "examples,coverage,fuzzing,stateful", "--seed", "1", "--workers", "1",
			"--max-examples", schemathesisBudget[api.name], "--generation-database", "none",
			"--no-color", "--report", "json", "--report-json-path", report}
		cmd := exec.Command(schemathesis, args...)
		// A folder of its own, so its .schemathesis cache of past failures
		// stays out of the repository and out of the next run.
		cmd.Dir = t.TempDir()
		cmd.Env = append(os.Environ(), "SCHEMATHESIS_HOOKS="+hooks) // strategies for the check-digit formats
		out, _ := cmd.CombinedOutput()
		r := readReport(t, report, out)
		t.Logf("%s: %d cases generated, %d with failures, in %.0f s", api.name, r.TestCases.Generated, r.TestCases.WithFailures, r.RunningTime)
		if len(r.Errors) > 0 || r.TestCases.Errored > 0 {
			t.Errorf("%s: schemathesis errors %v\n%s", api.name, r.Errors, out)
		}
		var unexpected []string
		for _, f := range r.Failures {
			for _, op := range f.Operations {
				key := f.Code + " " + op
				seen[key] = true
				if _, ok := baseline[key]; !ok {
					unexpected = append(unexpected, key+" ("+f.Title+")")
				}
			}
		}
		if len(unexpected) > 0 {
			t.Errorf("%s: failures not in the baseline:\n  %s\n%s", api.name, strings.Join(unexpected, "\n  "), out)
		}
	}
	for key := range baseline {
		if !seen[key] {
			t.Logf("baseline entry not seen in this run: %s", key)
		}
	}
}

// schemathesisReport is the part of schemathesis's JSON report the test reads.
type schemathesisReport struct {
	RunningTime float64 `json:"running_time"`
	TestCases   struct {
		Generated    int `json:"generated"`
		WithFailures int `json:"with_failures"`
		Errored      int `json:"errored"`
	} `json:"test_cases"`
	Failures []struct {
		Code       string   `json:"code"`
		Title      string   `json:"title"`
		Operations []string `json:"operations"`
	} `json:"failures"`
	Errors []json.RawMessage `json:"errors"`
}

func readReport(t *testing.T, path string, out []byte) schemathesisReport {
	t.Helper()
	var r schemathesisReport
	raw, err := os.ReadFile(path)
	if err == nil {
		err = json.Unmarshal(raw, &r)
	}
	if err != nil || r.TestCases.Generated == 0 {
		t.Fatalf("no schemathesis report (%v):\n%s", err, out)
	}
	return r
}

// readBaseline reads "<code> <METHOD> <path> | <reason>" lines (or
// "<code> Stateful tests | <reason>"). Server errors (ST101) and every
// other response conformance failure (ST1xx), and auth failures (ST4xx),
// are never accepted.
func readBaseline(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	entries := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, reason, ok := strings.Cut(line, "|")
		key, reason = strings.TrimSpace(key), strings.TrimSpace(reason)
		code, _, _ := strings.Cut(key, " ")
		switch {
		case !ok || reason == "" || !strings.Contains(key, " "):
			t.Fatalf("%s:%d: want `<code> <operation> | <reason>`", path, n)
		case !slices.Contains([]byte{'2', '3'}, code[min(2, len(code)-1)]) || !strings.HasPrefix(code, "ST"):
			t.Fatalf("%s:%d: %s cannot be accepted: only ST2xx (what is accepted or refused) and ST3xx (state) may be baselined", path, n, code)
		}
		entries[key] = reason
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return entries
}
