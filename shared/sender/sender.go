// Package sender is an entry point: the queue-fed Lambdas that send to third
// parties. The webhook function makes the push attempts (package webhook's
// rules, Standard Webhooks on the wire); the notifier files each
// notification in its third party's outbox and announces it. WebhookService
// wires the webhook service for every function that announces documents.
package sender

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/awsjson"
	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/delivery"
	"github.com/tredjepart/tredjepart/shared/dynamo"
	"github.com/tredjepart/tredjepart/shared/function"
	"github.com/tredjepart/tredjepart/shared/metrics"
	"github.com/tredjepart/tredjepart/shared/notify"
	"github.com/tredjepart/tredjepart/shared/queue"
	"github.com/tredjepart/tredjepart/shared/resources"
	"github.com/tredjepart/tredjepart/shared/seal"
	"github.com/tredjepart/tredjepart/shared/stdwebhook"
	"github.com/tredjepart/tredjepart/shared/tracing"
	"github.com/tredjepart/tredjepart/shared/webhook"
)

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

// WebhookService wires the webhook service from a function's environment,
// over stores opened with the Outbox table (where endpoints and documents
// are) and, for a function that pushes, the Registry. A function without the webhook
// secrets' key (resources.WebhookSecrets) only announces documents: it
// never seals or opens a secret, and fails if it tries.
func WebhookService(cfg aws.Config, stores dynamo.Stores, getenv func(string) string, logger *slog.Logger) (*webhook.Service, error) {
	env, err := function.Need(getenv, resources.WebhookPushes.EnvVar)
	if err != nil {
		return nil, err
	}
	clk, err := clock.FromOffset(getenv(clock.OffsetEnv))
	if err != nil {
		return nil, err
	}
	var secrets webhook.Sealer = noKey{}
	if keyARN := getenv(resources.WebhookSecrets.EnvVar); keyARN != "" {
		secrets = &seal.Cache{Opener: seal.Box{Client: awsjson.New(cfg, awsjson.KMS), KeyID: keyARN}, TTL: openedSecretTTL, Clock: clk}
	}
	local := getenv(LocalEndpointsEnv) == "true"
	policy := stdwebhook.Policy{AllowLoopback: local, AllowHTTP: local}
	return &webhook.Service{
		Store: stores.Webhooks, Documents: stores.Outbox, ThirdParties: stores.Parties, Grants: stores.Grants,
		Secrets: secrets, Queue: &queue.Publisher{Client: awsjson.New(cfg, awsjson.SQS), URL: env[resources.WebhookPushes.EnvVar]},
		Policy: policy, Client: policy.Client(pushTimeout), Clock: clk, Logger: logger, Metrics: &metrics.EMF{Logger: logger},
	}, nil
}

// openStores opens the stores over the tables a function needs.
func openStores(cfg aws.Config, getenv func(string) string, tables ...resources.Table) (dynamo.Stores, error) {
	names, err := function.NeedTables(getenv, tables...)
	if err != nil {
		return dynamo.Stores{}, err
	}
	return dynamo.Open(dynamodb.NewFromConfig(cfg), names), nil
}

// noKey is the webhook secrets' sealer of a function not given their key.
type noKey struct{}

var errNoKey = errors.New("this function has no key for webhook secrets (" + resources.WebhookSecrets.EnvVar + " is not set)")

func (noKey) Seal(context.Context, []byte, map[string]string) ([]byte, error) { return nil, errNoKey }

func (noKey) Open(context.Context, []byte, map[string]string) ([]byte, error) { return nil, errNoKey }

// WebhookHandler makes the push attempts of an SQS batch.
type WebhookHandler struct {
	Webhooks *webhook.Service
	Logger   *slog.Logger
}

// Handle dispatches each message; a message that cannot be read is
// logged and left to the DLQ, and one whose attempt failed to be recorded
// is retried by SQS.
func (h *WebhookHandler) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	var res events.SQSEventResponse
	for _, m := range ev.Records {
		ctx := tracing.WithHeader(ctx, m.Attributes[tracing.SQSAttribute]) // the sender's trace
		var msg webhook.Message
		err := json.Unmarshal([]byte(m.Body), &msg)
		if err == nil && (msg.ThirdParty == "" || msg.DocumentID == "" || msg.Attempt < 1) {
			err = errors.New("names no third party, document or attempt")
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

// WebhookLambda builds the webhook function's handler; see package function.
func WebhookLambda(_ context.Context, cfg aws.Config, getenv func(string) string, logger *slog.Logger) (any, error) {
	stores, err := openStores(cfg, getenv, resources.Outbox, resources.Registry)
	if err != nil {
		return nil, err
	}
	hooks, err := WebhookService(cfg, stores, getenv, logger)
	if err != nil {
		return nil, err
	}
	return (&WebhookHandler{Webhooks: hooks, Logger: logger}).Handle, nil
}

// NotificationHandler puts each notification of an SQS batch in its third
// party's outbox and announces it to the webhook.
type NotificationHandler struct {
	Outbox   delivery.Store
	Webhooks *webhook.Service
	Logger   *slog.Logger
	// Metrics counts the notifications filed and, from them, the access
	// requests decided: each decision and each expiry sends exactly one.
	Metrics metrics.Sink
}

// Handle files each notification; a message that is not one is logged and
// left to the DLQ.
func (h *NotificationHandler) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	var res events.SQSEventResponse
	for _, m := range ev.Records {
		ctx := tracing.WithHeader(ctx, m.Attributes[tracing.SQSAttribute]) // the sender's trace
		doc, err := delivery.NotificationDocument([]byte(m.Body), h.Webhooks.Clock.Now())
		var wrote bool
		if err == nil {
			wrote, err = h.Outbox.Put(ctx, doc)
		}
		if wrote {
			h.count(m.Body)
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

// count counts a notification filed for the first time, and the request
// decision it tells of (by its rejection code: the reason is prose).
func (h *NotificationHandler) count(body string) {
	sink := metrics.Or(h.Metrics)
	sink.Add(metrics.DocumentsDelivered, 1, metrics.Kind(metrics.KindNotification))
	var n notify.Notification
	if json.Unmarshal([]byte(body), &n) != nil {
		return
	}
	switch {
	case n.Type == notify.RequestApproved:
		sink.Add(metrics.AccessRequests, 1, metrics.Outcome(metrics.RequestApproved))
	case n.Type == notify.RequestRejected && n.RejectionReason == accessrequest.RejectionExpired:
		sink.Add(metrics.AccessRequests, 1, metrics.Outcome(metrics.RequestExpired))
	case n.Type == notify.RequestRejected:
		sink.Add(metrics.AccessRequests, 1, metrics.Outcome(metrics.RequestRejected))
	}
}

// NotifierLambda builds the notifier's handler; see package function.
func NotifierLambda(_ context.Context, cfg aws.Config, getenv func(string) string, logger *slog.Logger) (any, error) {
	stores, err := openStores(cfg, getenv, resources.Outbox)
	if err != nil {
		return nil, err
	}
	hooks, err := WebhookService(cfg, stores, getenv, logger)
	if err != nil {
		return nil, err
	}
	return (&NotificationHandler{Outbox: stores.Outbox, Webhooks: hooks, Logger: logger, Metrics: &metrics.EMF{Logger: logger}}).Handle, nil
}
