package rie_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/tredjepart/tredjepart/localstack/emulate/gateway"
	"github.com/tredjepart/tredjepart/localstack/emulate/rie"
	"github.com/tredjepart/tredjepart/shared/resources"
)

var _ gateway.Invoker = (*rie.Function)(nil)

// emulator finds aws-lambda-rie. A missing emulator fails the test: it is a
// required tool, not an optional one.
func emulator(t *testing.T) string {
	t.Helper()
	p, err := rie.Find()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func goTool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go tool not on PATH: %v", err)
	}
	return p
}

// buildEcho builds testdata/echo into t.TempDir() the way functions are
// built for Lambda.
func buildEcho(t *testing.T) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "bootstrap")
	cmd := exec.Command(goTool(t), "build", "-tags", "lambda.norpc", "-trimpath", "-o", out, "./testdata/echo")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build echo: %v\n%s", err, msg)
	}
	return out
}

// syncBuffer collects the emulator's output for failure messages.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func startEcho(t *testing.T, env ...string) *rie.Function {
	t.Helper()
	riePath, bootstrap := emulator(t), buildEcho(t)
	logs := &syncBuffer{}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	f, err := rie.Start(ctx, riePath, bootstrap, env, logs)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := f.Stop(); err != nil {
			t.Errorf("Stop: %v", err)
		}
		if t.Failed() {
			t.Logf("emulator output:\n%s", logs)
		}
	})
	return f
}

func TestFunctionUnderEmulator(t *testing.T) {
	f := startEcho(t, "TREDJEPART_GREETING=hei", "AWS_LAMBDA_FUNCTION_TIMEOUT=1")
	ctx := context.Background()

	t.Run("echo", func(t *testing.T) {
		for _, payload := range []string{`{"a":1,"nested":{"b":[1,2,"x"]}}`, `[]`, `"text"`} {
			out, err := f.Invoke(ctx, []byte(payload))
			if err != nil {
				t.Fatalf("Invoke(%s): %v", payload, err)
			}
			if string(out) != payload {
				t.Errorf("Invoke(%s) = %s", payload, out)
			}
		}
	})

	t.Run("environment reaches the function", func(t *testing.T) {
		out, err := f.Invoke(ctx, []byte(`{"env":"TREDJEPART_GREETING"}`))
		if err != nil || string(out) != `{"TREDJEPART_GREETING":"hei"}` {
			t.Errorf("got %s, %v", out, err)
		}
		out, err = f.Invoke(ctx, []byte(`{"env":"HOME"}`))
		if err != nil || string(out) != `{"HOME":""}` {
			t.Errorf("parent environment leaked: %s, %v", out, err)
		}
	})

	t.Run("function error is a Go error", func(t *testing.T) {
		out, err := f.Invoke(ctx, []byte(`{"fail":"metering point unknown"}`))
		var fe *rie.FunctionError
		if !errors.As(err, &fe) {
			t.Fatalf("Invoke = %s, %v; want a *rie.FunctionError", out, err)
		}
		if fe.Type != "EchoError" || fe.Message != "metering point unknown" {
			t.Errorf("function error = %+v", fe)
		}
	})

	t.Run("an object that merely has an errorMessage is a result", func(t *testing.T) {
		payload := `{"errorMessage":"x","errorType":"y","statusCode":200}`
		if out, err := f.Invoke(ctx, []byte(payload)); err != nil || string(out) != payload {
			t.Errorf("got %s, %v", out, err)
		}
	})

	t.Run("concurrent invocations are serialised", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make(chan error, 6)
		for i := range 6 {
			wg.Go(func() {
				payload := fmt.Sprintf(`{"id":%d,"sleepMs":30}`, i)
				out, err := f.Invoke(ctx, []byte(payload))
				if err == nil && string(out) != payload {
					err = fmt.Errorf("got %s for %s", out, payload)
				}
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
	})

	t.Run("abandoned invocation blocks the next until done", func(t *testing.T) {
		short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		if _, err := f.Invoke(short, []byte(`{"sleepMs":300}`)); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Invoke = %v, want deadline exceeded", err)
		}
		if out, err := f.Invoke(ctx, []byte(`{"after":true}`)); err != nil || string(out) != `{"after":true}` {
			t.Errorf("next Invoke = %s, %v", out, err)
		}
	})

	t.Run("timeout", func(t *testing.T) {
		if _, err := f.Invoke(ctx, []byte(`{"sleepMs":1500}`)); !errors.Is(err, rie.ErrTimeout) {
			t.Fatalf("Invoke = %v, want ErrTimeout", err)
		}
		if out, err := f.Invoke(ctx, []byte(`{"recovered":true}`)); err != nil || string(out) != `{"recovered":true}` {
			t.Errorf("Invoke after timeout = %s, %v", out, err)
		}
	})
}

func TestGatewayInvokesBootstrap(t *testing.T) {
	f := startEcho(t)
	routes := []resources.Route{{Method: "GET", Path: "/v1/access-requests/{id}", Function: resources.IntakeFunctionID}}
	srv := httptest.NewServer(gateway.New(routes, map[string]gateway.Invoker{resources.IntakeFunctionID: f}, nil, nil))
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/v1/access-requests/42")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	// The echo returns the event itself, which has no statusCode: a 200
	// whose body is the event.
	var ev events.APIGatewayV2HTTPRequest
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &ev) != nil {
		t.Fatalf("got %d %s", resp.StatusCode, body)
	}
	if ev.RouteKey != "GET /v1/access-requests/{id}" || ev.PathParameters["id"] != "42" {
		t.Errorf("event = %s", body)
	}
}

func TestStop(t *testing.T) {
	f := startEcho(t)
	if _, err := f.Invoke(context.Background(), []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	if err := f.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := f.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
	if _, err := f.Invoke(context.Background(), []byte(`{}`)); err == nil {
		t.Error("Invoke after Stop succeeded")
	}
}

func TestStartFails(t *testing.T) {
	riePath := emulator(t)
	ctx := context.Background()
	notExec := filepath.Join(t.TempDir(), "bootstrap")
	if err := os.WriteFile(notExec, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, rie, bootstrap string }{
		{"no emulator", filepath.Join(t.TempDir(), "aws-lambda-rie"), buildEcho(t)},
		{"no bootstrap", riePath, filepath.Join(t.TempDir(), "missing")},
		{"bootstrap not executable", riePath, notExec},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if f, err := rie.Start(ctx, tt.rie, tt.bootstrap, nil, nil); err == nil {
				f.Stop()
				t.Error("Start succeeded")
			}
		})
	}
}
