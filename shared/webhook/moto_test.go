//go:build integration

package webhook_test

import (
	"context"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tredjepart/tredjepart/localstack/harness/testenv"
	"github.com/tredjepart/tredjepart/shared/awsjson"
	"github.com/tredjepart/tredjepart/shared/dynamo"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/resources"
	"github.com/tredjepart/tredjepart/shared/seal"
	"github.com/tredjepart/tredjepart/shared/webhook"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// onMotoStores is moto's Outbox table and the webhook secrets' KMS key.
func onMotoStores(t *testing.T) (webhook.Store, webhook.Sealer) {
	env := testenv.Get(t)
	return dynamo.Open(dynamodb.NewFromConfig(env.Config), env.Stack.Tables).Webhooks,
		seal.Box{Client: awsjson.New(env.Config, awsjson.KMS), KeyID: env.Stack.Keys[resources.WebhookSecretsKeyID]}
}

// The concurrency tests run on moto too: they prove DynamoDB's conditional
// writes, not only the fakes'.
func init() { backends = append(backends, backend{"moto", onMotoStores}) }

// onMoto is the service on moto's Outbox table, for a third party no other test uses.
func onMoto(t *testing.T) (*webhook.Service, *dynamo.Webhooks, ident.GLN) {
	t.Helper()
	svc, outbox, gln := on(t, backend{"moto", onMotoStores})
	return svc, outbox.(*dynamo.Webhooks), gln
}

// Rotations at once: each is a new secret for its caller, so a lost race is
// a conflict, not a second rotation. Every secret shown is stored, exactly
// one signs without an end, and each success raised the version once.
//
// On moto only: its assertions hold when the rotations overlap, all
// reading one version, which moto's round trips make sure of; on the
// fakes each call is done before the next starts, and more than
// MaxSigningSecrets rotations in a row drop the oldest secrets shown.
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
