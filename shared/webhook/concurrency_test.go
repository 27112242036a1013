package webhook_test

// The same webhook write made by many goroutines at once, on moto: every
// call succeeds or answers a conflict (never an internal error), and what
// is stored is what the successful calls wrote, none lost.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/tredjepart/tredjepart/localstack/harness/testenv"
	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/conflict/conflicttest"
	"github.com/tredjepart/tredjepart/shared/dynamo"
	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/resources"
	"github.com/tredjepart/tredjepart/shared/seal"
	"github.com/tredjepart/tredjepart/shared/stdwebhook"
	"github.com/tredjepart/tredjepart/shared/webhook"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

const writers = 16

var nextThirdParty atomic.Int64

// onMoto is the service on moto's Outbox table, for a third party no other test uses.
func onMoto(t *testing.T) (*webhook.Service, *dynamo.Outbox, ident.GLN) {
	t.Helper()
	env := testenv.Get(t)
	outbox := &dynamo.Outbox{Client: dynamodb.NewFromConfig(env.Config), Table: env.Stack.Tables[resources.OutboxTableID]}
	gln, err := ident.GLNWithCheckDigit(fmt.Sprintf("70711%07d", nextThirdParty.Add(1)))
	if err != nil {
		t.Fatal(err)
	}
	policy := stdwebhook.Policy{AllowLoopback: true, AllowHTTP: true}
	box := seal.Box{Client: kms.NewFromConfig(env.Config), KeyID: env.Stack.Keys[resources.WebhookSecretsKeyID]}
	return &webhook.Service{Store: outbox, Secrets: box, Policy: policy, Client: policy.Client(time.Second), Clock: clock.System{},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, outbox, gln
}

// result is what one concurrent call answered.
type result struct {
	endpoint webhook.Endpoint
	secret   string
	err      error
}

// together runs call from writers goroutines at once.
func together(call func(i int) result) []result { return conflicttest.Together(writers, call) }

// succeeded checks that every call succeeded or lost with a conflict, and
// returns those that succeeded.
func succeeded(t *testing.T, results []result) []result {
	t.Helper()
	var ok []result
	for i, r := range results {
		if conflicttest.SuccessOrConflict(t, i, r.err) {
			ok = append(ok, r)
		}
	}
	return ok
}

func stored(t *testing.T, outbox *dynamo.Outbox, gln ident.GLN) webhook.Endpoint {
	t.Helper()
	e, found, err := outbox.Endpoint(context.Background(), gln)
	if err != nil || !found {
		t.Fatalf("stored endpoint: found %v, %v", found, err)
	}
	return e
}

// holds reports whether the endpoint keeps, sealed, the key a shown secret
// text is, signing now.
func holds(t *testing.T, svc *webhook.Service, e webhook.Endpoint, text string) bool {
	t.Helper()
	s, err := stdwebhook.ParseSecret(text)
	if err != nil {
		t.Fatalf("secret %q: %v", text, err)
	}
	secrets, err := svc.SigningSecrets(context.Background(), e, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, signing := range secrets {
		if bytes.Equal(signing.Key, s.Key) {
			return true
		}
	}
	return false
}

// A double-submitted registration: the same URL from every writer. It is
// one desired state, so every call succeeds, one of them makes the one
// secret, and the endpoint is written once.
func TestConcurrentRegistrationsOfTheSameURL(t *testing.T) {
	svc, outbox, gln := onMoto(t)
	results := together(func(int) result {
		e, secret, err := svc.Register(context.Background(), gln, "http://127.0.0.1:9/same")
		return result{e, secret, err}
	})
	ok := succeeded(t, results)
	if len(ok) != writers {
		t.Errorf("%d of %d registrations of the same URL succeeded", len(ok), writers)
	}
	e := stored(t, outbox, gln)
	var secrets []string
	for _, r := range ok {
		if r.secret != "" {
			secrets = append(secrets, r.secret)
		}
	}
	if len(secrets) != 1 || len(e.Keys) != 1 || !holds(t, svc, e, secrets[0]) || e.Version != 1 || e.URL != "http://127.0.0.1:9/same" {
		t.Errorf("stored %+v (version %d) after secrets %d were shown", e.URL, e.Version, len(secrets))
	}
}

// Different URLs at once: each call succeeds or gets a conflict, every
// success is one write (the version counts them), and the URL stored is
// one a successful call sent.
func TestConcurrentRegistrationsOfDifferentURLs(t *testing.T) {
	svc, outbox, gln := onMoto(t)
	results := together(func(i int) result {
		e, secret, err := svc.Register(context.Background(), gln, fmt.Sprintf("http://127.0.0.1:9/hook-%d", i))
		return result{e, secret, err}
	})
	ok := succeeded(t, results)
	e := stored(t, outbox, gln)
	versions := map[int]bool{}
	urls := map[string]bool{}
	shown := 0
	for _, r := range ok {
		versions[r.endpoint.Version] = true
		urls[r.endpoint.URL] = true
		if r.secret != "" {
			shown++
			if !holds(t, svc, e, r.secret) {
				t.Error("a secret shown to a caller is not stored")
			}
		}
	}
	if len(ok) == 0 || len(versions) != len(ok) || e.Version != len(ok) {
		t.Errorf("%d successes wrote versions %v; stored version %d", len(ok), versions, e.Version)
	}
	if !urls[e.URL] || len(e.Keys) != 1 || shown != 1 {
		t.Errorf("stored %s with %d keys; %d secrets shown", e.URL, len(e.Keys), shown)
	}
}

// Rotations at once: each is a new secret for its caller, so a lost race is
// a conflict, not a second rotation. Every secret shown is stored, exactly
// one signs without an end, and each success raised the version once.
func TestConcurrentRotations(t *testing.T) {
	svc, outbox, gln := onMoto(t)
	if _, _, err := svc.Register(context.Background(), gln, "http://127.0.0.1:9/rotating"); err != nil {
		t.Fatal(err)
	}
	results := together(func(int) result {
		e, secret, err := svc.Rotate(context.Background(), gln)
		return result{e, secret, err}
	})
	ok := succeeded(t, results)
	e := stored(t, outbox, gln)
	unending := 0
	for _, k := range e.Keys {
		if k.NotAfter.IsZero() {
			unending++
		}
	}
	for _, r := range ok {
		if !holds(t, svc, e, r.secret) {
			t.Error("a secret shown to a caller is not stored")
		}
	}
	if len(ok) == 0 || unending != 1 || len(e.Keys) != 1+len(ok) || e.Version != 1+len(ok) {
		t.Errorf("%d rotations succeeded; stored version %d with %d keys, %d without an end", len(ok), e.Version, len(e.Keys), unending)
	}
}

// Registrations, rotations and removals at once: each answers success, a
// conflict, or (a rotation after a removal) not found; no two writes share
// a version, and what is stored is whole.
func TestConcurrentRegisterRotateAndRemove(t *testing.T) {
	svc, outbox, gln := onMoto(t)
	ctx := context.Background()
	if _, _, err := svc.Register(ctx, gln, "http://127.0.0.1:9/first"); err != nil {
		t.Fatal(err)
	}
	results := together(func(i int) result {
		var r result
		switch i % 3 {
		case 0:
			r.endpoint, r.secret, r.err = svc.Register(ctx, gln, fmt.Sprintf("http://127.0.0.1:9/hook-%d", i))
		case 1:
			r.endpoint, r.secret, r.err = svc.Rotate(ctx, gln)
			if fault.KindOf(r.err) == fault.NotFound {
				r.err = fault.New(fault.Conflict, "removed meanwhile")
			}
		default:
			r.err = svc.Remove(ctx, gln)
		}
		return r
	})
	versions := map[int]int{}
	for _, r := range succeeded(t, results) {
		if r.endpoint.Version != 0 {
			versions[r.endpoint.Version]++
		}
	}
	for v, n := range versions {
		if n > 1 {
			t.Errorf("%d successful writes made version %d", n, v)
		}
	}
	e, found, err := outbox.Endpoint(ctx, gln)
	if err != nil {
		t.Fatal(err)
	}
	if found && (len(e.Keys) == 0 || e.URL == "" || e.Version <= 1) {
		t.Errorf("stored %+v", e)
	}
}

// A write based on a read from before a removal cannot overwrite the
// webhook registered after it: removing keeps the version rising.
func TestAWriteReadBeforeARemovalLosesToTheNextRegistration(t *testing.T) {
	svc, outbox, gln := onMoto(t)
	ctx := context.Background()
	if _, _, err := svc.Register(ctx, gln, "http://127.0.0.1:9/old"); err != nil {
		t.Fatal(err)
	}
	before := stored(t, outbox, gln)
	if err := svc.Remove(ctx, gln); err != nil {
		t.Fatal(err)
	}
	again, secret, err := svc.Register(ctx, gln, "http://127.0.0.1:9/new")
	if err != nil || secret == "" || again.Version <= before.Version+1 {
		t.Fatalf("registered again at version %d (secret shown: %v), %v", again.Version, secret != "", err)
	}
	late := before
	late.Version++
	if err := outbox.PutEndpoint(ctx, late); !errors.Is(err, webhook.ErrStale) {
		t.Fatalf("a write read before the removal: %v", err)
	}
	if e := stored(t, outbox, gln); e.URL != "http://127.0.0.1:9/new" || !holds(t, svc, e, secret) {
		t.Fatalf("stored %s", e.URL)
	}
}
