package thirdpartyapi

import (
	"context"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/google/uuid"

	"github.com/tredjepart/tredjepart/shared/apigw"
	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/dynamo"
	"github.com/tredjepart/tredjepart/shared/function"
	"github.com/tredjepart/tredjepart/shared/metering"
	"github.com/tredjepart/tredjepart/shared/metrics"
	"github.com/tredjepart/tredjepart/shared/resources"
	"github.com/tredjepart/tredjepart/shared/sender"
)

// QueriesFromEnv builds the handler from the function's environment, the same way
// on AWS, under the Lambda emulator and in-process.
func QueriesFromEnv(cfg aws.Config, getenv func(string) string, logger *slog.Logger) (*QueriesHandler, error) {
	tables, err := function.NeedTables(getenv, resources.Access, resources.Registry, resources.MeterValues, resources.Outbox, resources.RateLimits)
	if err != nil {
		return nil, err
	}
	clk, err := clock.FromOffset(getenv(clock.OffsetEnv))
	if err != nil {
		return nil, err
	}
	stores := dynamo.Open(dynamodb.NewFromConfig(cfg), tables)
	h := NewQueries(stores, clk, logger)
	if h.Limiter, err = apigw.LimiterFromEnv(getenv, stores.RateLimits, logger); err != nil {
		return nil, err
	}
	if h.Webhooks, err = sender.WebhookService(cfg, stores, getenv, logger); err != nil {
		return nil, err
	}
	return h, nil
}

// NewQueries wires the handler, but for its webhooks, to the stores.
func NewQueries(stores dynamo.Stores, clk clock.Clock, logger *slog.Logger) *QueriesHandler {
	return &QueriesHandler{
		Metering: &metering.Service{
			Grants:         stores.Grants,
			MeteringPoints: stores.MeteringPoints,
			Days:           stores.MeterValues,
			ReadLog:        stores.ReadLog,
			Clock:          clk,
			NewID:          uuid.NewString,
			Metrics:        &metrics.EMF{Logger: logger},
		},
		Outbox:       stores.Outbox,
		ThirdParties: stores.Parties,
		Logger:       logger,
	}
}

// QueriesLambda builds the function's handler; see package function.
func QueriesLambda(_ context.Context, cfg aws.Config, getenv func(string) string, logger *slog.Logger) (any, error) {
	h, err := QueriesFromEnv(cfg, getenv, logger)
	if err != nil {
		return nil, err
	}
	return h.Handle, nil
}
