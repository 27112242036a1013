//go:build integration

package e2e_test

// BenchmarkDeliverOneDay: one day's delivery for many metering points on
// the local stack, fan-out to outbox, with what it would cost on AWS.

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/tredjepart/tredjepart/localstack/emulate/gateway"
	"github.com/tredjepart/tredjepart/localstack/emulate/lambdaenv"
	"github.com/tredjepart/tredjepart/localstack/emulate/rie"
	"github.com/tredjepart/tredjepart/localstack/emulate/sqspoller"
	"github.com/tredjepart/tredjepart/localstack/harness/testenv"
	"github.com/tredjepart/tredjepart/localstack/tools/ddbusage"
	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/dailyrun"
	"github.com/tredjepart/tredjepart/shared/delivery"
	"github.com/tredjepart/tredjepart/shared/dynamo"
	"github.com/tredjepart/tredjepart/shared/grant"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/pseudonym"
	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/resources"
	"github.com/tredjepart/tredjepart/shared/synthetic"
)

// BenchmarkDeliverOneDay measures one day's delivery end to end on moto for
// BENCH_POINTS metering points (10000 unless set), each with master data, the
// day's PT60M values and an active full grant for the first demo third
// party. Each iteration delivers two fresh days:
//
//   - in-process: the fan-out (coordinator, then shard worker fed by
//     sqspoller) and the delivery built by their builders with
//     every AWS call counted (DynamoDB requests and modelled capacity by
//     ddbusage, SQS requests and messages), the delivery fed by sqspoller;
//   - under the Lambda emulator: the same fan-out, and the delivery as its
//     real bootstrap under aws-lambda-rie, fed by sqspoller, for wall time
//     and the bootstrap's peak memory (VmHWM); its DynamoDB requests are
//     counted by a proxy between it and moto.
//
// Both check that every metering point has exactly one document in the
// outbox. The table goes to b.Logf and, when BENCH_LATENCIES names a folder,
// to delivery-one-day.md there (make bench).
func BenchmarkDeliverOneDay(b *testing.B) {
	n := 10000
	if s := os.Getenv("BENCH_POINTS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n <= 0 {
			b.Fatalf("BENCH_POINTS=%q: want a positive number", s)
		}
	}
	set := seedDeliveryPoints(b, n)
	env := testenv.Get(b)
	emulated := emulatedDelivery(b)

	var inProcess, underEmulator deliveryRun
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		dayA, dayB := set.seedDay(b), set.seedDay(b)
		b.StartTimer()

		deliveryCounter := newAWSCounter(env.Stack.Tables[resources.OutboxTableID])
		functionEnv := env.Stack.Env()
		h, err := dailyrun.DeliveryLambda(context.Background(), deliveryCounter.config(env.Config), func(k string) string { return functionEnv[k] }, warnings)
		if err != nil {
			b.Fatal(err)
		}
		inProcess = set.deliver(b, dayA, lambda.NewHandler(h), nil)
		inProcess.delivery = deliveryCounter

		emulated.proxy.reset()
		underEmulator = set.deliver(b, dayB, emulated.fn, emulated.log.problems)
		underEmulator.proxiedDynamoDB, underEmulator.proxiedSQS = emulated.proxy.snapshot()
		underEmulator.peakKB, underEmulator.rssKB = emulated.memory(b)
	}
	b.StopTimer()

	b.ReportMetric(float64(underEmulator.documents)/underEmulator.deliveryTime.Seconds(), "deliveries/s")
	b.ReportMetric(float64(underEmulator.peakKB)/1024, "peak-MB")
	table := deliveryTable(set, inProcess, underEmulator)
	b.Logf("one day's delivery, %d metering points:\n%s", n, table)
	// The testing package cuts a benchmark's log to ten lines.
	fmt.Fprintf(os.Stderr, "one day's delivery, %d metering points:\n%s", n, table)
	if dir := os.Getenv("BENCH_LATENCIES"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, "delivery-one-day.md"), []byte(table), 0o644); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "delivery-cost.tsv"), []byte(deliveryCosts(set, inProcess)), 0o644); err != nil {
			b.Fatal(err)
		}
	}
}

