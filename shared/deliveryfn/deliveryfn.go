// Package deliveryfn is the daily delivery's Lambdas: the fan-out, started
// by EventBridge Scheduler at 09:00 Oslo time (or by an operator for a given
// day), which puts one message per third party and delivery shard on the
// shards queue; the shard worker, fed by that queue, which turns a shard's
// active grants into jobs; and the delivery, fed by the jobs queue. Both
// queue consumers report partial batch failures.
package deliveryfn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/delivery"
	"github.com/tredjepart/tredjepart/shared/dynamo"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/queue"
	"github.com/tredjepart/tredjepart/shared/readonce"
	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/resources"
	"github.com/tredjepart/tredjepart/shared/seal"
	"github.com/tredjepart/tredjepart/shared/stdwebhook"
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
		// A day is delivered once it is over: before that its values are not
		// all measured, and a delivery would only record it as awaited.
		if latest := delivery.PreviousDay(h.Clock.Now()); day.After(latest) {
			return FanOutOutput{}, fmt.Errorf("day %s is not over in Oslo yet: the latest day to deliver is %s", in.Day, latest.Format(metervalues.DayLayout))
		}
	}
	r, err := h.FanOut.Run(ctx, day)
	return FanOutOutput{Day: day.Format(metervalues.DayLayout), ThirdParties: r.ThirdParties, Shards: r.Shards}, err
}

// FanOutShardHandler turns shard messages into delivery jobs.
type FanOutShardHandler struct {
	Worker *delivery.ShardWorker
	Logger *slog.Logger
}

// Handle works each shard message; one that fails is reported alone, and
// one that can never succeed is logged with its reason each time until SQS
// moves it to the DLQ.
func (h *FanOutShardHandler) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	var res events.SQSEventResponse
	for _, m := range ev.Records {
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
	}
	return res, nil
}

// DeliveryHandler delivers the jobs of an SQS batch.
type DeliveryHandler struct {
	Deliverer *delivery.Deliverer
	// Webhooks announces the documents; each batch reads an endpoint once.
	Webhooks *webhook.Service
	Logger   *slog.Logger
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
	for _, m := range ev.Records {
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
			"delivered", r.Delivered, "alreadyDelivered", r.AlreadyDelivered, "noAccess", r.NoAccess, "late", r.Late)
	}
	return res, nil
}

// thirdPartiesOnce reads each third party once, for one batch.
type thirdPartiesOnce struct {
	*readonce.Cache[ident.GLN, registry.ThirdParty]
}

func (c thirdPartiesOnce) ThirdParty(ctx context.Context, gln ident.GLN) (registry.ThirdParty, bool, error) {
	return c.Get(ctx, gln)
}

func need(getenv func(string) string, names ...string) (map[string]string, error) {
	values := map[string]string{}
	for _, n := range names {
		if values[n] = getenv(n); values[n] == "" {
			return nil, fmt.Errorf("environment variable %s is not set", n)
		}
	}
	return values, nil
}

// FanOutLambda builds the fan-out's handler; see package function.
func FanOutLambda(_ context.Context, cfg aws.Config, getenv func(string) string, logger *slog.Logger) (any, error) {
	env, err := need(getenv, resources.Registry.EnvVar, resources.FanOutShards.EnvVar)
	if err != nil {
		return nil, err
	}
	clk, err := clock.FromOffset(getenv(clock.OffsetEnv))
	if err != nil {
		return nil, err
	}
	h := &FanOutHandler{Clock: clk, FanOut: &delivery.FanOut{
		ThirdParties: &dynamo.Registry{Client: dynamodb.NewFromConfig(cfg), Table: env[resources.Registry.EnvVar]},
		Shards:       &queue.Publisher{Client: sqs.NewFromConfig(cfg), URL: env[resources.FanOutShards.EnvVar]},
		Logger:       logger,
	}}
	return h.Handle, nil
}

