// Package rie is an emulator: it runs a real Lambda `bootstrap` binary under
// the AWS Lambda Runtime Interface Emulator (aws-lambda-rie), so the local
// stack executes exactly the artefact that is deployed.
//
// The emulator is a tool of go.mod; make rie (and make build-local) build it
// into build/local, where Find looks first.
//
// The emulator is started as
//
//	aws-lambda-rie --runtime-interface-emulator-address 127.0.0.1:<port> \
//	               --runtime-api-address 127.0.0.1:<port2> <bootstrap>
//
// It serves POST /2015-03-31/functions/function/invocations on the first
// address, starts the bootstrap (with the emulator's working directory and
// environment) at the first invocation, and serves it the Lambda Runtime API
// on the second. Both ports are picked per Function, so many functions can
// run side by side.
//
// Unlike Lambda, the emulator gives the runtime no trace: its tracer is a
// no-op, so an invocation's X-Amzn-Trace-Id never becomes the runtime's
// Lambda-Runtime-Trace-Id. The functions therefore take their trace from
// the event: the gateway's x-amzn-trace-id header, an SQS record's
// AWSTraceHeader (see package tracing).
package rie

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"
)

const (
	invokePath = "/2015-03-31/functions/function/invocations"
	// maxResponseBytes is a little over Lambda's 6 MB synchronous limit.
	maxResponseBytes = 7 << 20
	// startTimeout caps waiting for the emulator when ctx has no deadline.
	startTimeout = 15 * time.Second
	// stopGrace is how long Stop waits after SIGTERM before SIGKILL.
	stopGrace = 5 * time.Second
)

// Function is a running emulator process with one bootstrap.
type Function struct {
	addr   string
	cmd    *exec.Cmd
	client *http.Client
	exited chan struct{} // closed when the emulator process has exited
	// exitErr is cmd.Wait's result; read it only after exited is closed.
	exitErr error

	// busy serialises invocations: the emulator handles one at a time, and
	// a second concurrent one crashes it (nil dereference after
	// "ReserveFailed: AlreadyReserved"). Holding a slot is cancellable.
	busy chan struct{}

	stopOnce sync.Once
	stopErr  error
}

// FunctionError is an error returned by the function's handler, reported by
// the runtime as {"errorMessage": …, "errorType": …}.
type FunctionError struct {
	Type       string          `json:"errorType"`
	Message    string          `json:"errorMessage"`
	StackTrace json.RawMessage `json:"stackTrace,omitempty"`
}

func (e *FunctionError) Error() string {
	if e.Type == "" {
		return e.Message
	}
	return e.Type + ": " + e.Message
}

// ErrTimeout is returned when the function ran past its timeout
// (AWS_LAMBDA_FUNCTION_TIMEOUT in env, 300 seconds by default).
var ErrTimeout = errors.New("rie: function timed out")

// Start starts riePath (the aws-lambda-rie binary) with bootstrapPath on free
// 127.0.0.1 ports and waits, within ctx, until it accepts connections. ctx
// bounds only the start-up; the process runs until Stop.
//
// env is the whole environment of the emulator, and so of the function: the
// emulator passes its environment on, and nothing of this process's
// environment is inherited. Output of the emulator and the function (START,
// END and REPORT lines, the function's logs) goes to logOutput; nil
// discards it. The working directory is the bootstrap's directory, as
// /var/task is on Lambda.
func Start(ctx context.Context, riePath, bootstrapPath string, env []string, logOutput io.Writer) (*Function, error) {
	rie, err := exec.LookPath(riePath)
	if err != nil {
		return nil, fmt.Errorf("rie: emulator %q not found (build it with %s): %w", riePath, InstallHint, err)
	}
	bootstrap, err := filepath.Abs(bootstrapPath)
	if err != nil {
		return nil, fmt.Errorf("rie: bootstrap path: %w", err)
	}
	if info, err := os.Stat(bootstrap); err != nil {
		return nil, fmt.Errorf("rie: bootstrap: %w", err)
	} else if info.IsDir() || info.Mode()&0o111 == 0 {
		return nil, fmt.Errorf("rie: bootstrap %s is not an executable file", bootstrap)
	}
	if logOutput == nil {
		logOutput = io.Discard
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, startTimeout)
		defer cancel()
	}

	// Free ports are found by binding port 0 and letting go; another
	// process can take one in between, so a failed start is retried.
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		f, err := start(ctx, rie, bootstrap, env, logOutput)
		if err == nil {
			return f, nil
		}
		lastErr = err
		if ctx.Err() != nil {
			break
		}
	}
	return nil, lastErr
}

