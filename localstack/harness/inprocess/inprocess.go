// Package inprocess is test harness: it builds each function's handler the way
// its main.go does, to run it inside the local runner or a test instead of as
// a bootstrap binary under the Lambda emulator.
package inprocess

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/tredjepart/tredjepart/localstack/emulate/gateway"
	"github.com/tredjepart/tredjepart/shared/adminapi"
	"github.com/tredjepart/tredjepart/shared/apidocs"
	"github.com/tredjepart/tredjepart/shared/changefeed"
	"github.com/tredjepart/tredjepart/shared/dailyrun"
	"github.com/tredjepart/tredjepart/shared/dataproviderapi"
	"github.com/tredjepart/tredjepart/shared/enduserweb"
	"github.com/tredjepart/tredjepart/shared/function"
	"github.com/tredjepart/tredjepart/shared/portalweb"
	"github.com/tredjepart/tredjepart/shared/resources"
	"github.com/tredjepart/tredjepart/shared/sender"
	"github.com/tredjepart/tredjepart/shared/thirdpartyapi"
	"github.com/tredjepart/tredjepart/shared/tracing"
)

// builders are what each functions/<dir>/main.go passes to function.Start.
var builders = map[string]function.Builder{
	resources.IntakeFunctionID:      thirdpartyapi.RequestsLambda,
	resources.ConsentFunctionID:     enduserweb.Lambda,
	resources.QueriesFunctionID:     thirdpartyapi.QueriesLambda,
	resources.IngestFunctionID:      dataproviderapi.Lambda,
	resources.FanOutFunctionID:      dailyrun.FanOutLambda,
	resources.FanOutShardFunctionID: dailyrun.FanOutShardLambda,
	resources.DeliveryFunctionID:    dailyrun.DeliveryLambda,
	resources.WebhookFunctionID:     sender.WebhookLambda,
	resources.NotifierFunctionID:    sender.NotifierLambda,
	resources.ChangesFunctionID:     changefeed.ChangesLambda,
	resources.AdminFunctionID:       adminapi.Lambda,
	resources.PortalFunctionID:      portalweb.Lambda,
	resources.DocsFunctionID:        apidocs.Lambda,
}

// Function returns the function with that ID, wired from getenv.
func Function(ctx context.Context, id string, cfg aws.Config, getenv func(string) string, logger *slog.Logger) (gateway.Invoker, error) {
	build, ok := builders[id]
	if !ok {
		return nil, fmt.Errorf("no in-process wiring for function %s", id)
	}
	// Traced as function.Start traces a bootstrap's calls.
	recorder, err := tracing.FromEnv(getenv)
	if err != nil {
		return nil, err
	}
	tracing.Instrument(&cfg, recorder)
	handler, err := build(ctx, cfg, getenv, logger)
	if err != nil {
		return nil, err
	}
	return lambda.NewHandler(handler), nil
}
