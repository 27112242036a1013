//go:build integration

package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/tredjepart/tredjepart/localstack/emulate/sqspoller"
	"github.com/tredjepart/tredjepart/localstack/harness/testenv"

	"github.com/tredjepart/tredjepart/shared/resources"
)

func TestTheDailyTickFollowsOsloTime(t *testing.T) {
	for _, tc := range []struct{ now, want string }{
		{"2026-11-28T07:59:00Z", "2026-11-28T08:00:00Z"}, // 09:00 CET
		{"2026-11-28T08:00:00Z", "2026-11-29T08:00:00Z"},
		{"2026-03-28T09:00:00Z", "2026-03-29T07:00:00Z"}, // summer time starts in the night
		{"2026-10-24T08:00:00Z", "2026-10-25T08:00:00Z"}, // and ends
	} {
		now, _ := time.Parse(time.RFC3339, tc.now)
		got, err := nextRun(resources.DailyDelivery, now)
		if err != nil || got.UTC().Format(time.RFC3339) != tc.want {
			t.Errorf("after %s: %v %v, want %s", tc.now, got.UTC(), err, tc.want)
		}
	}
	if _, err := nextRun(resources.Schedule{ID: "x", Expression: "rate(5 minutes)", Timezone: "UTC"}, time.Now()); err == nil {
		t.Error("a schedule the tick cannot run is accepted")
	}
}

// invokerFunc is a function as the pollers and the deliver handler call it.
type invokerFunc func(ctx context.Context, payload []byte) ([]byte, error)

func (f invokerFunc) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	return f(ctx, payload)
}

// A delivery whose jobs never drain — here a shard message its worker fails
// every time, as a worker without time for progress does — ends with an
// error once the timeout has passed: `make deliver` does not hang.
func TestDeliverFailsOnceItsTimeoutHasPassed(t *testing.T) {
	ctx := context.Background()
	cfg := testenv.StartMoto(t)
	client := sqs.NewFromConfig(cfg)
	urls := map[string]string{}
	for _, name := range []string{"shards", "jobs"} {
		out, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		urls[name] = aws.ToString(out.QueueUrl)
	}
	failing := invokerFunc(func(context.Context, []byte) ([]byte, error) { return nil, errors.New("no progress") })
	shards := sqspoller.Start(ctx, client, failing, sqspoller.Options{QueueURL: urls["shards"], VisibilityTimeout: time.Second})
	defer shards.Stop()
	jobs := sqspoller.Start(ctx, client, failing, sqspoller.Options{QueueURL: urls["jobs"]})
	defer jobs.Stop()
	fanOut := invokerFunc(func(ctx context.Context, _ []byte) ([]byte, error) {
		_, err := client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(urls["shards"]), MessageBody: aws.String(`{}`)})
		return []byte(`{"shards":1}`), err
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	server := &http.Server{Handler: deliverHandler(fanOut, shards, jobs, "the logs")}
	go func() { _ = server.Serve(l) }()
	defer server.Close()

	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	_, err = requestDelivery(ctx, l.Addr().(*net.TCPAddr).Port, "2026-11-27", 2*time.Second)
	if err == nil || !strings.Contains(err.Error(), "not done within 2s") || !strings.Contains(err.Error(), "fan-out shards") {
		t.Fatalf("%v, want fan-out shards not done within 2s", err)
	}
	if ctx.Err() != nil {
		t.Fatal("the delivery did not return before the test's own deadline")
	}
}

// The local stream followers give up on records where and when AWS's
// mappings do: into the dead-letter queue of the follower's FollowFailures
// queue, after resources.FollowRetry.
func TestFollowersGiveUpIntoTheirQueueAsOnAWS(t *testing.T) {
	streams := map[string]string{}
	deadLetters := map[string]string{}
	for _, tb := range resources.Tables {
		streams[tb.ID] = "stream of " + tb.ID
	}
	for _, q := range resources.Queues {
		deadLetters[q.ID] = "dead letters of " + q.ID
	}
	followers := 0
	for _, fn := range resources.Functions {
		for _, table := range fn.Follows {
			followers++
			o := followerOptions(fn, table, streams, deadLetters)
			if o.StreamARN != streams[table] || !o.ReportBatchItemFailures {
				t.Errorf("%s ← %s: stream %q, partial batch failures %v", fn.ID, table, o.StreamARN, o.ReportBatchItemFailures)
			}
			if o.OnFailure == "" || o.OnFailure != deadLetters[fn.FollowFailures] {
				t.Errorf("%s ← %s: gives up into %q, want the dead-letter queue of %s", fn.ID, table, o.OnFailure, fn.FollowFailures)
			}
			r := resources.FollowRetry
			if o.MaxRetryAttempts != r.Attempts || o.MaxRecordAge != r.MaxRecordAge || o.BisectBatchOnError != r.Bisect || o.MaxRetryAttempts == 0 {
				t.Errorf("%s ← %s: retries %d, max age %v, bisect %v; want %+v", fn.ID, table, o.MaxRetryAttempts, o.MaxRecordAge, o.BisectBatchOnError, r)
			}
			if !strings.HasSuffix(o.FunctionARN, ":function:"+fn.ID) {
				t.Errorf("%s ← %s: function ARN %q", fn.ID, table, o.FunctionARN)
			}
		}
	}
	if followers == 0 {
		t.Fatal("no function follows a stream: this test has nothing to check")
	}
}
