// Package dailyrun is an entry point: the Lambdas of the daily delivery
// (Elhub BRS-NO-313). The fan-out, started by EventBridge Scheduler at 09:00
// Oslo time (or by an operator for a given day), puts one message per third
// party and delivery shard on the shards queue; the shard worker, fed by that
// queue, turns a shard's active grants into jobs; and the delivery, fed by
// the jobs queue, writes each job's document. Both queue consumers report
// partial batch failures, and work and log each message under the trace it
// was sent in (its AWSTraceHeader), so one trace follows a day's delivery
// from the call that started it to each document.
package dailyrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tredjepart/tredjepart/shared/awsjson"
	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/delivery"
	"github.com/tredjepart/tredjepart/shared/dynamo"
	"github.com/tredjepart/tredjepart/shared/function"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/metrics"
	"github.com/tredjepart/tredjepart/shared/queue"
	"github.com/tredjepart/tredjepart/shared/readonce"
	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/resources"
	"github.com/tredjepart/tredjepart/shared/sender"
	"github.com/tredjepart/tredjepart/shared/tracing"
	"github.com/tredjepart/tredjepart/shared/webhook"
)

// FanOutInput is what starts a fan-out: nothing (the schedule: the previous
// Oslo day) or a day to deliver again, for an operator catching up.
type FanOutInput struct {
	Day string `json:"day,omitempty"`
}

// FanOutOutput says what was sent; the shard workers log the metering
// points they put in jobs.
type FanOutOutput struct {
	Day          string `json:"day"`
	ThirdParties int    `json:"thirdParties"`
	Shards       int    `json:"shards"` // messages for the shard workers
}

// FanOutHandler starts a day's delivery.
type FanOutHandler struct {
	FanOut *delivery.FanOut
	Clock  clock.Clock
}

// Handle runs the fan-out for the input's day.
func (h *FanOutHandler) Handle(ctx context.Context, in FanOutInput) (FanOutOutput, error) {
	day := delivery.PreviousDay(h.Clock.Now())
	if in.Day != "" {
		var err error
		if day, err = metervalues.ParseDay(in.Day); err != nil {
			return FanOutOutput{}, fmt.Errorf("day %q: want an Oslo date such as 2026-11-27", in.Day)
		}
		if err := delivery.CheckDeliverable(day, h.Clock.Now()); err != nil {
			return FanOutOutput{}, err
		}
	}
	r, err := h.FanOut.Run(ctx, day)
	return FanOutOutput{Day: day.Format(metervalues.DayLayout), ThirdParties: r.ThirdParties, Shards: r.Shards}, err
}

// FanOutShardHandler turns shard messages into delivery jobs.
type FanOutShardHandler struct {
	Worker  *delivery.ShardWorker
	Logger  *slog.Logger
	Metrics metrics.Sink // the metering points due
}

// Handle works each shard message; one that fails is reported alone, and
// one that can never succeed is logged with its reason each time until SQS
// moves it to the DLQ.
func (h *FanOutShardHandler) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	var res events.SQSEventResponse
	for _, m := range ev.Records {
		ctx := tracing.WithHeader(ctx, m.Attributes[tracing.SQSAttribute]) // the sender's trace
		logger := h.Logger.With("messageId", m.MessageId, "receiveCount", m.Attributes["ApproximateReceiveCount"])
		var task delivery.ShardTask
		err := json.Unmarshal([]byte(m.Body), &task)
		if err != nil {
			err = fmt.Errorf("%w: body is not a shard: %v", delivery.ErrBadShardTask, err)
		}
		var r delivery.ShardResult
		if err == nil {
			r, err = h.Worker.Run(ctx, task)
		}
		if err != nil {
			logger.ErrorContext(ctx, "fan-out shard failed", "error", err, "bad", errors.Is(err, delivery.ErrBadShardTask))
			res.BatchItemFailures = append(res.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
			continue
		}
		if r.ThirdPartyDisabled {
			logger.WarnContext(ctx, "third party disabled: shard done, no jobs", "thirdParty", string(task.ThirdParty), "day", task.Day)
			continue
		}
		logger.InfoContext(ctx, "fan-out shard", "thirdParty", string(task.ThirdParty), "day", task.Day, "shard", task.Shard,
			"meteringPoints", r.MeteringPoints, "continued", r.Continued)
		metrics.Or(h.Metrics).Add(metrics.DeliveryPointsDue, r.MeteringPoints)
	}
	return res, nil
}

// DeliveryHandler delivers the jobs of an SQS batch.
type DeliveryHandler struct {
	Deliverer *delivery.Deliverer
	// Webhooks announces the documents; each batch reads an endpoint once.
	Webhooks *webhook.Service
	Logger   *slog.Logger
	// Metrics counts the batch's documents and metering points done, once
	// for the batch: at 09:00 one line per job would be 300,000 lines.
	Metrics metrics.Sink
}

