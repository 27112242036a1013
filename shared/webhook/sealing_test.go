//go:build integration

package webhook_test

// Signing secrets on moto's DynamoDB and KMS: stored sealed, never in clear;
// a push signs with the secret the caller was shown, old and new during a
// rotation; a secret stored in clear before sealing still signs and is
// sealed by the next write; a sealed secret copied to another third party
// or altered does not open.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tredjepart/tredjepart/localstack/harness/testenv"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/resources"
	"github.com/tredjepart/tredjepart/shared/seal"
	"github.com/tredjepart/tredjepart/shared/stdwebhook"
	"github.com/tredjepart/tredjepart/shared/webhook"
)

// rawEndpoint is the endpoint's item as DynamoDB holds it.
func rawEndpoint(t *testing.T, gln ident.GLN) map[string]types.AttributeValue {
	t.Helper()
	env := testenv.Get(t)
	out, err := dynamodb.NewFromConfig(env.Config).GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String(env.Stack.Tables[resources.OutboxTableID]),
		Key: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: "TP#" + string(gln)}, "sk": &types.AttributeValueMemberS{Value: "WEBHOOK"},
		},
	})
	if err != nil || out.Item == nil {
		t.Fatalf("raw endpoint item: %v", err)
	}
	return out.Item
}

func putRaw(t *testing.T, item map[string]types.AttributeValue) {
	t.Helper()
	env := testenv.Get(t)
	_, err := dynamodb.NewFromConfig(env.Config).PutItem(context.Background(), &dynamodb.PutItemInput{
		TableName: aws.String(env.Stack.Tables[resources.OutboxTableID]), Item: item,
	})
	if err != nil {
		t.Fatal(err)
	}
}

// holdsInClear reports whether the item shows the secret in any form: its
// text, its key's bytes in a binary attribute, or their base64 anywhere.
func holdsInClear(t *testing.T, item map[string]types.AttributeValue, text string) bool {
	t.Helper()
	key, err := stdwebhook.ParseSecret(text)
	if err != nil {
		t.Fatal(err)
	}
	var plain map[string]any
	if err := attributevalue.UnmarshalMap(item, &plain); err != nil {
		t.Fatal(err)
	}
	dump, err := json.Marshal(plain) // binary attributes in base64
	if err != nil {
		t.Fatal(err)
	}
	var raw []byte
	for _, k := range item["keys"].(*types.AttributeValueMemberL).Value {
		for _, v := range k.(*types.AttributeValueMemberM).Value {
			if b, ok := v.(*types.AttributeValueMemberB); ok {
				raw = append(raw, b.Value...)
			}
		}
	}
	return bytes.Contains(dump, []byte(text)) || bytes.Contains(dump, []byte(base64.StdEncoding.EncodeToString(key.Key))) ||
		bytes.Contains(raw, key.Key)
}

// receiverOf records the pushes it gets.
func receiverOf(t *testing.T) (*[]http.Header, *[][]byte, string) {
	var headers []http.Header
	var bodies [][]byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		headers, bodies = append(headers, r.Header.Clone()), append(bodies, body)
	}))
	t.Cleanup(srv.Close)
	return &headers, &bodies, srv.URL
}

func verifies(header http.Header, body []byte, text string) error {
	secret, err := stdwebhook.ParseSecret(text)
	if err != nil {
		return err
	}
	return stdwebhook.Verify(header, body, []stdwebhook.Secret{secret}, time.Now(), time.Minute)
}

func TestSecretsAreStoredSealedAndSignWhatTheCallerWasShown(t *testing.T) {
	svc, _, gln := onMoto(t)
	ctx := context.Background()
	headers, bodies, url := receiverOf(t)
	_, first, err := svc.Register(ctx, gln, url)
	if err != nil {
		t.Fatal(err)
	}
	if item := rawEndpoint(t, gln); holdsInClear(t, item, first) {
		t.Fatal("the stored item shows the secret")
	}
	_, second, err := svc.Rotate(ctx, gln)
	if err != nil {
		t.Fatal(err)
	}
	item := rawEndpoint(t, gln)
	if holdsInClear(t, item, first) || holdsInClear(t, item, second) {
		t.Fatal("the stored item shows a secret after the rotation")
	}
	if _, err := svc.SendTest(ctx, gln, webhook.TestEventType); err != nil {
		t.Fatal(err)
	}
	if len(*headers) != 1 {
		t.Fatalf("%d pushes", len(*headers))
	}
	// During the overlap the push verifies with either secret alone.
	for name, text := range map[string]string{"the old secret": first, "the new secret": second} {
		if err := verifies((*headers)[0], (*bodies)[0], text); err != nil {
			t.Errorf("%s does not verify the push: %v", name, err)
		}
	}
}

