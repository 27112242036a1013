package inmem

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/tredjepart/tredjepart/shared/ratelimit"
)

var _ ratelimit.Counter = (*RateLimits)(nil)

// RateLimits counts the API clients' calls per window, as
// dynamo.RateLimits does.
type RateLimits struct {
	mu     sync.Mutex
	counts map[string]int
}

// NewRateLimits returns a store with nothing counted.
func NewRateLimits() *RateLimits { return &RateLimits{counts: map[string]int{}} }

// Take counts one call in key's window, unless the window has reached limit.
func (r *RateLimits) Take(_ context.Context, key string, windowStart, _ time.Time, limit int) (int, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := key + "#" + strconv.FormatInt(windowStart.Unix(), 10)
	if r.counts[k] >= limit {
		return r.counts[k], false, nil
	}
	r.counts[k]++
	return r.counts[k], true, nil
}
