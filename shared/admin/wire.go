package admin

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tredjepart/tredjepart/shared/dynamo"
	"github.com/tredjepart/tredjepart/shared/resources"
)

// FromEnv builds the handler from the function's environment, the same way
// on AWS, under the Lambda emulator and in-process.
func FromEnv(cfg aws.Config, getenv func(string) string, logger *slog.Logger) (*Handler, error) {
	table := getenv(resources.Registry.EnvVar)
	if table == "" {
		return nil, fmt.Errorf("environment variable %s is not set", resources.Registry.EnvVar)
	}
	store := &dynamo.Registry{Client: dynamodb.NewFromConfig(cfg), Table: table}
	return &Handler{Service: &Service{Store: store}, Logger: logger}, nil
}

// Lambda builds the function's handler; see package function.
func Lambda(_ context.Context, cfg aws.Config, getenv func(string) string, logger *slog.Logger) (any, error) {
	h, err := FromEnv(cfg, getenv, logger)
	if err != nil {
		return nil, err
	}
	return h.Handle, nil
}