// deliveryCosts is the in-process run's cost per metering-point-day set
// against its floor, as label<TAB>measured<TAB>floor lines for benchplot -cost.
func deliveryCosts(set *deliverySet, in deliveryRun) string {
	perDay := func(v float64) float64 { return v / float64(in.points) }
	fanOut, delivery := in.fanOut.meter.Usage(), in.delivery.meter.Usage()
	sqsMessages := in.fanOut.messages["sent"] + in.poller.messages["received"]
	rows := []struct {
		label           string
		measured, floor float64
	}{
		{"DynamoDB requests", perDay(float64(fanOut.TotalRequests() + delivery.TotalRequests())), 1.01},
		{"read units", perDay(fanOut.ReadUnits + delivery.ReadUnits), float64(set.dayItemBytes) / 8192},
		{"write units", perDay(delivery.WriteUnits + in.delivery.indexWU), 2},
		{"SQS messages sent and received", perDay(float64(sqsMessages)), 0.2},
	}
	var out strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&out, "%s\t%.4f\t%.4f\n", r.label, r.measured, r.floor)
	}
	return out.String()
}

// deliveryRun is what one day's delivery took.
type deliveryRun struct {
	day                      time.Time
	points                   int // what the fan-out covered: the metering points in its jobs
	documents                int // verified in the outbox, one per seeded metering point
	fanOutTime, deliveryTime time.Duration
	fanOut, poller, delivery *awsCounter    // delivery only when in-process
	proxiedDynamoDB          map[string]int // the bootstrap's requests, by operation
	proxiedSQS               map[string]int
	peakKB, rssKB            int // the bootstrap's, under the emulator
	documentBytes            int // the average outbox item, by DynamoDB's size rules
}

// deliver runs day's fan-out in-process (the coordinator, then its shard
// messages fed to the shard worker until that queue is drained), then feeds
// the jobs queue to fn until it is drained, and checks the outbox.
// problems, if not nil, says what the function logged when a job fails.
func (s *deliverySet) deliver(b *testing.B, day time.Time, fn gateway.Invoker, problems func() string) deliveryRun {
	env := testenv.Get(b)
	ctx := context.Background()
	functionEnv := env.Stack.Env()
	r := deliveryRun{day: day, fanOut: newAWSCounter(""), poller: newAWSCounter("")}

	h, err := dailyrun.FanOutLambda(ctx, r.fanOut.config(env.Config), func(k string) string { return functionEnv[k] }, quiet)
	if err != nil {
		b.Fatal(err)
	}
	fanOut := h.(func(context.Context, dailyrun.FanOutInput) (dailyrun.FanOutOutput, error))
	shardWorker, err := dailyrun.FanOutShardLambda(ctx, r.fanOut.config(env.Config), func(k string) string { return functionEnv[k] }, quiet)
	if err != nil {
		b.Fatal(err)
	}
	started := time.Now()
	if _, err := fanOut(ctx, dailyrun.FanOutInput{Day: day.Format(metervalues.DayLayout)}); err != nil {
		b.Fatalf("fan-out: %v", err)
	}
	shards := sqspoller.Start(ctx, sqs.NewFromConfig(r.poller.config(env.Config)), lambda.NewHandler(shardWorker), sqspoller.Options{
		QueueURL: env.Stack.QueueURLs[resources.FanOutShardsQueueID], BatchSize: 1,
		ReportBatchItemFailures: true, Logger: warnings,
	})
	drainCtx, cancel := context.WithTimeout(ctx, 30*time.Minute)
	err = shards.Drain(drainCtx)
	r.fanOutTime = time.Since(started)
	cancel()
	shards.Stop()
	if err != nil {
		b.Fatalf("fan-out shards: %v", err)
	}
	r.points = r.fanOut.jobPoints

	dead := deadJobs(b)
	started = time.Now()
	p := sqspoller.Start(ctx, sqs.NewFromConfig(r.poller.config(env.Config)), fn, sqspoller.Options{
		QueueURL: env.Stack.QueueURLs[resources.DeliveryJobsQueueID], BatchSize: 10,
		ReportBatchItemFailures: true, Logger: warnings,
	})
	drainCtx, cancel = context.WithTimeout(ctx, 30*time.Minute)
	err = p.Drain(drainCtx)
	r.deliveryTime = time.Since(started)
	cancel()
	p.Stop()
	if err == nil && deadJobs(b) > dead {
		err = fmt.Errorf("%d jobs ended in the dead-letter queue", deadJobs(b)-dead)
	}
	if err != nil {
		if problems != nil {
			b.Log("the function's output:\n" + problems())
		}
		b.Fatal(err)
	}

	b.StopTimer()
	r.documents, r.documentBytes = s.verify(b, day)
	b.StartTimer()
	return r
}

