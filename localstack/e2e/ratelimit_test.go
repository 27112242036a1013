//go:build integration

package e2e_test

// A client's rate limit through the gateway: the call after the limit is a
// 429 problem document with Retry-After, counted across the intake and
// queries functions alike, and another client is not held back.

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tredjepart/tredjepart/localstack/emulate/gateway"
	"github.com/tredjepart/tredjepart/localstack/harness/inprocess"
	"github.com/tredjepart/tredjepart/localstack/harness/testenv"
	"github.com/tredjepart/tredjepart/shared/dynamo"
	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/resources"
)

var rateLimitField = regexp.MustCompile(`^"client";r=(\d+);t=(\d+)$`)

func TestTheCallOverAClientsRateLimitIsA429WithRetryAfter(t *testing.T) {
	const limit = 5
	env := testenv.Get(t)
	testenv.Demo(t)
	// Clients of their own: no other test's calls count against them.
	p, other := freshParty(t), freshParty(t)
	parties := dynamo.Open(dynamodb.NewFromConfig(env.Config), env.Stack.Tables).Parties
	for _, tp := range []party{p, other} {
		if err := parties.RegisterThirdParty(context.Background(), registry.ThirdParty{GLN: tp.gln, Name: "Grensesnitt AS", OrgNumber: tp.org,
			ClientIDs: []string{tp.client}, RedirectURIs: []string{"https://example.no/callback"}}); err != nil {
			t.Fatal(err)
		}
	}
	functionEnv := env.Stack.Env()
	functionEnv[resources.RateLimitSetting] = strconv.Itoa(limit) + "/1h"
	functions := map[string]gateway.Invoker{}
	for _, id := range []string{resources.IntakeFunctionID, resources.QueriesFunctionID} {
		fn, err := inprocess.Function(context.Background(), id, env.Config, func(k string) string { return functionEnv[k] }, quiet)
		if err != nil {
			t.Fatal(err)
		}
		functions[id] = fn
	}
	w := serveFunctions(t, httptest.NewUnstartedServer(nil), functions)

	// Calls alternate between the two functions; all count against one
	// limit. The count is kept from the answers themselves: a window that
	// ended between two calls (r going up) starts it again.
	paths := []string{"/v1/access-requests", "/v1/metering-points"}
	inWindow, previousLeft := 0, limit
	for call := 0; call < 3*limit; call++ {
		r := w.call(t, p.client, "GET", paths[call%2], "")
		if got := r.header.Get("RateLimit-Policy"); got != `"client";q=5;w=3600` {
			t.Fatalf("call %d: RateLimit-Policy %q", call+1, got)
		}
		m := rateLimitField.FindStringSubmatch(r.header.Get("RateLimit"))
		if m == nil {
			t.Fatalf("call %d: RateLimit %q", call+1, r.header.Get("RateLimit"))
		}
		left, _ := strconv.Atoi(m[1])
		if left > previousLeft { // a new window
			inWindow = 0
		}
		previousLeft = left
		if r.status == http.StatusOK {
			inWindow++
			if left != limit-inWindow {
				t.Fatalf("call %d, the %d. in its window: %d left, want %d", call+1, inWindow, left, limit-inWindow)
			}
			continue
		}
		expectProblem(t, r, http.StatusTooManyRequests, "5 calls")
		if r.str("type") != "urn:tredjepart:problem:too-many-requests" || inWindow != limit || left != 0 {
			t.Errorf("call %d: %s after %d calls in the window, %d left; want it after %d", call+1, r.rawBody, inWindow, left, limit)
		}
		retryAfter, err := strconv.Atoi(r.header.Get("Retry-After"))
		if err != nil || retryAfter < 1 || retryAfter > 3600 || strconv.Itoa(retryAfter) != m[2] {
			t.Errorf("Retry-After %q, RateLimit's t %s: want the same whole seconds, 1 to 3600", r.header.Get("Retry-After"), m[2])
		}
		if r := w.call(t, other.client, "GET", "/v1/access-requests", ""); r.status != http.StatusOK {
			t.Errorf("another client is held back: %d %s", r.status, r.rawBody)
		}
		return
	}
	t.Fatalf("%d calls and no 429 with a limit of %d", 3*limit, limit)
}
