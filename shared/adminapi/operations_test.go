package adminapi_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tredjepart/tredjepart/shared/adminapi"
	"github.com/tredjepart/tredjepart/shared/apigw"
	"github.com/tredjepart/tredjepart/shared/delivery"
	"github.com/tredjepart/tredjepart/shared/operations"
	"github.com/tredjepart/tredjepart/shared/problem"
)

// recorded is Operations as a fake that records what it was asked.
type recorded struct {
	day    time.Time
	queue  string
	max    int
	dryRun bool
}

func (r *recorded) Status(_ context.Context, day time.Time) (operations.Status, error) {
	r.day = day
	return operations.Status{Day: "2026-12-04", Due: 3, Written: 2}, nil
}

func (r *recorded) Deliver(_ context.Context, day time.Time) (delivery.FanOutResult, error) {
	r.day = day
	return delivery.FanOutResult{ThirdParties: 1, Shards: 16}, nil
}

func (r *recorded) Redrive(_ context.Context, queue string, max int, dryRun bool) (operations.Redriven, error) {
	r.queue, r.max, r.dryRun = queue, max, dryRun
	return operations.Redriven{Queue: queue, DryRun: dryRun}, nil
}

func operate(t *testing.T, h *adminapi.Handler, routeKey string, params, query map[string]string) (int, problem.Document) {
	t.Helper()
	ev := apigw.Request{RouteKey: routeKey, PathParameters: params, QueryStringParameters: query}
	ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
		JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: map[string]string{"client_id": "operator"}}}
	res, err := h.Handle(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	var p problem.Document
	if res.StatusCode >= 400 {
		if err := json.Unmarshal([]byte(res.Body), &p); err != nil || res.Headers["Content-Type"] != problem.ContentType {
			t.Fatalf("%s: %d %s is no problem document", routeKey, res.StatusCode, res.Body)
		}
	}
	return res.StatusCode, p
}

// The operations routes read their day, queue and bounds, and refuse
// what they do not know with a problem document naming the field.
func TestOperationsRoutesReadTheirParameters(t *testing.T) {
	ops := &recorded{}
	h := &adminapi.Handler{Operations: ops, Operators: []string{"operator"}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if status, _ := operate(t, h, adminapi.RouteDeliveryStatus, map[string]string{"day": "2026-12-04"}, nil); status != http.StatusOK || ops.day.Day() != 4 {
		t.Errorf("status: %d, day %v", status, ops.day)
	}
	if status, _ := operate(t, h, adminapi.RouteDeliverDay, map[string]string{"day": "2026-12-03"}, nil); status != http.StatusAccepted || ops.day.Day() != 3 {
		t.Errorf("deliver: %d, day %v", status, ops.day)
	}
	for _, bad := range []string{"yesterday", "2026-13-01", ""} {
		if status, p := operate(t, h, adminapi.RouteDeliveryStatus, map[string]string{"day": bad}, nil); status != http.StatusBadRequest || p.Errors[0].Field != "day" {
			t.Errorf("day %q: %d %+v", bad, status, p)
		}
	}
	status, _ := operate(t, h, adminapi.RouteRedrive, map[string]string{"queue": "DeliveryJobs"}, map[string]string{"max": "25", "dryRun": "true"})
	if status != http.StatusOK || ops.queue != "DeliveryJobs" || ops.max != 25 || !ops.dryRun {
		t.Errorf("redrive: %d %+v", status, ops)
	}
	if status, _ := operate(t, h, adminapi.RouteRedrive, map[string]string{"queue": "DeliveryJobs"}, nil); status != http.StatusOK || ops.max != 10 || ops.dryRun {
		t.Errorf("redrive by default: %d %+v, want 10, not a dry run", status, ops)
	}
	for _, c := range []struct {
		field string
		query map[string]string
	}{
		{"max", map[string]string{"max": "ten"}}, {"dryRun", map[string]string{"dryRun": "maybe"}},
		{"dryRun", map[string]string{"dryRun": "0"}}, {"dryRun", map[string]string{"dryRun": "TRUE"}},
		{"dryRun", map[string]string{"dryRun": ""}}, {"max", map[string]string{"max": ""}}, // given empty: not left out
		{"limit", map[string]string{"limit": "3"}},
	} {
		field, query := c.field, c.query
		if status, p := operate(t, h, adminapi.RouteRedrive, map[string]string{"queue": "DeliveryJobs"}, query); status != http.StatusBadRequest ||
			len(p.Errors) == 0 || p.Errors[0].Field != field {
			t.Errorf("%v: %d %+v, want 400 on %s", query, status, p, field)
		}
	}
}