// warnings logs what the poller reports about failed batches.
var warnings = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

// deadJobs is the number of messages in the jobs queue's dead-letter queue.
func deadJobs(b *testing.B) int {
	env := testenv.Get(b)
	out, err := sqs.NewFromConfig(env.Config).GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{
		QueueUrl:       aws.String(env.Stack.DeadLetters[resources.DeliveryJobsQueueID]),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages},
	})
	if err != nil {
		b.Fatal(err)
	}
	n, _ := strconv.Atoi(out.Attributes[string(sqstypes.QueueAttributeNameApproximateNumberOfMessages)])
	return n
}

// verify checks that every seeded metering point has exactly one document
// of day in the outbox, and returns how many there are and their average size.
func (s *deliverySet) verify(b *testing.B, day time.Time) (int, int) {
	env := testenv.Get(b)
	db := dynamodb.NewFromConfig(env.Config)
	dayText := day.Format(metervalues.DayLayout)
	perPoint := map[ident.GSRN]int{}
	documents, bytes := 0, 0
	for _, partition := range dynamo.DocumentPartitions(s.thirdParty) {
		pages := dynamodb.NewQueryPaginator(db, &dynamodb.QueryInput{
			TableName:                 aws.String(env.Stack.Tables[resources.OutboxTableID]),
			KeyConditionExpression:    aws.String("pk = :p AND begins_with(sk, :doc)"),
			FilterExpression:          aws.String("#day = :day"),
			ExpressionAttributeNames:  map[string]string{"#day": "day"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":p": &types.AttributeValueMemberS{Value: partition}, ":doc": &types.AttributeValueMemberS{Value: "DOC#"}, ":day": &types.AttributeValueMemberS{Value: dayText}},
		})
		for pages.HasMorePages() {
			page, err := pages.NextPage(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			for _, item := range page.Items {
				mp, _ := item["meteringPointId"].(*types.AttributeValueMemberS)
				if mp == nil {
					b.Fatalf("an outbox document without a metering point: %v", item["sk"])
				}
				perPoint[ident.GSRN(mp.Value)]++
				documents++
				bytes += ddbusage.ItemSize(item)
			}
		}
	}
	for _, mp := range s.points {
		if got := perPoint[mp.ID]; got != 1 {
			b.Fatalf("%s has %d documents for %s in the outbox, want 1", mp.ID, got, dayText)
		}
	}
	if documents != len(s.points) {
		b.Fatalf("%d documents for %s in the outbox, for %d metering points", documents, dayText, len(s.points))
	}
	return documents, bytes / max(documents, 1)
}

// deliverySet is the seeded metering points, with their grants.
type deliverySet struct {
	thirdParty   ident.GLN
	options      synthetic.Options
	points       []registry.MeteringPoint
	dayItemBytes int // the average day item, by DynamoDB's size rules
}

var (
	deliverySetOnce sync.Once
	deliverySeeded  *deliverySet
	deliverySetErr  error
	deliveryDays    atomic.Int64 // days handed out so far
)

// seedDeliveryPoints stores n metering points, each with master data and an
// active full grant for the first demo third party, writing the items the
// stores would write in batches of 25 (setup, not measured).
func seedDeliveryPoints(b *testing.B, n int) *deliverySet {
	deliverySetOnce.Do(func() {
		env := testenv.Get(b)
		data, _ := testenv.Demo(b)
		today := metervalues.Date(time.Now())
		s := &deliverySet{thirdParty: data.ThirdParties[0].GLN,
			options: synthetic.Options{Points: n, From: today.AddDate(0, -1, 0), To: today, Seed: 31}}
		capture := newCapture(env.Config)
		tables := env.Stack.Tables
		stores := dynamo.Open(capture.client, tables)
		moveIn := today.AddDate(-1, 0, 0)
		now := time.Now()
		for i := range n {
			mp := synthetic.MeteringPoint(s.options, constantPeople("p1_delivery_bench"), 7_000_000+i)
			mp.Resolution = metervalues.PT60M
			owner := pseudonym.EndUserID(fmt.Sprintf("p1_delivery_bench_%07d", i))
			mp.Occupancies = []registry.Occupancy{{EndUser: owner, DisplayName: "Bench Mark", MoveIn: moveIn}}
			if _, err := stores.MeteringPoints.PutMeteringPoint(context.Background(), mp); err != nil {
				deliverySetErr = err
				return
			}
			if err := stores.Grants.PutGrant(context.Background(), grant.New(s.thirdParty, mp.ID, accessrequest.Full, owner, "", moveIn, now)); err != nil {
				deliverySetErr = err
				return
			}
			s.points = append(s.points, mp)
			if (i+1)%1000 == 0 || i == n-1 {
				if deliverySetErr = writeBatches(context.Background(), env.Config, capture.take()); deliverySetErr != nil {
					return
				}
				fmt.Fprintf(os.Stderr, "seeded master data and grants of %d of %d metering points\n", i+1, n)
			}
		}
		deliverySeeded = s
	})
	if deliverySetErr != nil {
		b.Fatal(deliverySetErr)
	}
	return deliverySeeded
}

// seedDay stores a day no run has delivered yet for every metering point.
func (s *deliverySet) seedDay(b *testing.B) time.Time {
	env := testenv.Get(b)
	day := metervalues.Date(time.Now()).AddDate(0, 0, -3-int(deliveryDays.Add(1)))
	capture := newCapture(env.Config)
	values := dynamo.Open(capture.client, env.Stack.Tables).MeterValues
	bytes := 0
	for i, mp := range s.points {
		series := synthetic.Day(s.options, mp, day, 1)
		series.ReceivedAt = day.Add(30 * time.Hour)
		if _, _, err := values.PutDay(context.Background(), series); err != nil {
			b.Fatal(err)
		}
		if (i+1)%1000 == 0 || i == len(s.points)-1 {
			items := capture.take()
			for _, it := range items {
				bytes += ddbusage.ItemSize(it.item)
			}
			if err := writeBatches(context.Background(), env.Config, items); err != nil {
				b.Fatal(err)
			}
			fmt.Fprintf(os.Stderr, "seeded %s for %d of %d metering points\n", day.Format(metervalues.DayLayout), i+1, len(s.points))
		}
	}
	s.dayItemBytes = bytes / len(s.points)
	return day
}

// tableItem is an item to put in a table.
type tableItem struct {
	table string
	item  map[string]types.AttributeValue
}

// capture is a DynamoDB client that sends nothing: it answers reads with
// nothing found and keeps the items that writes would put, so the stores'
// own code makes the items and the seeding writes them in batches.
type capture struct {
	client *dynamodb.Client
	mu     sync.Mutex
	items  []tableItem
}

func newCapture(cfg aws.Config) *capture {
	c := &capture{}
	c.client = dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
			return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("capture", c.answer), middleware.Before)
		})
	})
	return c
}