func start(ctx context.Context, rie, bootstrap string, env []string, logOutput io.Writer) (*Function, error) {
	ports, err := freePorts(2)
	if err != nil {
		return nil, err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0]))
	runtimeAPI := net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[1]))

	cmd := exec.Command(rie,
		"--runtime-interface-emulator-address", addr,
		"--runtime-api-address", runtimeAPI,
		bootstrap,
	)
	cmd.Dir = filepath.Dir(bootstrap)
	cmd.Env = append([]string{}, env...) // non-nil: inherit nothing
	cmd.Stdout = logOutput
	cmd.Stderr = logOutput
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("rie: start emulator: %w", err)
	}
	f := &Function{
		addr:   addr,
		cmd:    cmd,
		client: &http.Client{Transport: &http.Transport{DisableCompression: true}},
		exited: make(chan struct{}),
		busy:   make(chan struct{}, 1),
	}
	go func() {
		f.exitErr = cmd.Wait()
		close(f.exited)
	}()

	if err := f.waitReady(ctx); err != nil {
		_ = f.Stop()
		return nil, err
	}
	return f, nil
}

func freePorts(n int) ([]int, error) {
	var ports []int
	var listeners []net.Listener
	defer func() {
		for _, l := range listeners {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("rie: find a free port: %w", err)
		}
		listeners = append(listeners, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// waitReady polls until the emulator accepts connections.
func (f *Function) waitReady(ctx context.Context) error {
	var d net.Dialer
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		conn, err := d.DialContext(ctx, "tcp", f.addr)
		if err == nil {
			conn.Close()
			return nil
		}
		select {
		case <-f.exited:
			return fmt.Errorf("rie: emulator exited during start-up: %v", f.exitErr)
		case <-ctx.Done():
			return fmt.Errorf("rie: emulator not ready at %s: %w", f.addr, context.Cause(ctx))
		case <-tick.C:
		}
	}
}

// Addr is the emulator's invoke address (host:port).
func (f *Function) Addr() string { return f.addr }

// Invoke sends payload to the function and returns its response. Calls are
// serialised. A handler error comes back as a *FunctionError, a timeout as
// ErrTimeout. If ctx ends first, Invoke returns at once, but the next call
// waits until the emulator has finished the abandoned invocation.
func (f *Function) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	select {
	case f.busy <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-f.exited:
		return nil, f.exitedError()
	}

	type result struct {
		out []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		// Not bound to ctx: aborting the HTTP call would not stop the
		// emulator, so the slot is held until it really is free.
		defer func() { <-f.busy }()
		out, err := f.post(payload)
		done <- result{out, err}
	}()
	select {
	case res := <-done:
		return res.out, res.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (f *Function) post(payload []byte) ([]byte, error) {
	req, err := http.NewRequest(http.MethodPost, "http://"+f.addr+invokePath, bytes.NewReader(payload))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := f.client.Do(req)
	if err != nil {
		select {
		case <-f.exited:
			return nil, f.exitedError()
		default:
		}
		return nil, fmt.Errorf("rie: invoke: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return nil, fmt.Errorf("rie: read response: %w", err)
	}
	if len(body) > maxResponseBytes {
		return nil, fmt.Errorf("rie: response larger than %d bytes", maxResponseBytes)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("rie: invoke: status %d: %s", resp.StatusCode, truncate(body))
	}
	// Lambda's Invoke API flags handler errors with X-Amz-Function-Error;
	// the emulator answers 200 without it, so the error document's shape
	// is checked too.
	if resp.Header.Get("X-Amz-Function-Error") != "" || isErrorDocument(body) {
		fe := &FunctionError{}
		if err := json.Unmarshal(body, fe); err != nil || fe.Message == "" && fe.Type == "" {
			return nil, fmt.Errorf("rie: function error: %s", truncate(body))
		}
		return nil, fe
	}
	if bytes.HasPrefix(body, []byte("Task timed out after")) {
		return nil, fmt.Errorf("%w: %s", ErrTimeout, body)
	}
	return body, nil
}

// isErrorDocument reports whether body is exactly the runtime's error
// document: an object with string errorMessage and errorType and nothing
// else but an optional stackTrace.
func isErrorDocument(body []byte) bool {
	var doc map[string]json.RawMessage
	if json.Unmarshal(body, &doc) != nil {
		return false
	}
	var msg, typ string
	if json.Unmarshal(doc["errorMessage"], &msg) != nil || json.Unmarshal(doc["errorType"], &typ) != nil {
		return false
	}
	for k := range doc {
		if k != "errorMessage" && k != "errorType" && k != "stackTrace" {
			return false
		}
	}
	return true
}

func truncate(b []byte) string {
	const max = 512
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}

func (f *Function) exitedError() error {
	return fmt.Errorf("rie: emulator has exited: %v", f.exitErr)
}

// Stop ends the emulator: SIGTERM (it then kills the bootstrap and exits),
// and SIGKILL if it is still running after a grace period. It is safe to
// call more than once.
func (f *Function) Stop() error {
	f.stopOnce.Do(func() {
		select {
		case <-f.exited:
			return // already gone, e.g. crashed; nothing to stop
		default:
		}
		if err := f.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			_ = f.cmd.Process.Kill()
		}
		select {
		case <-f.exited:
		case <-time.After(stopGrace):
			_ = f.cmd.Process.Kill()
			<-f.exited
			f.stopErr = errors.New("rie: emulator ignored SIGTERM and was killed")
		}
		f.client.CloseIdleConnections()
	})
	return f.stopErr
}
