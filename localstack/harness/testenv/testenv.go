// Package testenv is test harness: it gives integration tests a moto server
// with the stack provisioned, one per test binary. A missing emulator fails
// the tests; it never skips them.
package testenv

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/tredjepart/tredjepart/localstack/harness/demo"

	"github.com/tredjepart/tredjepart/localstack/emulate/moto"
	"github.com/tredjepart/tredjepart/localstack/emulate/provision"
	"github.com/tredjepart/tredjepart/shared/adminapi"
	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/notify"
	"github.com/tredjepart/tredjepart/shared/pseudonym"
	"github.com/tredjepart/tredjepart/shared/resources"
	"github.com/tredjepart/tredjepart/shared/thirdpartyapi"
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
	cfg := srv.AWSConfig()
	stack, err := provision.Provision(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testenv: provision:", err)
		return 1
	}
	current = &Env{Config: cfg, Stack: stack, Server: srv}
	return m.Run()
}

// StartMoto starts a moto server of t's own, with nothing provisioned,
// stopped when t ends, and returns the configuration that reaches it. A
// missing moto fails t, never skips it.
func StartMoto(t testing.TB) aws.Config {
	t.Helper()
	srv, err := moto.Start(t.Context(), moto.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	return srv.AWSConfig()
}

// FreePort is a port on 127.0.0.1 that nothing listens on now, for a
// server a test starts.
func FreePort(t testing.TB) int {
	t.Helper()
	port, err := moto.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return port
}

// ConsentOrigin is the consent site's origin as Intake's handler knows it,
// where its requests' consent and authorize links point.
const ConsentOrigin = "https://consent.tredjepart.example"

// Intake wires the intake handler exactly as the Lambda does, from the
// environment the stack gives functions, and seeds the demo data.
func Intake(t testing.TB) (*thirdpartyapi.RequestsHandler, demo.Data) {
	t.Helper()
	env := Get(t)
	functionEnv := env.Stack.Env()
	functionEnv[thirdpartyapi.ConsentCallbackEnv] = ConsentOrigin + "/login/callback"
	h, err := thirdpartyapi.RequestsFromEnv(env.Config, func(k string) string { return functionEnv[k] }, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	data, _ := Demo(t)
	return h, data
}

// Admin wires the admin handler exactly as the Lambda does, from the
// environment the stack gives functions, with operators as its
// ADMIN_OPERATOR_CLIENTS.
func Admin(t testing.TB, operators string) *adminapi.Handler {
	t.Helper()
	env := Get(t)
	functionEnv := env.Stack.Env()
	functionEnv[adminapi.OperatorClientsEnv] = operators
	h, err := adminapi.FromEnv(env.Config, func(k string) string { return functionEnv[k] }, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

var (
	pseudonymKeyOnce sync.Once
	pseudonymKey     string
)

// Demo seeds the demo data, and returns it with the pseudonymisation key
// (base64) it used, the same for every call in one test binary.
func Demo(t testing.TB) (demo.Data, string) {
	t.Helper()
	pseudonymKeyOnce.Do(func() {
		key, err := pseudonym.GenerateKey()
		if err != nil {
			panic(err)
		}
		pseudonymKey = base64.StdEncoding.EncodeToString(key)
	})
	p, err := pseudonym.FromBase64(pseudonymKey)
	if err != nil {
		t.Fatal(err)
	}
	env := Get(t)
	db := dynamodb.NewFromConfig(env.Config)
	data, err := demo.Seed(context.Background(), demo.Fixed, db, env.Stack.Tables, p, clock.System{})
	if err != nil {
		t.Fatal(err)
	}
	return data, pseudonymKey
}

// Get returns the environment Main set up.
func Get(t testing.TB) *Env {
	t.Helper()
	if current == nil {
		t.Fatal("testenv: the package's TestMain must call testenv.Main")
	}
	return current
}

var (
	inboxMu sync.Mutex
	inbox   = map[string]notify.Notification{} // every notification received, by id
)

// Notification waits for the notification with id on the notification
// queue. It keeps whatever else it receives for later calls, so tests that
// share the queue do not take each other's messages.
func Notification(t testing.TB, id string) notify.Notification {
	t.Helper()
	env := Get(t)
	queue := env.Stack.QueueURLs[resources.NotificationQueueID]
	client := sqs.NewFromConfig(env.Config)
	for range 10 {
		inboxMu.Lock()
		n, ok := inbox[id]
		inboxMu.Unlock()
		if ok {
			return n
		}
		out, err := client.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: &queue, MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out.Messages {
			var n notify.Notification
			if err := json.Unmarshal([]byte(*m.Body), &n); err != nil {
				t.Fatalf("notification is not JSON: %s", *m.Body)
			}
			inboxMu.Lock()
			inbox[n.NotificationID] = n
			inboxMu.Unlock()
			_, _ = client.DeleteMessage(context.Background(), &sqs.DeleteMessageInput{QueueUrl: &queue, ReceiptHandle: m.ReceiptHandle})
		}
	}
	t.Fatalf("no notification %s on the queue", id)
	return notify.Notification{}
}
