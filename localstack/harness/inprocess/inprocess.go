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
	"github.com/tredjepart/tredjepart/shared/admin"
	"github.com/tredjepart/tredjepart/shared/consentweb"
	"github.com/tredjepart/tredjepart/shared/deliveryfn"
	"github.com/tredjepart/tredjepart/shared/function"
	"github.com/tredjepart/tredjepart/shared/ingestapi"
	"github.com/tredjepart/tredjepart/shared/intake"
	"github.com/tredjepart/tredjepart/shared/portal"
	"github.com/tredjepart/tredjepart/shared/queries"
	"github.com/tredjepart/tredjepart/shared/resources"
)

// builders are what each functions/<dir>/main.go passes to function.Start.
var builders = map[string]function.Builder{
	resources.IntakeFunctionID:      intake.Lambda,
	resources.ConsentFunctionID:     consentweb.Lambda,
	resources.QueriesFunctionID:     queries.Lambda,
	resources.IngestFunctionID:      ingestapi.Lambda,
	resources.FanOutFunctionID:      deliveryfn.FanOutLambda,
	resources.FanOutShardFunctionID: deliveryfn.FanOutShardLambda,
	resources.DeliveryFunctionID:    deliveryfn.DeliveryLambda,
	resources.WebhookFunctionID:     deliveryfn.WebhookLambda,
	resources.NotifierFunctionID:    deliveryfn.NotifierLambda,
	resources.ChangesFunctionID:     deliveryfn.ChangesLambda,
	resources.AdminFunctionID:       admin.Lambda,
	resources.PortalFunctionID:      portal.Lambda,
}

// Function returns the function with that ID, wired from getenv.
func Function(ctx context.Context, id string, cfg aws.Config, getenv func(string) string, logger *slog.Logger) (gateway.Invoker, error) {
	build, ok := builders[id]
	if !ok {
		return nil, fmt.Errorf("no in-process wiring for function %s", id)
	}
	handler, err := build(ctx, cfg, getenv, logger)
	if err != nil {
		return nil, err
	}
	return lambda.NewHandler(handler), nil
}
