// Package sqspoller is an emulator: the local stand-in for a Lambda SQS event
// source mapping: it receives batches from a queue, invokes a function with
// the events.SQSEvent AWS would send, and deletes what the function processed,
// leaving failures to the queue's visibility timeout and redrive policy.
//
// One batch is processed at a time (AWS runs several concurrently), and
// receive, result handling and deletion follow AWS:
//
//   - a function error (or panic) deletes nothing: the batch becomes visible
//     again after the visibility timeout, and the queue's redrive policy moves
//     a message to its dead-letter queue after maxReceiveCount receives;
//   - with ReportBatchItemFailures, an events.SQSEventResponse deletes every
//     message except those in batchItemFailures; an empty or null response
//     is a complete success; an unparsable response, or an itemIdentifier that
//     is empty or not in the batch, fails the whole batch;
//   - otherwise a successful invocation deletes the whole batch.
package sqspoller

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/tredjepart/tredjepart/localstack/emulate/gateway"
	"github.com/tredjepart/tredjepart/localstack/emulate/poll"
)

const (
	// MaxBatchSize is the most one ReceiveMessage returns; BatchSize is
	// limited to it (AWS allows more only with a batching window).
	MaxBatchSize = 10
	// DefaultPollInterval is the pause after an empty short poll.
	DefaultPollInterval = 100 * time.Millisecond

	maxWaitTime          = 20 * time.Second
	maxVisibilityTimeout = 12 * time.Hour
	errorBackoff         = time.Second
	drainInterval        = 100 * time.Millisecond
	deleteTimeout        = 10 * time.Second
)

// Options configure a Poller, as the event source mapping's settings do.
type Options struct {
	QueueURL string
	// BatchSize is the most messages one invocation gets, 1–10; 0 means 10
	// (AWS's default), larger values are cut to 10.
	BatchSize int
	// MaximumBatchingWindow is how long to keep gathering messages, from the
	// first one received, before invoking with fewer than BatchSize. 0
	// invokes with whatever one receive returned.
	MaximumBatchingWindow time.Duration
	// VisibilityTimeout is given to ReceiveMessage (rounded up to whole
	// seconds); 0 uses the queue's.
	VisibilityTimeout time.Duration
	// ReportBatchItemFailures is the mapping's FunctionResponseTypes
	// ["ReportBatchItemFailures"].
	ReportBatchItemFailures bool
	// Logger gets one line per batch; nil discards them.
	Logger *slog.Logger

	// WaitTime is ReceiveMessage's WaitTimeSeconds (whole seconds, up to 20
	// s). 0, the default, short-polls every PollInterval instead: the moto
	// server the local stack runs serves one request at a time, so a long
	// poll on an empty queue holds up every other request to the emulator,
	// including the SendMessage that would have ended it, for the whole wait.
	// Set it (e.g. 1 s) only against a server that serves requests
	// concurrently.
	WaitTime time.Duration
	// PollInterval is the pause after a receive that waited less than a
	// second and got nothing; 0 means DefaultPollInterval.
	PollInterval time.Duration
}

// Poller feeds one queue to one function. Create it with Start.
type Poller struct {
	client *sqs.Client
	fn     gateway.Invoker
	o      Options
	log    *slog.Logger
	region string

	loop *poll.Loop
	// inflight is how many received messages are not yet settled (invoked
	// and deleted or left for redelivery). Only the loop writes it.
	inflight atomic.Int64
}

// Start polls o.QueueURL and invokes fn with each batch until ctx ends or
// Stop is called.
func Start(ctx context.Context, client *sqs.Client, fn gateway.Invoker, o Options) *Poller {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("queue", o.QueueURL)
	if o.BatchSize <= 0 {
		o.BatchSize = MaxBatchSize
	} else if o.BatchSize > MaxBatchSize {
		log.Warn("sqspoller: batch size cut to the most one receive returns", "batchSize", o.BatchSize, "max", MaxBatchSize)
		o.BatchSize = MaxBatchSize
	}
	o.WaitTime = min(max(o.WaitTime, 0), maxWaitTime)
	if o.PollInterval <= 0 {
		o.PollInterval = DefaultPollInterval
	}
	o.VisibilityTimeout = min(max(o.VisibilityTimeout, 0), maxVisibilityTimeout)
	o.MaximumBatchingWindow = max(o.MaximumBatchingWindow, 0)

	p := &Poller{client: client, fn: fn, o: o, log: log, region: client.Options().Region}
	p.loop = poll.Start(ctx, p.run)
	return p
}

