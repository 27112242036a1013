//go:build integration

package consent_test

import (
	"context"
	"math/rand/v2"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/tredjepart/tredjepart/localstack/harness/testenv"
	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/awsjson"
	"github.com/tredjepart/tredjepart/shared/dynamo"
	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/notify"
	"github.com/tredjepart/tredjepart/shared/queue"
	"github.com/tredjepart/tredjepart/shared/resources"
	"github.com/tredjepart/tredjepart/shared/stepfunctions"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

func init() { backends = append(backends, backend{"moto", onMoto}) }

// onMoto is the service on moto's tables, expiry state machine and
// notification queue.
func onMoto(t *testing.T) fixture {
	f, _, _ := onMotoWithTimers(t)
	return f
}

func onMotoWithTimers(t *testing.T) (fixture, *stepfunctions.Expiry, *sfn.Client) {
	t.Helper()
	env := testenv.Get(t)
	s := dynamo.Open(dynamodb.NewFromConfig(env.Config), env.Stack.Tables)
	sfnClient := sfn.NewFromConfig(env.Config)
	expiry := &stepfunctions.Expiry{Client: awsjson.New(env.Config, awsjson.StepFunctions), StateMachineARN: env.Stack.StateMachines[resources.ExpiryStateMachineID]}
	notifier := &queue.Publisher{Client: awsjson.New(env.Config, awsjson.SQS), URL: env.Stack.QueueURLs[resources.NotificationQueueID]}
	notification := func(t *testing.T, id string) notify.Notification { t.Helper(); return testenv.Notification(t, id) }
	return newFixture(s.Requests, s.Grants, s.MeteringPoints, s.Parties, expiry, notifier, notification), expiry, sfnClient
}

// The end user approves while the expiry timer fires, many times over. Each
// run must end either APPROVED with an active grant or REJECTED without one.
// On moto only: the timer is moto's Step Functions.
func TestApprovalRacingExpiry(t *testing.T) {
	f, expiry, sfnClient := onMotoWithTimers(t)
	ctx := context.Background()
	const runs = 24
	type outcome struct {
		request accessrequest.Request
		err     error
	}
	results := make([]outcome, runs)
	var wg sync.WaitGroup
	for i := range runs {
		r := f.request(t, f.meteringPoint(t), accessrequest.Limited, 2*time.Second)
		if err := expiry.Schedule(ctx, r); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Aim half a second before the expiry instant, give or take 700 ms:
			// moto's Wait fires up to a second early (it truncates to whole seconds).
			jitter := time.Duration(rand.IntN(1400)-1200) * time.Millisecond
			time.Sleep(time.Until(r.ExpiresAt.Add(jitter)))
			_, err := f.svc.Approve(ctx, kari, r.ID, accessrequest.Full)
			results[i] = outcome{r, err}
		}()
	}
	wg.Wait()
	counts := map[string]int{}
	for _, res := range results {
		arn := stepfunctions.ExecutionARN(expiry.StateMachineARN, res.request.ID)
		var execution *sfn.DescribeExecutionOutput
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
			var err error
			execution, err = sfnClient.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: &arn})
			if err != nil {
				t.Fatal(err)
			}
			if execution.Status != sfntypes.ExecutionStatusRunning {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("execution %s still running", res.request.ID)
			}
		}
		final, err := f.requests.Get(ctx, res.request.ID)
		if err != nil {
			t.Fatal(err)
		}
		hasGrant, err := f.grants.HasActiveGrantFrom(ctx, tp, res.request.MeteringPoint, karis)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case final.Status == accessrequest.Approved && hasGrant && res.err == nil:
			counts["approved"]++
		case final.Status == accessrequest.Rejected && final.ReasonCode == "EH088" && !hasGrant && fault.KindOf(res.err) == fault.Conflict:
			counts["expired first"]++
		default:
			t.Errorf("request %s ended %s (grant: %v) after approval answered %v; its expiry execution %s: %s %s",
				res.request.ID, final.Status, hasGrant, res.err, execution.Status, aws.ToString(execution.Error), aws.ToString(execution.Cause))
		}
	}
	t.Logf("approval racing expiry: %d runs, %d approved, %d expired first", runs, counts["approved"], counts["expired first"])
	if counts["approved"] == 0 || counts["expired first"] == 0 {
		t.Logf("only one side won in every run; the race was not exercised both ways this time")
	}
}
