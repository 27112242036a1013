package readonce

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
)

func TestEachKeyIsReadOnceEvenAtOnce(t *testing.T) {
	var reads atomic.Int32
	c := New(func(_ context.Context, k string) (int, bool, error) {
		reads.Add(1)
		return len(k), k != "", nil
	})
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if v, found, err := c.Get(context.Background(), "abc"); v != 3 || !found || err != nil {
				t.Errorf("Get = %d, %v, %v", v, found, err)
			}
		})
	}
	wg.Wait()
	if _, found, _ := c.Get(context.Background(), ""); found {
		t.Error("the empty key was found")
	}
	if _, _, _ = c.Get(context.Background(), ""); reads.Load() != 2 {
		t.Errorf("%d reads, want one per key (a key not found is kept too)", reads.Load())
	}
}

func TestAFailedReadIsTriedAgain(t *testing.T) {
	fail := true
	reads := 0
	c := New(func(context.Context, int) (string, bool, error) {
		reads++
		if fail {
			return "", false, errors.New("throttled")
		}
		return "ok", true, nil
	})
	if _, _, err := c.Get(context.Background(), 1); err == nil {
		t.Fatal("the failure was not returned")
	}
	fail = false
	if v, found, err := c.Get(context.Background(), 1); v != "ok" || !found || err != nil || reads != 2 {
		t.Errorf("Get after a failure = %q, %v, %v after %d reads", v, found, err, reads)
	}
}