// Handle delivers each job; a job that fails is reported alone, so the
// others are not delivered again, and one that can never succeed is
// logged with its reason each time until SQS moves it to the DLQ.
func (h *DeliveryHandler) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	var res events.SQSEventResponse
	// A batch's jobs are mostly one third party's: read it and its webhook once.
	deliverer := *h.Deliverer
	deliverer.ThirdParties = thirdPartiesOnce{readonce.New(h.Deliverer.ThirdParties.ThirdParty)}
	deliverer.Webhooks = h.Webhooks.ForBatch()
	var done delivery.Result
	for _, m := range ev.Records {
		ctx := tracing.WithHeader(ctx, m.Attributes[tracing.SQSAttribute]) // the sender's trace
		logger := h.Logger.With("messageId", m.MessageId, "receiveCount", m.Attributes["ApproximateReceiveCount"])
		var job delivery.Job
		err := json.Unmarshal([]byte(m.Body), &job)
		if err != nil {
			err = fmt.Errorf("%w: body is not a job: %v", delivery.ErrBadJob, err)
		}
		var r delivery.Result
		if err == nil {
			r, err = deliverer.Deliver(ctx, job)
		}
		if err != nil {
			logger.ErrorContext(ctx, "delivery job failed", "error", err, "bad", errors.Is(err, delivery.ErrBadJob))
			res.BatchItemFailures = append(res.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
			continue
		}
		if r.ThirdPartyDisabled {
			logger.WarnContext(ctx, "third party disabled: job done, nothing delivered", "thirdParty", string(job.ThirdParty), "day", job.Day)
			continue
		}
		logger.InfoContext(ctx, "delivered", "thirdParty", string(job.ThirdParty), "day", job.Day,
			"delivered", r.Delivered, "alreadyDelivered", r.AlreadyDelivered, "noAccess", r.NoAccess, "outsideWindow", r.OutsideWindow, "late", r.Late)
		done.Delivered += r.Delivered
		done.AlreadyDelivered += r.AlreadyDelivered
		done.NoAccess += r.NoAccess
		done.OutsideWindow += r.OutsideWindow
		done.Late += r.Late
	}
	countDone(metrics.Or(h.Metrics), done)
	return res, nil
}

// countDone counts the daily documents written and the metering points
// done of jobs that succeeded. A job that failed counts when its retry
// succeeds, its documents written before as already written; a disabled
// third party's job counts nothing, for it is done when the fan-out runs
// again.
func countDone(sink metrics.Sink, r delivery.Result) {
	sink.Add(metrics.DocumentsDelivered, r.Delivered, metrics.Kind(metrics.KindDaily))
	sink.Add(metrics.DeliveryPointsDone, r.Delivered, metrics.Outcome(metrics.DueWritten))
	sink.Add(metrics.DeliveryPointsDone, r.AlreadyDelivered, metrics.Outcome(metrics.DueAlreadyWritten))
	sink.Add(metrics.DeliveryPointsDone, r.Late, metrics.Outcome(metrics.DueAwaited))
	sink.Add(metrics.DeliveryPointsDone, r.NoAccess, metrics.Outcome(metrics.DueNoAccess))
	sink.Add(metrics.DeliveryPointsDone, r.OutsideWindow, metrics.Outcome(metrics.DueOutsideWindow))
}

// thirdPartiesOnce reads each third party once, for one batch.
type thirdPartiesOnce struct {
	*readonce.Cache[ident.GLN, registry.ThirdParty]
}

func (c thirdPartiesOnce) ThirdParty(ctx context.Context, gln ident.GLN) (registry.ThirdParty, bool, error) {
	return c.Get(ctx, gln)
}

// FanOutLambda builds the fan-out's handler; see package function.
func FanOutLambda(_ context.Context, cfg aws.Config, getenv func(string) string, logger *slog.Logger) (any, error) {
	env := function.NewEnv(getenv)
	tables, shardsURL := env.Tables(resources.Registry), env.Need(resources.FanOutShards.EnvVar)
	if err := env.Err(); err != nil {
		return nil, err
	}
	clk, err := clock.FromOffset(getenv(clock.OffsetEnv))
	if err != nil {
		return nil, err
	}
	h := &FanOutHandler{Clock: clk, FanOut: &delivery.FanOut{
		ThirdParties: dynamo.Open(dynamodb.NewFromConfig(cfg), tables).Parties,
		Shards:       &queue.Publisher{Client: awsjson.New(cfg, awsjson.SQS), URL: shardsURL},
		Logger:       logger,
	}}
	return h.Handle, nil
}

// FanOutShardLambda builds the shard worker's handler; see package function.
func FanOutShardLambda(_ context.Context, cfg aws.Config, getenv func(string) string, logger *slog.Logger) (any, error) {
	env := function.NewEnv(getenv)
	tables := env.Tables(resources.Access, resources.Registry)
	jobsURL, shardsURL := env.Need(resources.DeliveryJobs.EnvVar), env.Need(resources.FanOutShards.EnvVar)
	if err := env.Err(); err != nil {
		return nil, err
	}
	stores, queues := dynamo.Open(dynamodb.NewFromConfig(cfg), tables), awsjson.New(cfg, awsjson.SQS)
	h := &FanOutShardHandler{Logger: logger, Metrics: &metrics.EMF{Logger: logger}, Worker: &delivery.ShardWorker{
		ThirdParties: stores.Parties,
		Grants:       stores.Grants,
		Jobs:         &queue.Publisher{Client: queues, URL: jobsURL},
		Shards:       &queue.Publisher{Client: queues, URL: shardsURL},
		Reserve:      resources.FanOutShard.Reserve,
	}}
	return h.Handle, nil
}

// DeliveryLambda builds the delivery's handler; see package function.
func DeliveryLambda(_ context.Context, cfg aws.Config, getenv func(string) string, logger *slog.Logger) (any, error) {
	tables, err := function.NeedTables(getenv, resources.Access, resources.Registry, resources.MeterValues, resources.Outbox)
	if err != nil {
		return nil, err
	}
	stores := dynamo.Open(dynamodb.NewFromConfig(cfg), tables)
	hooks, err := sender.WebhookService(cfg, stores, getenv, logger)
	if err != nil {
		return nil, err
	}
	h := &DeliveryHandler{Deliverer: &delivery.Deliverer{ThirdParties: stores.Parties, Store: stores.Outbox, Clock: hooks.Clock}, Webhooks: hooks, Logger: logger,
		Metrics: &metrics.EMF{Logger: logger}}
	return h.Handle, nil
}
