//go:build integration

package e2e_test

// What an operator sees of one day's delivery, end to end on a moto of its
// own with the functions' bootstraps under the Lambda emulator: the day
// replayed through the admin API, the shards and jobs fed by the SQS poller
// as Lambda feeds them, and then (a) the EMF metric lines in the functions'
// logs, with the counts of what the test set up, and (b) one trace from the
// API call through both queues to each delivery's log line, with the SDK
// calls' subsegments recorded in the trace file.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/shopspring/decimal"

	"github.com/tredjepart/tredjepart/localstack/emulate/gateway"
	"github.com/tredjepart/tredjepart/localstack/emulate/lambdaenv"
	"github.com/tredjepart/tredjepart/localstack/emulate/provision"
	"github.com/tredjepart/tredjepart/localstack/emulate/rie"
	"github.com/tredjepart/tredjepart/localstack/emulate/sqspoller"
	"github.com/tredjepart/tredjepart/localstack/harness/testenv"
	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/dynamo"
	"github.com/tredjepart/tredjepart/shared/grant"
	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/metrics"
	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/resources"
	"github.com/tredjepart/tredjepart/shared/tracing"
)

// emulatedStack is the functions a test runs under the Lambda emulator,
// each with its output, on a moto and stack of the test's own.
type emulatedStack struct {
	cfg       aws.Config
	stack     provision.Stack
	functions map[string]*rie.Function
	logs      map[string]*logTail
	traceFile string
}

// emulateFunctions builds the bootstraps of the functions named, as `make
// build` does, and starts each under the Lambda emulator with its
// environment as on AWS and the local stack's trace file.
func emulateFunctions(t *testing.T, settings map[string]string, fns ...resources.Function) *emulatedStack {
	t.Helper()
	cfg := testenv.StartMoto(t)
	stack, err := provision.Provision(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	args := []string{"build", "-tags", "lambda.norpc", "-trimpath", "-ldflags", "-s -w", "-o", dir + "/"}
	for _, fn := range fns {
		args = append(args, "../../functions/"+fn.Dir)
	}
	build := exec.Command("go", args...)
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	emulator, err := rie.Find()
	if err != nil {
		t.Fatal(err)
	}
	creds, err := cfg.Credentials.Retrieve(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	e := &emulatedStack{cfg: cfg, stack: stack, functions: map[string]*rie.Function{}, logs: map[string]*logTail{},
		traceFile: filepath.Join(dir, "traces.jsonl")}
	for _, fn := range fns {
		env, err := lambdaenv.Env(fn, stack.Deployment(settings), lambdaenv.Process{
			Region: cfg.Region, AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey,
			Additions: map[string]string{"AWS_ENDPOINT_URL": aws.ToString(cfg.BaseEndpoint), tracing.FileEnv: e.traceFile},
		})
		if err != nil {
			t.Fatal(err)
		}
		log := &logTail{}
		f, err := rie.Start(t.Context(), emulator, filepath.Join(dir, fn.Dir), env, log)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = f.Stop() })
		e.functions[fn.ID], e.logs[fn.ID] = f, log
	}
	return e
}

// drain feeds queue to the function until the queue is empty.
func (e *emulatedStack) drain(t *testing.T, queue, functionID string, batch int) {
	t.Helper()
	p := sqspoller.Start(t.Context(), sqs.NewFromConfig(e.cfg), e.functions[functionID], sqspoller.Options{
		QueueURL: e.stack.QueueURLs[queue], BatchSize: batch, VisibilityTimeout: 30 * time.Second, ReportBatchItemFailures: true,
		Logger: slog.New(slog.NewTextHandler(testLog{t}, nil)),
	})
	defer p.Stop()
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	if err := p.Drain(ctx); err != nil {
		t.Fatalf("drain %s: %v\n%s", queue, err, e.logs[functionID].problems())
	}
}

// lines are the JSON lines a function logged (the emulator's own lines are
// not JSON).
func (e *emulatedStack) lines(t *testing.T, functionID string) []map[string]any {
	t.Helper()
	log := e.logs[functionID]
	log.mu.Lock()
	defer log.mu.Unlock()
	var lines []map[string]any
	for line := range strings.Lines(string(log.buf)) {
		var l map[string]any
		if json.Unmarshal([]byte(line), &l) == nil {
			lines = append(lines, l)
		}
	}
	return lines
}

// subsegments are the trace file's documents.
func (e *emulatedStack) subsegments(t *testing.T) []tracing.Subsegment {
	t.Helper()
	f, err := os.Open(e.traceFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var segs []tracing.Subsegment
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var s tracing.Subsegment
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			t.Fatalf("trace file line %q: %v", sc.Text(), err)
		}
		segs = append(segs, s)
	}
	return segs
}

// emfCounts sums the EMF metric lines by metric and dimension values
// ("DeliveryPointsDone/written"; the metric alone without dimensions).
func emfCounts(lines []map[string]any) map[string]int {
	counts := map[string]int{}
	for _, l := range lines {
		aws, ok := l["_aws"].(map[string]any)
		if !ok {
			continue
		}
		directives, _ := aws["CloudWatchMetrics"].([]any)
		for _, d := range directives {
			directive, _ := d.(map[string]any)
			defs, _ := directive["Metrics"].([]any)
			for _, m := range defs {
				name, _ := m.(map[string]any)["Name"].(string)
				value, _ := l[name].(float64)
				key := name
				for _, dim := range []string{metrics.KindDimension, metrics.OutcomeDimension} {
					if v, ok := l[dim].(string); ok {
						key += "/" + v
					}
				}
				counts[key] += int(value)
			}
		}
	}
	return counts
}