// FanOutShardLambda builds the shard worker's handler; see package function.
func FanOutShardLambda(_ context.Context, cfg aws.Config, getenv func(string) string, logger *slog.Logger) (any, error) {
	env, err := need(getenv, resources.Access.EnvVar, resources.Registry.EnvVar, resources.DeliveryJobs.EnvVar, resources.FanOutShards.EnvVar)
	if err != nil {
		return nil, err
	}
	db, queues := dynamodb.NewFromConfig(cfg), sqs.NewFromConfig(cfg)
	h := &FanOutShardHandler{Logger: logger, Worker: &delivery.ShardWorker{
		ThirdParties: &dynamo.Registry{Client: db, Table: env[resources.Registry.EnvVar]},
		Grants:       &dynamo.Requests{Client: db, Table: env[resources.Access.EnvVar]},
		Jobs:         &queue.Publisher{Client: queues, URL: env[resources.DeliveryJobs.EnvVar]},
		Shards:       &queue.Publisher{Client: queues, URL: env[resources.FanOutShards.EnvVar]},
		Reserve:      resources.FanOutShard.Reserve,
	}}
	return h.Handle, nil
}

// DeliveryLambda builds the delivery's handler; see package function.
func DeliveryLambda(_ context.Context, cfg aws.Config, getenv func(string) string, logger *slog.Logger) (any, error) {
	env, err := need(getenv, resources.Access.EnvVar, resources.Registry.EnvVar, resources.MeterValues.EnvVar)
	if err != nil {
		return nil, err
	}
	hooks, store, err := WebhookService(cfg, getenv, logger)
	if err != nil {
		return nil, err
	}
	store.Access, store.Registry, store.MeterValue = env[resources.Access.EnvVar], env[resources.Registry.EnvVar], env[resources.MeterValues.EnvVar]
	reg := &dynamo.Registry{Client: dynamodb.NewFromConfig(cfg), Table: env[resources.Registry.EnvVar]}
	h := &DeliveryHandler{Deliverer: &delivery.Deliverer{ThirdParties: reg, Store: store, Clock: hooks.Clock}, Webhooks: hooks, Logger: logger}
	return h.Handle, nil
}

// LocalEndpointsEnv, set to true on the local stack only, lets webhooks use
// plain HTTP and loopback addresses; on AWS it is never set.
const LocalEndpointsEnv = "WEBHOOK_LOCAL_ENDPOINTS"

// pushTimeout bounds one push; the function's own timeout is longer.
const pushTimeout = 5 * time.Second

// openedSecretTTL is how long the webhook function keeps a secret it opened:
// in the delivery window it pushes a third party's documents thousands of
// times, and one KMS Decrypt per push would cost that many calls and
// could meet KMS's request quota.
const openedSecretTTL = 5 * time.Minute

// WebhookService wires the webhook service (and the outbox it keeps its
// state in) from a function's environment. A function without the webhook
// secrets' key (resources.WebhookSecrets) only announces documents: it
// never seals or opens a secret, and fails if it tries.
func WebhookService(cfg aws.Config, getenv func(string) string, logger *slog.Logger) (*webhook.Service, *dynamo.Outbox, error) {
	env, err := need(getenv, resources.Outbox.EnvVar, resources.WebhookPushes.EnvVar)
	if err != nil {
		return nil, nil, err
	}
	clk, err := clock.FromOffset(getenv(clock.OffsetEnv))
	if err != nil {
		return nil, nil, err
	}
	// Method values, not the clients: the portal wires this too, and its
	// html/template would otherwise link every operation (dynamo.MethodsOf).
	store := &dynamo.Outbox{Client: dynamo.MethodsOf(dynamodb.NewFromConfig(cfg)), Table: env[resources.Outbox.EnvVar]}
	var secrets webhook.Sealer = noKey{}
	if keyARN := getenv(resources.WebhookSecrets.EnvVar); keyARN != "" {
		secrets = &seal.Cache{Opener: seal.Box{Client: seal.MethodsOf(kms.NewFromConfig(cfg)), KeyID: keyARN}, TTL: openedSecretTTL, Clock: clk}
	}
	local := getenv(LocalEndpointsEnv) == "true"
	policy := stdwebhook.Policy{AllowLoopback: local, AllowHTTP: local}
	return &webhook.Service{
		Store: store, Secrets: secrets, Queue: &queue.Publisher{Client: queue.MethodsOf(sqs.NewFromConfig(cfg)), URL: env[resources.WebhookPushes.EnvVar]},
		Policy: policy, Client: policy.Client(pushTimeout), Clock: clk, Logger: logger,
	}, store, nil
}

// noKey is the webhook secrets' sealer of a function not given their key.
type noKey struct{}

