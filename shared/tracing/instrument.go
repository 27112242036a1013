package tracing

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Instrument adds the tracing middleware to every client made from cfg:
// each call in a trace sends the trace header with itself as the parent,
// and, when the trace is sampled and rec is not nil, is recorded as a
// subsegment, retries included.
func Instrument(cfg *aws.Config, rec Recorder) {
	// Clipped: cfg may be a copy whose options share an array with others.
	cfg.APIOptions = append(slices.Clip(cfg.APIOptions), func(stack *middleware.Stack) error {
		// Before the SDK's RecursionDetection, which would send the
		// invocation's header instead.
		return stack.Build.Add(&sdkCall{rec: rec, now: time.Now}, middleware.Before)
	})
}

type sdkCall struct {
	rec Recorder
	now func() time.Time
}

func (*sdkCall) ID() string { return "TredjepartTracing" }

func (m *sdkCall) HandleBuild(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (
	middleware.BuildOutput, middleware.Metadata, error,
) {
	trace, ok := current(ctx)
	req, isHTTP := in.Request.(*smithyhttp.Request)
	if !ok || !isHTTP {
		return next.HandleBuild(ctx, in)
	}
	id := newID()
	req.Header.Set(HeaderName, Header{Root: trace.Root, Parent: id, Sampled: trace.Sampled}.String())
	if m.rec == nil || trace.Sampled != "1" {
		return next.HandleBuild(ctx, in)
	}
	start := m.now()
	out, metadata, err := next.HandleBuild(ctx, in)
	s := Subsegment{
		Name: awsmiddleware.GetServiceID(ctx), ID: id, TraceID: trace.Root, ParentID: trace.Parent,
		Type: "subsegment", Namespace: "aws", StartTime: seconds(start), EndTime: seconds(m.now()),
		AWS: AWSCall{Operation: awsmiddleware.GetOperationName(ctx), Region: awsmiddleware.GetRegion(ctx)},
	}
	s.AWS.RequestID, _ = awsmiddleware.GetRequestIDMetadata(metadata)
	status := 0
	if raw, ok := awsmiddleware.GetRawResponse(metadata).(*smithyhttp.Response); ok {
		status = raw.StatusCode
	}
	var respErr *smithyhttp.ResponseError
	if errors.As(err, &respErr) {
		status = respErr.HTTPStatusCode()
	}
	if status != 0 {
		s.HTTP = &HTTPCall{}
		s.HTTP.Response.Status = status
	}
	if err != nil {
		var apiErr smithy.APIError
		s.Throttle = status == 429 || errors.As(err, &apiErr) && apiErr.ErrorCode() == "ThrottlingException"
		s.Error = status >= 400 && status < 500
		s.Fault = !s.Error
		s.Cause = &Cause{Exceptions: []Exception{{ID: newID(), Message: err.Error()}}}
	}
	m.rec.Record(s)
	return out, metadata, err
}

// seconds is t as X-Ray writes times: seconds since the epoch, with a
// fraction.
func seconds(t time.Time) float64 { return float64(t.UnixMicro()) / 1e6 }
