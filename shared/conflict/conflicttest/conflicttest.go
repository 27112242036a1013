// Package conflicttest is test harness: the shape every concurrency test of a
// version-guarded write shares: calls released at the same moment, and each
// answer either a success or a lost race (a fault.Conflict), never anything
// else.
package conflicttest

import (
	"sync"
	"testing"

	"github.com/tredjepart/tredjepart/shared/fault"
)

// Together runs call from n goroutines released at once and returns what
// each returned, by its index.
func Together[T any](n int, call func(i int) T) []T {
	results := make([]T, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			results[i] = call(i)
		})
	}
	close(start)
	wg.Wait()
	return results
}

// SuccessOrConflict fails t unless call i's err is nil or a conflict, and
// reports whether it succeeded.
func SuccessOrConflict(t testing.TB, i int, err error) bool {
	t.Helper()
	if err != nil && fault.KindOf(err) != fault.Conflict {
		t.Errorf("call %d: %v (kind %d), want success or a conflict", i, err, fault.KindOf(err))
	}
	return err == nil
}

// ExpectSuccessOrConflict checks every answer with SuccessOrConflict and
// returns how many succeeded.
func ExpectSuccessOrConflict(t testing.TB, errs []error) int {
	t.Helper()
	ok := 0
	for i, err := range errs {
		if SuccessOrConflict(t, i, err) {
			ok++
		}
	}
	return ok
}