// Stop ends polling and waits for the loop to finish. An invocation under
// way sees its context cancelled; its batch is not deleted, so SQS delivers
// it again after the visibility timeout. Stop may be called more than once.
func (p *Poller) Stop() { p.loop.Stop() }

// Drain returns nil once the queue has no visible, in-flight or delayed
// messages and the poller holds none, that is, everything sent so far has
// been processed or moved to the dead-letter queue. It fails if ctx ends
// first, or if the poller stops with messages left. SQS's counts are
// approximate on AWS; moto's are exact. moto moves a message that has
// reached maxReceiveCount to the dead-letter queue only when a later receive
// finds it visible, so until the poller's next receive it still counts here.
func (p *Poller) Drain(ctx context.Context) error {
	for {
		busy := p.inflight.Load()
		queued, err := p.queued(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("sqspoller: drain %s: %w", p.o.QueueURL, ctx.Err())
			}
			return fmt.Errorf("sqspoller: drain %s: %w", p.o.QueueURL, err)
		}
		if queued == 0 && busy == 0 && p.inflight.Load() == 0 {
			return nil
		}
		select {
		case <-p.loop.Done():
			if queued, err = p.queued(ctx); err == nil && queued == 0 {
				return nil
			}
			return fmt.Errorf("sqspoller: drain %s: the poller stopped with %d messages left", p.o.QueueURL, queued)
		case <-ctx.Done():
			return fmt.Errorf("sqspoller: drain %s: %d messages left: %w", p.o.QueueURL, queued+int(busy), ctx.Err())
		case <-time.After(drainInterval):
		}
	}
}

// queued is the number of messages on the queue, visible or not.
func (p *Poller) queued(ctx context.Context) (int, error) {
	out, err := p.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: &p.o.QueueURL,
		AttributeNames: []types.QueueAttributeName{
			types.QueueAttributeNameApproximateNumberOfMessages,
			types.QueueAttributeNameApproximateNumberOfMessagesNotVisible,
			types.QueueAttributeNameApproximateNumberOfMessagesDelayed,
		},
	})
	if err != nil {
		return 0, err
	}
	total := 0
	for _, name := range []types.QueueAttributeName{
		types.QueueAttributeNameApproximateNumberOfMessages,
		types.QueueAttributeNameApproximateNumberOfMessagesNotVisible,
		types.QueueAttributeNameApproximateNumberOfMessagesDelayed,
	} {
		if v, ok := out.Attributes[string(name)]; ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				return 0, fmt.Errorf("attribute %s = %q: %w", name, v, err)
			}
			total += n
		}
	}
	return total, nil
}

func (p *Poller) run(ctx context.Context) {
	arn, ok := p.queueARN(ctx)
	if !ok {
		return
	}
	for ctx.Err() == nil {
		batch := p.collect(ctx)
		if len(batch) > 0 && ctx.Err() == nil {
			p.process(ctx, arn, batch)
		}
		p.inflight.Store(0)
	}
}

// queueARN asks for the queue's ARN until it gets it or ctx ends.
func (p *Poller) queueARN(ctx context.Context) (string, bool) {
	for {
		out, err := p.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
			QueueUrl:       &p.o.QueueURL,
			AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn},
		})
		if err == nil {
			return out.Attributes[string(types.QueueAttributeNameQueueArn)], true
		}
		if ctx.Err() != nil {
			return "", false
		}
		p.log.Error("sqspoller: get queue ARN", "error", err)
		if !poll.Sleep(ctx, errorBackoff, nil) {
			return "", false
		}
	}
}

