//go:build integration

package seal_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tredjepart/tredjepart/localstack/harness/testenv"
	"github.com/tredjepart/tredjepart/shared/awsjson"
	"github.com/tredjepart/tredjepart/shared/resources"
	"github.com/tredjepart/tredjepart/shared/seal"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

func box(t *testing.T) seal.Box {
	env := testenv.Get(t)
	return seal.Box{Client: awsjson.New(env.Config, awsjson.KMS), KeyID: env.Stack.Keys[resources.WebhookSecretsKeyID]}
}

var secret = []byte("0123456789abcdef0123456789abcdef")

func TestASealedSecretOpensOnlyUnchangedAndInItsContext(t *testing.T) {
	ctx := context.Background()
	b := box(t)
	ec := map[string]string{"purpose": "test", "item": "A"}
	sealed, err := b.Seal(ctx, secret, ec)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, secret) {
		t.Fatal("the sealed secret contains the secret")
	}
	opened, err := b.Open(ctx, sealed, map[string]string{"item": "A", "purpose": "test"})
	if err != nil || !bytes.Equal(opened, secret) {
		t.Fatalf("opened %q, %v", opened, err)
	}

	tampered := bytes.Clone(sealed)
	tampered[len(tampered)-1] ^= 1
	for name, attempt := range map[string]func() ([]byte, error){
		"tampered":   func() ([]byte, error) { return b.Open(ctx, tampered, ec) },
		"other item": func() ([]byte, error) { return b.Open(ctx, sealed, map[string]string{"purpose": "test", "item": "B"}) },
		"no context": func() ([]byte, error) { return b.Open(ctx, sealed, nil) },
		"more context": func() ([]byte, error) {
			return b.Open(ctx, sealed, map[string]string{"purpose": "test", "item": "A", "x": "y"})
		},
		"truncated":     func() ([]byte, error) { return b.Open(ctx, sealed[:len(sealed)/2], ec) },
		"empty":         func() ([]byte, error) { return b.Open(ctx, nil, ec) },
		"not a sealing": func() ([]byte, error) { return b.Open(ctx, secret, ec) },
	} {
		opened, err := attempt()
		if err == nil || opened != nil {
			t.Errorf("%s: opened %q", name, opened)
			continue
		}
		if name != "empty" && !errors.Is(err, seal.ErrNotOpened) {
			t.Errorf("%s: %v, want ErrNotOpened", name, err)
		}
		if strings.Contains(err.Error(), string(secret)) {
			t.Errorf("%s: the error shows the secret: %v", name, err)
		}
	}
}

func TestSealingNeedsAContext(t *testing.T) {
	if _, err := box(t).Seal(context.Background(), secret, nil); err == nil {
		t.Error("a secret was sealed without an encryption context")
	}
}

// countingKMS counts the Decrypt calls that reach KMS.
type countingKMS struct {
	seal.KMS
	decrypts int
}

func (c *countingKMS) Call(ctx context.Context, operation string, in, out any) error {
	if operation == "Decrypt" {
		c.decrypts++
	}
	return c.KMS.Call(ctx, operation, in, out)
}

type manualClock struct{ now time.Time }

func (c *manualClock) Now() time.Time { return c.now }

func TestTheCacheOpensOncePerTTLAndOnlyInTheSameContext(t *testing.T) {
	ctx := context.Background()
	b := box(t)
	counting := &countingKMS{KMS: b.Client}
	b.Client = counting
	clk := &manualClock{now: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	cache := &seal.Cache{Opener: b, TTL: 5 * time.Minute, Clock: clk}
	ec := map[string]string{"purpose": "test", "item": "A"}
	sealed, err := cache.Seal(ctx, secret, ec)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if opened, err := cache.Open(ctx, sealed, ec); err != nil || !bytes.Equal(opened, secret) {
			t.Fatalf("opened %q, %v", opened, err)
		}
	}
	if counting.decrypts != 1 {
		t.Fatalf("%d calls to KMS for three opens within the TTL, want 1", counting.decrypts)
	}
	// Another context is KMS's to refuse, not the cache's to answer.
	if _, err := cache.Open(ctx, sealed, map[string]string{"purpose": "test", "item": "B"}); !errors.Is(err, seal.ErrNotOpened) {
		t.Fatalf("opened in another context: %v", err)
	}
	if _, err := cache.Open(ctx, sealed, map[string]string{"purpose": "test", "item": "A", "x": "y"}); !errors.Is(err, seal.ErrNotOpened) {
		t.Fatalf("opened in a longer context: %v", err)
	}
	clk.now = clk.now.Add(5 * time.Minute)
	if opened, err := cache.Open(ctx, sealed, ec); err != nil || !bytes.Equal(opened, secret) {
		t.Fatalf("after the TTL: %q, %v", opened, err)
	}
	if counting.decrypts != 4 {
		t.Fatalf("%d calls to KMS, want 4: one each for the two other contexts and one after the TTL", counting.decrypts)
	}
	// What Open returns is the caller's to change.
	opened, _ := cache.Open(ctx, sealed, ec)
	opened[0] ^= 0xff
	if again, _ := cache.Open(ctx, sealed, ec); !bytes.Equal(again, secret) {
		t.Fatal("changing an opened secret changed the cache")
	}
}
