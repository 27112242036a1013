package enduserweb

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tredjepart/tredjepart/shared/awsjson"
	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/consent"
	"github.com/tredjepart/tredjepart/shared/dynamo"
	"github.com/tredjepart/tredjepart/shared/personaldata"
	"github.com/tredjepart/tredjepart/shared/pseudonym"
	"github.com/tredjepart/tredjepart/shared/queue"
	"github.com/tredjepart/tredjepart/shared/resources"
	"github.com/tredjepart/tredjepart/shared/stepfunctions"
	"github.com/tredjepart/tredjepart/shared/websession"
)

// Environment variables of the consent function beyond the stack's resources.
const (
	OIDCIssuerEnv       = "OIDC_ISSUER"
	OIDCClientIDEnv     = "OIDC_CLIENT_ID"
	OIDCClientSecretEnv = "OIDC_CLIENT_SECRET"
	OIDCRedirectURLEnv  = "OIDC_REDIRECT_URL"
	PseudonymKeyEnv     = "PSEUDONYM_KEY" // base64, at least 32 bytes
)

// FromEnv builds the pages from the function's environment, the same way on
// AWS, under the Lambda emulator and in-process.
func FromEnv(ctx context.Context, cfg aws.Config, getenv func(string) string, logger *slog.Logger) (http.Handler, error) {
	env := websession.NewEnv(getenv)
	tables := env.Tables(resources.Access, resources.Registry)
	expiryARN, queueURL := env.Need(resources.Expiry.EnvVar), env.Need(resources.Notifications.EnvVar)
	settings := env.Settings(websession.OIDCEnv{Issuer: OIDCIssuerEnv, ClientID: OIDCClientIDEnv, ClientSecret: OIDCClientSecretEnv, RedirectURL: OIDCRedirectURLEnv})
	pseudoKey := env.Need(PseudonymKeyEnv)
	if err := env.Err(); err != nil {
		return nil, err
	}
	pseudo, err := pseudonym.FromBase64(pseudoKey)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", PseudonymKeyEnv, err)
	}
	clk, err := clock.FromOffset(getenv(clock.OffsetEnv))
	if err != nil {
		return nil, err
	}
	stores := dynamo.Open(dynamodb.NewFromConfig(cfg), tables)
	return New(ctx, Config{
		Consent: &consent.Service{
			Requests:       stores.Requests,
			Grants:         stores.Grants,
			MeteringPoints: stores.MeteringPoints,
			ThirdParties:   stores.Parties,
			Expiry:         &stepfunctions.Expiry{Client: awsjson.New(cfg, awsjson.StepFunctions), StateMachineARN: expiryARN, ToWallClock: clk.ToWallClock},
			Notifier:       &queue.Publisher{Client: awsjson.New(cfg, awsjson.SQS), URL: queueURL},
			Clock:          clk,
			Logger:         logger,
		},
		ThirdParties: stores.Parties,
		ReadLog:      stores.ReadLog,
		PersonalData: &personaldata.Service{
			Requests: stores.Requests, Grants: stores.Grants, MeteringPoints: stores.MeteringPoints,
			ReadLog: stores.ReadLog, ThirdParties: stores.Parties, Clock: clk,
		},
		Pseudonyms: pseudo,
		Sessions:   stores.Sessions,
		Settings:   settings,
		Clock:      clk,
		Logger:     logger,
	})
}

// Lambda builds the function's handler, with its secrets read from SSM on
// AWS; see package function.
func Lambda(ctx context.Context, cfg aws.Config, getenv func(string) string, logger *slog.Logger) (any, error) {
	return websession.Lambda(ctx, cfg, getenv, logger, resources.Consent.Secrets, FromEnv)
}
