//go:build integration

package accessrequest_test

import (
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tredjepart/tredjepart/localstack/harness/testenv"
	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/dynamo"
	"github.com/tredjepart/tredjepart/shared/storetest"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// The concurrency tests run on moto's tables too: they prove DynamoDB's
// conditional writes, not only the fakes'.
func init() {
	backends = append(backends, backend{"moto", func(t *testing.T) (storetest.MeteringPoints, accessrequest.Store, storetest.Grants) {
		env := testenv.Get(t)
		s := dynamo.Open(dynamodb.NewFromConfig(env.Config), env.Stack.Tables)
		return s.MeteringPoints, s.Requests, s.Grants
	}})
}
