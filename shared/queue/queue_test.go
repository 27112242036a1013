package queue_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go/middleware"

	"github.com/tredjepart/tredjepart/shared/queue"
)

// TestMethodsOfCallsTheClient: each method of MethodsOf's API runs the
// client's operation of the same name (seen by its input, before anything
// is sent).
func TestMethodsOfCallsTheClient(t *testing.T) {
	stop := errors.New("stopped before sending")
	var called []string
	client := sqs.New(sqs.Options{
		Region: "eu-north-1", Credentials: aws.AnonymousCredentials{},
		APIOptions: []func(*middleware.Stack) error{func(s *middleware.Stack) error {
			return s.Initialize.Add(middleware.InitializeMiddlewareFunc("record", func(ctx context.Context, in middleware.InitializeInput, _ middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				called = append(called, fmt.Sprintf("%T", in.Parameters))
				return middleware.InitializeOutput{}, middleware.Metadata{}, stop
			}), middleware.Before)
		}},
	})
	api, ctx := queue.MethodsOf(client), context.Background()
	_, sendErr := api.SendMessage(ctx, &sqs.SendMessageInput{})
	_, batchErr := api.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{})
	if want := []string{"*sqs.SendMessageInput", "*sqs.SendMessageBatchInput"}; !slices.Equal(called, want) {
		t.Errorf("operations run %v, want %v", called, want)
	}
	if !errors.Is(sendErr, stop) || !errors.Is(batchErr, stop) {
		t.Errorf("errors %v and %v, want the client's", sendErr, batchErr)
	}
}
