package dynamo_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tredjepart/tredjepart/shared/awsenv/awsenvtest"
	"github.com/tredjepart/tredjepart/shared/dynamo"
)

// TestMethodsOfCallsTheClient: every method of MethodsOf's API runs the
// client's operation of the same name (seen by its input, before anything
// is sent).
func TestMethodsOfCallsTheClient(t *testing.T) {
	rec := &awsenvtest.Recorder{}
	var o dynamodb.Options
	o.Region, o.Credentials, o.APIOptions = rec.Options()
	client := dynamodb.New(o)
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
	if !slices.Equal(rec.Called, want) {
		t.Errorf("operations run %v, want %v", rec.Called, want)
	}
	for i, err := range errs {
		if !errors.Is(err, awsenvtest.ErrStopped) {
			t.Errorf("call %d: error %v, want the client's", i, err)
		}
	}
}
