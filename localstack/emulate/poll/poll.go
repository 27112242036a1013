// Package poll is an emulator: the loop shell the event source mapping
// stand-ins (sqspoller, streampoller) share. Each runs its own polling in a
// goroutine that ends with its context or at Stop, and pauses between polls
// with Sleep; what a poll does and how long it pauses stay with each poller.
package poll

import (
	"context"
	"sync"
	"time"
)

// Loop is one poller's goroutine. Create it with Start.
type Loop struct {
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
}

// Start runs run in its own goroutine with a context that ends with ctx or
// at Stop.
func Start(ctx context.Context, run func(context.Context)) *Loop {
	ctx, cancel := context.WithCancel(ctx)
	l := &Loop{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(l.done)
		run(ctx)
	}()
	return l
}

// Stop cancels the loop's context and waits for run to return. It may be
// called more than once.
func (l *Loop) Stop() {
	l.once.Do(l.cancel)
	<-l.done
}

// Done is closed once run has returned.
func (l *Loop) Done() <-chan struct{} { return l.done }

// Sleep waits for d, a value on wake (nil never wakes), or the end of ctx,
// and reports whether ctx is still live.
func Sleep(ctx context.Context, d time.Duration, wake <-chan struct{}) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-wake:
	case <-ctx.Done():
	}
	return ctx.Err() == nil
}
