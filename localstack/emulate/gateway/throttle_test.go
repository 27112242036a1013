package gateway

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tredjepart/tredjepart/shared/resources"
)

// The stage's throttle is a token bucket per route: the burst at once,
// then the rate; a request over it is API Gateway's own 429, and the
// function never runs. The clock stands still, so the counts are exact.
func TestEachRouteIsThrottledToTheStagesRateAndBurst(t *testing.T) {
	var sized atomic.Int64
	g, err := newGateway(testRoutes, testFunctions(&sized), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_800_000_000, 0)
	g.now = func() time.Time { return now }
	get := func(path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		g.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		return rec
	}
	burst := resources.APIThrottle.Burst
	for i := range burst {
		if rec := get("/test/string"); rec.Code != http.StatusOK {
			t.Fatalf("request %d of the burst of %d: %d %s", i+1, burst, rec.Code, rec.Body)
		}
	}
	rec := get("/test/string")
	if rec.Code != http.StatusTooManyRequests || rec.Body.String() != `{"message":"Too Many Requests"}` ||
		rec.Header().Get("Content-Type") != "application/json" || rec.Header().Get("Retry-After") != "" {
		t.Fatalf("the request after the burst: %d %v %s", rec.Code, rec.Header(), rec.Body)
	}
	if rec := get("/test/binary"); rec.Code != http.StatusOK {
		t.Errorf("another route is throttled with it: %d", rec.Code)
	}
	now = now.Add(time.Duration(float64(time.Second) / resources.APIThrottle.RatePerSecond)) // one request's worth
	if rec := get("/test/string"); rec.Code != http.StatusOK {
		t.Errorf("after one request's worth of time: %d", rec.Code)
	}
	if rec := get("/test/string"); rec.Code != http.StatusTooManyRequests {
		t.Errorf("two requests in one request's worth of time: %d", rec.Code)
	}
}
