//go:build integration

package stepfunctions_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/google/uuid"

	"github.com/tredjepart/tredjepart/localstack/harness/testenv"
	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/awsjson"
	"github.com/tredjepart/tredjepart/shared/dynamo"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/resources"
	"github.com/tredjepart/tredjepart/shared/stepfunctions"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

type fixture struct {
	store  *dynamo.Requests
	expiry *stepfunctions.Expiry
	sfn    *sfn.Client
	sqs    *sqs.Client
	queue  string
}

func setup(t *testing.T) fixture {
	env := testenv.Get(t)
	client := sfn.NewFromConfig(env.Config)
	return fixture{
		store:  dynamo.Open(dynamodb.NewFromConfig(env.Config), env.Stack.Tables).Requests,
		expiry: &stepfunctions.Expiry{Client: awsjson.New(env.Config, awsjson.StepFunctions), StateMachineARN: env.Stack.StateMachines[resources.ExpiryStateMachineID]},
		sfn:    client,
		sqs:    sqs.NewFromConfig(env.Config),
		queue:  env.Stack.QueueURLs[resources.NotificationQueueID],
	}
}

var serial = 500

// storedRequest stores a pending request that expires after d, as the test
// seam for the three-business-day rule.
func (f fixture) storedRequest(t *testing.T, d time.Duration) accessrequest.Request {
	t.Helper()
	serial++
	mp, _ := ident.GSRNWithCheckDigit(fmt.Sprintf("70705750000%06d", serial))
	now := time.Now()
	r := accessrequest.Request{
		ID: uuid.NewString(), ThirdParty: "7090000000011", MeteringPoint: mp, Scope: accessrequest.Limited,
		Status: accessrequest.Pending, CreatedAt: now, ExpiresAt: now.Add(d).Truncate(time.Second), Version: 1,
	}
	if err := f.store.Create(context.Background(), r, "", accessrequest.Idempotency{}); err != nil {
		t.Fatal(err)
	}
	return r
}

func (f fixture) waitForExecution(t *testing.T, r accessrequest.Request) sfntypes.ExecutionStatus {
	t.Helper()
	arn := stepfunctions.ExecutionARN(f.expiry.StateMachineARN, r.ID)
	deadline := time.Now().Add(45 * time.Second)
	for time.Now().Before(deadline) {
		out, err := f.sfn.DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: &arn})
		if err != nil {
			t.Fatal(err)
		}
		if out.Status != sfntypes.ExecutionStatusRunning {
			return out.Status
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("execution %s still running after 45 s", r.ID)
	return ""
}

