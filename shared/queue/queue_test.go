package queue_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/tredjepart/tredjepart/shared/awsenv/awsenvtest"
	"github.com/tredjepart/tredjepart/shared/queue"
)

// TestMethodsOfCallsTheClient: each method of MethodsOf's API runs the
// client's operation of the same name (seen by its input, before anything
// is sent).
func TestMethodsOfCallsTheClient(t *testing.T) {
	rec := &awsenvtest.Recorder{}
	var o sqs.Options
	o.Region, o.Credentials, o.APIOptions = rec.Options()
	client := sqs.New(o)
	api, ctx := queue.MethodsOf(client), context.Background()
	_, sendErr := api.SendMessage(ctx, &sqs.SendMessageInput{})
	_, batchErr := api.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{})
	if want := []string{"*sqs.SendMessageInput", "*sqs.SendMessageBatchInput"}; !slices.Equal(rec.Called, want) {
		t.Errorf("operations run %v, want %v", rec.Called, want)
	}
	if !errors.Is(sendErr, awsenvtest.ErrStopped) || !errors.Is(batchErr, awsenvtest.ErrStopped) {
		t.Errorf("errors %v and %v, want the client's", sendErr, batchErr)
	}
}
