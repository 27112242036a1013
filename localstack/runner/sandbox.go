package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/tredjepart/tredjepart/localstack/emulate/gateway"
	"github.com/tredjepart/tredjepart/localstack/emulate/provision"
	"github.com/tredjepart/tredjepart/localstack/harness/demo"
	"github.com/tredjepart/tredjepart/localstack/identity/issuer"
	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/apigw"
	"github.com/tredjepart/tredjepart/shared/awsjson"
	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/pseudonym"
	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/resources"
)

// sandbox serves resources.SandboxRoutes behind the local gateway. The
// runner serves them itself, not a function: they exist only here, and a
// reset needs what only the runner has — every table, queue and state
// machine, the demo data's pseudonym key, the issuer, the demo receiver.
type sandbox struct {
	s        *stack
	cfg      aws.Config
	st       provision.Stack
	p        *pseudonym.Pseudonymizer
	iss      *issuer.Issuer
	receiver *receiver
	logger   *slog.Logger
	mu       sync.Mutex // one reset at a time
}

// invoker runs the sandbox routes as the gateway runs a function.
func (sb *sandbox) invoker() gateway.Invoker {
	return lambda.NewHandler(func(ctx context.Context, ev apigw.Request) (apigw.Response, error) {
		return apigw.Handle(ctx, ev, sb.logger, sb.route)
	})
}

func (sb *sandbox) route(ctx context.Context, ev apigw.Request) (apigw.Response, error) {
	if bad := apigw.KnownParams(ev.QueryStringParameters); len(bad) > 0 {
		return apigw.Response{}, fault.InvalidFields(bad...)
	}
	switch ev.RouteKey {
	case "GET /v1/sandbox/test-data":
		table := demo.Table(sb.s.demo, sb.s.clock.Now())
		return apigw.JSON(http.StatusOK, apigw.MustJSON(table), "application/json"), nil
	case "POST /v1/sandbox/reset":
		if err := sb.mayReset(ev); err != nil {
			return apigw.Response{}, err
		}
		done, err := sb.reset(ctx)
		if err != nil {
			return apigw.Response{}, err
		}
		return apigw.JSON(http.StatusOK, apigw.MustJSON(done), "application/json"), nil
	}
	return apigw.Response{}, fault.New(fault.NotFound, "No sandbox route %s.", ev.RouteKey)
}

// mayReset lets a demo third party's client and the operator's reset the
// sandbox, no other: the gateway checked only the scope, and the issuer
// gives any client any scope.
func (sb *sandbox) mayReset(ev apigw.Request) error {
	client, err := apigw.RequireClientID(ev)
	if err != nil {
		return err
	}
	scopes := ev.RequestContext.Authorizer.JWT.Scopes
	if client == OperatorClient && slices.Contains(scopes, resources.AdminScope) {
		return nil
	}
	demoParty := slices.ContainsFunc(sb.s.demo.ThirdParties, func(tp registry.ThirdParty) bool { return slices.Contains(tp.ClientIDs, client) })
	if demoParty && slices.Contains(scopes, resources.ThirdPartyScope) {
		return nil
	}
	return fault.New(fault.Forbidden, "Client %q is neither a demo third party's nor the operator's: only they may reset the sandbox.", client)
}

// resetDone says what a reset did.
type resetDone struct {
	ItemsDeleted      int            `json:"itemsDeleted"`
	QueuesPurged      int            `json:"queuesPurged"`
	ExecutionsStopped int            `json:"executionsStopped"`
	PendingRequest    pendingRequest `json:"pendingRequest"`
}

// pendingRequest is the demo's pending request, made again by the reset.
type pendingRequest struct {
	ID         string `json:"id"`
	ConsentURL string `json:"consentUrl"`
}