// notifications drains the queue and returns the notifications about r.
func (f fixture) notifications(t *testing.T, r accessrequest.Request) []map[string]any {
	t.Helper()
	var found []map[string]any
	for range 3 {
		out, err := f.sqs.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{
			QueueUrl: &f.queue, MaxNumberOfMessages: 10, WaitTimeSeconds: 1,
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out.Messages {
			var body map[string]any
			if err := json.Unmarshal([]byte(*m.Body), &body); err != nil {
				t.Fatalf("notification is not JSON: %s", *m.Body)
			}
			if body["requestId"] == r.ID {
				found = append(found, body)
			}
			_, _ = f.sqs.DeleteMessage(context.Background(), &sqs.DeleteMessageInput{QueueUrl: &f.queue, ReceiptHandle: m.ReceiptHandle})
		}
	}
	return found
}

func TestPendingRequestIsRejectedAtExpiryAndNotified(t *testing.T) {
	f := setup(t)
	r := f.storedRequest(t, 2*time.Second)
	if err := f.expiry.Schedule(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if status := f.waitForExecution(t, r); status != sfntypes.ExecutionStatusSucceeded {
		t.Fatalf("execution %s", status)
	}
	got, err := f.store.Get(context.Background(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != accessrequest.Rejected || got.ReasonCode != "EH088" || got.Version != 2 || got.DecidedAt.IsZero() {
		t.Fatalf("after expiry: %+v", got)
	}
	// moto truncates the Wait to whole seconds (int(delta)), so it may wake
	// up to a second early; AWS waits until the timestamp.
	if got.DecidedAt.Before(r.ExpiresAt.Add(-time.Second)) {
		t.Errorf("rejected at %s, before expiresAt %s", got.DecidedAt, r.ExpiresAt)
	}
	notes := f.notifications(t, r)
	if len(notes) != 1 {
		t.Fatalf("%d notifications, want 1", len(notes))
	}
	n := notes[0]
	if n["type"] != "access-request.rejected" || n["reasonCode"] != "EH088" || n["meteringPointId"] != string(r.MeteringPoint) || n["thirdPartyId"] != string(r.ThirdParty) {
		t.Fatalf("notification %v", n)
	}
}

func TestDecidedRequestEndsQuietly(t *testing.T) {
	f := setup(t)
	r := f.storedRequest(t, 2*time.Second)
	if err := f.expiry.Schedule(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	withdrawn, _ := r.Withdraw(time.Now())
	if err := f.store.Transition(context.Background(), r, withdrawn); err != nil {
		t.Fatal(err)
	}
	if status := f.waitForExecution(t, r); status != sfntypes.ExecutionStatusSucceeded {
		t.Fatalf("execution %s; a lost race must end successfully", status)
	}
	if got, _ := f.store.Get(context.Background(), r.ID); got.Status != accessrequest.Withdrawn {
		t.Fatalf("expiry overwrote a decision: %+v", got)
	}
	if notes := f.notifications(t, r); len(notes) != 0 {
		t.Fatalf("notified about a request that did not expire: %v", notes)
	}
}

func TestSchedulingTwiceStartsOneExecutionAndCancelStopsIt(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	r := f.storedRequest(t, time.Hour)
	for range 2 {
		if err := f.expiry.Schedule(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	out, err := f.sfn.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: &f.expiry.StateMachineARN})
	if err != nil {
		t.Fatal(err)
	}
	count := 0
	for _, e := range out.Executions {
		if aws.ToString(e.Name) == r.ID {
			count++
		}
	}
	if count != 1 {
		t.Fatalf("%d executions named %s", count, r.ID)
	}
	if err := f.expiry.Cancel(ctx, r); err != nil {
		t.Fatal(err)
	}
	if status := f.waitForExecution(t, r); status != sfntypes.ExecutionStatusAborted {
		t.Fatalf("after cancel: %s", status)
	}
	if err := f.expiry.Cancel(ctx, r); err != nil {
		t.Fatalf("cancelling twice: %v", err)
	}
}

// Step Functions' refusals come back over its JSON protocol: a timer that
// was never started is no error to cancel; a state machine that does not
// exist is.
func TestCancellingATimerNeverStartedIsHarmlessAndRefusalsAreErrors(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	r := f.storedRequest(t, time.Hour)
	if err := f.expiry.Cancel(ctx, r); err != nil {
		t.Fatalf("cancel without a timer: %v", err)
	}
	missing := *f.expiry
	missing.StateMachineARN += "-missing"
	if err := missing.Schedule(ctx, r); !awsjson.IsCode(err, "StateMachineDoesNotExist") {
		t.Fatalf("scheduling on a missing state machine: %v", err)
	}
}

func TestSampleExecutionInputMatchesWhatScheduleSends(t *testing.T) {
	raw, err := os.ReadFile("../../events/expiry/execution-input.json")
	if err != nil {
		t.Fatal(err)
	}
	var sample stepfunctions.ExpiryInput
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sample); err != nil {
		t.Fatalf("sample does not match ExpiryInput: %v", err)
	}
	if _, err := time.Parse(time.RFC3339, sample.ExpiresAt); err != nil || sample.ExpiresAt[len(sample.ExpiresAt)-1] != 'Z' {
		t.Fatalf("expiresAt %q must be UTC with Z", sample.ExpiresAt)
	}
	if _, err := ident.ParseGSRN(sample.MeteringPointID); err != nil {
		t.Fatal(err)
	}
	if _, err := ident.ParseGLN(sample.ThirdPartyID); err != nil {
		t.Fatal(err)
	}
}
