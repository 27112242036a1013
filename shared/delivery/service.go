package delivery

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/grant"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/metering"
	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/registry"
)

// Jobs sends jobs, in batches of up to ten.
type Jobs interface {
	Send(ctx context.Context, jobs []Job) error
}

// Facts is what a job needs, read together: each metering point's grant
// for the third party, the occupancy it was given from, and the day's values.
type Facts struct {
	Grant     grant.Grant
	HasGrant  bool
	Occupancy registry.Occupancy
	Series    metervalues.Series
	HasSeries bool
}

// Store reads a job's facts and keeps the outbox.
type Store interface {
	// Facts reads, for each metering point, the third party's grant, the
	// occupancy it was given from and the day's series.
	Facts(ctx context.Context, tp ident.GLN, day time.Time, mps []ident.GSRN) (map[ident.GSRN]Facts, error)
	// Put writes a document to the outbox unless one with its id is there;
	// it reports whether it wrote.
	Put(ctx context.Context, d Document) (bool, error)
	// AwaitLate remembers that a day's values had not arrived when it was
	// due, so that their arrival delivers them.
	AwaitLate(ctx context.Context, tp ident.GLN, mp ident.GSRN, day, now time.Time) error
}

// Announcer queues pushes of outbox documents to the third party's webhook, if it has one.
type Announcer interface {
	Announce(ctx context.Context, tp ident.GLN, documentIDs ...string) error
}

// ThirdParty reads a registered third party.
type ThirdParty interface {
	ThirdParty(ctx context.Context, gln ident.GLN) (registry.ThirdParty, bool, error)
}

// Deliverer turns jobs into documents.
type Deliverer struct {
	ThirdParties ThirdParty
	Store        Store
	Webhooks     Announcer
	Clock        clock.Clock
}

// Result counts what a job did.
type Result struct {
	Delivered, AlreadyDelivered, NoAccess, Late int
	// OutsideWindow: active access whose data window does not hold the
	// day (its giver had moved out before it, or moved in after it):
	// nothing was due for it, and nothing is awaited.
	OutsideWindow int
	// ThirdPartyDisabled: the job was made before its third party was
	// disabled, and delivered nothing.
	ThirdPartyDisabled bool
}

// ErrBadJob is a job that can never succeed; it goes to the dead-letter queue.
var ErrBadJob = errors.New("malformed delivery job")

// Deliver writes the documents of one job. A disabled third party gets
// nothing (the job is done: the fan-out for the day delivers it once the
// third party is enabled again); a metering point whose grant is no longer
// active, or whose data window does not cover the day (counted apart: its
// giver moved out before it, and nothing was due), gets nothing; a day
// whose values have not arrived is remembered as late.
func (d *Deliverer) Deliver(ctx context.Context, job Job) (Result, error) {
	var r Result
	day, err := metervalues.ParseDay(job.Day)
	if err != nil || job.ThirdParty == "" || len(job.MeteringPoints) == 0 || len(job.MeteringPoints) > JobSize {
		return r, fmt.Errorf("%w: %+v", ErrBadJob, job)
	}
	tp, _, err := d.ThirdParties.ThirdParty(ctx, job.ThirdParty)
	if err != nil {
		return r, err
	}
	if tp.Disabled {
		r.ThirdPartyDisabled = true
		return r, nil
	}
	facts, err := d.Store.Facts(ctx, job.ThirdParty, day, job.MeteringPoints)
	if err != nil {
		return r, err
	}
	now := d.Clock.Now()
	var (
		mu        sync.Mutex
		documents []string
	)
	// A job's writes go out together: one after another, a batch of ten
	// jobs would be a hundred round trips.
	var g errgroup.Group
	g.SetLimit(JobSize)
	for _, mp := range job.MeteringPoints {
		f := facts[mp]
		if !f.active() {
			r.NoAccess++
			continue
		}
		if !Covers(f, day, now) {
			r.OutsideWindow++
			continue
		}
		if !f.HasSeries {
			r.Late++
			g.Go(func() error { return d.Store.AwaitLate(ctx, job.ThirdParty, mp, day, now) })
			continue
		}
		doc := SeriesDocument(job.ThirdParty, f.Series, DailySeries, false, now)
		g.Go(func() error {
			wrote, err := d.Store.Put(ctx, doc)
			if err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			if wrote {
				r.Delivered++
			} else {
				r.AlreadyDelivered++
			}
			documents = append(documents, doc.ID)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return r, err
	}
	// Every document, written now or by an earlier try of this job: a push
	// queued twice is made once, and one never queued would be lost.
	if len(documents) > 0 {
		slices.Sort(documents)
		if err := d.Webhooks.Announce(ctx, job.ThirdParty, documents...); err != nil {
			return r, err
		}
	}
	return r, nil
}

// Due reports whether the day is due to the third party: its access is
// active and its data window holds the day. A job delivers or awaits
// exactly these.
func (f Facts) Due(day, now time.Time) bool { return f.active() && Covers(f, day, now) }

func (f Facts) active() bool { return f.HasGrant && f.Grant.Status == grant.Active }

// Covers reports whether the grant's data window holds day: whether
// anything of that day is due to the grant's third party.
func Covers(f Facts, day, now time.Time) bool {
	mp := registry.MeteringPoint{Occupancies: []registry.Occupancy{f.Occupancy}}
	_, w := metering.DataWindow(f.Grant, mp, now)
	return !day.Before(w.From) && day.Before(w.To)
}
