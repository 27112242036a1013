package delivery

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"slices"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/registry"
)

// ShardCount is how many delivery shards a third party's active grants are
// spread over, each fanned out by its own worker. Sixteen keep the largest
// third party imaginable (a million metering points) at ~62,500 grants a
// shard: 63 pages and 625 batch sends, ~7 s of work for one worker, while
// the coordinator's messages stay few (1,000 third parties: 16,000).
const ShardCount = 16

// ShardOf is the delivery shard of a metering point: FNV-1a (32 bit) of
// its GSRN, so the shard is stable and the points spread evenly.
func ShardOf(mp ident.GSRN) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(mp))
	return int(h.Sum32() % ShardCount)
}

// ShardTask is one worker's message: one third party's delivery of one day
// for one shard of its active grants, from the metering point after After
// (empty: from the start).
type ShardTask struct {
	ThirdParty ident.GLN  `json:"thirdPartyId"`
	Day        string     `json:"day"` // Oslo calendar date
	Shard      int        `json:"shard"`
	After      ident.GSRN `json:"after,omitempty"`
}

// ErrBadShardTask is a shard message that can never succeed; it goes to
// the dead-letter queue.
var ErrBadShardTask = errors.New("malformed fan-out shard")

// ErrNoProgress is a worker that had no time to read any of its shard: a
// continuation from where it was given the shard would be the same message
// again, handed on for ever, so it fails instead. SQS retries it, and one
// that never gets further ends in the dead-letter queue, whose alarm fires.
var ErrNoProgress = errors.New("fan-out shard: no time left to make progress")

// ThirdParties lists the registered third parties.
type ThirdParties interface {
	ThirdParties(ctx context.Context) ([]registry.ThirdParty, error)
}

// ShardTasks sends shard messages, up to ten in one call.
type ShardTasks interface {
	SendShards(ctx context.Context, tasks []ShardTask) error
}

// concurrentSends bounds the batch sends in flight in one function.
const concurrentSends = 8

// sendInBatches sends items ten per call, several calls at a time.
func sendInBatches[T any](ctx context.Context, items []T, send func(context.Context, []T) error) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(concurrentSends)
	for batch := range slices.Chunk(items, 10) {
		g.Go(func() error { return send(ctx, batch) })
	}
	return g.Wait()
}

// FanOut starts a day's delivery: one shard message per enabled third
// party and delivery shard. The shard workers do the rest in parallel.
type FanOut struct {
	ThirdParties ThirdParties
	Shards       ShardTasks
	Logger       *slog.Logger
}

// FanOutResult counts what the fan-out sent.
type FanOutResult struct {
	ThirdParties int // enabled, each given ShardCount messages
	Shards       int // messages sent
}

// Run puts day's shard messages on the queue. Running it again sends the
// same messages; the documents they lead to are written once.
func (f *FanOut) Run(ctx context.Context, day time.Time) (FanOutResult, error) {
	var r FanOutResult
	tps, err := f.ThirdParties.ThirdParties(ctx)
	if err != nil {
		return r, err
	}
	dayText := day.Format(metervalues.DayLayout)
	var tasks []ShardTask
	for _, tp := range tps {
		if tp.Disabled {
			// Its grants wait: an operator can deliver the days it missed
			// by running the fan-out for them once it is enabled again.
			continue
		}
		r.ThirdParties++
		for shard := range ShardCount {
			tasks = append(tasks, ShardTask{ThirdParty: tp.GLN, Day: dayText, Shard: shard})
		}
	}
	if err := sendInBatches(ctx, tasks, f.Shards.SendShards); err != nil {
		return r, fmt.Errorf("fan-out shards of %s: %w", dayText, err)
	}
	r.Shards = len(tasks)
	f.Logger.InfoContext(ctx, "fan-out", "day", dayText, "thirdParties", r.ThirdParties,
		"disabledThirdParties", len(tps)-r.ThirdParties, "shards", r.Shards)
	return r, nil
}

