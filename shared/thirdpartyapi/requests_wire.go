package thirdpartyapi

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/google/uuid"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/apigw"
	"github.com/tredjepart/tredjepart/shared/awsjson"
	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/dynamo"
	"github.com/tredjepart/tredjepart/shared/function"
	"github.com/tredjepart/tredjepart/shared/metrics"
	"github.com/tredjepart/tredjepart/shared/resources"
	"github.com/tredjepart/tredjepart/shared/stepfunctions"
)

// ConsentCallbackEnv is the consent site's login callback (the consent
// function's OIDC_REDIRECT_URL, one setting of the deployment): its origin
// is the consent site's, where a request's consent and authorize links go.
const ConsentCallbackEnv = "OIDC_REDIRECT_URL"

// RequestsFromEnv builds the handler from the function's environment, the same way
// on AWS, under the Lambda emulator and in-process.
func RequestsFromEnv(cfg aws.Config, getenv func(string) string, logger *slog.Logger) (*RequestsHandler, error) {
	env := function.NewEnv(getenv)
	tables, expiryARN := env.Tables(resources.Access, resources.Registry, resources.RateLimits), env.Need(resources.Expiry.EnvVar)
	callback := env.Need(ConsentCallbackEnv)
	if err := env.Err(); err != nil {
		return nil, err
	}
	consentOrigin, err := originOf(callback)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ConsentCallbackEnv, err)
	}
	clk, err := clock.FromOffset(getenv(clock.OffsetEnv))
	if err != nil {
		return nil, err
	}
	stores := dynamo.Open(dynamodb.NewFromConfig(cfg), tables)
	limiter, err := apigw.LimiterFromEnv(getenv, stores.RateLimits, logger)
	if err != nil {
		return nil, err
	}
	expiry := &stepfunctions.Expiry{Client: awsjson.New(cfg, awsjson.StepFunctions), StateMachineARN: expiryARN, ToWallClock: clk.ToWallClock}
	return &RequestsHandler{
		Requests: &accessrequest.Service{
			MeteringPoints: stores.MeteringPoints,
			Store:          stores.Requests,
			Grants:         stores.Grants,
			Expiry:         expiry,
			Clock:          clk,
			NewID:          uuid.NewString,
			ExpiresAt:      accessrequest.ExpiresAt,
			Logger:         logger,
			Metrics:        &metrics.EMF{Logger: logger},
		},
		ThirdParties:  stores.Parties,
		Limiter:       limiter,
		ConsentOrigin: consentOrigin,
		Logger:        logger,
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

// originOf is scheme://host of an absolute URL.
func originOf(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return "", fmt.Errorf("%q is not an absolute URL", raw)
	}
	return u.Scheme + "://" + u.Host, nil
}
