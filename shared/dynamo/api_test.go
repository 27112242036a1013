package dynamo_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"

	"github.com/tredjepart/tredjepart/shared/dynamo"
)

// TestMethodsOfCallsTheClient: every method of MethodsOf's API runs the
// client's operation of the same name (seen by its input, before anything
// is sent).
func TestMethodsOfCallsTheClient(t *testing.T) {
	stop := errors.New("stopped before sending")
	var called []string
	client := dynamodb.New(dynamodb.Options{
		Region: "eu-north-1", Credentials: aws.AnonymousCredentials{},
		APIOptions: []func(*middleware.Stack) error{func(s *middleware.Stack) error {
			return s.Initialize.Add(middleware.InitializeMiddlewareFunc("record", func(ctx context.Context, in middleware.InitializeInput, _ middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				called = append(called, fmt.Sprintf("%T", in.Parameters))
				return middleware.InitializeOutput{}, middleware.Metadata{}, stop
			}), middleware.Before)
		}},
	})
	api, ctx := dynamo.MethodsOf(client), context.Background()
	errs := []error{}
	add := func(_ any, err error) { errs = append(errs, err) }
	add(api.GetItem(ctx, &dynamodb.GetItemInput{}))
	add(api.PutItem(ctx, &dynamodb.PutItemInput{}))
	add(api.UpdateItem(ctx, &dynamodb.UpdateItemInput{}))
	add(api.DeleteItem(ctx, &dynamodb.DeleteItemInput{}))
	add(api.Query(ctx, &dynamodb.QueryInput{}))
	add(api.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{}))
	add(api.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{}))
	want := []string{"*dynamodb.GetItemInput", "*dynamodb.PutItemInput", "*dynamodb.UpdateItemInput", "*dynamodb.DeleteItemInput",
		"*dynamodb.QueryInput", "*dynamodb.BatchGetItemInput", "*dynamodb.TransactWriteItemsInput"}
	if !slices.Equal(called, want) {
		t.Errorf("operations run %v, want %v", called, want)
	}
	for i, err := range errs {
		if !errors.Is(err, stop) {
			t.Errorf("call %d: error %v, want the client's", i, err)
		}
	}
}