// collect receives one batch: up to BatchSize messages, gathered for at most
// MaximumBatchingWindow after the first arrives. It returns nothing only
// when ctx has ended.
func (p *Poller) collect(ctx context.Context) []types.Message {
	var (
		batch    []types.Message
		index    = map[string]int{} // message ID → position in batch
		deadline time.Time
	)
	for ctx.Err() == nil {
		wait := p.o.WaitTime
		if !deadline.IsZero() {
			left := time.Until(deadline)
			if left <= 0 {
				return batch
			}
			wait = min(wait, left)
		}
		waitSeconds := int32(wait / time.Second)
		msgs, err := p.receive(ctx, p.o.BatchSize-len(batch), waitSeconds)
		if err != nil {
			if ctx.Err() != nil {
				return batch
			}
			p.log.Error("sqspoller: receive", "error", err)
			if len(batch) > 0 {
				return batch
			}
			poll.Sleep(ctx, errorBackoff, nil)
			continue
		}
		for _, m := range msgs {
			// A message whose visibility timeout ran out during the window
			// can come back: keep it once, with its newest receipt handle.
			if i, ok := index[aws.ToString(m.MessageId)]; ok {
				batch[i] = m
				continue
			}
			index[aws.ToString(m.MessageId)] = len(batch)
			batch = append(batch, m)
		}
		p.inflight.Store(int64(len(batch)))
		if len(batch) >= p.o.BatchSize {
			return batch
		}
		if len(batch) > 0 {
			if p.o.MaximumBatchingWindow == 0 {
				return batch
			}
			if deadline.IsZero() {
				deadline = time.Now().Add(p.o.MaximumBatchingWindow)
			}
		}
		if len(msgs) == 0 && waitSeconds == 0 {
			pause := p.o.PollInterval
			if !deadline.IsZero() {
				pause = min(pause, time.Until(deadline))
			}
			poll.Sleep(ctx, pause, nil)
		}
	}
	return batch
}

func (p *Poller) receive(ctx context.Context, n int, waitSeconds int32) ([]types.Message, error) {
	in := &sqs.ReceiveMessageInput{
		QueueUrl:                    &p.o.QueueURL,
		MaxNumberOfMessages:         int32(n),
		WaitTimeSeconds:             waitSeconds,
		AttributeNames:              []types.QueueAttributeName{types.QueueAttributeNameAll}, // deprecated; older servers read only this
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
		MessageAttributeNames:       []string{"All"},
	}
	if vt := p.o.VisibilityTimeout; vt > 0 {
		in.VisibilityTimeout = int32((vt + time.Second - 1) / time.Second)
	}
	out, err := p.client.ReceiveMessage(ctx, in)
	if err != nil {
		return nil, err
	}
	return out.Messages, nil
}

// process invokes the function with batch and deletes what it processed.
func (p *Poller) process(ctx context.Context, arn string, batch []types.Message) {
	start := time.Now()
	event := events.SQSEvent{Records: make([]events.SQSMessage, len(batch))}
	for i, m := range batch {
		event.Records[i] = record(m, arn, p.region)
	}
	payload, err := json.Marshal(event)
	if err != nil { // cannot happen: the event is strings and maps of strings
		p.log.Error("sqspoller: marshal event", "error", err)
		return
	}
	out, err := gateway.InvokeAsLambda(ctx, p.fn, payload)
	if ctx.Err() != nil {
		p.log.Info("sqspoller: stopped during an invocation; the batch will be delivered again", "size", len(batch))
		return
	}
	keep, reason := p.failed(event.Records, out, err)
	var remove []types.Message
	for _, m := range batch {
		if !keep[aws.ToString(m.MessageId)] {
			remove = append(remove, m)
		}
	}
	deleted := p.delete(ctx, remove)
	attrs := []slog.Attr{
		slog.Int("size", len(batch)),
		slog.Int("failures", len(keep)),
		slog.Int("deleted", deleted),
		slog.Duration("duration", time.Since(start)),
	}
	level := slog.LevelInfo
	if reason != "" {
		level = slog.LevelWarn
		attrs = append(attrs, slog.String("reason", reason))
	}
	p.log.LogAttrs(ctx, level, "sqs batch", attrs...)
}

