// Command consent is the Lambda behind the end user's consent pages.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/tredjepart/tredjepart/shared/awsenv"
	"github.com/tredjepart/tredjepart/shared/consentweb"
	"github.com/tredjepart/tredjepart/shared/resources"
	"github.com/tredjepart/tredjepart/shared/secrets"
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	cfg, err := awsenv.FromProcess()
	if err != nil {
		logger.Error("load AWS config", "error", err)
		os.Exit(1)
	}
	ctx := context.Background()
	getenv, err := secrets.Fill(ctx, cfg, os.Getenv, resources.Consent.Secrets...)
	if err != nil {
		logger.Error("read secrets", "error", err)
		os.Exit(1)
	}
	pages, err := consentweb.FromEnv(ctx, cfg, getenv, logger)
	if err != nil {
		logger.Error("configure consent pages", "error", err)
		os.Exit(1)
	}
	lambda.Start(httpadapter.NewV2(pages).ProxyWithContext)
}
