package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/tredjepart/tredjepart/localstack/emulate/gateway"
	"github.com/tredjepart/tredjepart/localstack/emulate/moto"
	"github.com/tredjepart/tredjepart/localstack/emulate/sqspoller"
	"github.com/tredjepart/tredjepart/localstack/emulate/streampoller"
	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/resources"
)

// consumers does what AWS's event source mappings do: each function that
// consumes a queue gets its batches, with partial batch failures.
func (s *stack) consumers(ctx context.Context, client *sqs.Client, queueURLs map[string]string, functions map[string]gateway.Invoker, logger *slog.Logger) map[string]*sqspoller.Poller {
	pollers := map[string]*sqspoller.Poller{}
	for _, fn := range resources.Functions {
		for _, c := range fn.Consumes {
			p := sqspoller.Start(ctx, client, functions[fn.ID], sqspoller.Options{
				QueueURL: queueURLs[c.Queue], BatchSize: c.BatchSize, ReportBatchItemFailures: true,
				Logger: logger.With("queue", c.Queue, "function", fn.ID),
			})
			s.stop = append(s.stop, p.Stop)
			pollers[c.Queue] = p
		}
	}
	return pollers
}

// followers does what AWS's DynamoDB Streams event source mappings do: each
// function that follows a table's stream gets its records in order, from
// when the stack started (see followerOptions).
func (s *stack) followers(ctx context.Context, client *dynamodbstreams.Client, queues *sqs.Client, streams, deadLetters map[string]string, functions map[string]gateway.Invoker, logger *slog.Logger) {
	for _, fn := range resources.Functions {
		for _, table := range fn.Follows {
			o := followerOptions(fn, table, streams, deadLetters)
			o.SQS, o.Logger = queues, logger.With("stream", table, "function", fn.ID)
			p := streampoller.Start(ctx, client, functions[fn.ID], o)
			s.stop = append(s.stop, p.Stop)
		}
	}
}

// followerOptions are the mapping of fn to table's stream: partial batch
// failures, and records fn failed resources.FollowRetry's retries of go,
// as an invocation record, to the dead-letter queue of its FollowFailures
// queue (deadLetters: URLs by the main queue's ID), as on AWS.
func followerOptions(fn resources.Function, table string, streams, deadLetters map[string]string) streampoller.Options {
	retry := resources.FollowRetry
	return streampoller.Options{
		StreamARN: streams[table], ReportBatchItemFailures: true, StartingPosition: streampoller.Latest,
		OnFailure:        deadLetters[fn.FollowFailures],
		FunctionARN:      "arn:aws:lambda:" + moto.Region + ":" + moto.Account + ":function:" + fn.ID,
		MaxRetryAttempts: retry.Attempts, MaxRecordAge: retry.MaxRecordAge, BisectBatchOnError: retry.Bisect,
	}
}

// dailyCron is the one form of schedule the local tick understands:
// cron(<minute> <hour> * * ? *), every day.
var dailyCron = regexp.MustCompile(`^cron\((\d{1,2}) (\d{1,2}) \* \* \? \*\)$`)

// nextRun is the first time after now that a daily schedule fires.
func nextRun(sch resources.Schedule, now time.Time) (time.Time, error) {
	m := dailyCron.FindStringSubmatch(sch.Expression)
	if m == nil {
		return time.Time{}, fmt.Errorf("schedule %s: the local tick runs only daily cron(M H * * ? *), not %s", sch.ID, sch.Expression)
	}
	loc, err := time.LoadLocation(sch.Timezone)
	if err != nil {
		return time.Time{}, err
	}
	minute, _ := strconv.Atoi(m[1])
	hour, _ := strconv.Atoi(m[2])
	local := now.In(loc)
	at := time.Date(local.Year(), local.Month(), local.Day(), hour, minute, 0, 0, loc)
	if !at.After(now) {
		at = time.Date(local.Year(), local.Month(), local.Day()+1, hour, minute, 0, 0, loc)
	}
	return at, nil
}

// schedules fires each schedule's function at its time on the stack's
// clock, which NOW may have set anywhere: what EventBridge Scheduler does.
func (s *stack) schedules(ctx context.Context, functions map[string]gateway.Invoker, logger *slog.Logger) error {
	for _, sch := range resources.Schedules {
		if _, err := nextRun(sch, s.clock.Now()); err != nil {
			return err
		}
		go func() {
			for {
				at, _ := nextRun(sch, s.clock.Now())
				select {
				case <-ctx.Done():
					return
				case <-time.After(at.Sub(s.clock.Now())):
				}
				out, err := functions[sch.Function].Invoke(ctx, []byte(`{}`))
				logger.Info("schedule fired", "schedule", sch.ID, "at", at.Format(time.RFC3339), "output", string(out), "error", err)
			}
		}()
	}
	return nil
}

// defaultDeliverTimeout bounds a delivery by hand: the demo data takes
// seconds, and jobs that have not drained by then will not.
const defaultDeliverTimeout = 5 * time.Minute

// deliverHandler runs the fan-out for ?day= by hand, waits until the shard
// workers have put every job on the delivery queue and that is drained, and
// answers with what the fan-out sent. All of it is bounded by ?timeout= (a
// Go duration; defaultDeliverTimeout without one): past it, it answers 504
// with what is left, rather than wait for ever on work that never ends.
func deliverHandler(fanOut gateway.Invoker, shards, jobs *sqspoller.Poller, logs string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		day := r.URL.Query().Get("day")
		if _, err := metervalues.ParseDay(day); err != nil {
			http.Error(w, "day: want an Oslo date such as 2026-11-27", http.StatusBadRequest)
			return
		}
		timeout := defaultDeliverTimeout
		if t := r.URL.Query().Get("timeout"); t != "" {
			var err error
			if timeout, err = time.ParseDuration(t); err != nil || timeout <= 0 {
				http.Error(w, "timeout: want a duration such as 5m", http.StatusBadRequest)
				return
			}
		}
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		fail := func(what string, err error) {
			status := http.StatusInternalServerError
			if ctx.Err() != nil {
				status = http.StatusGatewayTimeout
				err = fmt.Errorf("not done within %v: %w", timeout, err)
			}
			http.Error(w, fmt.Sprintf("%s: %v (the functions' logs are in %s)", what, err, logs), status)
		}
		payload, _ := json.Marshal(map[string]string{"day": day})
		out, err := fanOut.Invoke(ctx, payload)
		if err != nil {
			fail("fan-out", err)
			return
		}
		if err := shards.Drain(ctx); err != nil {
			fail("fan-out shards", err)
			return
		}
		if err := jobs.Drain(ctx); err != nil {
			fail("delivery jobs", err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(append(out, '\n'))
	})
}