func TestDeliveryRunIsCountedAndTracedFromTheAdminAPI(t *testing.T) {
	e := emulateFunctions(t, map[string]string{"ADMIN_OPERATOR_CLIENTS": operator}, resources.Admin, resources.FanOutShard, resources.Delivery)
	w := serveFunctions(t, httptest.NewUnstartedServer(nil), map[string]gateway.Invoker{resources.AdminFunctionID: e.functions[resources.AdminFunctionID]})
	tp := w.registerThirdParty(t)

	// Three metering points granted to the third party; the day's values
	// have arrived for two of them.
	const day = "2026-11-03"
	ctx := t.Context()
	stores := dynamo.Open(dynamodb.NewFromConfig(e.cfg), e.stack.Tables)
	moveIn := registry.Date(2024, 1, 1)
	d, err := metervalues.ParseDay(day)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		mp := freshGSRN(t)
		if _, err := stores.MeteringPoints.PutMeteringPoint(ctx, registry.MeteringPoint{ID: mp, AccountingPoint: true, Resolution: metervalues.PT60M,
			GridArea: testGridArea, Occupancies: []registry.Occupancy{{EndUser: "p1_operations", MoveIn: moveIn}}}); err != nil {
			t.Fatal(err)
		}
		if err := stores.Grants.PutGrant(ctx, grant.New(tp.gln, mp, accessrequest.Full, "p1_operations", "", moveIn, time.Now())); err != nil {
			t.Fatal(err)
		}
		if i == 2 {
			continue
		}
		qs := make([]metervalues.Quantity, metervalues.SlotsOn(d, metervalues.PT60M))
		for j := range qs {
			qs[j] = metervalues.Quantity{Value: decimal.RequireFromString("0.5"), Quality: metervalues.Measured}
		}
		if _, _, err := stores.MeterValues.PutDay(ctx, metervalues.Series{MeteringPoint: mp, Day: d, Resolution: metervalues.PT60M, Quantities: qs}); err != nil {
			t.Fatal(err)
		}
	}

	trace := tracing.NewTrace(time.Now())
	replay := w.call(t, operator, "POST", "/v1/admin/deliveries/"+day, "", tracing.HeaderName, trace.String()).expect(t, http.StatusAccepted)
	if shards, _ := replay.body["shards"].(float64); shards < 1 {
		t.Fatalf("the replay sent no shards: %v", replay.body)
	}
	e.drain(t, resources.FanOutShardsQueueID, resources.FanOutShardFunctionID, 1)
	e.drain(t, resources.DeliveryJobsQueueID, resources.DeliveryFunctionID, 10)

	// (a) The metrics: the points due, the documents written and the
	// points done, by how.
	counts := emfCounts(append(e.lines(t, resources.FanOutShardFunctionID), e.lines(t, resources.DeliveryFunctionID)...))
	want := map[string]int{
		metrics.DeliveryPointsDue:                              3,
		metrics.DocumentsDelivered + "/" + metrics.KindDaily:   2,
		metrics.DeliveryPointsDone + "/" + metrics.DueWritten:  2,
		metrics.DeliveryPointsDone + "/" + metrics.DueAwaited:  1,
		metrics.DeliveryPointsDone + "/" + metrics.DueNoAccess: 0,
	}
	for key, n := range want {
		if counts[key] != n {
			t.Errorf("EMF %s = %d, want %d (all: %v)", key, counts[key], n, counts)
		}
	}

	// (b) One trace: the API call's, in each shard's line and each
	// delivery's line, and in the admin's line for the call.
	logged := func(functionID, msg string) (n int, others []string) {
		for _, l := range e.lines(t, functionID) {
			if l["msg"] != msg {
				continue
			}
			n++
			if id, _ := l[tracing.LogKey].(string); id != trace.Root {
				others = append(others, fmt.Sprint(l[tracing.LogKey]))
			}
		}
		return n, others
	}
	for _, c := range []struct{ function, msg string }{
		{resources.FanOutShardFunctionID, "fan-out shard"},
		{resources.DeliveryFunctionID, "delivered"},
	} {
		n, others := logged(c.function, c.msg)
		if n == 0 || len(others) > 0 {
			t.Errorf("%s: %d %q lines, under other traces than %s: %v", c.function, n, c.msg, trace.Root, others)
		}
	}
	// The admin's line for this call is the last: the registration came first.
	adminLines := e.lines(t, resources.AdminFunctionID)
	if last := adminLines[len(adminLines)-1]; last[tracing.LogKey] != trace.Root || last["route"] != "POST /v1/admin/deliveries/{day}" {
		t.Errorf("the replay's request line %v", last)
	}

	// The SDK calls of all three functions, recorded under the trace: the
	// shards sent, the jobs sent, the documents written.
	calls := map[string]int{}
	for _, s := range e.subsegments(t) {
		if s.TraceID != trace.Root {
			continue
		}
		calls[s.Name+" "+s.AWS.Operation]++
		// No parent: on AWS the function's segment (Lambda's Parent=), which
		// the emulator has none of.
		if s.HTTP == nil || s.HTTP.Response.Status != http.StatusOK || s.Type != "subsegment" || s.EndTime < s.StartTime {
			t.Errorf("subsegment %+v", s)
		}
	}
	if calls["SQS SendMessageBatch"] < 2 || calls["DynamoDB TransactWriteItems"]+calls["DynamoDB PutItem"] == 0 {
		t.Errorf("the trace's SDK calls %v: want the shards and the jobs sent (SQS SendMessageBatch) and documents written (DynamoDB)", calls)
	}
}
