package stdwebhook

import "time"

// RetryWindow is how long after the first try a document is still pushed.
// After it the caller stops; the document stays in the outbox, where the
// third party can still fetch it.
const RetryWindow = 72 * time.Hour

// retryDelays is the deterministic (jitter-free) schedule: the gap before
// each retry, counted from the scheduled time of the previous one.
//
//	attempt  after  at (from first try)
//	1        –      0            (the first try)
//	2        1m     1m
//	3        5m     6m
//	4        30m    36m
//	5        2h     2h36m
//	6        5h     7h36m
//	7        10h    17h36m
//	8        10h    27h36m
//	9        14h    41h36m
//	10       20h    61h36m
//	11       10h24m 72h          (last: the window is cut at RetryWindow)
//
// Times are absolute offsets from firstTry rather than from when a retry
// actually ran, so a late retry does not push the rest of the schedule back.
var retryDelays = []time.Duration{
	1 * time.Minute,
	5 * time.Minute,
	30 * time.Minute,
	2 * time.Hour,
	5 * time.Hour,
	10 * time.Hour,
	10 * time.Hour,
	14 * time.Hour,
	20 * time.Hour,
	20 * time.Hour, // cut to RetryWindow
}

// NextAttempt returns when to make the attempt after attempt number attempt
// (1 = the first try) has failed, firstTry being when that first try was
// scheduled; attempt 0 (nothing tried yet) gives firstTry. It returns false
// once the schedule is over (after attempt 11, at firstTry+RetryWindow).
// The returned time may already be past if the caller is running late; then
// retry at once.
func NextAttempt(attempt int, firstTry time.Time) (time.Time, bool) {
	if attempt <= 0 {
		return firstTry, true
	}
	if attempt > len(retryDelays) {
		return time.Time{}, false
	}
	var offset time.Duration
	for _, d := range retryDelays[:attempt] {
		offset += d
	}
	return firstTry.Add(min(offset, RetryWindow)), true
}
