package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tredjepart/tredjepart/shared/ratelimit"
)

// RunRateLimits is the contract of a rate-limit counter (ratelimit.Counter).
func RunRateLimits(t *testing.T, newStore func(t *testing.T) ratelimit.Counter) {
	ctx := context.Background()
	window := time.Unix(1_800_000_000, 0).UTC()
	expires := window.Add(10 * time.Second)

	t.Run("counts up to the limit, then refuses without counting", func(t *testing.T) {
		c, key := newStore(t), "CLIENT#"+uuid.NewString()
		for want := 1; want <= 3; want++ {
			count, taken, err := c.Take(ctx, key, window, expires, 3)
			if err != nil || !taken || count != want {
				t.Fatalf("call %d: count %d, taken %v, %v", want, count, taken, err)
			}
		}
		for range 2 {
			count, taken, err := c.Take(ctx, key, window, expires, 3)
			if err != nil || taken || count != 3 {
				t.Fatalf("over the limit: count %d, taken %v, %v; want 3, refused", count, taken, err)
			}
		}
	})

	t.Run("each key and window counts on its own", func(t *testing.T) {
		c, key, other := newStore(t), "CLIENT#"+uuid.NewString(), "CLIENT#"+uuid.NewString()
		if _, taken, err := c.Take(ctx, key, window, expires, 1); err != nil || !taken {
			t.Fatalf("first call: %v, %v", taken, err)
		}
		if count, taken, err := c.Take(ctx, other, window, expires, 1); err != nil || !taken || count != 1 {
			t.Errorf("another key shares the count: %d, %v, %v", count, taken, err)
		}
		next := window.Add(10 * time.Second)
		if count, taken, err := c.Take(ctx, key, next, next.Add(10*time.Second), 1); err != nil || !taken || count != 1 {
			t.Errorf("the next window shares the count: %d, %v, %v", count, taken, err)
		}
	})

	t.Run("calls at once are each counted once, and no more than the limit taken", func(t *testing.T) {
		c, key := newStore(t), "CLIENT#"+uuid.NewString()
		const calls, limit = 16, 10
		var (
			wg     sync.WaitGroup
			mu     sync.Mutex
			taken  int
			counts = map[int]bool{}
			errs   []error
		)
		for range calls {
			wg.Go(func() {
				count, ok, err := c.Take(ctx, key, window, expires, limit)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err != nil:
					errs = append(errs, err)
				case ok && counts[count]:
					errs = append(errs, fmt.Errorf("two calls were both count %d", count))
				case ok:
					taken++
					counts[count] = true
				}
			})
		}
		wg.Wait()
		if len(errs) > 0 || taken != limit {
			t.Errorf("%d of %d calls taken with a limit of %d; errors %v", taken, calls, limit, errs)
		}
	})
}
