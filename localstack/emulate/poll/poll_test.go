package poll

import (
	"context"
	"testing"
	"time"
)

func TestStopCancelsTheLoopAndWaitsForIt(t *testing.T) {
	returned := make(chan struct{})
	l := Start(context.Background(), func(ctx context.Context) {
		<-ctx.Done()
		close(returned)
	})
	l.Stop()
	select {
	case <-returned:
	default:
		t.Fatal("Stop returned before the loop did")
	}
	l.Stop() // a second Stop is harmless
	select {
	case <-l.Done():
	default:
		t.Fatal("Done is open after Stop")
	}
}

func TestTheLoopEndsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	l := Start(ctx, func(ctx context.Context) { <-ctx.Done() })
	cancel()
	<-l.Done() // the test times out if the loop outlives its context
}

func TestSleep(t *testing.T) {
	live := context.Background()
	if !Sleep(live, time.Nanosecond, nil) {
		t.Error("Sleep on a live context reported it ended")
	}
	if !Sleep(live, 0, nil) {
		t.Error("Sleep(0) on a live context reported it ended")
	}
	wake := make(chan struct{}, 1)
	wake <- struct{}{}
	if !Sleep(live, time.Hour, wake) {
		t.Error("Sleep woken early reported the context ended")
	}
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	if Sleep(ended, time.Hour, nil) {
		t.Error("Sleep on an ended context reported it live")
	}
	if Sleep(ended, 0, nil) {
		t.Error("Sleep(0) on an ended context reported it live")
	}
}
