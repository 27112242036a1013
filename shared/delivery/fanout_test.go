package delivery_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tredjepart/tredjepart/shared/delivery"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/registry"
)

const (
	enabledTP  ident.GLN = "7080005051286"
	disabledTP ident.GLN = "7080005051293"
)

// parties is the registry: one enabled third party, one disabled.
type parties struct{}

func (parties) ThirdParties(context.Context) ([]registry.ThirdParty, error) {
	return []registry.ThirdParty{{GLN: enabledTP}, {GLN: disabledTP, Disabled: true}}, nil
}

func (parties) ThirdParty(_ context.Context, gln ident.GLN) (registry.ThirdParty, bool, error) {
	if gln != enabledTP && gln != disabledTP {
		return registry.ThirdParty{}, false, nil
	}
	return registry.ThirdParty{GLN: gln, Disabled: gln == disabledTP}, true, nil
}

// sent records what was put on the queues, from several goroutines.
type sent struct {
	mu     sync.Mutex
	calls  int
	shards []delivery.ShardTask
	jobs   []delivery.Job
}

func (s *sent) SendShards(_ context.Context, tasks []delivery.ShardTask) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(tasks) > 10 {
		return fmt.Errorf("%d messages in one call", len(tasks))
	}
	s.calls++
	s.shards = append(s.shards, tasks...)
	return nil
}

func (s *sent) Send(_ context.Context, jobs []delivery.Job) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(jobs) > 10 {
		return fmt.Errorf("%d messages in one call", len(jobs))
	}
	s.jobs = append(s.jobs, jobs...)
	return nil
}