// reset puts the sandbox back to its seeded state while it runs: the
// queues purged, the pending expiry executions stopped, every request,
// grant, idempotency record, read-log entry, session, delivered document,
// webhook and registered party deleted, and the demo data seeded again as
// at start. The grid company's data — master data and meter values — is
// kept: clearing and sending it again would go through the tables' streams
// and be delivered again as late days. The reset is for the whole sandbox,
// not the caller's part: the demo data is shared by the demo parties (a
// grant, a pending request, the end users' consents and read log), so only
// a global reset gives back the state the stack started in.
func (sb *sandbox) reset(ctx context.Context) (resetDone, error) {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	var done resetDone
	var err error
	if done.QueuesPurged, err = sb.purgeQueues(ctx); err != nil {
		return done, fmt.Errorf("purge the queues: %w", err)
	}
	if done.ExecutionsStopped, err = sb.stopExpiries(ctx); err != nil {
		return done, fmt.Errorf("stop the expiry executions: %w", err)
	}
	db := dynamodb.NewFromConfig(sb.cfg)
	for _, t := range []struct {
		id   string
		keep func(pk string) bool
	}{
		{resources.AccessTableID, nil},
		{resources.OutboxTableID, nil},
		// Only the parties: the metering points are the grid company's.
		{resources.RegistryTableID, func(pk string) bool { return strings.HasPrefix(pk, "MP#") }},
	} {
		n, err := clearTable(ctx, db, sb.st.Tables[t.id], t.keep)
		done.ItemsDeleted += n
		if err != nil {
			return done, fmt.Errorf("clear %s: %w", sb.st.Tables[t.id], err)
		}
	}
	if _, err := demo.Seed(ctx, sb.s.demoData(), db, sb.st.Tables, sb.p, sb.s.clock); err != nil {
		return done, fmt.Errorf("seed the demo data: %w", err)
	}
	sb.receiver.forget()
	if err := sb.s.demoThroughAPI(sb.iss, sb.receiver); err != nil {
		return done, err
	}
	done.PendingRequest = pendingRequest{ID: sb.s.demoRequest,
		ConsentURL: accessrequest.ConsentURL(fmt.Sprintf("http://127.0.0.1:%d", sb.s.opts.gatewayPort), sb.s.demoRequest)}
	sb.logger.InfoContext(ctx, "sandbox reset", "itemsDeleted", done.ItemsDeleted, "queuesPurged", done.QueuesPurged,
		"executionsStopped", done.ExecutionsStopped)
	return done, nil
}

// purgeQueues empties every queue and dead-letter queue.
func (sb *sandbox) purgeQueues(ctx context.Context) (int, error) {
	q := sqs.NewFromConfig(sb.cfg)
	n := 0
	for _, urls := range []map[string]string{sb.st.QueueURLs, sb.st.DeadLetters} {
		for _, url := range urls {
			_, err := q.PurgeQueue(ctx, &sqs.PurgeQueueInput{QueueUrl: aws.String(url)})
			var again *sqstypes.PurgeQueueInProgress
			if errors.As(err, &again) {
				// SQS purges a queue once a minute: a reset soon after
				// another deletes what came since one by one.
				err = drain(ctx, q, url)
			}
			if err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

// drain receives and deletes the queue's visible messages until none is left.
func drain(ctx context.Context, q *sqs.Client, url string) error {
	for {
		out, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10})
		if err != nil || len(out.Messages) == 0 {
			return err
		}
		for _, m := range out.Messages {
			if _, err := q.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle}); err != nil {
				return err
			}
		}
	}
}

// stopExpiries stops each running expiry execution. One the emulator runs
// on regardless finds no request to reject: its update is conditional.
func (sb *sandbox) stopExpiries(ctx context.Context) (int, error) {
	sf := awsjson.New(sb.cfg, awsjson.StepFunctions)
	n := 0
	var next string
	for {
		var page struct {
			Executions []struct{ ExecutionARN string }
			NextToken  string
		}
		err := sf.Call(ctx, "ListExecutions", struct {
			StateMachineARN string `json:"stateMachineArn"`
			StatusFilter    string `json:"statusFilter"`
			NextToken       string `json:"nextToken,omitempty"`
		}{sb.st.StateMachines[resources.ExpiryStateMachineID], "RUNNING", next}, &page)
		if err != nil {
			return n, err
		}
		for _, e := range page.Executions {
			err := sf.Call(ctx, "StopExecution", struct {
				ExecutionARN string `json:"executionArn"`
				Cause        string `json:"cause"`
			}{e.ExecutionARN, "sandbox reset"}, nil)
			if err != nil {
				return n, err
			}
			n++
		}
		if next = page.NextToken; next == "" {
			return n, nil
		}
	}
}

// clearTable deletes every item of table whose partition key keep does
// not keep (a nil keep keeps none), and says how many it deleted.
func clearTable(ctx context.Context, db *dynamodb.Client, table string, keep func(pk string) bool) (int, error) {
	var keys []map[string]types.AttributeValue
	pages := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: aws.String(table), ProjectionExpression: aws.String("pk, sk")})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return 0, err
		}
		for _, item := range page.Items {
			if pk, _ := item["pk"].(*types.AttributeValueMemberS); keep == nil || pk == nil || !keep(pk.Value) {
				keys = append(keys, item)
			}
		}
	}
	deleted := 0
	for batch := range slices.Chunk(keys, 25) { // BatchWriteItem's most
		var requests []types.WriteRequest
		for _, key := range batch {
			requests = append(requests, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: key}})
		}
		for len(requests) > 0 {
			out, err := db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{table: requests}})
			if err != nil {
				return deleted, err
			}
			requests = out.UnprocessedItems[table]
		}
		deleted += len(batch)
	}
	return deleted, nil
}
