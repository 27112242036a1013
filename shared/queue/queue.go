// Package queue is an adapter: it puts messages on SQS: notifications for third parties, and
// the daily delivery's shards and jobs.
package queue

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/tredjepart/tredjepart/shared/delivery"
	"github.com/tredjepart/tredjepart/shared/notify"
	"github.com/tredjepart/tredjepart/shared/tracing"
	"github.com/tredjepart/tredjepart/shared/webhook"
)

// API is the SQS operations Publisher calls; *sqs.Client has them.
type API interface {
	SendMessage(context.Context, *sqs.SendMessageInput, ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
	SendMessageBatch(context.Context, *sqs.SendMessageBatchInput, ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error)
}

// Publisher sends to one queue.
type Publisher struct {
	Client API
	URL    string
}

// traceOf is the system attribute that carries the trace of ctx on a
// message, so that its consumer works it under the same trace (nil outside
// a trace).
func traceOf(ctx context.Context) map[string]types.MessageSystemAttributeValue {
	header := tracing.Outgoing(ctx)
	if header == "" {
		return nil
	}
	return map[string]types.MessageSystemAttributeValue{
		tracing.SQSAttribute: {DataType: aws.String("String"), StringValue: aws.String(header)},
	}
}

// Notify sends n.
func (p *Publisher) Notify(ctx context.Context, n notify.Notification) error {
	body, err := json.Marshal(n)
	if err != nil {
		return err
	}
	_, err = p.Client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(p.URL), MessageBody: aws.String(string(body)),
		MessageSystemAttributes: traceOf(ctx)})
	if err != nil {
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
		entries := make([]types.SendMessageBatchRequestEntry, len(chunk))
		for i, m := range chunk {
			body, err := json.Marshal(m)
			if err != nil {
				return err
			}
			entries[i] = types.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), MessageBody: aws.String(string(body)),
				MessageSystemAttributes: traceOf(ctx)}
		}
		out, err := p.Client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(p.URL), Entries: entries})
		if err != nil {
			return fmt.Errorf("send %s: %w", what, err)
		}
		if len(out.Failed) > 0 {
			f := out.Failed[0]
			return fmt.Errorf("send %s: %d of %d refused, e.g. %s: %s", what, len(out.Failed), len(entries), aws.ToString(f.Code), aws.ToString(f.Message))
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
	_, err = p.Client.SendMessage(ctx, &sqs.SendMessageInput{
		QueueUrl: aws.String(p.URL), MessageBody: aws.String(string(body)),
		DelaySeconds:            int32(min(delay, webhook.MaxDelay).Round(time.Second) / time.Second),
		MessageSystemAttributes: traceOf(ctx),
	})
	if err != nil {
		return fmt.Errorf("queue webhook push of %s: %w", m.DocumentID, err)
	}
	return nil
}
