package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Interrupted while it starts, waiting on the API, the example stops as
// it does once running: it says "stopping" and ends without an error, so
// that Ctrl-C is not reported as a failure.
func TestAnInterruptWhileStartingStopsCleanly(t *testing.T) {
	called, release := make(chan string, 10), make(chan struct{})
	// An API (and token endpoint) that answers nothing until the caller
	// gives up, or the test ends.
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		called <- r.URL.Path
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer api.Close()
	defer close(release)

	restore := captureStdout(t)
	ctx, interrupt := context.WithCancel(context.Background())
	defer interrupt()
	ended := make(chan error, 1)
	go func() {
		ended <- run(ctx, config{api: api.URL, tokenURL: api.URL + "/token", clientID: "straumkompis",
			listen: "127.0.0.1:0", publicURL: "http://127.0.0.1:1", scope: "LIMITED",
			statePath: filepath.Join(t.TempDir(), "state.json")})
	}()
	<-called // it is waiting on its first call
	interrupt()
	err := <-ended
	printed := restore()
	if err != nil {
		t.Errorf("interrupted while starting, run returned %v, want nil", err)
	}
	if lines := strings.Split(strings.TrimSpace(printed), "\n"); lines[len(lines)-1] != "stopping" {
		t.Errorf("the last line printed is %q, want \"stopping\":\n%s", lines[len(lines)-1], printed)
	}
}

// captureStdout sends what the example prints to a pipe until restore,
// which returns it.
func captureStdout(t *testing.T) func() string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stdout
	os.Stdout = w
	read := make(chan string, 1)
	go func() {
		raw, _ := io.ReadAll(r)
		read <- string(raw)
	}()
	return func() string {
		os.Stdout = saved
		w.Close()
		return <-read
	}
}
