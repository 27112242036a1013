// Package tracing is an adapter: AWS X-Ray tracing without an SDK. It
// carries the trace header (X-Amzn-Trace-Id) in the context, adds its root
// to every log line (LogHandler), sends it on every AWS SDK call and
// records each call as an X-Ray subsegment (Instrument), and carries it
// across SQS in the AWSTraceHeader message system attribute.
//
// It is written by hand, in a few hundred lines, because the bootstraps
// have a 10 MiB budget: the OpenTelemetry SDK with its OTLP exporter
// measured +9.4 MiB a bootstrap, and the X-Ray Go SDK is in maintenance.
// What it sends is X-Ray's own segment document format, to the X-Ray
// daemon that Lambda runs beside a function with active tracing
// (AWS_XRAY_DAEMON_ADDRESS), or, on the local stack, to a JSON-lines file
// (FileEnv) that tests read.
package tracing

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"time"
)

// HeaderName is the HTTP header of the trace; SQSAttribute is the message
// system attribute that carries it on a message.
const (
	HeaderName   = "X-Amzn-Trace-Id"
	SQSAttribute = "AWSTraceHeader"
)

// Header is a parsed trace header: "Root=1-…;Parent=…;Sampled=1".
type Header struct {
	Root    string // the trace id, 1-<epoch seconds hex>-<96 bits hex>
	Parent  string // the segment or subsegment that made the call
	Sampled string // "1" recorded, "0" not, "" let the receiver decide
}

// Parse reads a trace header; ok is false when it names no root.
func Parse(s string) (h Header, ok bool) {
	for field := range strings.SplitSeq(s, ";") {
		key, value, _ := strings.Cut(strings.TrimSpace(field), "=")
		switch key {
		case "Root":
			h.Root = value
		case "Parent":
			h.Parent = value
		case "Sampled":
			h.Sampled = value
		}
	}
	return h, h.Root != ""
}

// String is the header as sent.
func (h Header) String() string {
	s := "Root=" + h.Root
	if h.Parent != "" {
		s += ";Parent=" + h.Parent
	}
	if h.Sampled != "" {
		s += ";Sampled=" + h.Sampled
	}
	return s
}

// NewTrace starts a sampled trace at now, as a front door does (the local
// stack's gateway).
func NewTrace(now time.Time) Header {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return Header{Root: fmt.Sprintf("1-%08x-%s", now.Unix(), hex.EncodeToString(b[:])), Sampled: "1"}
}

// newID is a segment id: 64 random bits in hex.
func newID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

type headerKey struct{}

// lambdaKey is where aws-lambda-go puts each invocation's
// Lambda-Runtime-Trace-Id.
const lambdaKey = "x-amzn-trace-id"

// With is ctx carrying h.
func With(ctx context.Context, h Header) context.Context {
	return context.WithValue(ctx, headerKey{}, h)
}

// WithHeader is ctx carrying the trace of raw, when raw names one (an SQS
// record's AWSTraceHeader: the record is worked under its sender's trace),
// else ctx.
func WithHeader(ctx context.Context, raw string) context.Context {
	if h, ok := Parse(raw); ok {
		return With(ctx, h)
	}
	return ctx
}

// OrHeader is ctx carrying the trace of raw only when ctx carries none.
// Lambda always gives an invocation a trace, so on AWS this never applies;
// under the local Lambda emulator, which passes none on, an HTTP function
// takes the trace the gateway put in the event's x-amzn-trace-id header.
func OrHeader(ctx context.Context, raw string) context.Context {
	if _, ok := FromContext(ctx); ok {
		return ctx
	}
	return WithHeader(ctx, raw)
}

// FromContext is the trace ctx carries: the one given by With, else the
// invocation's from aws-lambda-go.
func FromContext(ctx context.Context) (Header, bool) {
	if h, ok := ctx.Value(headerKey{}).(Header); ok {
		return h, true
	}
	if raw, ok := ctx.Value(lambdaKey).(string); ok {
		return Parse(raw)
	}
	return Header{}, false
}

// current is the trace of ctx or, outside an invocation's context (a line
// logged with context.Background), the invocation's trace that
// aws-lambda-go also puts in _X_AMZN_TRACE_ID: a function runs one
// invocation at a time.
func current(ctx context.Context) (Header, bool) {
	if h, ok := FromContext(ctx); ok {
		return h, true
	}
	return Parse(os.Getenv("_X_AMZN_TRACE_ID"))
}

// Outgoing is the header a message sent in ctx carries (AWSTraceHeader),
// "" outside a trace.
func Outgoing(ctx context.Context) string {
	if h, ok := current(ctx); ok {
		return h.String()
	}
	return ""
}