func TestASecretStoredInClearStillSignsAndTheNextWriteSealsIt(t *testing.T) {
	svc, outbox, gln := onMoto(t)
	ctx := context.Background()
	headers, bodies, url := receiverOf(t)
	text, legacy, err := stdwebhook.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	// The item as it was written before secrets were sealed.
	putRaw(t, map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: "TP#" + string(gln)}, "sk": &types.AttributeValueMemberS{Value: "WEBHOOK"},
		"url": &types.AttributeValueMemberS{Value: url}, "enabled": &types.AttributeValueMemberBOOL{Value: true},
		"changedAt": &types.AttributeValueMemberS{Value: "2026-11-01T00:00:00Z"}, "version": &types.AttributeValueMemberN{Value: "1"},
		"keys": &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
			"key": &types.AttributeValueMemberB{Value: legacy.Key}, "createdAt": &types.AttributeValueMemberS{Value: "2026-11-01T00:00:00Z"},
		}}}},
	})
	if _, err := svc.SendTest(ctx, gln, webhook.TestEventType); err != nil {
		t.Fatal(err)
	}
	if len(*headers) != 1 || verifies((*headers)[0], (*bodies)[0], text) != nil {
		t.Fatal("a secret stored in clear does not sign")
	}
	_, rotated, err := svc.Rotate(ctx, gln)
	if err != nil {
		t.Fatal(err)
	}
	if item := rawEndpoint(t, gln); holdsInClear(t, item, text) || holdsInClear(t, item, rotated) {
		t.Fatal("the rotation left a secret in clear")
	}
	e := stored(t, outbox, gln)
	if !holds(t, svc, e, text) || !holds(t, svc, e, rotated) {
		t.Fatal("after the rotation the old secret or the new one does not sign")
	}
}

func TestASealedSecretOpensOnlyForItsThirdPartyAndUnaltered(t *testing.T) {
	svc, _, owner := onMoto(t)
	_, _, thief := onMoto(t)
	ctx := context.Background()
	_, _, url := receiverOf(t)
	_, text, err := svc.Register(ctx, owner, url)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Register(ctx, thief, url); err != nil {
		t.Fatal(err)
	}
	// The owner's sealed secret copied into the other third party's item.
	stolen := rawEndpoint(t, thief)
	stolen["keys"] = rawEndpoint(t, owner)["keys"]
	putRaw(t, stolen)
	// And the owner's own, altered.
	altered := rawEndpoint(t, owner)
	sealed := altered["keys"].(*types.AttributeValueMemberL).Value[0].(*types.AttributeValueMemberM).Value["sealed"].(*types.AttributeValueMemberB)
	sealed.Value[len(sealed.Value)-1] ^= 1
	putRaw(t, altered)

	for _, gln := range []ident.GLN{thief, owner} {
		_, err := svc.SendTest(ctx, gln, webhook.TestEventType)
		if !errors.Is(err, seal.ErrNotOpened) {
			t.Errorf("%s: %v, want ErrNotOpened", gln, err)
		}
		if err != nil && strings.Contains(err.Error(), strings.TrimPrefix(text, stdwebhook.SecretPrefix)) {
			t.Errorf("the error shows the secret: %v", err)
		}
	}
}

func TestTheStoreRefusesASecretThatIsNotSealed(t *testing.T) {
	_, outbox, gln := onMoto(t)
	_, secret, err := stdwebhook.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	e := webhook.Endpoint{ThirdParty: gln, URL: "https://hooks.example.com/", Enabled: true, ChangedAt: time.Now(), Version: 1,
		Keys: []webhook.Key{{Secret: secret, CreatedAt: time.Now()}}}
	if err := outbox.PutEndpoint(context.Background(), e); !errors.Is(err, webhook.ErrKeyNotSealed) {
		t.Fatalf("a clear secret: %v", err)
	}
	if _, found, _ := outbox.Endpoint(context.Background(), gln); found {
		t.Fatal("the endpoint was stored")
	}
}

// Rotating again and again keeps at most MaxSigningSecrets signing: the
// newest ones, each of which still verifies a push; the oldest no longer do.
func TestRotationsKeepAtMostThreeSecretsSigning(t *testing.T) {
	svc, _, gln := onMoto(t)
	ctx := context.Background()
	headers, bodies, url := receiverOf(t)
	_, first, err := svc.Register(ctx, gln, url)
	if err != nil {
		t.Fatal(err)
	}
	shown := []string{first}
	for range 4 {
		_, secret, err := svc.Rotate(ctx, gln)
		if err != nil {
			t.Fatal(err)
		}
		shown = append(shown, secret)
	}
	if _, err := svc.SendTest(ctx, gln, webhook.TestEventType); err != nil {
		t.Fatal(err)
	}
	if signatures := strings.Fields((*headers)[0].Get("webhook-signature")); len(signatures) != webhook.MaxSigningSecrets {
		t.Fatalf("%d signatures on a push, want %d", len(signatures), webhook.MaxSigningSecrets)
	}
	for i, text := range shown {
		err := verifies((*headers)[0], (*bodies)[0], text)
		if newest := i >= len(shown)-webhook.MaxSigningSecrets; newest != (err == nil) {
			t.Errorf("secret %d of %d: verifies %v", i+1, len(shown), err == nil)
		}
	}
}
