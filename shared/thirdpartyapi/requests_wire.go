package thirdpartyapi

import (
	"context"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/google/uuid"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/dynamo"
	"github.com/tredjepart/tredjepart/shared/function"
	"github.com/tredjepart/tredjepart/shared/resources"
	"github.com/tredjepart/tredjepart/shared/stepfunctions"
)

// RequestsFromEnv builds the handler from the function's environment, the same way
// on AWS, under the Lambda emulator and in-process.
func RequestsFromEnv(cfg aws.Config, getenv func(string) string, logger *slog.Logger) (*RequestsHandler, error) {
	env, err := function.Need(getenv, resources.Access.EnvVar, resources.Registry.EnvVar, resources.Expiry.EnvVar)
	if err != nil {
		return nil, err
	}
	accessTable, registryTable, expiryARN := env[resources.Access.EnvVar], env[resources.Registry.EnvVar], env[resources.Expiry.EnvVar]
	clk, err := clock.FromOffset(getenv(clock.OffsetEnv))
	if err != nil {
		return nil, err
	}
	db := dynamodb.NewFromConfig(cfg)
	reg := &dynamo.Registry{Client: db, Table: registryTable}
	expiry := &stepfunctions.Expiry{Client: sfn.NewFromConfig(cfg), StateMachineARN: expiryARN, ToWallClock: clk.ToWallClock}
	return &RequestsHandler{
		Requests: &accessrequest.Service{
			MeteringPoints: reg,
			Store:          &dynamo.Requests{Client: db, Table: accessTable},
			Expiry:         expiry,
			Clock:          clk,
			NewID:          uuid.NewString,
			ExpiresAt:      accessrequest.ExpiresAt,
			Logger:         logger,
		},
		ThirdParties: reg,
		Logger:       logger,
	}, nil
}

// RequestsLambda builds the function's handler; see package function.
func RequestsLambda(_ context.Context, cfg aws.Config, getenv func(string) string, logger *slog.Logger) (any, error) {
	h, err := RequestsFromEnv(cfg, getenv, logger)
	if err != nil {
		return nil, err
	}
	return h.Handle, nil
}