// ShardGrants reads a delivery shard of a third party's active grants.
type ShardGrants interface {
	// DeliveryShard returns up to limit metering points of the shard, in
	// order, after the one given (none: from the start), and whether more
	// may follow.
	DeliveryShard(ctx context.Context, tp ident.GLN, shard int, after ident.GSRN, limit int) ([]ident.GSRN, bool, error)
}

// DefaultShardPage is how many grants one read of a shard takes: a
// keys-only page well under DynamoDB's 1 MB, a hundred jobs.
const DefaultShardPage = 1000

// ShardWorker turns one shard message into delivery jobs.
type ShardWorker struct {
	ThirdParties ThirdParty
	Grants       ShardGrants
	Jobs         Jobs
	Shards       ShardTasks // for the continuation
	PageSize     int        // 0 means DefaultShardPage
	// Reserve is how long before its deadline a worker stops reading and
	// hands the rest of its shard to a continuation message (the function's
	// resources.Function.Reserve); 0 keeps none.
	Reserve time.Duration
}

// ShardResult counts what a worker did.
type ShardResult struct {
	MeteringPoints int // put in jobs
	// Continued: the deadline came near, and the rest of the shard was
	// put back on the queue as a continuation.
	Continued bool
	// ThirdPartyDisabled: disabled since the fan-out; nothing was sent.
	ThirdPartyDisabled bool
}

// Run sends the jobs of task's shard, page by page. When the context's
// deadline is nearer than the reserve, it sends a continuation from the
// last metering point done and returns, so no shard is cut off by the
// function's timeout; if it has done none, it fails with ErrNoProgress
// rather than hand on the task unchanged. A retried task sends some jobs
// twice; their documents are written once.
func (w *ShardWorker) Run(ctx context.Context, task ShardTask) (ShardResult, error) {
	var r ShardResult
	day, err := metervalues.ParseDay(task.Day)
	if err != nil || task.ThirdParty == "" || task.Shard < 0 || task.Shard >= ShardCount {
		return r, fmt.Errorf("%w: %+v", ErrBadShardTask, task)
	}
	tp, found, err := w.ThirdParties.ThirdParty(ctx, task.ThirdParty)
	if err != nil {
		return r, err
	}
	if !found {
		return r, fmt.Errorf("%w: third party %s is not registered", ErrBadShardTask, task.ThirdParty)
	}
	if tp.Disabled {
		r.ThirdPartyDisabled = true
		return r, nil
	}
	page := cmp.Or(w.PageSize, DefaultShardPage)
	dayText := day.Format(metervalues.DayLayout)
	after := task.After
	for {
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < w.Reserve {
			if after == task.After {
				return r, fmt.Errorf("%w: shard %d of %s after %q had %v left, its reserve is %v",
					ErrNoProgress, task.Shard, task.ThirdParty, task.After, time.Until(deadline).Round(time.Millisecond), w.Reserve)
			}
			next := task
			next.After = after
			if err := w.Shards.SendShards(ctx, []ShardTask{next}); err != nil {
				return r, fmt.Errorf("continue shard %d of %s after %s: %w", task.Shard, task.ThirdParty, after, err)
			}
			r.Continued = true
			return r, nil
		}
		points, more, err := w.Grants.DeliveryShard(ctx, task.ThirdParty, task.Shard, after, page)
		if err != nil {
			return r, err
		}
		var jobs []Job
		for chunk := range slices.Chunk(points, JobSize) {
			jobs = append(jobs, Job{ThirdParty: task.ThirdParty, Day: dayText, MeteringPoints: chunk})
		}
		if err := sendInBatches(ctx, jobs, w.Jobs.Send); err != nil {
			return r, fmt.Errorf("jobs of shard %d of %s: %w", task.Shard, task.ThirdParty, err)
		}
		r.MeteringPoints += len(points)
		if !more || len(points) == 0 {
			return r, nil
		}
		after = points[len(points)-1]
	}
}
