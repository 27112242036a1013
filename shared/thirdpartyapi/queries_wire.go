package thirdpartyapi

import (
	"context"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/google/uuid"

	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/dynamo"
	"github.com/tredjepart/tredjepart/shared/function"
	"github.com/tredjepart/tredjepart/shared/metering"
	"github.com/tredjepart/tredjepart/shared/resources"
	"github.com/tredjepart/tredjepart/shared/sender"
)

// QueriesFromEnv builds the handler from the function's environment, the same way
// on AWS, under the Lambda emulator and in-process.
func QueriesFromEnv(cfg aws.Config, getenv func(string) string, logger *slog.Logger) (*QueriesHandler, error) {
	tables, err := function.NeedTables(getenv, resources.Access, resources.Registry, resources.MeterValues, resources.Outbox)
	if err != nil {
		return nil, err
	}
	clk, err := clock.FromOffset(getenv(clock.OffsetEnv))
	if err != nil {
		return nil, err
	}
	h := NewQueries(dynamodb.NewFromConfig(cfg), tables, clk, logger)
	if h.Webhooks, _, err = sender.WebhookService(cfg, getenv, logger); err != nil {
		return nil, err
	}
	return h, nil
}

// New wires the handler to DynamoDB tables named by table ID.
func NewQueries(db *dynamodb.Client, tables map[string]string, clk clock.Clock, logger *slog.Logger) *QueriesHandler {
	reg := &dynamo.Registry{Client: db, Table: tables[resources.RegistryTableID]}
	return &QueriesHandler{
		Metering: &metering.Service{
			Grants:         &dynamo.Requests{Client: db, Table: tables[resources.AccessTableID]},
			MeteringPoints: reg,
			Days:           &dynamo.MeterValues{Client: db, Table: tables[resources.MeterValuesTableID]},
			ReadLog:        &dynamo.ReadLog{Client: db, Table: tables[resources.AccessTableID]},
			Clock:          clk,
			NewID:          uuid.NewString,
		},
		Outbox:       &dynamo.Outbox{Client: db, Table: tables[resources.OutboxTableID]},
		ThirdParties: reg,
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
