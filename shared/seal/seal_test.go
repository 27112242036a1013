package seal_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/tredjepart/tredjepart/localstack/testenv"
	"github.com/tredjepart/tredjepart/shared/resources"
	"github.com/tredjepart/tredjepart/shared/seal"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

func box(t *testing.T) seal.Box {
	env := testenv.Get(t)
	return seal.Box{Client: kms.NewFromConfig(env.Config), KeyID: env.Stack.Keys[resources.WebhookSecretsKeyID]}
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
