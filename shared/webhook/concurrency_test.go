package webhook_test

// The same webhook write made by many goroutines at once, on the fakes and
// (-tags integration, moto_test.go) on moto's DynamoDB and KMS: every
// call succeeds or answers a conflict (never an internal error), and what
// is stored is what the successful calls wrote, none lost.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/conflict/conflicttest"
	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/inmem"
	"github.com/tredjepart/tredjepart/shared/stdwebhook"
	"github.com/tredjepart/tredjepart/shared/webhook"
)

const writers = 16

var nextThirdParty atomic.Int64

// backend makes the store and the sealer a test runs on.
type backend struct {
	name      string
	newStores func(t *testing.T) (webhook.Store, webhook.Sealer)
}

// backends are the fakes, and moto's DynamoDB and KMS under -tags integration.
var backends = []backend{{"inmem", func(*testing.T) (webhook.Store, webhook.Sealer) { return inmem.NewWebhooks(), flipSealer{} }}}

// on is the service on b's store, for a third party no other test uses.
func on(t *testing.T, b backend) (*webhook.Service, webhook.Store, ident.GLN) {
	t.Helper()
	outbox, sealer := b.newStores(t)
	gln, err := ident.GLNWithCheckDigit(fmt.Sprintf("70711%07d", nextThirdParty.Add(1)))
	if err != nil {
		t.Fatal(err)
	}
	policy := stdwebhook.Policy{AllowLoopback: true, AllowHTTP: true}
	return &webhook.Service{Store: outbox, Secrets: sealer, Policy: policy, Client: policy.Client(time.Second), Clock: clock.System{},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, outbox, gln
}

// onEach runs test on each backend.
func onEach(t *testing.T, test func(t *testing.T, svc *webhook.Service, outbox webhook.Store, gln ident.GLN)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			svc, outbox, gln := on(t, b)
			test(t, svc, outbox, gln)
		})
	}
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

func stored(t *testing.T, outbox webhook.Store, gln ident.GLN) webhook.Endpoint {
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
	onEach(t, concurrentRegistrationsOfTheSameURL)
}

func concurrentRegistrationsOfTheSameURL(t *testing.T, svc *webhook.Service, outbox webhook.Store, gln ident.GLN) {
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
	onEach(t, concurrentRegistrationsOfDifferentURLs)
}

func concurrentRegistrationsOfDifferentURLs(t *testing.T, svc *webhook.Service, outbox webhook.Store, gln ident.GLN) {
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

// Registrations, rotations and removals at once: each answers success, a
// conflict, or (a rotation after a removal) not found; no two writes share
// a version, and what is stored is whole.
func TestConcurrentRegisterRotateAndRemove(t *testing.T) {
	onEach(t, concurrentRegisterRotateAndRemove)
}

func concurrentRegisterRotateAndRemove(t *testing.T, svc *webhook.Service, outbox webhook.Store, gln ident.GLN) {
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
	onEach(t, aWriteReadBeforeARemovalLosesToTheNextRegistration)
}

func aWriteReadBeforeARemovalLosesToTheNextRegistration(t *testing.T, svc *webhook.Service, outbox webhook.Store, gln ident.GLN) {
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
