// Package queueops is an adapter: it reads the SQS queues' depths and moves dead letters
// back to their queue (operations.Queues), for the admin function. It uses
// the SDK's SQS client; package queue, which the other functions link to
// put messages on queues, calls SQS through package awsjson instead.
package queueops

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/operations"
	"github.com/tredjepart/tredjepart/shared/resources"
	"github.com/tredjepart/tredjepart/shared/tracing"
)

// OperatorAPI is the SQS operations Operator calls; *sqs.Client has them.
type OperatorAPI interface {
	SendMessageBatch(context.Context, *sqs.SendMessageBatchInput, ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error)
	GetQueueAttributes(context.Context, *sqs.GetQueueAttributesInput, ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error)
	GetQueueUrl(context.Context, *sqs.GetQueueUrlInput, ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error)
	ReceiveMessage(context.Context, *sqs.ReceiveMessageInput, ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessageBatch(context.Context, *sqs.DeleteMessageBatchInput, ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error)
}

// Operator reads the queues' depths and moves dead letters back to their
// queue (operations.Queues). It finds a queue's dead-letter queue by the
// queue's redrive policy, as SQS does, so it needs only the queues' URLs.
type Operator struct {
	Client OperatorAPI
	Queues []resources.Queue
	URLs   map[string]string // by queue ID
}

// Depths reads every queue's and dead-letter queue's approximate counts.
func (o *Operator) Depths(ctx context.Context) ([]operations.QueueDepth, error) {
	depths := make([]operations.QueueDepth, 0, len(o.Queues))
	for _, q := range o.Queues {
		attrs, err := o.attributes(ctx, o.URLs[q.ID], types.QueueAttributeNameApproximateNumberOfMessages,
			types.QueueAttributeNameApproximateNumberOfMessagesNotVisible, types.QueueAttributeNameApproximateNumberOfMessagesDelayed)
		if err != nil {
			return nil, fmt.Errorf("depth of %s: %w", q.ID, err)
		}
		dlq, err := o.deadLetterURL(ctx, q)
		if err != nil {
			return nil, err
		}
		dead, err := o.attributes(ctx, dlq, types.QueueAttributeNameApproximateNumberOfMessages)
		if err != nil {
			return nil, fmt.Errorf("depth of %s: %w", q.DeadLetter.ID, err)
		}
		depths = append(depths, operations.QueueDepth{
			Queue: q.ID, DeadLetterQueue: q.DeadLetter.ID,
			Waiting:     count(attrs, types.QueueAttributeNameApproximateNumberOfMessages),
			InFlight:    count(attrs, types.QueueAttributeNameApproximateNumberOfMessagesNotVisible),
			Delayed:     count(attrs, types.QueueAttributeNameApproximateNumberOfMessagesDelayed),
			DeadLetters: count(dead, types.QueueAttributeNameApproximateNumberOfMessages),
		})
	}
	return depths, nil
}

// redriveVisibility hides a dead letter while it is sent back: a redrive
// that fails between sending and deleting leaves it to reappear on the
// dead-letter queue, and the queue's consumers take the copy sent, whose
// work is written once.
const redriveVisibility = 60

// Redrive moves up to max dead letters back to their queue, ten at a time,
// each sent before it is deleted and with its message attributes and trace;
// or, on a dry run, counts them.
func (o *Operator) Redrive(ctx context.Context, queueID string, max int, dryRun bool) (operations.Redriven, error) {
	i := -1
	for j, q := range o.Queues {
		if q.ID == queueID || q.DeadLetter.ID == queueID {
			i = j
		}
	}
	if i < 0 {
		names := make([]string, 0, len(o.Queues))
		for _, q := range o.Queues {
			names = append(names, q.ID)
		}
		return operations.Redriven{}, fault.New(fault.NotFound, "No queue %q: the queues are %s.", queueID, strings.Join(names, ", "))
	}
	q := o.Queues[i]
	r := operations.Redriven{Queue: q.ID, DeadLetterQueue: q.DeadLetter.ID, DryRun: dryRun}
	dlq, err := o.deadLetterURL(ctx, q)
	if err != nil {
		return r, err
	}
	attrs, err := o.attributes(ctx, dlq, types.QueueAttributeNameApproximateNumberOfMessages)
	if err != nil {
		return r, err
	}
	r.DeadLetters = count(attrs, types.QueueAttributeNameApproximateNumberOfMessages)
	for !dryRun && r.Moved < max {
		got, err := o.Client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(dlq), MaxNumberOfMessages: int32(min(10, max-r.Moved)),
			VisibilityTimeout: redriveVisibility, MessageAttributeNames: []string{"All"},
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAWSTraceHeader},
		})
		if err != nil {
			return r, fmt.Errorf("receive from %s: %w", q.DeadLetter.ID, err)
		}
		if len(got.Messages) == 0 {
			break
		}
		send := &sqs.SendMessageBatchInput{QueueUrl: aws.String(o.URLs[q.ID])}
		for i, m := range got.Messages {
			send.Entries = append(send.Entries, types.SendMessageBatchRequestEntry{
				Id: aws.String(strconv.Itoa(i)), MessageBody: m.Body, MessageAttributes: m.MessageAttributes,
				MessageSystemAttributes: traceOf(m),
			})
		}
		sent, err := o.Client.SendMessageBatch(ctx, send)
		if err != nil {
			return r, fmt.Errorf("send to %s: %w", q.ID, err)
		}
		del := &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(dlq)}
		for _, ok := range sent.Successful {
			n, _ := strconv.Atoi(aws.ToString(ok.Id))
			del.Entries = append(del.Entries, types.DeleteMessageBatchRequestEntry{Id: ok.Id, ReceiptHandle: got.Messages[n].ReceiptHandle})
		}
		if len(del.Entries) > 0 {
			if _, err := o.Client.DeleteMessageBatch(ctx, del); err != nil {
				return r, fmt.Errorf("delete from %s: %w", q.DeadLetter.ID, err)
			}
		}
		r.Moved += len(del.Entries)
		if len(sent.Failed) > 0 {
			return r, fmt.Errorf("send to %s: %d of %d messages refused: %s", q.ID, len(sent.Failed), len(send.Entries), aws.ToString(sent.Failed[0].Message))
		}
	}
	return r, nil
}

