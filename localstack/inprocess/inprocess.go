// Package inprocess builds each function's handler the way its main.go
// does, to run it inside the local runner or a test instead of as a
// bootstrap binary under the Lambda emulator.
package inprocess

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/tredjepart/tredjepart/localstack/gateway"
	"github.com/tredjepart/tredjepart/shared/consentweb"
	"github.com/tredjepart/tredjepart/shared/intake"
	"github.com/tredjepart/tredjepart/shared/resources"
)

// Function returns the function with that ID, wired from getenv.
func Function(ctx context.Context, id string, cfg aws.Config, getenv func(string) string, logger *slog.Logger) (gateway.Invoker, error) {
	switch id {
	case resources.IntakeFunctionID:
		h, err := intake.FromEnv(cfg, getenv, logger)
		if err != nil {
			return nil, err
		}
		return lambda.NewHandler(h.Handle), nil
	case resources.ConsentFunctionID:
		pages, err := consentweb.FromEnv(ctx, cfg, getenv, logger)
		if err != nil {
			return nil, err
		}
		return lambda.NewHandler(httpadapter.NewV2(pages).ProxyWithContext), nil
	}
	return nil, fmt.Errorf("no in-process wiring for function %s", id)
}
