// Package queue puts notifications for third parties on the SQS
// notification queue.
package queue

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/tredjepart/tredjepart/shared/notify"
)

// Publisher sends to one queue.
type Publisher struct {
	Client *sqs.Client
	URL    string
}

// Notify sends n.
func (p *Publisher) Notify(ctx context.Context, n notify.Notification) error {
	body, err := json.Marshal(n)
	if err != nil {
		return err
	}
	_, err = p.Client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(p.URL), MessageBody: aws.String(string(body))})
	if err != nil {
		return fmt.Errorf("notify %s: %w", n.NotificationID, err)
	}
	return nil
}
