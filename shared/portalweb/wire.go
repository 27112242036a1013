package portalweb

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/google/uuid"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/awsjson"
	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/dynamo"
	"github.com/tredjepart/tredjepart/shared/metering"
	"github.com/tredjepart/tredjepart/shared/metrics"
	"github.com/tredjepart/tredjepart/shared/resources"
	"github.com/tredjepart/tredjepart/shared/sender"
	"github.com/tredjepart/tredjepart/shared/stepfunctions"
	"github.com/tredjepart/tredjepart/shared/websession"
)

// Environment variables of the portal function beyond the stack's resources.
const (
	OIDCIssuerEnv       = "PORTAL_OIDC_ISSUER"
	OIDCClientIDEnv     = "PORTAL_OIDC_CLIENT_ID"
	OIDCClientSecretEnv = "PORTAL_OIDC_CLIENT_SECRET"
	OIDCRedirectURLEnv  = "PORTAL_OIDC_REDIRECT_URL" // this site's /portal/login/callback
)

// FromEnv builds the portal from the function's environment, the same way
// on AWS, under the Lambda emulator and in-process.
func FromEnv(ctx context.Context, cfg aws.Config, getenv func(string) string, logger *slog.Logger) (http.Handler, error) {
	config, err := configFromEnv(cfg, getenv, logger)
	if err != nil {
		return nil, err
	}
	return New(ctx, config)
}

// configFromEnv is the portal's Config as its environment gives it.
func configFromEnv(cfg aws.Config, getenv func(string) string, logger *slog.Logger) (Config, error) {
	env := websession.NewEnv(getenv)
	tables := env.Tables(resources.Access, resources.Registry, resources.MeterValues, resources.Outbox)
	expiryARN := env.Need(resources.Expiry.EnvVar)
	settings := env.Settings(websession.OIDCEnv{Issuer: OIDCIssuerEnv, ClientID: OIDCClientIDEnv, ClientSecret: OIDCClientSecretEnv, RedirectURL: OIDCRedirectURLEnv})
	if err := env.Err(); err != nil {
		return Config{}, err
	}
	clk, err := clock.FromOffset(getenv(clock.OffsetEnv))
	if err != nil {
		return Config{}, err
	}
	stores := dynamo.Open(dynamodb.NewFromConfig(cfg), tables)
	hooks, err := sender.WebhookService(cfg, stores, getenv, logger)
	if err != nil {
		return Config{}, err
	}
	sink := &metrics.EMF{Logger: logger} // requests and reads counted as the API's are
	return Config{
		Requests: &accessrequest.Service{
			MeteringPoints: stores.MeteringPoints,
			Store:          stores.Requests,
			Grants:         stores.Grants,
			Expiry:         &stepfunctions.Expiry{Client: awsjson.New(cfg, awsjson.StepFunctions), StateMachineARN: expiryARN, ToWallClock: clk.ToWallClock},
			Clock:          clk,
			NewID:          uuid.NewString,
			ExpiresAt:      accessrequest.ExpiresAt,
			Logger:         logger,
			Metrics:        sink,
		},
		Metering: &metering.Service{
			Grants:         stores.Grants,
			MeteringPoints: stores.MeteringPoints,
			Days:           stores.MeterValues,
			ReadLog:        stores.ReadLog,
			Clock:          clk,
			NewID:          uuid.NewString,
			Metrics:        sink,
		},
		Webhooks:     hooks,
		Outbox:       stores.Outbox,
		ThirdParties: stores.Parties,
		Sessions:     stores.Sessions,
		Settings:     settings,
		Clock:        clk,
		Logger:       logger,
	}, nil
}

// Lambda builds the function's handler, with its secrets read from SSM on
// AWS; see package function.
func Lambda(ctx context.Context, cfg aws.Config, getenv func(string) string, logger *slog.Logger) (any, error) {
	return websession.Lambda(ctx, cfg, getenv, logger, resources.Portal.Secrets, FromEnv)
}
