// Package testenv gives integration tests a moto server with the stack
// provisioned, one per test binary. A missing emulator fails the tests; it
// never skips them.
package testenv

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/tredjepart/tredjepart/localstack/moto"
	"github.com/tredjepart/tredjepart/localstack/provision"
)

// Env is the running emulator and what was provisioned on it.
type Env struct {
	Config aws.Config
	Stack  provision.Stack
	Server *moto.Server
}

var current *Env

// Main starts moto, provisions the stack, runs the tests and stops moto. Use
// it as `func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }`.
func Main(m *testing.M) int {
	ctx := context.Background()
	srv, err := moto.Start(ctx, moto.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "testenv:", err)
		return 1
	}
	defer srv.Stop()
	cfg, err := srv.AWSConfig(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testenv:", err)
		return 1
	}
	stack, err := provision.Provision(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testenv: provision:", err)
		return 1
	}
	current = &Env{Config: cfg, Stack: stack, Server: srv}
	return m.Run()
}

// Get returns the environment Main set up.
func Get(t testing.TB) *Env {
	t.Helper()
	if current == nil {
		t.Fatal("testenv: the package's TestMain must call testenv.Main")
	}
	return current
}