func (c *capture) answer(_ context.Context, in middleware.InitializeInput, _ middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var result any
	switch p := in.Parameters.(type) {
	case *dynamodb.GetItemInput:
		result = &dynamodb.GetItemOutput{}
	case *dynamodb.QueryInput:
		result = &dynamodb.QueryOutput{}
	case *dynamodb.PutItemInput:
		c.items = append(c.items, tableItem{aws.ToString(p.TableName), p.Item})
		result = &dynamodb.PutItemOutput{}
	case *dynamodb.TransactWriteItemsInput:
		for _, it := range p.TransactItems {
			if it.Put == nil {
				return middleware.InitializeOutput{}, middleware.Metadata{}, fmt.Errorf("capture: a transaction does more than put")
			}
			c.items = append(c.items, tableItem{aws.ToString(it.Put.TableName), it.Put.Item})
		}
		result = &dynamodb.TransactWriteItemsOutput{}
	default:
		return middleware.InitializeOutput{}, middleware.Metadata{}, fmt.Errorf("capture: %T is not captured", in.Parameters)
	}
	return middleware.InitializeOutput{Result: result}, middleware.Metadata{}, nil
}

// take returns the items captured since the last take.
func (c *capture) take() []tableItem {
	c.mu.Lock()
	defer c.mu.Unlock()
	items := c.items
	c.items = nil
	return items
}

