//go:build integration

package operations_test

import (
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tredjepart/tredjepart/localstack/harness/testenv"
	"github.com/tredjepart/tredjepart/shared/dynamo"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// The status on the DynamoDB stores, on moto: the delivery index and the
// facts a job reads (two batch reads) as the admin function has them.
func init() {
	backends = append(backends, struct {
		name string
		open func(t *testing.T) stores
	}{"moto", func(t *testing.T) stores {
		env := testenv.Get(t)
		s := dynamo.Open(dynamodb.NewFromConfig(env.Config), env.Stack.Tables)
		return stores{Parties: s.Parties, MeteringPoints: s.MeteringPoints, Grants: s.Grants, Outbox: s.Outbox, Webhooks: s.Webhooks}
	}})
}
