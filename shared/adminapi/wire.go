package adminapi

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/tredjepart/tredjepart/shared/awsjson"
	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/delivery"
	"github.com/tredjepart/tredjepart/shared/dynamo"
	"github.com/tredjepart/tredjepart/shared/function"
	"github.com/tredjepart/tredjepart/shared/operations"
	"github.com/tredjepart/tredjepart/shared/queue"
	"github.com/tredjepart/tredjepart/shared/queueops"
	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/resources"
)

// OperatorClientsEnv names the OAuth clients of the operator, comma
// separated: a deployment setting (resources.Admin.Settings, CDK context).
const OperatorClientsEnv = "ADMIN_OPERATOR_CLIENTS"

// FromEnv builds the handler from the function's environment, the same way
// on AWS, under the Lambda emulator and in-process.
func FromEnv(cfg aws.Config, getenv func(string) string, logger *slog.Logger) (*Handler, error) {
	env := function.NewEnv(getenv)
	tables := env.Tables(resources.Registry, resources.Access, resources.Outbox, resources.MeterValues)
	urls := map[string]string{}
	var queues []resources.Queue
	for _, q := range resources.Queues {
		if slices.Contains(resources.Admin.Redrives, q.ID) {
			urls[q.ID], queues = env.Need(q.EnvVar), append(queues, q)
		}
	}
	var operators []string
	for id := range strings.SplitSeq(getenv(OperatorClientsEnv), ",") {
		if id = strings.TrimSpace(id); id != "" {
			operators = append(operators, id)
		}
	}
	if len(operators) == 0 {
		env.Invalid(fmt.Errorf("environment variable %s names no operator client", OperatorClientsEnv))
	}
	if err := env.Err(); err != nil {
		return nil, err
	}
	clk, err := clock.FromOffset(getenv(clock.OffsetEnv))
	if err != nil {
		return nil, err
	}
	stores, sqsClient := dynamo.Open(dynamodb.NewFromConfig(cfg), tables), sqs.NewFromConfig(cfg)
	ops := &operations.Service{
		ThirdParties: stores.Parties, Grants: stores.Grants, Facts: stores.Outbox, Documents: stores.Outbox, Attempts: stores.Webhooks,
		Queues: &queueops.Operator{Client: sqsClient, Queues: queues, URLs: urls},
		FanOut: &delivery.FanOut{ThirdParties: stores.Parties, Shards: &queue.Publisher{Client: awsjson.New(cfg, awsjson.SQS), URL: urls[resources.FanOutShardsQueueID]}, Logger: logger},
		Clock:  clk,
	}
	return &Handler{Service: &registry.Parties{Store: stores.Parties}, Operators: operators, Operations: ops, Logger: logger}, nil
}

// Lambda builds the function's handler; see package function.
func Lambda(_ context.Context, cfg aws.Config, getenv func(string) string, logger *slog.Logger) (any, error) {
	h, err := FromEnv(cfg, getenv, logger)
	if err != nil {
		return nil, err
	}
	return h.Handle, nil
}