func (s *sent) points() []ident.GSRN {
	var all []ident.GSRN
	for _, j := range s.jobs {
		if len(j.MeteringPoints) > delivery.JobSize {
			panic("a job over JobSize")
		}
		all = append(all, j.MeteringPoints...)
	}
	slices.Sort(all)
	return all
}

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestFanOutSendsEveryShardOfEachEnabledThirdParty(t *testing.T) {
	q := &sent{}
	f := &delivery.FanOut{ThirdParties: parties{}, Shards: q, Logger: discard}
	r, err := f.Run(context.Background(), time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if r.ThirdParties != 1 || r.Shards != delivery.ShardCount || len(q.shards) != delivery.ShardCount {
		t.Fatalf("%+v, %d messages", r, len(q.shards))
	}
	if q.calls != (delivery.ShardCount+9)/10 {
		t.Errorf("%d send calls for %d messages", q.calls, delivery.ShardCount)
	}
	seen := map[int]bool{}
	for _, task := range q.shards {
		if task.ThirdParty != enabledTP || task.Day != "2026-11-27" || task.After != "" || seen[task.Shard] {
			t.Errorf("message %+v", task)
		}
		seen[task.Shard] = true
	}
}

func TestShardOfSpreadsPointsOverEveryShard(t *testing.T) {
	counts := make([]int, delivery.ShardCount)
	for i := range 16000 {
		mp := ident.GSRN(fmt.Sprintf("70705750%010d", i))
		if delivery.ShardOf(mp) != delivery.ShardOf(mp) {
			t.Fatal("the shard of a point changes")
		}
		counts[delivery.ShardOf(mp)]++
	}
	for shard, n := range counts {
		if n < 800 || n > 1200 {
			t.Errorf("shard %d holds %d of 16000 points", shard, n)
		}
	}
}

// shardGrants is one shard's active grants, in order; onRead runs at each
// read, and a read can be made to fail.
type shardGrants struct {
	points []ident.GSRN
	reads  int
	onRead func()
	err    error
}

func (g *shardGrants) DeliveryShard(_ context.Context, _ ident.GLN, _ int, after ident.GSRN, limit int) ([]ident.GSRN, bool, error) {
	g.reads++
	if g.onRead != nil {
		g.onRead()
	}
	if g.err != nil {
		return nil, false, g.err
	}
	i, _ := slices.BinarySearch(g.points, after)
	if after != "" && i < len(g.points) && g.points[i] == after {
		i++
	}
	end := min(i+limit, len(g.points))
	return g.points[i:end], end < len(g.points), nil
}

func gsrns(n int) []ident.GSRN {
	points := make([]ident.GSRN, n)
	for i := range points {
		points[i] = ident.GSRN(fmt.Sprintf("70705750%010d", i))
	}
	return points
}

func TestShardWorker(t *testing.T) {
	task := delivery.ShardTask{ThirdParty: enabledTP, Day: "2026-11-27", Shard: 3}
	for _, tc := range []struct {
		name   string
		task   delivery.ShardTask
		points int
		page   int
		want   delivery.ShardResult
		reads  int
	}{
		{"one page", task, 25, 0, delivery.ShardResult{MeteringPoints: 25}, 1},
		{"several pages", task, 25, 7, delivery.ShardResult{MeteringPoints: 25}, 4},
		{"an empty shard", task, 0, 0, delivery.ShardResult{}, 1},
		{"a continuation starts after its point", delivery.ShardTask{ThirdParty: enabledTP, Day: "2026-11-27", Shard: 3, After: "707057500000000009"},
			25, 7, delivery.ShardResult{MeteringPoints: 15}, 3},
		{"a disabled third party gets nothing", delivery.ShardTask{ThirdParty: disabledTP, Day: "2026-11-27", Shard: 3},
			25, 0, delivery.ShardResult{ThirdPartyDisabled: true}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, grants := &sent{}, &shardGrants{points: gsrns(tc.points)}
			w := &delivery.ShardWorker{ThirdParties: parties{}, Grants: grants, Jobs: q, Shards: q, PageSize: tc.page}
			got, err := w.Run(context.Background(), tc.task)
			if err != nil || got != tc.want || grants.reads != tc.reads {
				t.Fatalf("%+v %v after %d reads, want %+v after %d", got, err, grants.reads, tc.want, tc.reads)
			}
			want := gsrns(tc.points)[tc.points-tc.want.MeteringPoints:]
			if !slices.Equal(q.points(), want) {
				t.Errorf("jobs for %v, want %v", q.points(), want)
			}
			for _, j := range q.jobs {
				if j.ThirdParty != tc.task.ThirdParty || j.Day != "2026-11-27" {
					t.Errorf("job %+v", j)
				}
			}
		})
	}
}

func TestShardWorkerContinuesBeforeItsDeadline(t *testing.T) {
	// A second is left, the worker keeps half of it in reserve, and the
	// first read, slow, brings the deadline within the reserve.
	deadline := time.Now().Add(time.Second)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	q := &sent{}
	grants := &shardGrants{points: gsrns(25)}
	w := &delivery.ShardWorker{ThirdParties: parties{}, Grants: grants, Jobs: q, Shards: q, PageSize: 10, Reserve: 500 * time.Millisecond}
	grants.onRead = func() { time.Sleep(600 * time.Millisecond) }
	task := delivery.ShardTask{ThirdParty: enabledTP, Day: "2026-11-27", Shard: 5}
	got, err := w.Run(ctx, task)
	if err != nil || !got.Continued || got.MeteringPoints != 10 || grants.reads != 1 {
		t.Fatalf("%+v %v after %d reads", got, err, grants.reads)
	}
	next := task
	next.After = gsrns(25)[9]
	if !slices.Equal(q.shards, []delivery.ShardTask{next}) {
		t.Fatalf("continuation %+v, want %+v", q.shards, next)
	}

	// The continuation, given time, finishes the shard.
	grants.onRead = nil
	got, err = w.Run(context.Background(), next)
	if err != nil || got.Continued || got.MeteringPoints != 15 {
		t.Fatalf("the continuation: %+v %v", got, err)
	}
	if !slices.Equal(q.points(), gsrns(25)) {
		t.Errorf("jobs for %v", q.points())
	}
}

