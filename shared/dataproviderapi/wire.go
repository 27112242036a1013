package dataproviderapi

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/tredjepart/tredjepart/shared/function"
	"github.com/tredjepart/tredjepart/shared/secrets"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tredjepart/tredjepart/shared/apigw"
	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/dynamo"
	"github.com/tredjepart/tredjepart/shared/ingest"
	"github.com/tredjepart/tredjepart/shared/metrics"
	"github.com/tredjepart/tredjepart/shared/pseudonym"
	"github.com/tredjepart/tredjepart/shared/resources"
)

// PseudonymKeyEnv carries the key (base64) that turns national identity
// numbers into pseudonyms; on AWS it comes from SSM.
const PseudonymKeyEnv = "PSEUDONYM_KEY"

// FromEnv builds the handler from the function's environment, the same way
// on AWS, under the Lambda emulator and in-process.
func FromEnv(cfg aws.Config, getenv func(string) string, logger *slog.Logger) (*Handler, error) {
	names, err := function.NeedTables(getenv, resources.Registry, resources.MeterValues, resources.RateLimits)
	if err != nil {
		return nil, err
	}
	p, err := pseudonym.FromBase64(getenv(PseudonymKeyEnv))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", PseudonymKeyEnv, err)
	}
	clk, err := clock.FromOffset(getenv(clock.OffsetEnv))
	if err != nil {
		return nil, err
	}
	stores := dynamo.Open(dynamodb.NewFromConfig(cfg), names)
	limiter, err := apigw.LimiterFromEnv(getenv, stores.RateLimits, logger)
	if err != nil {
		return nil, err
	}
	return &Handler{
		Ingest: &ingest.Service{
			MeteringPoints: stores.MeteringPoints,
			Values:         stores.MeterValues,
			Clock:          clk,
		},
		DataProviders: stores.Parties,
		Pseudonyms:    p,
		Limiter:       limiter,
		Logger:        logger,
		Metrics:       &metrics.EMF{Logger: logger},
	}, nil
}

// Lambda builds the function's handler, with its secrets read from SSM on
// AWS; see package function.
func Lambda(ctx context.Context, cfg aws.Config, getenv func(string) string, logger *slog.Logger) (any, error) {
	getenv, err := secrets.Fill(ctx, cfg, getenv, resources.Ingest.Secrets...)
	if err != nil {
		return nil, err
	}
	h, err := FromEnv(cfg, getenv, logger)
	if err != nil {
		return nil, err
	}
	return h.Handle, nil
}
