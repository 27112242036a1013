package queue

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/tredjepart/tredjepart/shared/delivery"
	"github.com/tredjepart/tredjepart/shared/notify"
	"github.com/tredjepart/tredjepart/shared/tracing"
	"github.com/tredjepart/tredjepart/shared/webhook"
)

// sent keeps the system attributes of every message sent.
type sent struct {
	attrs []map[string]types.MessageSystemAttributeValue
}

func (s *sent) SendMessage(_ context.Context, in *sqs.SendMessageInput, _ ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	s.attrs = append(s.attrs, in.MessageSystemAttributes)
	return &sqs.SendMessageOutput{}, nil
}

func (s *sent) SendMessageBatch(_ context.Context, in *sqs.SendMessageBatchInput, _ ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	for _, e := range in.Entries {
		s.attrs = append(s.attrs, e.MessageSystemAttributes)
	}
	return &sqs.SendMessageBatchOutput{}, nil
}

func TestMessagesCarryTheTrace(t *testing.T) {
	t.Setenv("_X_AMZN_TRACE_ID", "")
	const header = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
	send := func(ctx context.Context, p *Publisher) {
		t.Helper()
		if err := p.Send(ctx, make([]delivery.Job, 11)); err != nil {
			t.Fatal(err)
		}
		if err := p.SendShards(ctx, make([]delivery.ShardTask, 1)); err != nil {
			t.Fatal(err)
		}
		if err := p.Notify(ctx, notify.Notification{NotificationID: "n"}); err != nil {
			t.Fatal(err)
		}
		if err := p.Enqueue(ctx, webhook.Message{DocumentID: "d"}, time.Second); err != nil {
			t.Fatal(err)
		}
	}
	traced := &sent{}
	send(tracing.WithHeader(context.Background(), header), &Publisher{Client: traced, URL: "q"})
	if len(traced.attrs) != 14 {
		t.Fatalf("%d messages sent", len(traced.attrs))
	}
	for i, attrs := range traced.attrs {
		if v := attrs[tracing.SQSAttribute]; aws.ToString(v.StringValue) != header || aws.ToString(v.DataType) != "String" {
			t.Errorf("message %d: system attributes %v", i, attrs)
		}
	}
	untraced := &sent{}
	send(context.Background(), &Publisher{Client: untraced, URL: "q"})
	for i, attrs := range untraced.attrs {
		if attrs != nil {
			t.Errorf("message %d outside a trace: system attributes %v", i, attrs)
		}
	}
}
