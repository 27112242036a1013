package stepfunctions_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/smithy-go/middleware"

	"github.com/tredjepart/tredjepart/shared/stepfunctions"
)

// TestMethodsOfCallsTheClient: each method of MethodsOf's API runs the
// client's operation of the same name (seen by its input, before anything
// is sent).
func TestMethodsOfCallsTheClient(t *testing.T) {
	stop := errors.New("stopped before sending")
	var called []string
	client := sfn.New(sfn.Options{
		Region: "eu-north-1", Credentials: aws.AnonymousCredentials{},
		APIOptions: []func(*middleware.Stack) error{func(s *middleware.Stack) error {
			return s.Initialize.Add(middleware.InitializeMiddlewareFunc("record", func(ctx context.Context, in middleware.InitializeInput, _ middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				called = append(called, fmt.Sprintf("%T", in.Parameters))
				return middleware.InitializeOutput{}, middleware.Metadata{}, stop
			}), middleware.Before)
		}},
	})
	api, ctx := stepfunctions.MethodsOf(client), context.Background()
	_, startErr := api.StartExecution(ctx, &sfn.StartExecutionInput{})
	_, stopErr := api.StopExecution(ctx, &sfn.StopExecutionInput{})
	if want := []string{"*sfn.StartExecutionInput", "*sfn.StopExecutionInput"}; !slices.Equal(called, want) {
		t.Errorf("operations run %v, want %v", called, want)
	}
	if !errors.Is(startErr, stop) || !errors.Is(stopErr, stop) {
		t.Errorf("errors %v and %v, want the client's", startErr, stopErr)
	}
}
