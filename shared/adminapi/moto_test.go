//go:build integration

package adminapi_test

import (
	"context"
	"net/http"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/tredjepart/tredjepart/localstack/harness/testenv"
	"github.com/tredjepart/tredjepart/shared/adminapi"
	"github.com/tredjepart/tredjepart/shared/resources"
	"github.com/tredjepart/tredjepart/shared/tracing"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// The handler as the function builds it from its environment, on moto.
func init() {
	backends = append(backends, backend{"moto", func(t *testing.T) *adminapi.Handler { return testenv.Admin(t, "operator, second-operator") }})
}

// A redriven dead letter goes back to its queue under the trace it was
// first sent in (its AWSTraceHeader), not as the start of a new one.
func TestARedrivenMessageKeepsItsTrace(t *testing.T) {
	ctx := context.Background()
	env := testenv.Get(t)
	client := sqs.NewFromConfig(env.Config)
	const body = `{"redriven":"with its trace"}`
	const header = "Root=1-66666666-000000000000000000000003;Parent=3333333333333333;Sampled=1"
	_, err := client.SendMessage(ctx, &sqs.SendMessageInput{
		QueueUrl: aws.String(env.Stack.DeadLetters[resources.WebhookPushesQueueID]), MessageBody: aws.String(body),
		MessageSystemAttributes: map[string]types.MessageSystemAttributeValue{
			tracing.SQSAttribute: {DataType: aws.String("String"), StringValue: aws.String(header)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	h := testenv.Admin(t, "operator")
	if status, p := operate(t, h, adminapi.RouteRedrive, map[string]string{"queue": resources.WebhookPushesQueueID}, nil); status != http.StatusOK {
		t.Fatalf("redrive: %d %+v", status, p)
	}
	for range 5 {
		got, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(env.Stack.QueueURLs[resources.WebhookPushesQueueID]), MaxNumberOfMessages: 10, WaitTimeSeconds: 1,
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAWSTraceHeader},
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range got.Messages {
			if aws.ToString(m.Body) != body {
				continue
			}
			if trace := m.Attributes[tracing.SQSAttribute]; trace != header {
				t.Errorf("redriven message's %s %q, want %q", tracing.SQSAttribute, trace, header)
			}
			return
		}
	}
	t.Fatal("the redriven message is not on its queue")
}
