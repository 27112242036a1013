package adminapi

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tredjepart/tredjepart/shared/dynamo"
	"github.com/tredjepart/tredjepart/shared/function"
	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/resources"
)

// OperatorClientsEnv names the OAuth clients of the operator, comma
// separated: a deployment setting (resources.Admin.Settings, CDK context).
const OperatorClientsEnv = "ADMIN_OPERATOR_CLIENTS"

// FromEnv builds the handler from the function's environment, the same way
// on AWS, under the Lambda emulator and in-process.
func FromEnv(cfg aws.Config, getenv func(string) string, logger *slog.Logger) (*Handler, error) {
	tables, err := function.NeedTables(getenv, resources.Registry)
	if err != nil {
		return nil, err
	}
	var operators []string
	for id := range strings.SplitSeq(getenv(OperatorClientsEnv), ",") {
		if id = strings.TrimSpace(id); id != "" {
			operators = append(operators, id)
		}
	}
	if len(operators) == 0 {
		return nil, fmt.Errorf("environment variable %s names no operator client", OperatorClientsEnv)
	}
	store := dynamo.Open(dynamodb.NewFromConfig(cfg), tables).Parties
	return &Handler{Service: &registry.Parties{Store: store}, Operators: operators, Logger: logger}, nil
}

// Lambda builds the function's handler; see package function.
func Lambda(_ context.Context, cfg aws.Config, getenv func(string) string, logger *slog.Logger) (any, error) {
	h, err := FromEnv(cfg, getenv, logger)
	if err != nil {
		return nil, err
	}
	return h.Handle, nil
}
