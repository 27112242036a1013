// Package ingestload is a developer tool: it submits a synthetic data set (package
// synthetic) through the ingest service, the path the ingest API takes, so
// that generated data passes the same validation and conditional writes as
// real data.
package ingestload

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/ingest"
	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/synthetic"
)

// Summary is what a run did; after an error, what it did before.
type Summary struct {
	Points      int // metering points submitted
	Days        int // day series submitted (first revisions)
	Corrections int // day series re-sent with changed values (revision 2)
	Outcomes    map[ingest.Outcome]int
	Phases      []Phase // those begun, in order
	Elapsed     time.Duration
}

// Phase is how long one phase of a run took.
type Phase struct {
	Name    string // master data, days or corrections
	Elapsed time.Duration
}

// outcomeWords are the service's outcomes as the summary says them, in its order.
var outcomeWords = []struct {
	outcome ingest.Outcome
	word    string
}{{ingest.Created, "new"}, {ingest.Updated, "updated"}, {ingest.Corrected, "corrected"}, {ingest.Unchanged, "unchanged"}}

// String is the summary on one line: what was sent and how long each phase
// took, then what the service did with it, every outcome named even at 0,
// so that a rerun reads "0 new, …, n unchanged".
func (s Summary) String() string {
	var phases, stored []string
	for _, p := range s.Phases {
		phases = append(phases, fmt.Sprintf("%s %s", p.Name, p.Elapsed.Round(time.Millisecond)))
	}
	for _, o := range outcomeWords {
		stored = append(stored, fmt.Sprintf("%d %s", s.Outcomes[o.outcome], o.word))
	}
	return fmt.Sprintf("sent the master data of %d metering points, %d days and %d corrections in %s (%s); stored: %s",
		s.Points, s.Days, s.Corrections, s.Elapsed.Round(time.Millisecond), strings.Join(phases, ", "), strings.Join(stored, ", "))
}

// dayReader is what a Values store offers to read a day back;
// *dynamo.MeterValues has it.
type dayReader interface {
	Day(ctx context.Context, mp ident.GSRN, day time.Time) (metervalues.Series, bool, error)
}

// Run submits master data for every point, then every day, then the
// corrections (revision 2), each phase finished before the next, since a
// series needs its point and a correction its original. workers items are in
// flight at once; progress gets a progress bar (io.Discard for none). The
// first error stops the run and names the item.
//
// Running it again writes nothing: every item comes back Unchanged. For that,
// a day that will be corrected is not sent as revision 1 when the store
// (if svc.Values can read days) already holds its correction, which would
// otherwise be "corrected" back and forth.
func Run(ctx context.Context, svc *ingest.Service, people synthetic.People, o synthetic.Options, workers int, progress io.Writer) (Summary, error) {
	started := time.Now()
	if err := o.Validate(); err != nil {
		return Summary{}, err
	}
	points := make([]registry.MeteringPoint, o.Points)
	for i := range points {
		points[i] = synthetic.MeteringPoint(o, people, i)
	}
	return Submit(ctx, svc, points, o, workers, progress, started)
}