// writeBatches writes items with BatchWriteItem, 25 a call, from a few
// goroutines, retrying what DynamoDB leaves unprocessed.
func writeBatches(ctx context.Context, cfg aws.Config, items []tableItem) error {
	db := dynamodb.NewFromConfig(cfg)
	chunks := make(chan []tableItem)
	errs := make(chan error, 4)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for chunk := range chunks {
				request := map[string][]types.WriteRequest{}
				for _, it := range chunk {
					request[it.table] = append(request[it.table], types.WriteRequest{PutRequest: &types.PutRequest{Item: it.item}})
				}
				for attempt := 0; len(request) > 0; attempt++ {
					if attempt == 10 {
						errs <- fmt.Errorf("batch write: items still unprocessed after %d attempts", attempt)
						return
					}
					time.Sleep(time.Duration(attempt*attempt) * 20 * time.Millisecond)
					out, err := db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: request})
					if err != nil {
						errs <- fmt.Errorf("batch write: %w", err)
						return
					}
					request = out.UnprocessedItems
				}
			}
		})
	}
	for chunk := range slices.Chunk(items, 25) {
		select {
		case chunks <- chunk:
		case err := <-errs:
			close(chunks)
			wg.Wait()
			return err
		}
	}
	close(chunks)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return nil
	}
}

// awsCounter counts the AWS calls of the clients made from its config:
// DynamoDB's through a ddbusage.Meter (plus the byArrival index's copy of
// each outbox document), SQS's by operation and message.
type awsCounter struct {
	meter    ddbusage.Meter
	metered  middleware.InitializeMiddleware // the meter's middleware
	outbox   string
	mu       sync.Mutex
	sqs      map[string]int // successful requests by operation
	messages map[string]int // sent, received, deleted
	empty    int            // receives that got nothing
	indexWU  float64        // byArrival's write units (model)
	// jobPoints is how many metering points the delivery jobs sent carry.
	jobPoints int
}

func newAWSCounter(outboxTable string) *awsCounter {
	c := &awsCounter{outbox: outboxTable, sqs: map[string]int{}, messages: map[string]int{}}
	var o dynamodb.Options
	c.meter.Option(&o)
	stack := middleware.NewStack("ddbusage", nil)
	for _, apply := range o.APIOptions {
		if err := apply(stack); err != nil {
			panic(err)
		}
	}
	var ok bool
	if c.metered, ok = stack.Initialize.Get("ddbusage"); !ok {
		panic("ddbusage.Meter.Option adds no middleware named ddbusage")
	}
	return c
}

// config is cfg with every client made from it counted.
func (c *awsCounter) config(cfg aws.Config) aws.Config {
	cfg = cfg.Copy()
	cfg.APIOptions = append(slices.Clone(cfg.APIOptions), func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("benchcount", c.observe), middleware.After)
	})
	return cfg
}

