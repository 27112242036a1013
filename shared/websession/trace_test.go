package websession

import (
	"context"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tredjepart/tredjepart/shared/tracing"
)

// A site's request runs under the event's trace only where the runtime
// gave the invocation none (the local emulator).
func TestASiteRequestRunsUnderTheInvocationsTrace(t *testing.T) {
	t.Setenv("_X_AMZN_TRACE_ID", "")
	var root string
	handler := traced(func(ctx context.Context, _ events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		h, _ := tracing.FromContext(ctx)
		root = h.Root
		return events.APIGatewayV2HTTPResponse{}, nil
	})
	ev := events.APIGatewayV2HTTPRequest{Headers: map[string]string{"x-amzn-trace-id": "Root=1-66666666-000000000000000000000001;Sampled=1"}}
	if _, _ = handler(context.Background(), ev); root != "1-66666666-000000000000000000000001" {
		t.Errorf("without the invocation's trace: %q", root)
	}
	invocation := tracing.WithHeader(context.Background(), "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1")
	if _, _ = handler(invocation, ev); root != "1-5759e988-bd862e3fe1be46a994272793" {
		t.Errorf("with the invocation's trace: %q", root)
	}
}
