package apigw

import (
	"context"
	"net/http"
	"testing"

	"github.com/tredjepart/tredjepart/shared/tracing"
)

// Lambda gives every invocation a trace; under the local emulator, which
// passes none on, the route runs under the trace of the event's header.
func TestARouteRunsUnderTheInvocationsTrace(t *testing.T) {
	t.Setenv("_X_AMZN_TRACE_ID", "")
	const (
		invocation = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
		gateway    = "Root=1-66666666-000000000000000000000001;Sampled=1"
	)
	ev := Request{RouteKey: "GET /x", RawPath: "/x", Headers: map[string]string{"x-amzn-trace-id": gateway}}
	traceOf := func(ctx context.Context) string {
		var root string
		if _, err := Handle(ctx, ev, quiet, func(ctx context.Context, _ Request) (Response, error) {
			h, _ := tracing.FromContext(ctx)
			root = h.Root
			return JSON(http.StatusOK, []byte(`{}`), "application/json"), nil
		}); err != nil {
			t.Fatal(err)
		}
		return root
	}
	if got := traceOf(context.Background()); got != "1-66666666-000000000000000000000001" {
		t.Errorf("without the invocation's trace: %q", got)
	}
	if got := traceOf(tracing.WithHeader(context.Background(), invocation)); got != "1-5759e988-bd862e3fe1be46a994272793" {
		t.Errorf("with the invocation's trace: %q", got)
	}
}