func (c *awsCounter) observe(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
	name := fmt.Sprintf("%T", in.Parameters)
	if strings.HasPrefix(name, "*dynamodb.") {
		out, md, err := c.metered.HandleInitialize(ctx, in, next)
		if p, ok := in.Parameters.(*dynamodb.PutItemInput); ok && err == nil && aws.ToString(p.TableName) == c.outbox && p.Item["gsi1pk"] != nil {
			c.mu.Lock()
			c.indexWU += ddbusage.WriteUnits(ddbusage.ItemSize(p.Item)) // the index projects every attribute
			c.mu.Unlock()
		}
		return out, md, err
	}
	out, md, err := next.HandleInitialize(ctx, in)
	if err != nil || !strings.HasPrefix(name, "*sqs.") {
		return out, md, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sqs[strings.TrimSuffix(strings.TrimPrefix(name, "*sqs."), "Input")]++
	switch p := in.Parameters.(type) {
	case *sqs.SendMessageBatchInput:
		c.messages["sent"] += len(p.Entries)
		for _, e := range p.Entries {
			var job delivery.Job
			if json.Unmarshal([]byte(aws.ToString(e.MessageBody)), &job) == nil {
				c.jobPoints += len(job.MeteringPoints)
			}
		}
	case *sqs.SendMessageInput:
		c.messages["sent"]++
	case *sqs.ReceiveMessageInput:
		got := len(out.Result.(*sqs.ReceiveMessageOutput).Messages)
		c.messages["received"] += got
		if got == 0 {
			c.empty++
		}
	case *sqs.DeleteMessageBatchInput:
		c.messages["deleted"] += len(out.Result.(*sqs.DeleteMessageBatchOutput).Successful)
	case *sqs.DeleteMessageInput:
		c.messages["deleted"]++
	}
	return out, md, err
}

// emulated is the delivery bootstrap under the Lambda emulator, reaching
// moto through a proxy that counts its DynamoDB requests.
type emulated struct {
	fn        *rie.Function
	bootstrap string
	proxy     *countingProxy
	log       *logTail
}

// emulatedDelivery builds the delivery bootstrap and starts it under the
// Lambda emulator, as emulatedIntake does for the intake.
func emulatedDelivery(b *testing.B) *emulated {
	bootstrap := filepath.Join(b.TempDir(), "bootstrap")
	build := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags", "-s -w", "-o", bootstrap, "../../functions/delivery")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("build delivery: %v\n%s", err, out)
	}
	if resolved, err := filepath.EvalSymlinks(bootstrap); err == nil {
		bootstrap = resolved
	}
	emulator, err := rie.Find()
	if err != nil {
		b.Fatal(err)
	}
	env := testenv.Get(b)
	creds, err := env.Config.Credentials.Retrieve(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	proxy := newCountingProxy(b, env.Server.Endpoint)
	log := &logTail{}
	functionEnv, err := lambdaenv.Env(resources.Delivery, env.Stack.Deployment(nil), lambdaenv.Process{
		Region: env.Config.Region, AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey,
		Additions: map[string]string{"AWS_ENDPOINT_URL": proxy.url},
	})
	if err != nil {
		b.Fatal(err)
	}
	f, err := rie.Start(context.Background(), emulator, bootstrap, functionEnv, log)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = f.Stop() })
	// The emulator starts the bootstrap at the first invocation: start it
	// now, so that the measured delivery runs warm, as most of a day's
	// invocations do on Lambda.
	if _, err := f.Invoke(context.Background(), []byte(`{"Records":[]}`)); err != nil {
		b.Fatalf("warm-up invocation: %v", err)
	}
	return &emulated{fn: f, bootstrap: bootstrap, proxy: proxy, log: log}
}

// logTail keeps the end of the emulator's and the function's output.
type logTail struct {
	mu  sync.Mutex
	buf []byte
}

func (l *logTail) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	if over := len(l.buf) - 1<<20; over > 0 {
		l.buf = slices.Clone(l.buf[over:])
	}
	return len(p), nil
}

// problems are the lines that report errors, warnings or timeouts.
func (l *logTail) problems() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var lines []string
	for line := range strings.SplitSeq(string(l.buf), "\n") {
		if lower := strings.ToLower(line); strings.Contains(lower, "error") || strings.Contains(lower, "warn") || strings.Contains(lower, "timed out") {
			lines = append(lines, line)
		}
	}
	return strings.Join(lines[max(0, len(lines)-20):], "\n")
}

