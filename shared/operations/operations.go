// Package operations is a rule: what the operator sees of a day's delivery
// and does about it in the morning: the day's status (metering points due
// and documents written per third party, jobs pending, dead letters,
// webhooks failing), replaying a day, and moving dead letters back to their
// queue, bounded.
package operations

import (
	"context"
	"slices"
	"time"

	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/delivery"
	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/oslo"
	"github.com/tredjepart/tredjepart/shared/resources"
	"github.com/tredjepart/tredjepart/shared/stdwebhook"
	"github.com/tredjepart/tredjepart/shared/webhook"
)

// QueueDepth is one queue's messages and its dead-letter queue's, as SQS
// approximates them.
type QueueDepth struct {
	Queue, DeadLetterQueue string // IDs, as resources names them
	Waiting                int    // visible
	InFlight               int    // received, not yet deleted
	Delayed                int
	DeadLetters            int
}

// Redriven says what a redrive moved, or would move.
type Redriven struct {
	Queue, DeadLetterQueue string
	DeadLetters            int // on the dead-letter queue before
	Moved                  int // 0 on a dry run
	DryRun                 bool
}

// Queues reads the queues' depths and moves dead letters back.
type Queues interface {
	// Depths of every queue, in resources' order.
	Depths(ctx context.Context) ([]QueueDepth, error)
	// Redrive moves up to max messages of the queue's dead-letter queue
	// back to the queue, or on a dry run none. An unknown queue is NotFound.
	Redrive(ctx context.Context, queue string, max int, dryRun bool) (Redriven, error)
}

// Documents reads a third party's outbox, newest first.
type Documents interface {
	Latest(ctx context.Context, tp ident.GLN, cursor string, limit int) (delivery.FeedPage, error)
}

// Attempts reads a third party's latest push attempts, newest first.
type Attempts interface {
	Attempts(ctx context.Context, tp ident.GLN, limit int) ([]webhook.Attempt, error)
}

// Service answers the operator.
type Service struct {
	ThirdParties delivery.ThirdParties
	Grants       delivery.ShardGrants
	Facts        Facts
	Documents    Documents
	Attempts     Attempts
	Queues       Queues
	FanOut       *delivery.FanOut
	Clock        clock.Clock
}

// Facts reads what a delivery of the day reads (delivery.Store.Facts): the
// status counts as due only what a delivery would deliver or await.
type Facts interface {
	Facts(ctx context.Context, tp ident.GLN, day time.Time, mps []ident.GSRN) (map[ident.GSRN]delivery.Facts, error)
}

// Status is a day's delivery as the operator sees it.
type Status struct {
	Day string
	// Due: the enabled third parties' active grants now whose data window
	// holds the day (a fan-out of the day puts every active grant in jobs;
	// one whose giver had moved out before the day has nothing due).
	// Written: documents of the day's values in their outboxes (on time or
	// late). A point whose values have not arrived is due and not written.
	Due, Written int
	ThirdParties []ThirdPartyStatus
	// PendingJobs: shard and job messages still on their queues.
	PendingJobs     int
	Queues          []QueueDepth
	FailingWebhooks []FailingWebhook
}

// ThirdPartyStatus is one enabled third party's part of the day.
type ThirdPartyStatus struct {
	ThirdParty   ident.GLN
	Due, Written int
}

// FailingWebhook is a third party whose latest push attempts failed.
type FailingWebhook struct {
	ThirdParty ident.GLN
	Failures   int       // consecutive, newest first, of the attempts read
	Since      time.Time // the first of them
	Status     int       // of the latest; 0 when there was no answer
	Error      string    // of the latest
}

// attemptsRead is how many of a third party's latest attempts are read to
// see whether its webhook is failing.
const attemptsRead = 20

// pageSize is how many grants or documents one read asks for.
const pageSize = 500