var errNoKey = errors.New("this function has no key for webhook secrets (" + resources.WebhookSecrets.EnvVar + " is not set)")

func (noKey) Seal(context.Context, []byte, map[string]string) ([]byte, error) { return nil, errNoKey }
func (noKey) Open(context.Context, []byte, map[string]string) ([]byte, error) { return nil, errNoKey }

// WebhookHandler makes the push attempts of an SQS batch.
type WebhookHandler struct {
	Webhooks     *webhook.Service
	ThirdParties delivery.ThirdParty
	Logger       *slog.Logger
}

// Handle dispatches each message; a message that cannot be read is
// logged and left to the DLQ, and one whose attempt failed to be recorded
// is retried by SQS. A disabled third party is pushed nothing: this is the
// one place every push passes (daily delivery, late days, corrections,
// master-data changes, notifications), so all of them still reach its
// outbox, where it reads them once enabled again, and none leaves.
func (h *WebhookHandler) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	var res events.SQSEventResponse
	for _, m := range ev.Records {
		var msg webhook.Message
		err := json.Unmarshal([]byte(m.Body), &msg)
		if err == nil && (msg.ThirdParty == "" || msg.DocumentID == "" || msg.Attempt < 1) {
			err = errors.New("names no third party, document or attempt")
		}
		var disabled bool
		if err == nil {
			disabled, err = h.disabled(ctx, msg.ThirdParty)
		}
		if err == nil && disabled {
			h.Logger.WarnContext(ctx, "third party disabled: not pushed, kept in the outbox", "thirdParty", string(msg.ThirdParty), "documentId", msg.DocumentID)
			continue
		}
		if err == nil {
			err = h.Webhooks.Dispatch(ctx, msg)
		}
		if err != nil {
			h.Logger.ErrorContext(ctx, "webhook push failed", "messageId", m.MessageId, "receiveCount", m.Attributes["ApproximateReceiveCount"], "error", err)
			res.BatchItemFailures = append(res.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
		}
	}
	return res, nil
}

func (h *WebhookHandler) disabled(ctx context.Context, gln ident.GLN) (bool, error) {
	tp, _, err := h.ThirdParties.ThirdParty(ctx, gln)
	return tp.Disabled, err
}

// WebhookLambda builds the webhook function's handler; see package function.
func WebhookLambda(_ context.Context, cfg aws.Config, getenv func(string) string, logger *slog.Logger) (any, error) {
	env, err := need(getenv, resources.Registry.EnvVar)
	if err != nil {
		return nil, err
	}
	hooks, _, err := WebhookService(cfg, getenv, logger)
	if err != nil {
		return nil, err
	}
	reg := &dynamo.Registry{Client: dynamodb.NewFromConfig(cfg), Table: env[resources.Registry.EnvVar]}
	return (&WebhookHandler{Webhooks: hooks, ThirdParties: reg, Logger: logger}).Handle, nil
}

// NotificationHandler puts each notification of an SQS batch in its third
// party's outbox and announces it to the webhook.
type NotificationHandler struct {
	Outbox   delivery.Store
	Webhooks *webhook.Service
	Logger   *slog.Logger
}

// Handle files each notification; a message that is not one is logged and
// left to the DLQ.
func (h *NotificationHandler) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	var res events.SQSEventResponse
	for _, m := range ev.Records {
		doc, err := delivery.NotificationDocument([]byte(m.Body), h.Webhooks.Clock.Now())
		if err == nil {
			_, err = h.Outbox.Put(ctx, doc)
		}
		if err == nil {
			err = h.Webhooks.Announce(ctx, doc.ThirdParty, doc.ID)
		}
		if err != nil {
			h.Logger.ErrorContext(ctx, "notification not filed", "messageId", m.MessageId, "receiveCount", m.Attributes["ApproximateReceiveCount"], "error", err)
			res.BatchItemFailures = append(res.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
		}
	}
	return res, nil
}

// NotifierLambda builds the notifier's handler; see package function.
func NotifierLambda(_ context.Context, cfg aws.Config, getenv func(string) string, logger *slog.Logger) (any, error) {
	hooks, store, err := WebhookService(cfg, getenv, logger)
	if err != nil {
		return nil, err
	}
	return (&NotificationHandler{Outbox: store, Webhooks: hooks, Logger: logger}).Handle, nil
}
