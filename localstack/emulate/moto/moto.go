// Package moto is an emulator: it starts the moto server, the embedded default
// emulator that speaks the real DynamoDB, SQS and Step Functions wire
// protocols, from the virtualenv that `make venv` creates.
package moto

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/tredjepart/tredjepart/shared/awsenv"
)

// Region is the region the local stack uses (Stockholm, nearest to Norway).
const Region = "eu-north-1"

// Account is moto's default account, which every ARN of the local stack
// names, so that ARNs agree across it.
const Account = "123456789012"

// Server is a running moto server.
type Server struct {
	Endpoint string
	cmd      *exec.Cmd
	done     chan error
}

// Options says where and how to start it.
type Options struct {
	Port   int       // 0 picks a free port
	Log    io.Writer // server output; nil discards it
	Binary string    // the venv's python; empty finds it in the repository's .venv
}

// Start runs moto_server on 127.0.0.1, waits until it answers and switches on
// Step Functions execution.
func Start(ctx context.Context, opts Options) (*Server, error) {
	binary := opts.Binary
	if binary == "" {
		var err error
		if binary, err = FindBinary(); err != nil {
			return nil, err
		}
	}
	port := opts.Port
	if port == 0 {
		var err error
		if port, err = FreePort(); err != nil {
			return nil, err
		}
	}
	cmd := exec.Command(binary, "-c", serveScript, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	// TZ=UTC: moto's Wait state compares the UTC timestamp with the local clock.
	// MOTO_PORT: its Step Functions tasks call DynamoDB and SQS back on this port.
	cmd.Env = append(os.Environ(), "TZ=UTC", "MOTO_PORT="+strconv.Itoa(port))
	out := opts.Log
	if out == nil {
		out = io.Discard
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", binary, err)
	}
	s := &Server{Endpoint: fmt.Sprintf("http://127.0.0.1:%d", port), cmd: cmd, done: make(chan error, 1)}
	go func() { s.done <- cmd.Wait() }()
	if err := s.waitReady(ctx); err != nil {
		s.Stop()
		return nil, err
	}
	if err := s.enableStepFunctions(ctx); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// serveScript runs moto's server one request at a time (see serve.py).
//
//go:embed serve.py
var serveScript string

// FindBinary looks for the venv's python, with moto installed, in .venv in
// this or a parent directory.
func FindBinary() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, ".venv", "bin", "moto_server")); err == nil {
			return filepath.Join(dir, ".venv", "bin", "python"), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("moto_server not found in .venv: run `make venv` (or `make test`) first; it installs the pinned moto from localstack/requirements.txt")
		}
		dir = parent
	}
}

// FreePort is a port on 127.0.0.1 that nothing listens on now.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (s *Server) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.Endpoint+"/moto-api/", nil)
		if res, err := http.DefaultClient.Do(req); err == nil {
			res.Body.Close()
			return nil
		}
		select {
		case err := <-s.done:
			return fmt.Errorf("moto_server exited before it was ready: %v", err)
		case <-ctx.Done():
			return fmt.Errorf("moto_server did not answer on %s within 30 s", s.Endpoint)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (s *Server) enableStepFunctions(ctx context.Context) error {
	body := []byte(`{"stepfunctions": {"execute_state_machine": true}}`)
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.Endpoint+"/moto-api/config", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("configure moto: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusCreated && res.StatusCode != http.StatusOK {
		return fmt.Errorf("configure moto: %s", res.Status)
	}
	return nil
}

// AWSConfig is an SDK configuration pointing every client at the server.
func (s *Server) AWSConfig() aws.Config { return Config(s.Endpoint) }

// Config points every AWS client at endpoint with dummy credentials.
func Config(endpoint string) aws.Config {
	return awsenv.Static(Region, aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}, endpoint)
}

// Stop ends the server.
func (s *Server) Stop() {
	if s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}