// Status reads the day's delivery.
func (s *Service) Status(ctx context.Context, day time.Time) (Status, error) {
	st := Status{Day: day.Format(metervalues.DayLayout)}
	tps, err := s.ThirdParties.ThirdParties(ctx)
	if err != nil {
		return st, err
	}
	for _, tp := range tps {
		if tp.Disabled {
			continue
		}
		due, err := s.due(ctx, tp.GLN, day)
		if err != nil {
			return st, err
		}
		written, err := s.written(ctx, tp.GLN, day)
		if err != nil {
			return st, err
		}
		st.ThirdParties = append(st.ThirdParties, ThirdPartyStatus{ThirdParty: tp.GLN, Due: due, Written: written})
		st.Due, st.Written = st.Due+due, st.Written+written
		failing, err := s.failing(ctx, tp.GLN)
		if err != nil {
			return st, err
		}
		if failing.Failures > 0 {
			st.FailingWebhooks = append(st.FailingWebhooks, failing)
		}
	}
	if st.Queues, err = s.Queues.Depths(ctx); err != nil {
		return st, err
	}
	for _, q := range st.Queues {
		if q.Queue == resources.FanOutShardsQueueID || q.Queue == resources.DeliveryJobsQueueID {
			st.PendingJobs += q.Waiting + q.InFlight + q.Delayed
		}
	}
	return st, nil
}

// due counts the third party's active grants whose data window holds day,
// shard by shard, reading their facts a job's worth at a time.
func (s *Service) due(ctx context.Context, tp ident.GLN, day time.Time) (int, error) {
	n, now := 0, s.Clock.Now()
	for shard := range delivery.ShardCount {
		after := ident.GSRN("")
		for {
			points, more, err := s.Grants.DeliveryShard(ctx, tp, shard, after, pageSize)
			if err != nil {
				return 0, err
			}
			for job := range slices.Chunk(points, delivery.JobSize) {
				facts, err := s.Facts.Facts(ctx, tp, day, job)
				if err != nil {
					return 0, err
				}
				for _, f := range facts {
					if f.Due(day, now) {
						n++
					}
				}
			}
			if !more || len(points) == 0 {
				break
			}
			after = points[len(points)-1]
		}
	}
	return n, nil
}

// written counts the documents of the day's values in the third party's
// outbox: written once the day was over, so reading newest first stops at
// the first document older than that.
func (s *Service) written(ctx context.Context, tp ident.GLN, day time.Time) (int, error) {
	d := day.In(oslo.Oslo)
	over := time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, oslo.Oslo)
	n, cursor := 0, ""
	for {
		page, err := s.Documents.Latest(ctx, tp, cursor, pageSize)
		if err != nil {
			return 0, err
		}
		for _, doc := range page.Documents {
			if doc.CreatedAt.Before(over) {
				return n, nil
			}
			if doc.Kind == delivery.DailySeries && doc.Day.Equal(day) {
				n++
			}
		}
		if page.Next == "" {
			return n, nil
		}
		cursor = page.Next
	}
}

// failing reads whether the third party's latest push attempts failed.
func (s *Service) failing(ctx context.Context, tp ident.GLN) (FailingWebhook, error) {
	attempts, err := s.Attempts.Attempts(ctx, tp, attemptsRead)
	f := FailingWebhook{ThirdParty: tp}
	if err != nil || len(attempts) == 0 || attempts[0].Outcome == stdwebhook.Delivered {
		return f, err
	}
	f.Status, f.Error = attempts[0].Status, attempts[0].Error
	for _, a := range attempts {
		if a.Outcome == stdwebhook.Delivered {
			break
		}
		f.Failures, f.Since = f.Failures+1, a.At
	}
	return f, nil
}

// Deliver runs the fan-out for a day that is over, as the 09:00 schedule
// does: a replay writes only what is not written yet.
func (s *Service) Deliver(ctx context.Context, day time.Time) (delivery.FanOutResult, error) {
	if err := delivery.CheckDeliverable(day, s.Clock.Now()); err != nil {
		return delivery.FanOutResult{}, err
	}
	return s.FanOut.Run(ctx, day)
}

// MaxRedrive is the most messages one redrive moves; the operator repeats
// it for more, looking at what the first ones do.
const MaxRedrive = 1000

// Redrive moves up to max dead letters of the queue back to it.
func (s *Service) Redrive(ctx context.Context, queue string, max int, dryRun bool) (Redriven, error) {
	if max < 1 || max > MaxRedrive {
		return Redriven{}, fault.InvalidFields(fault.FieldError{Field: "max", Reason: "must be from 1 to 1000"})
	}
	return s.Queues.Redrive(ctx, queue, max, dryRun)
}
