// Package readonce is support: it keeps what one batch of work has read, so that each key
// is read once however many items need it: a delivery batch's third party
// and webhook endpoint, an ingest call's metering points.
package readonce

import (
	"context"
	"sync"
)

// Load reads the value for a key, and whether there is one.
type Load[K comparable, V any] func(ctx context.Context, key K) (V, bool, error)

// Cache reads each key once through its Load and keeps what it found. A
// failed read is not kept, so the next caller tries again. It is safe for
// concurrent use; callers wanting the same key wait for one read.
type Cache[K comparable, V any] struct {
	load  Load[K, V]
	mu    sync.Mutex
	reads map[K]*read[V]
}

type read[V any] struct {
	mu    sync.Mutex
	done  bool
	value V
	found bool
}

// New is an empty cache over load; make one per batch, so that a change
// made meanwhile is seen by the next.
func New[K comparable, V any](load Load[K, V]) *Cache[K, V] {
	return &Cache[K, V]{load: load, reads: map[K]*read[V]{}}
}

// Get returns the value for key, reading it if no earlier Get did.
func (c *Cache[K, V]) Get(ctx context.Context, key K) (V, bool, error) {
	c.mu.Lock()
	r, ok := c.reads[key]
	if !ok {
		r = &read[V]{}
		c.reads[key] = r
	}
	c.mu.Unlock()

	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done {
		return r.value, r.found, nil
	}
	value, found, err := c.load(ctx, key)
	if err == nil {
		r.value, r.found, r.done = value, found, true
	}
	return value, found, err
}