// A worker left less time than its reserve, before reading anything, does
// not hand its shard on from where it was given it: that continuation would
// be handed on again, unchanged, for ever. It fails, so that the message is
// retried and, if it never gets further, ends in the dead-letter queue.
func TestShardWorkerFailsRatherThanContinueWithoutProgress(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	for _, task := range []delivery.ShardTask{
		{ThirdParty: enabledTP, Day: "2026-11-27", Shard: 5},
		{ThirdParty: enabledTP, Day: "2026-11-27", Shard: 5, After: gsrns(25)[9]},
	} {
		q, grants := &sent{}, &shardGrants{points: gsrns(25)}
		w := &delivery.ShardWorker{ThirdParties: parties{}, Grants: grants, Jobs: q, Shards: q, PageSize: 10, Reserve: 2 * time.Second}
		got, err := w.Run(ctx, task)
		if !errors.Is(err, delivery.ErrNoProgress) || errors.Is(err, delivery.ErrBadShardTask) || got.Continued {
			t.Errorf("after %q: %+v %v, want ErrNoProgress", task.After, got, err)
		}
		if len(q.shards) != 0 || len(q.jobs) != 0 || grants.reads != 0 {
			t.Errorf("after %q: sent %v and %d jobs after %d reads, want nothing", task.After, q.shards, len(q.jobs), grants.reads)
		}
	}
}

// A continuation that gets further hands on what is left from its own
// last point, not from the point it was given.
func TestAContinuationThatProgressesContinuesFromItsOwnPosition(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	q, grants := &sent{}, &shardGrants{points: gsrns(25)}
	grants.onRead = func() { time.Sleep(600 * time.Millisecond) }
	w := &delivery.ShardWorker{ThirdParties: parties{}, Grants: grants, Jobs: q, Shards: q, PageSize: 10, Reserve: 500 * time.Millisecond}
	task := delivery.ShardTask{ThirdParty: enabledTP, Day: "2026-11-27", Shard: 5, After: gsrns(25)[9]}
	got, err := w.Run(ctx, task)
	if err != nil || !got.Continued || got.MeteringPoints != 10 {
		t.Fatalf("%+v %v", got, err)
	}
	next := task
	next.After = gsrns(25)[19]
	if !slices.Equal(q.shards, []delivery.ShardTask{next}) {
		t.Errorf("continuation %+v, want %+v", q.shards, next)
	}
}

func TestShardWorkerRefusesBadTasksAndReportsFailures(t *testing.T) {
	for _, task := range []delivery.ShardTask{
		{ThirdParty: enabledTP, Day: "27.11.2026", Shard: 0},
		{Day: "2026-11-27", Shard: 0},
		{ThirdParty: enabledTP, Day: "2026-11-27", Shard: delivery.ShardCount},
		{ThirdParty: enabledTP, Day: "2026-11-27", Shard: -1},
		{ThirdParty: "7080005051309", Day: "2026-11-27", Shard: 0}, // not registered
	} {
		w := &delivery.ShardWorker{ThirdParties: parties{}, Grants: &shardGrants{}, Jobs: &sent{}, Shards: &sent{}}
		if _, err := w.Run(context.Background(), task); !errors.Is(err, delivery.ErrBadShardTask) {
			t.Errorf("%+v: %v", task, err)
		}
	}
	failing := errors.New("throttled")
	w := &delivery.ShardWorker{ThirdParties: parties{}, Grants: &shardGrants{err: failing}, Jobs: &sent{}, Shards: &sent{}}
	if _, err := w.Run(context.Background(), delivery.ShardTask{ThirdParty: enabledTP, Day: "2026-11-27"}); !errors.Is(err, failing) || errors.Is(err, delivery.ErrBadShardTask) {
		t.Errorf("a failed read: %v", err)
	}
}