// Submit is Run for given metering points, such as the demo's: their master
// data, then synthetic days for each, then the corrections. started is when
// the run began, for the summary.
func Submit(ctx context.Context, svc *ingest.Service, points []registry.MeteringPoint, o synthetic.Options, workers int, progress io.Writer, started time.Time) (Summary, error) {
	workers = max(1, workers)
	days := o.Days()
	var corrections []item
	for _, mp := range points {
		for _, day := range days {
			if synthetic.Corrected(o, mp, day) {
				corrections = append(corrections, item{mp: mp, day: day, revision: 2})
			}
		}
	}
	sum := Summary{Outcomes: map[ingest.Outcome]int{}}

	bar := progressbar.NewOptions(len(points)*(1+len(days))+len(corrections),
		progressbar.OptionSetWriter(progress),
		progressbar.OptionSetDescription("master data"),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("items"),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
	)
	// One batch for the run, as the ingest API's bulk call: each point's
	// master data is read once, not once a day; every day is still sent.
	r := &runner{svc: svc, batch: svc.Batch(), o: o, bar: bar, sum: &sum}
	r.values, _ = svc.Values.(dayReader)

	phases := []struct {
		name  string
		items func(yield func(item) bool)
	}{
		{"master data", func(yield func(item) bool) {
			for _, mp := range points {
				if !yield(item{mp: mp}) {
					return
				}
			}
		}},
		{"days", func(yield func(item) bool) {
			for _, mp := range points {
				for _, day := range days {
					if !yield(item{mp: mp, day: day, revision: 1}) {
						return
					}
				}
			}
		}},
		{"corrections", slices.Values(corrections)},
	}
	if len(corrections) == 0 {
		phases = phases[:2] // not even named on the bar
	}
	for _, phase := range phases {
		bar.Describe(phase.name)
		began := time.Now()
		err := r.phase(ctx, workers, phase.items)
		sum.Phases = append(sum.Phases, Phase{phase.name, time.Since(began)})
		if err != nil {
			sum.Elapsed = time.Since(started)
			_ = bar.Exit() // keeps the count reached, for the error that follows
			fmt.Fprintln(progress)
			return sum, err
		}
	}
	_ = bar.Finish()
	// Here rather than on completion: a later Describe redraws the line.
	fmt.Fprintln(progress)
	sum.Elapsed = time.Since(started)
	return sum, nil
}

// item is one thing to submit: a point's master data when revision is 0,
// else a day at that revision.
type item struct {
	mp       registry.MeteringPoint
	day      time.Time
	revision int
}

func (it item) String() string {
	if it.revision == 0 {
		return "master data of " + string(it.mp.ID)
	}
	return fmt.Sprintf("day %s of %s (revision %d)", it.day.Format(metervalues.DayLayout), it.mp.ID, it.revision)
}

type runner struct {
	svc    *ingest.Service
	batch  *ingest.Batch
	values dayReader // nil when the store cannot read days back
	o      synthetic.Options
	bar    *progressbar.ProgressBar
	mu     sync.Mutex
	sum    *Summary
}

// phase submits items with workers goroutines and stops at the first error.
func (r *runner) phase(ctx context.Context, workers int, items func(yield func(item) bool)) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	work := make(chan item)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for it := range work {
				outcome, err := r.submit(ctx, it)
				if err != nil {
					cancel(fmt.Errorf("%s: %w", it, err))
					continue // drain, so the sender never blocks
				}
				r.mu.Lock()
				r.sum.Outcomes[outcome]++
				switch it.revision {
				case 0:
					r.sum.Points++
				case 1:
					r.sum.Days++
				default:
					r.sum.Corrections++
				}
				r.mu.Unlock()
				_ = r.bar.Add(1)
			}
		})
	}
	for it := range items {
		if ctx.Err() != nil {
			break
		}
		work <- it
	}
	close(work)
	wg.Wait()
	return context.Cause(ctx)
}

func (r *runner) submit(ctx context.Context, it item) (ingest.Outcome, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if it.revision == 0 {
		return r.svc.PutMasterData(ctx, it.mp)
	}
	series := synthetic.Day(r.o, it.mp, it.day, it.revision)
	if it.revision == 1 && r.values != nil && synthetic.Corrected(r.o, it.mp, it.day) {
		// An earlier run may have stored the correction already.
		stored, found, err := r.values.Day(ctx, it.mp.ID, it.day)
		if err != nil {
			return "", err
		}
		if found && stored.SameValues(synthetic.Day(r.o, it.mp, it.day, 2)) {
			return ingest.Unchanged, nil
		}
	}
	_, outcome, err := r.batch.PutSeries(ctx, series)
	return outcome, err
}
