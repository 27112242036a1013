package portal

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
	"github.com/google/uuid"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/businessday"
	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/deliveryfn"
	"github.com/tredjepart/tredjepart/shared/dynamo"
	"github.com/tredjepart/tredjepart/shared/metering"
	"github.com/tredjepart/tredjepart/shared/resources"
	"github.com/tredjepart/tredjepart/shared/secrets"
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
	var missing []string
	need := func(name string) string {
		v := getenv(name)
		if v == "" {
			missing = append(missing, name)
		}
		return v
	}
	accessTable, registryTable := need(resources.Access.EnvVar), need(resources.Registry.EnvVar)
	meterValuesTable, outboxTable := need(resources.MeterValues.EnvVar), need(resources.Outbox.EnvVar)
	expiryARN := need(resources.Expiry.EnvVar)
	oidc := websession.OIDC{Issuer: need(OIDCIssuerEnv), ClientID: need(OIDCClientIDEnv), ClientSecret: need(OIDCClientSecretEnv), RedirectURL: need(OIDCRedirectURLEnv)}
	cookieKeys := need(websession.CookieKeysEnv)
	if len(missing) > 0 {
		return nil, fmt.Errorf("environment variables not set: %v", missing)
	}
	keys, err := websession.ParseKeys(cookieKeys)
	if err != nil {
		return nil, err
	}
	clk, err := clock.FromOffset(getenv(clock.OffsetEnv))
	if err != nil {
		return nil, err
	}
	hooks, _, err := deliveryfn.WebhookService(cfg, getenv, logger)
	if err != nil {
		return nil, err
	}
	db := dynamodb.NewFromConfig(cfg)
	reg := &dynamo.Registry{Client: db, Table: registryTable}
	requests := &dynamo.Requests{Client: db, Table: accessTable}
	return New(ctx, Config{
		Requests: &accessrequest.Service{
			MeteringPoints: reg,
			Store:          requests,
			Expiry:         &stepfunctions.Expiry{Client: sfn.NewFromConfig(cfg), StateMachineARN: expiryARN, ToWallClock: clk.ToWallClock},
			Clock:          clk,
			NewID:          uuid.NewString,
			ExpiresAt:      businessday.ExpiresAt,
			Logger:         logger,
		},
		Metering: &metering.Service{
			Grants:         requests,
			MeteringPoints: reg,
			Days:           &dynamo.MeterValues{Client: db, Table: meterValuesTable},
			ReadLog:        &dynamo.ReadLog{Client: db, Table: accessTable},
			Clock:          clk,
			NewID:          uuid.NewString,
		},
		Webhooks:      hooks,
		Outbox:        &dynamo.Outbox{Client: db, Table: outboxTable},
		ThirdParties:  reg,
		OIDC:          oidc,
		SessionKey:    keys.Session,
		EncryptionKey: keys.Encryption,
		CSRFKey:       keys.CSRF,
		Secure:        getenv(websession.InsecureCookiesEnv) != "true",
		Clock:         clk,
		Logger:        logger,
	})
}

// Lambda builds the function's handler, with its secrets read from SSM on
// AWS; see package function.
func Lambda(ctx context.Context, cfg aws.Config, getenv func(string) string, logger *slog.Logger) (any, error) {
	getenv, err := secrets.Fill(ctx, cfg, getenv, resources.Portal.Secrets...)
	if err != nil {
		return nil, err
	}
	pages, err := FromEnv(ctx, cfg, getenv, logger)
	if err != nil {
		return nil, err
	}
	return httpadapter.NewV2(pages).ProxyWithContext, nil
}
