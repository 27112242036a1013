// Package awsenvtest is test harness: an AWS SDK client that sends nothing: every
// operation is stopped before it leaves and recorded by its input's type, so
// a test can see which operation a wrapper ran.
package awsenvtest

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go/middleware"
)

// ErrStopped is the error every recorded operation returns.
var ErrStopped = errors.New("stopped before sending")

// Recorder records the operations of clients made with its Options.
type Recorder struct {
	Called []string // the input types, e.g. "*sqs.SendMessageInput", in order
}

// Options are what a client's Options need for it to record instead of
// send: a region, no credentials, and the recording step.
func (r *Recorder) Options() (region string, credentials aws.CredentialsProvider, apiOptions []func(*middleware.Stack) error) {
	return "eu-north-1", aws.AnonymousCredentials{}, []func(*middleware.Stack) error{r.record}
}

func (r *Recorder) record(s *middleware.Stack) error {
	return s.Initialize.Add(middleware.InitializeMiddlewareFunc("record", func(_ context.Context, in middleware.InitializeInput, _ middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
		r.Called = append(r.Called, fmt.Sprintf("%T", in.Parameters))
		return middleware.InitializeOutput{}, middleware.Metadata{}, ErrStopped
	}), middleware.Before)
}