// traceOf is the trace a dead letter was sent in, for its copy: the message
// is worked again under the trace that sent it, not as the start of a new one.
func traceOf(m types.Message) map[string]types.MessageSystemAttributeValue {
	header, ok := m.Attributes[tracing.SQSAttribute]
	if !ok || header == "" {
		return nil
	}
	return map[string]types.MessageSystemAttributeValue{
		tracing.SQSAttribute: {DataType: aws.String("String"), StringValue: aws.String(header)},
	}
}

// deadLetterURL finds the queue's dead-letter queue from its redrive policy.
func (o *Operator) deadLetterURL(ctx context.Context, q resources.Queue) (string, error) {
	attrs, err := o.attributes(ctx, o.URLs[q.ID], types.QueueAttributeNameRedrivePolicy)
	if err != nil {
		return "", fmt.Errorf("redrive policy of %s: %w", q.ID, err)
	}
	var policy struct {
		DeadLetterTargetArn string `json:"deadLetterTargetArn"`
	}
	err = json.Unmarshal([]byte(attrs[string(types.QueueAttributeNameRedrivePolicy)]), &policy)
	arn := strings.Split(policy.DeadLetterTargetArn, ":") // arn:aws:sqs:region:account:name
	if err != nil || len(arn) != 6 {
		return "", fmt.Errorf("queue %s has no dead-letter queue in its redrive policy", q.ID)
	}
	out, err := o.Client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(arn[len(arn)-1]), QueueOwnerAWSAccountId: aws.String(arn[len(arn)-2])})
	if err != nil {
		return "", fmt.Errorf("URL of %s: %w", q.DeadLetter.ID, err)
	}
	return aws.ToString(out.QueueUrl), nil
}

func (o *Operator) attributes(ctx context.Context, url string, names ...types.QueueAttributeName) (map[string]string, error) {
	out, err := o.Client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url), AttributeNames: names})
	if err != nil {
		return nil, err
	}
	return out.Attributes, nil
}

func count(attrs map[string]string, name types.QueueAttributeName) int {
	n, _ := strconv.Atoi(attrs[string(name)])
	return n
}