// failed returns the IDs of the records the invocation did not process,
// with why the whole batch failed if it did.
func (p *Poller) failed(records []events.SQSMessage, out []byte, invokeErr error) (map[string]bool, string) {
	all := func() map[string]bool {
		keep := make(map[string]bool, len(records))
		for _, r := range records {
			keep[r.MessageId] = true
		}
		return keep
	}
	if invokeErr != nil {
		return all(), "function error: " + invokeErr.Error()
	}
	if !p.o.ReportBatchItemFailures {
		return nil, ""
	}
	out = bytes.TrimSpace(out)
	if len(out) == 0 || bytes.Equal(out, []byte("null")) {
		return nil, "" // a null response is a complete success
	}
	var resp events.SQSEventResponse
	if out[0] != '{' || json.Unmarshal(out, &resp) != nil {
		return all(), "unparsable batch item failures response"
	}
	keep := map[string]bool{}
	for _, f := range resp.BatchItemFailures {
		found := false
		for _, r := range records {
			if r.MessageId == f.ItemIdentifier {
				found = true
				break
			}
		}
		if !found {
			return all(), fmt.Sprintf("itemIdentifier %q is not a message of the batch", f.ItemIdentifier)
		}
		keep[f.ItemIdentifier] = true
	}
	return keep, ""
}

// delete removes msgs from the queue even if ctx has just ended, since the
// function has processed them, and returns how many it deleted.
func (p *Poller) delete(ctx context.Context, msgs []types.Message) int {
	if len(msgs) == 0 {
		return 0
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), deleteTimeout)
	defer cancel()
	entries := make([]types.DeleteMessageBatchRequestEntry, len(msgs))
	for i, m := range msgs {
		entries[i] = types.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle}
	}
	out, err := p.client.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: &p.o.QueueURL, Entries: entries})
	if err != nil {
		p.log.Error("sqspoller: delete batch; the messages will be delivered again", "error", err)
		return 0
	}
	for _, f := range out.Failed {
		p.log.Error("sqspoller: delete message; it will be delivered again", "id", aws.ToString(f.Id), "code", aws.ToString(f.Code), "error", aws.ToString(f.Message))
	}
	return len(out.Successful)
}

// record is the event record Lambda builds from a received message.
func record(m types.Message, arn, region string) events.SQSMessage {
	r := events.SQSMessage{
		MessageId:              aws.ToString(m.MessageId),
		ReceiptHandle:          aws.ToString(m.ReceiptHandle),
		Body:                   aws.ToString(m.Body),
		Md5OfBody:              aws.ToString(m.MD5OfBody),
		Md5OfMessageAttributes: aws.ToString(m.MD5OfMessageAttributes),
		Attributes:             make(map[string]string, len(m.Attributes)),
		MessageAttributes:      make(map[string]events.SQSMessageAttribute, len(m.MessageAttributes)),
		EventSourceARN:         arn,
		EventSource:            "aws:sqs",
		AWSRegion:              region,
	}
	for k, v := range m.Attributes {
		r.Attributes[k] = v
	}
	for k, v := range m.MessageAttributes {
		a := events.SQSMessageAttribute{
			StringValue:      v.StringValue,
			BinaryValue:      v.BinaryValue,
			StringListValues: v.StringListValues,
			BinaryListValues: v.BinaryListValues,
			DataType:         aws.ToString(v.DataType),
		}
		// Lambda sends empty lists, not null.
		if a.StringListValues == nil {
			a.StringListValues = []string{}
		}
		if a.BinaryListValues == nil {
			a.BinaryListValues = [][]byte{}
		}
		r.MessageAttributes[k] = a
	}
	return r
}