// memory reads the bootstrap's peak and current resident set (kB) from
// /proc. rie.Function does not expose its processes, so the bootstrap is
// found by its executable, which is this benchmark's own build.
func (e *emulated) memory(b *testing.B) (peak, rss int) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		b.Fatal(err)
	}
	for _, entry := range entries {
		if _, err := strconv.Atoi(entry.Name()); err != nil {
			continue
		}
		if exe, err := os.Readlink(filepath.Join("/proc", entry.Name(), "exe")); err != nil || exe != e.bootstrap {
			continue
		}
		status, err := os.ReadFile(filepath.Join("/proc", entry.Name(), "status"))
		if err != nil {
			b.Fatal(err)
		}
		for line := range strings.SplitSeq(string(status), "\n") {
			fields := strings.Fields(line)
			if len(fields) < 2 {
				continue
			}
			switch fields[0] {
			case "VmHWM:":
				peak, _ = strconv.Atoi(fields[1])
			case "VmRSS:":
				rss, _ = strconv.Atoi(fields[1])
			}
		}
		return peak, rss
	}
	b.Fatalf("no process runs %s", e.bootstrap)
	return 0, 0
}

// countingProxy passes requests on to moto and counts the DynamoDB and
// SQS operations that succeed.
type countingProxy struct {
	url           string
	mu            sync.Mutex
	dynamoDB, sqs map[string]int
}

func newCountingProxy(b *testing.B, target string) *countingProxy {
	to, err := url.Parse(target)
	if err != nil {
		b.Fatal(err)
	}
	p := &countingProxy{dynamoDB: map[string]int{}, sqs: map[string]int{}}
	rp := httputil.NewSingleHostReverseProxy(to)
	rp.ModifyResponse = func(res *http.Response) error {
		if res.StatusCode != http.StatusOK {
			return nil
		}
		target := res.Request.Header.Get("X-Amz-Target")
		p.mu.Lock()
		defer p.mu.Unlock()
		if op, ok := strings.CutPrefix(target, "DynamoDB_20120810."); ok {
			p.dynamoDB[op]++
		} else if op, ok := strings.CutPrefix(target, "AmazonSQS."); ok {
			p.sqs[op]++
		}
		return nil
	}
	srv := httptest.NewServer(rp)
	b.Cleanup(srv.Close)
	p.url = srv.URL
	return p
}

func (p *countingProxy) reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.dynamoDB, p.sqs = map[string]int{}, map[string]int{}
}

func (p *countingProxy) snapshot() (dynamoDB, sqs map[string]int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.dynamoDB), maps.Clone(p.sqs)
}

