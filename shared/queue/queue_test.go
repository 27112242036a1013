package queue

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/tredjepart/tredjepart/shared/delivery"
	"github.com/tredjepart/tredjepart/shared/notify"
	"github.com/tredjepart/tredjepart/shared/tracing"
	"github.com/tredjepart/tredjepart/shared/webhook"
)

// sent keeps the system attributes of every message sent, as SQS reads them
// off the wire.
type sent struct {
	attrs []map[string]attributeValue
}

func (s *sent) Call(_ context.Context, operation string, in, _ any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	var call struct {
		Entries                 []message
		MessageSystemAttributes map[string]attributeValue
	}
	if err := json.Unmarshal(body, &call); err != nil {
		return err
	}
	switch operation {
	case "SendMessage":
		s.attrs = append(s.attrs, call.MessageSystemAttributes)
	case "SendMessageBatch":
		for _, e := range call.Entries {
			s.attrs = append(s.attrs, e.MessageSystemAttributes)
		}
	}
	return nil
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
		if v := attrs[tracing.SQSAttribute]; v.StringValue != header || v.DataType != "String" {
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
