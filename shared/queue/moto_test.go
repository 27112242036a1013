//go:build integration

package queue_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/tredjepart/tredjepart/localstack/harness/testenv"
	"github.com/tredjepart/tredjepart/shared/awsjson"
	"github.com/tredjepart/tredjepart/shared/delivery"
	"github.com/tredjepart/tredjepart/shared/notify"
	"github.com/tredjepart/tredjepart/shared/queue"
	"github.com/tredjepart/tredjepart/shared/webhook"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// A publisher and a queue of its own on moto, read with the SDK's client.
func setup(t *testing.T, name string) (*queue.Publisher, *sqs.Client, string) {
	t.Helper()
	env := testenv.Get(t)
	client := sqs.NewFromConfig(env.Config)
	q, err := client.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return &queue.Publisher{Client: awsjson.New(env.Config, awsjson.SQS), URL: *q.QueueUrl}, client, *q.QueueUrl
}

// receive reads up to n messages' bodies, with their delays.
func receive(t *testing.T, client *sqs.Client, url string, n int) []types.Message {
	t.Helper()
	var got []types.Message
	for range 5 {
		out, err := client.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(url), MaxNumberOfMessages: 10, VisibilityTimeout: 60,
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
		})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, out.Messages...)
		if len(got) >= n {
			break
		}
	}
	return got
}

// Notify sends one message, and Send twelve jobs in two batches; each
// message is the JSON of what was sent.
func TestMessagesReachTheQueueAsJSON(t *testing.T) {
	p, client, url := setup(t, "queue-test-send")
	ctx := context.Background()
	n := notify.Notification{NotificationID: "n1", Type: "access-request.approved", ThirdPartyID: "7080005051286", MeteringPointID: "707057500000000001"}
	if err := p.Notify(ctx, n); err != nil {
		t.Fatal(err)
	}
	jobs := make([]delivery.Job, 12)
	for i := range jobs {
		jobs[i] = delivery.Job{ThirdParty: "7080005051286", Day: fmt.Sprintf("2026-12-%02d", i+1)}
	}
	if err := p.Send(ctx, jobs); err != nil {
		t.Fatal(err)
	}
	got := receive(t, client, url, 13)
	days := map[string]bool{}
	notified := 0
	for _, m := range got {
		var body map[string]any
		if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &body); err != nil {
			t.Fatalf("body %q: %v", aws.ToString(m.Body), err)
		}
		if body["notificationId"] == "n1" {
			notified++
		} else if day, ok := body["day"].(string); ok {
			days[day] = true
		}
	}
	if notified != 1 || len(days) != 12 || len(got) != 13 {
		t.Fatalf("%d messages: %d notifications, %d days", len(got), notified, len(days))
	}
}

// A webhook push is delayed as asked, in whole seconds, at most
// webhook.MaxDelay.
func TestAPushIsDelayed(t *testing.T) {
	p, client, url := setup(t, "queue-test-delay")
	if err := p.Enqueue(context.Background(), webhook.Message{ThirdParty: "7080005051286", DocumentID: "d1"}, 0); err != nil {
		t.Fatal(err)
	}
	if err := p.Enqueue(context.Background(), webhook.Message{ThirdParty: "7080005051286", DocumentID: "d2"}, 400*time.Millisecond+time.Hour); err != nil {
		t.Fatal(err)
	}
	got := receive(t, client, url, 1)
	if len(got) != 1 || !json.Valid([]byte(aws.ToString(got[0].Body))) {
		t.Fatalf("received %d messages, want only the one not delayed", len(got))
	}
	attrs, err := client.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{
		QueueUrl: aws.String(url), AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameApproximateNumberOfMessagesDelayed},
	})
	if err != nil {
		t.Fatal(err)
	}
	if delayed, _ := strconv.Atoi(attrs.Attributes[string(types.QueueAttributeNameApproximateNumberOfMessagesDelayed)]); delayed != 1 {
		t.Fatalf("%d messages delayed, want 1", delayed)
	}
}
