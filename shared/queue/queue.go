// Package queue is an adapter: it puts messages on SQS: notifications for third parties, and
// the daily delivery's shards and jobs. It calls SQS through package
// awsjson, not the SDK's SQS client, whose schema tables cost 0.2–0.26 MB on
// each bootstrap (the admin function's queueops uses the client).
package queue

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/tredjepart/tredjepart/shared/delivery"
	"github.com/tredjepart/tredjepart/shared/notify"
	"github.com/tredjepart/tredjepart/shared/tracing"
	"github.com/tredjepart/tredjepart/shared/webhook"
)

// API is how Publisher calls SQS: an *awsjson.Client of awsjson.SQS.
type API interface {
	Call(ctx context.Context, operation string, in, out any) error
}

// message is SendMessage's input, and an entry of SendMessageBatch's.
type message struct {
	QueueURL                string `json:"QueueUrl,omitempty"`
	ID                      string `json:"Id,omitempty"`
	MessageBody             string
	DelaySeconds            int                       `json:",omitempty"`
	MessageSystemAttributes map[string]attributeValue `json:",omitempty"`
}

// attributeValue is a message attribute's value.
type attributeValue struct {
	DataType    string
	StringValue string
}

// send sends one message.
func (p *Publisher) send(ctx context.Context, body []byte, delay time.Duration) error {
	return p.Client.Call(ctx, "SendMessage", message{QueueURL: p.URL, MessageBody: string(body), DelaySeconds: int(delay / time.Second),
		MessageSystemAttributes: traceOf(ctx)}, nil)
}

// Publisher sends to one queue.
type Publisher struct {
	Client API
	URL    string
}

// traceOf is the system attribute that carries the trace of ctx on a
// message, so that its consumer works it under the same trace (nil outside
// a trace).
func traceOf(ctx context.Context) map[string]attributeValue {
	header := tracing.Outgoing(ctx)
	if header == "" {
		return nil
	}
	return map[string]attributeValue{tracing.SQSAttribute: {DataType: "String", StringValue: header}}
}

// Notify sends n.
func (p *Publisher) Notify(ctx context.Context, n notify.Notification) error {
	body, err := json.Marshal(n)
	if err != nil {
		return err
	}
	if err := p.send(ctx, body, 0); err != nil {
		return fmt.Errorf("notify %s: %w", n.NotificationID, err)
	}
	return nil
}

// Send puts delivery jobs on the queue, ten messages per call.
func (p *Publisher) Send(ctx context.Context, jobs []delivery.Job) error {
	return sendBatches(ctx, p, "delivery jobs", jobs)
}

// SendShards puts the daily fan-out's shard messages on the queue, ten per call.
func (p *Publisher) SendShards(ctx context.Context, tasks []delivery.ShardTask) error {
	return sendBatches(ctx, p, "fan-out shards", tasks)
}

// sendBatches sends each message as JSON with SendMessageBatch, ten per call.
func sendBatches[M any](ctx context.Context, p *Publisher, what string, messages []M) error {
	for chunk := range slices.Chunk(messages, 10) {
		entries := make([]message, len(chunk))
		for i, m := range chunk {
			body, err := json.Marshal(m)
			if err != nil {
				return err
			}
			entries[i] = message{ID: strconv.Itoa(i), MessageBody: string(body), MessageSystemAttributes: traceOf(ctx)}
		}
		var out struct {
			Failed []struct{ Code, Message string }
		}
		err := p.Client.Call(ctx, "SendMessageBatch", struct {
			QueueURL string `json:"QueueUrl"`
			Entries  []message
		}{p.URL, entries}, &out)
		if err != nil {
			return fmt.Errorf("send %s: %w", what, err)
		}
		if len(out.Failed) > 0 {
			f := out.Failed[0]
			return fmt.Errorf("send %s: %d of %d refused, e.g. %s: %s", what, len(out.Failed), len(entries), f.Code, f.Message)
		}
	}
	return nil
}

// Enqueue puts one webhook push attempt on the queue, delayed.
func (p *Publisher) Enqueue(ctx context.Context, m webhook.Message, delay time.Duration) error {
	body, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if err := p.send(ctx, body, min(delay, webhook.MaxDelay).Round(time.Second)); err != nil {
		return fmt.Errorf("queue webhook push of %s: %w", m.DocumentID, err)
	}
	return nil
}
