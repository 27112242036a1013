// Package function starts a Lambda: the AWS configuration from the
// environment, the handler its package builds, and lambda.Start. The local
// runner and tests build the same handlers in-process with the same Builder.
package function

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/tredjepart/tredjepart/shared/awsenv"
)

// Builder makes a function's handler (anything lambda.Start takes) from its
// environment, the same way on AWS, under the Lambda emulator and in-process.
type Builder func(ctx context.Context, cfg aws.Config, getenv func(string) string, logger *slog.Logger) (any, error)

// Start runs the function named name, logging JSON to stdout; it exits if
// the function cannot be configured.
func Start(name string, build Builder) {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil)).With("function", name)
	cfg, err := awsenv.FromProcess()
	if err != nil {
		logger.Error("load AWS config", "error", err)
		os.Exit(1)
	}
	handler, err := build(context.Background(), cfg, os.Getenv, logger)
	if err != nil {
		logger.Error("configure", "error", err)
		os.Exit(1)
	}
	lambda.Start(handler)
}
