// Command intake is the Lambda behind the third-party access-request API.
package main

import (
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tredjepart/tredjepart/shared/awsenv"
	"github.com/tredjepart/tredjepart/shared/intake"
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	cfg, err := awsenv.FromProcess()
	if err != nil {
		logger.Error("load AWS config", "error", err)
		os.Exit(1)
	}
	handler, err := intake.FromEnv(cfg, os.Getenv, logger)
	if err != nil {
		logger.Error("configure intake", "error", err)
		os.Exit(1)
	}
	lambda.Start(handler.Handle)
}
