package dailyrun

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tredjepart/tredjepart/shared/delivery"
	"github.com/tredjepart/tredjepart/shared/function"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/inmem"
	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/tracing"
	"github.com/tredjepart/tredjepart/shared/webhook"
)

// Two records sent under two traces.
var recordTraces = []string{
	"Root=1-66666666-000000000000000000000001;Parent=1111111111111111;Sampled=1",
	"Root=1-66666666-000000000000000000000002;Parent=2222222222222222;Sampled=1",
}

// traceIDs are the trace ids of the log lines with message msg, in order.
func traceIDs(t *testing.T, logs *bytes.Buffer, msg string) []string {
	t.Helper()
	var ids []string
	for line := range strings.Lines(logs.String()) {
		var l map[string]any
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatal(err)
		}
		if l["msg"] == msg {
			id, _ := l[tracing.LogKey].(string)
			ids = append(ids, id)
		}
	}
	return ids
}

func roots(headers []string) []string {
	var ids []string
	for _, h := range headers {
		p, _ := tracing.Parse(h)
		ids = append(ids, p.Root)
	}
	return ids
}

// tracedJobs keeps the trace each job was sent under.
type tracedJobs struct{ headers []string }

func (j *tracedJobs) Send(ctx context.Context, jobs []delivery.Job) error {
	for range jobs {
		j.headers = append(j.headers, tracing.Outgoing(ctx))
	}
	return nil
}

// Each shard is worked, logged and its jobs sent under its sender's trace.
func TestAShardIsWorkedUnderItsOwnTrace(t *testing.T) {
	t.Setenv("_X_AMZN_TRACE_ID", "")
	const tp ident.GLN = "7080005051286"
	stores := inmem.Open()
	if err := stores.Parties.RegisterThirdParty(context.Background(), registry.ThirdParty{GLN: tp, Name: "tp"}); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	jobs := &tracedJobs{}
	h := &FanOutShardHandler{Logger: function.NewLogger(&logs, slog.LevelInfo, "fanoutshard"),
		Worker: &delivery.ShardWorker{ThirdParties: stores.Parties, Grants: twelvePoints{}, Jobs: jobs}}
	var ev events.SQSEvent
	for i, header := range recordTraces {
		body, _ := json.Marshal(delivery.ShardTask{ThirdParty: tp, Day: "2026-11-27", Shard: i})
		ev.Records = append(ev.Records, events.SQSMessage{MessageId: string(rune('a' + i)), Body: string(body),
			Attributes: map[string]string{tracing.SQSAttribute: header}})
	}
	if res, err := h.Handle(context.Background(), ev); err != nil || len(res.BatchItemFailures) > 0 {
		t.Fatalf("%+v %v", res, err)
	}
	want := roots(recordTraces)
	if got := traceIDs(t, &logs, "fan-out shard"); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("shard lines under traces %v, want %v", got, want)
	}
	if len(jobs.headers) == 0 || jobs.headers[0] != recordTraces[0] || jobs.headers[len(jobs.headers)-1] != recordTraces[1] {
		t.Errorf("jobs sent under %v", jobs.headers)
	}
}

// Each delivery job is logged under its sender's trace.
func TestAJobIsLoggedUnderItsOwnTrace(t *testing.T) {
	t.Setenv("_X_AMZN_TRACE_ID", "")
	stores := inmem.Open()
	var logs bytes.Buffer
	h := &DeliveryHandler{Deliverer: &delivery.Deliverer{ThirdParties: stores.Parties, Store: stores.Outbox},
		Webhooks: &webhook.Service{Store: stores.Webhooks}, Logger: function.NewLogger(&logs, slog.LevelInfo, "delivery")}
	var ev events.SQSEvent
	for i, header := range recordTraces {
		ev.Records = append(ev.Records, events.SQSMessage{MessageId: string(rune('a' + i)), Body: "not a job",
			Attributes: map[string]string{tracing.SQSAttribute: header}})
	}
	if res, err := h.Handle(context.Background(), ev); err != nil || len(res.BatchItemFailures) != 2 {
		t.Fatalf("%+v %v", res, err)
	}
	want := roots(recordTraces)
	if got := traceIDs(t, &logs, "delivery job failed"); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("job lines under traces %v, want %v", got, want)
	}
}
