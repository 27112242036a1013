package stepfunctions_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/tredjepart/tredjepart/shared/awsenv/awsenvtest"
	"github.com/tredjepart/tredjepart/shared/stepfunctions"
)

// TestMethodsOfCallsTheClient: each method of MethodsOf's API runs the
// client's operation of the same name (seen by its input, before anything
// is sent).
func TestMethodsOfCallsTheClient(t *testing.T) {
	rec := &awsenvtest.Recorder{}
	var o sfn.Options
	o.Region, o.Credentials, o.APIOptions = rec.Options()
	client := sfn.New(o)
	api, ctx := stepfunctions.MethodsOf(client), context.Background()
	_, startErr := api.StartExecution(ctx, &sfn.StartExecutionInput{})
	_, stopErr := api.StopExecution(ctx, &sfn.StopExecutionInput{})
	if want := []string{"*sfn.StartExecutionInput", "*sfn.StopExecutionInput"}; !slices.Equal(rec.Called, want) {
		t.Errorf("operations run %v, want %v", rec.Called, want)
	}
	if !errors.Is(startErr, awsenvtest.ErrStopped) || !errors.Is(stopErr, awsenvtest.ErrStopped) {
		t.Errorf("errors %v and %v, want the client's", startErr, stopErr)
	}
}
