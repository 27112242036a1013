package apigw

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tredjepart/tredjepart/shared/problem"
	"github.com/tredjepart/tredjepart/shared/ratelimit"
)

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

// counter counts by key alone: the tests stay in one window.
type counter map[string]int

func (c counter) Take(_ context.Context, key string, _, _ time.Time, limit int) (int, bool, error) {
	if c[key] >= limit {
		return c[key], false, nil
	}
	c[key]++
	return c[key], true, nil
}

type failingCounter struct{}

func (failingCounter) Take(context.Context, string, time.Time, time.Time, int) (int, bool, error) {
	return 0, false, errors.New("the counter table is throttled")
}

func limitedCall(t *testing.T, limiter *ratelimit.Limiter, clientID string) (Response, bool) {
	t.Helper()
	ev := Request{RouteKey: "GET /v1/access-requests", RawPath: "/v1/access-requests"}
	ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
		JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: map[string]string{"client_id": clientID}},
	}
	ran := false
	res, err := HandleLimited(context.Background(), ev, quiet, limiter, func(context.Context, Request) (Response, error) {
		ran = true
		return JSON(http.StatusOK, []byte(`{}`), "application/json"), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return res, ran
}

func TestTheCallOverTheLimitIsA429WithRetryAfterAndEveryAnswerSaysThePolicy(t *testing.T) {
	limiter := &ratelimit.Limiter{Policy: ratelimit.Policy{Limit: 2, Window: 10 * time.Second}, Counter: counter{},
		Clock: fixedClock{time.Unix(1_800_000_004, 0)}, Logger: quiet}
	for i, remaining := range []string{"1", "0"} {
		res, ran := limitedCall(t, limiter, "client-a")
		if !ran || res.StatusCode != http.StatusOK || res.Headers["RateLimit-Policy"] != `"client";q=2;w=10` ||
			res.Headers["RateLimit"] != `"client";r=`+remaining+`;t=6` || res.Headers["Retry-After"] != "" {
			t.Fatalf("call %d: ran %v, %d %v", i+1, ran, res.StatusCode, res.Headers)
		}
	}
	res, ran := limitedCall(t, limiter, "client-a")
	var doc problem.Document
	if err := json.Unmarshal([]byte(res.Body), &doc); err != nil || ran || res.StatusCode != http.StatusTooManyRequests ||
		doc.Type != "urn:tredjepart:problem:too-many-requests" || res.Headers["Content-Type"] != problem.ContentType {
		t.Fatalf("call 3: ran %v, %d %s", ran, res.StatusCode, res.Body)
	}
	if res.Headers["Retry-After"] != "6" || res.Headers["RateLimit"] != `"client";r=0;t=6` || res.Headers["RateLimit-Policy"] != `"client";q=2;w=10` {
		t.Errorf("call 3's headers: %v", res.Headers)
	}
}

func TestACallGoesThroughWhenTheCounterFails(t *testing.T) {
	limiter := &ratelimit.Limiter{Policy: ratelimit.Policy{Limit: 1, Window: time.Minute}, Counter: failingCounter{},
		Clock: fixedClock{time.Unix(1_800_000_000, 0)}, Logger: quiet}
	for range 3 {
		res, ran := limitedCall(t, limiter, "client-a")
		if !ran || res.StatusCode != http.StatusOK || res.Headers["RateLimit"] != "" {
			t.Fatalf("ran %v, %d %v; want the call through, and no count claimed", ran, res.StatusCode, res.Headers)
		}
	}
}

func TestWithoutALimiterNothingIsCounted(t *testing.T) {
	res, ran := limitedCall(t, nil, "client-a")
	if !ran || res.StatusCode != http.StatusOK || res.Headers["RateLimit-Policy"] != "" {
		t.Fatalf("ran %v, %d %v", ran, res.StatusCode, res.Headers)
	}
}

func TestTheLimiterTakesItsPolicyFromTheSetting(t *testing.T) {
	env := map[string]string{"RATE_LIMIT": "20/10s"}
	l, err := LimiterFromEnv(func(k string) string { return env[k] }, counter{}, quiet)
	if err != nil || l.Policy != (ratelimit.Policy{Limit: 20, Window: 10 * time.Second}) {
		t.Fatalf("%+v, %v", l, err)
	}
	for _, bad := range []string{"", "20", "20/500ms"} {
		env["RATE_LIMIT"] = bad
		if _, err := LimiterFromEnv(func(k string) string { return env[k] }, counter{}, quiet); err == nil {
			t.Errorf("RATE_LIMIT=%q is accepted", bad)
		}
	}
}
