package tracing

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Instrument adds the tracing middleware to every client made from cfg:
// each call in a trace sends the trace header with itself as the parent,
// and, when the trace is sampled and rec is not nil, is recorded as a
// subsegment, retries included. rec also records the calls made without
// the SDK (Call).
func Instrument(cfg *aws.Config, rec Recorder) {
	process.Lock()
	process.rec = rec
	process.Unlock()
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
	requestID, _ := awsmiddleware.GetRequestIDMetadata(metadata)
	status := 0
	if raw, ok := awsmiddleware.GetRawResponse(metadata).(*smithyhttp.Response); ok {
		status = raw.StatusCode
	}
	var respErr *smithyhttp.ResponseError
	if errors.As(err, &respErr) {
		status = respErr.HTTPStatusCode()
	}
	m.rec.Record(subsegment(trace, id, awsmiddleware.GetServiceID(ctx), awsmiddleware.GetOperationName(ctx),
		awsmiddleware.GetRegion(ctx), start, m.now(), status, requestID, err))
	return out, metadata, err
}

// subsegment is one AWS call's record.
func subsegment(trace Header, id, service, operation, region string, start, end time.Time, status int, requestID string, err error) Subsegment {
	s := Subsegment{
		Name: service, ID: id, TraceID: trace.Root, ParentID: trace.Parent,
		Type: "subsegment", Namespace: "aws", StartTime: seconds(start), EndTime: seconds(end),
		AWS: AWSCall{Operation: operation, Region: region, RequestID: requestID},
	}
	if status != 0 {
		s.HTTP = &HTTPCall{}
		s.HTTP.Response.Status = status
	}
	if err != nil {
		s.Throttle = throttles.IsErrorThrottle(err) == aws.TrueTernary
		s.Error = status >= 400 && status < 500
		s.Fault = !s.Error
		s.Cause = &Cause{Exceptions: []Exception{{ID: newID(), Message: err.Error()}}}
	}
	return s
}

// throttles are the SDK's retryer's throttle checks (retry.DefaultThrottles):
// an error code of retry.DefaultThrottleErrorCodes, or a 429 whose error the
// SDK could not read as one of the service's. An awsjson.Error is read by
// its ErrorCode and HTTPStatusCode, as the SDK's errors are.
var throttles = retry.IsErrorThrottles(retry.DefaultThrottles)

// process is the recorder Instrument was given: the one of this process,
// for the calls made without the SDK (Call).
var process struct {
	sync.Mutex
	rec Recorder
}

// Call traces one attempt of an AWS call made without an SDK client
// (package awsjson, which calls it once an attempt; the SDK's middleware
// records an operation and its retries as one): it sends the trace header
// on req, and returns done, which records the attempt with its answer's
// status, request id and error when the trace is sampled and the process
// has a recorder.
func Call(ctx context.Context, req *http.Request, service, operation, region string) (done func(status int, requestID string, err error)) {
	trace, ok := current(ctx)
	if !ok {
		return func(int, string, error) {}
	}
	id := newID()
	req.Header.Set(HeaderName, Header{Root: trace.Root, Parent: id, Sampled: trace.Sampled}.String())
	process.Lock()
	rec := process.rec
	process.Unlock()
	if rec == nil || trace.Sampled != "1" {
		return func(int, string, error) {}
	}
	start := time.Now()
	return func(status int, requestID string, err error) {
		rec.Record(subsegment(trace, id, service, operation, region, start, time.Now(), status, requestID, err))
	}
}

// seconds is t as X-Ray writes times: seconds since the epoch, with a
// fraction.
func seconds(t time.Time) float64 { return float64(t.UnixMicro()) / 1e6 }