// deliveryTable is the benchmark's report: per metering-point-day unless said.
func deliveryTable(set *deliverySet, in, em deliveryRun) string {
	perDay := func(r deliveryRun, v float64) float64 { return v / float64(r.points) }
	requests := func(r deliveryRun, byOp map[string]int) string {
		total := 0
		for _, v := range byOp {
			total += v
		}
		if total == 0 {
			return "0"
		}
		return fmt.Sprintf("%.3f (%s)", perDay(r, float64(total)), describeRequests(byOp))
	}
	messages := func(r deliveryRun) string {
		return fmt.Sprintf("%.3f / %.3f", perDay(r, float64(r.fanOut.messages["sent"])), perDay(r, float64(r.poller.messages["received"])))
	}
	seconds := func(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }
	sqsRequests := func(r deliveryRun, ops ...string) string {
		var parts []string
		for _, op := range ops {
			parts = append(parts, fmt.Sprintf("%.4f", perDay(r, float64(r.fanOut.sqs[op]+r.poller.sqs[op]))))
		}
		return strings.Join(parts, " / ")
	}
	fanOutIn, fanOutEm := in.fanOut.meter.Usage(), em.fanOut.meter.Usage()
	deliveryIn := in.delivery.meter.Usage()
	dayFloor := float64(set.dayItemBytes) / 8192

	rows := [][4]string{
		{"metering points the fan-out covered (seeded, plus the demo's one granted point without values)",
			fmt.Sprint(in.points), fmt.Sprint(em.points), ""},
		{"documents in the outbox, exactly one per seeded point (verified)", fmt.Sprint(in.documents), fmt.Sprint(em.documents), ""},
		{"day delivered", in.day.Format(metervalues.DayLayout), em.day.Format(metervalues.DayLayout), ""},
		{"wall time: fan-out, shards queue drained (coordinator and shard worker in-process both times)", seconds(in.fanOutTime), seconds(em.fanOutTime), ""},
		{"wall time: delivery, queue drained (sqspoller, batches of 10 jobs)", seconds(in.deliveryTime), seconds(em.deliveryTime), ""},
		{"wall time: total", seconds(in.fanOutTime + in.deliveryTime), seconds(em.fanOutTime + em.deliveryTime), ""},
		{"deliveries per second: delivery / total",
			fmt.Sprintf("%.0f / %.0f", float64(in.documents)/in.deliveryTime.Seconds(), float64(in.documents)/(in.fanOutTime+in.deliveryTime).Seconds()),
			fmt.Sprintf("%.0f / %.0f", float64(em.documents)/em.deliveryTime.Seconds(), float64(em.documents)/(em.fanOutTime+em.deliveryTime).Seconds()), ""},
		{"DynamoDB requests: fan-out (coordinator and shard workers)", requests(in, fanOutIn.Requests), requests(em, fanOutEm.Requests), "per shard message a GetItem and a Query (+1 Query per further 1,000 grants), and the coordinator's Query of the third parties"},
		{"DynamoDB requests: delivery", requests(in, deliveryIn.Requests), requests(em, em.proxiedDynamoDB) + " (counted by a proxy)", "≈ 1 (one conditional PutItem; the day read in batches of 100: 0.01)"},
		{"read units (model): fan-out + delivery",
			fmt.Sprintf("%.4f + %.4f", perDay(in, fanOutIn.ReadUnits), perDay(in, deliveryIn.ReadUnits)),
			fmt.Sprintf("%.4f + as in-process", perDay(em, fanOutEm.ReadUnits)),
			fmt.Sprintf("%.4f (a %d-byte day item, eventually consistent: bytes / 8 KB)", dayFloor, set.dayItemBytes)},
		{"write units (model): outbox item + byArrival index",
			fmt.Sprintf("%.3f + %.3f", perDay(in, deliveryIn.WriteUnits), perDay(in, in.delivery.indexWU)), "as in-process",
			"1 + 1"},
		{"outbox document size", fmt.Sprintf("%d bytes", in.documentBytes), fmt.Sprintf("%d bytes", em.documentBytes), "≤ 1 KB"},
		{"SQS messages: sent / received (shard messages and jobs)", messages(in), messages(em), "0.1 / 0.1, plus 16 shard messages per third party"},
		{"SQS requests: send / receive / delete",
			sqsRequests(in, "SendMessageBatch", "ReceiveMessage", "DeleteMessageBatch"),
			sqsRequests(em, "SendMessageBatch", "ReceiveMessage", "DeleteMessageBatch"), "0.01 / 0.01 / 0.01"},
		{"SQS requests by the delivery itself (webhook pushes)", requests(in, in.delivery.sqs), requests(em, em.proxiedSQS) + " (counted by a proxy)", ""},
		{"SQS receives that got nothing (the poller's idle short polls), and GetQueueAttributes (local only: Drain)",
			fmt.Sprintf("%d, %d", in.poller.empty, in.poller.sqs["GetQueueAttributes"]),
			fmt.Sprintf("%d, %d", em.poller.empty, em.poller.sqs["GetQueueAttributes"]), ""},
		{"peak memory of the delivery function (bootstrap's VmHWM; VmRSS at the end)", "— (inside the test binary)",
			fmt.Sprintf("%.1f MB (%.1f MB)", float64(em.peakKB)/1024, float64(em.rssKB)/1024), ""},
	}
	var t strings.Builder
	t.WriteString("| per metering-point-day unless stated | in-process, every call counted | delivery as its bootstrap under the Lambda emulator | floor |\n|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&t, "| %s | %s | %s | %s |\n", r[0], r[1], r[2], r[3])
	}
	return t.String()
}
