// Package ratelimit is a rule: how many calls one API client may make: a
// fixed number in each fixed window of time (Policy), counted per OAuth
// client id in a store every function instance shares (Counter), so that
// the limit holds however many Lambda instances answer.
//
// The windows are fixed and aligned to the Unix epoch, so a call is one
// conditional increment of one counter (a DynamoDB UpdateItem), with no
// read and no clock shared between instances but the store's key. Short
// windows keep the burst small: 20 calls in 10 s is 120 a minute, as
// Eloverblik allows, but at most 20 at once, and at most 40 across a
// window's end, where a minute's window would let 120 arrive together. A
// sliding window or token bucket would smooth that edge at the price of a
// read before each write, or two writes.
//
// The count is by client id, the token's client_id the authorizer checked,
// not by party: it needs no read before the count, so a refused call costs
// one write and nothing else. A third party's client ids are the
// operator's to give (at most 20).
//
// A limiter must not take the API down: when the counter fails the call
// goes through, uncounted, and the failure is logged (Limiter.Take).
package ratelimit

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/fault"
)

// Policy is Limit calls per client in each Window.
type Policy struct {
	Limit  int
	Window time.Duration // whole seconds, at most a day
}

// ParsePolicy reads a policy written as "<calls>/<window>": "20/10s",
// "120/1m" (the window in Go's duration syntax).
func ParsePolicy(text string) (Policy, error) {
	calls, window, ok := strings.Cut(text, "/")
	limit, err := strconv.Atoi(calls)
	if !ok || err != nil || limit < 1 {
		return Policy{}, fmt.Errorf("rate limit %q: want <calls>/<window> with at least 1 call, such as 20/10s", text)
	}
	w, err := time.ParseDuration(window)
	if err != nil || w < time.Second || w > 24*time.Hour || w%time.Second != 0 {
		return Policy{}, fmt.Errorf("rate limit %q: the window must be whole seconds from 1s to 24h, such as 10s or 1m", text)
	}
	return Policy{Limit: limit, Window: w}, nil
}

// String is the policy as ParsePolicy reads it.
func (p Policy) String() string {
	if p.Window%time.Minute == 0 {
		return fmt.Sprintf("%d/%dm", p.Limit, p.Window/time.Minute)
	}
	return fmt.Sprintf("%d/%ds", p.Limit, p.Window/time.Second)
}

// WindowAt is the start of the window that holds t, and how long it has
// left after t.
func (p Policy) WindowAt(t time.Time) (start time.Time, left time.Duration) {
	seconds := int64(p.Window / time.Second)
	start = time.Unix(t.Unix()-t.Unix()%seconds, 0).In(t.Location())
	return start, start.Add(p.Window).Sub(t)
}

// Counter counts calls in a window, shared by every instance of every
// function that limits.
type Counter interface {
	// Take adds one call to key's count in the window starting at
	// windowStart, unless the count has reached limit already: it returns
	// the count after the call and true, or the count as it is and false.
	// The count may be forgotten after expires.
	Take(ctx context.Context, key string, windowStart, expires time.Time, limit int) (count int, taken bool, err error)
}

// Limiter takes each call of a client from its policy.
type Limiter struct {
	Policy  Policy
	Counter Counter
	Clock   clock.Clock
	Logger  *slog.Logger
}

// Decision is what one call was told.
type Decision struct {
	Policy    Policy
	Allowed   bool
	Counted   bool          // false: no client, or the counter failed and the call went through uncounted
	Remaining int           // calls left in the window
	Reset     time.Duration // until the window ends and the count starts again
}

// Take counts one call of clientID and says whether it may go on. It
// never fails: a call without a client is not counted (the API refuses it
// anyway), and when the counter fails the call is let through and the
// failure logged.
func (l *Limiter) Take(ctx context.Context, clientID string) Decision {
	d := Decision{Policy: l.Policy, Allowed: true}
	if clientID == "" {
		return d
	}
	start, left := l.Policy.WindowAt(l.Clock.Now())
	count, taken, err := l.Counter.Take(ctx, "CLIENT#"+clientID, start, start.Add(l.Policy.Window), l.Policy.Limit)
	if err != nil {
		l.Logger.WarnContext(ctx, "rate limit not counted: the call goes through", "clientId", clientID, "error", err)
		return d
	}
	d.Allowed, d.Counted, d.Remaining, d.Reset = taken, true, max(0, l.Policy.Limit-count), left
	return d
}

// Err is nil for a call that may go on, and for one that may not a
// TooManyRequests that says when the window frees.
func (d Decision) Err() error {
	if d.Allowed {
		return nil
	}
	return &fault.Error{
		Kind:       fault.TooManyRequests,
		Detail:     fmt.Sprintf("This client has made its %d calls of this %v window; the count starts again when the window ends.", d.Policy.Limit, d.Policy.Window),
		RetryAfter: d.Reset,
	}
}
