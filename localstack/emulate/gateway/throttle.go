package gateway

import (
	"sync"
	"time"

	"github.com/tredjepart/tredjepart/shared/resources"
)

// throttle is the HTTP API stage's default route throttling
// (resources.APIThrottle, as infra/ sets it): a token bucket per route,
// holding the burst and refilled at the rate, as API Gateway's is. AWS
// applies it best effort; here it is exact. It comes before the
// authorizer: a throttled request costs no token check.
type throttle struct {
	limit   resources.Throttle
	mu      sync.Mutex
	buckets map[string]*bucket // by route key
}

type bucket struct {
	tokens float64
	at     time.Time // when tokens was last brought up to date
}

func newThrottle(limit resources.Throttle) *throttle {
	return &throttle{limit: limit, buckets: map[string]*bucket{}}
}

// take takes a request on route at now from its bucket, or reports that
// the bucket is empty.
func (t *throttle) take(route string, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	b, ok := t.buckets[route]
	if !ok {
		b = &bucket{tokens: float64(t.limit.Burst), at: now}
		t.buckets[route] = b
	}
	if elapsed := now.Sub(b.at); elapsed > 0 {
		b.tokens = min(float64(t.limit.Burst), b.tokens+elapsed.Seconds()*t.limit.RatePerSecond)
		b.at = now
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
