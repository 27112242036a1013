//go:build integration

package sqspoller

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/tredjepart/tredjepart/localstack/emulate/moto"
	"github.com/tredjepart/tredjepart/localstack/harness/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// maxReceiveCount is the test queues' redrive policy.
const maxReceiveCount = 2

type queues struct {
	client    *sqs.Client
	main, dlq string
}

// newQueues creates a main queue with a 1 s visibility timeout whose redrive
// policy moves a message to a dead-letter queue after 2 receives.
func newQueues(t *testing.T) queues {
	t.Helper()
	ctx := t.Context()
	c := sqs.NewFromConfig(testenv.Get(t).Config)
	name := strings.NewReplacer("/", "-", "_", "-").Replace(t.Name())
	dlq, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name + "-dlq")})
	if err != nil {
		t.Fatal(err)
	}
	attrs, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: dlq.QueueUrl, AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn},
	})
	if err != nil {
		t.Fatal(err)
	}
	redrive := fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":"%d"}`, attrs.Attributes["QueueArn"], maxReceiveCount)
	q, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{
		QueueName: aws.String(name),
		Attributes: map[string]string{
			string(types.QueueAttributeNameVisibilityTimeout): "1",
			string(types.QueueAttributeNameRedrivePolicy):     redrive,
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return queues{client: c, main: *q.QueueUrl, dlq: *dlq.QueueUrl}
}

// send puts bodies on the main queue, in batches of 10.
func (q queues) send(t *testing.T, bodies ...string) {
	t.Helper()
	for chunk := range slices.Chunk(bodies, 10) {
		entries := make([]types.SendMessageBatchRequestEntry, len(chunk))
		for i, b := range chunk {
			entries[i] = types.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), MessageBody: aws.String(b)}
		}
		out, err := q.client.SendMessageBatch(t.Context(), &sqs.SendMessageBatchInput{QueueUrl: &q.main, Entries: entries})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Failed) > 0 {
			t.Fatalf("send: %+v", out.Failed)
		}
	}
}

// deadLetters receives every body on the dead-letter queue.
func (q queues) deadLetters(t *testing.T) []string {
	t.Helper()
	var bodies []string
	for {
		out, err := q.client.ReceiveMessage(t.Context(), &sqs.ReceiveMessageInput{QueueUrl: &q.dlq, MaxNumberOfMessages: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Messages) == 0 {
			slices.Sort(bodies)
			return bodies
		}
		for _, m := range out.Messages {
			bodies = append(bodies, *m.Body)
		}
	}
}

// recorder is a function run in-process the way the stack runs Lambdas
// (lambda.NewHandler), recording what it was given.
type recorder struct {
	mu         sync.Mutex
	batches    [][]events.SQSMessage
	deliveries map[string][]int // body → ApproximateReceiveCount of each delivery
}

func (r *recorder) handler(fn func(events.SQSMessage) error) lambda.Handler {
	return lambda.NewHandler(func(ctx context.Context, e events.SQSEvent) (events.SQSEventResponse, error) {
		r.mu.Lock()
		r.batches = append(r.batches, e.Records)
		if r.deliveries == nil {
			r.deliveries = map[string][]int{}
		}
		for _, m := range e.Records {
			n, _ := strconv.Atoi(m.Attributes["ApproximateReceiveCount"])
			r.deliveries[m.Body] = append(r.deliveries[m.Body], n)
		}
		r.mu.Unlock()
		var resp events.SQSEventResponse
		for _, m := range e.Records {
			if err := fn(m); err != nil {
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
			}
		}
		return resp, nil
	})
}

func (r *recorder) receiveCounts(body string) []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.deliveries[body])
}

// logBuffer collects the poller's log lines and shows them with the test's.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	out io.Writer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	return b.out.Write(p)
}

func (b *logBuffer) batchLines() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var lines []string
	for l := range strings.Lines(b.buf.String()) {
		if strings.Contains(l, `msg="sqs batch"`) {
			lines = append(lines, l)
		}
	}
	return lines
}

func start(t *testing.T, q queues, fn lambda.Handler, o Options) (*Poller, *logBuffer) {
	t.Helper()
	logs := &logBuffer{out: t.Output()}
	o.QueueURL = q.main
	o.Logger = slog.New(slog.NewTextHandler(logs, nil))
	p := Start(t.Context(), q.client, fn, o)
	t.Cleanup(p.Stop)
	return p, logs
}

func drain(t *testing.T, p *Poller) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := p.Drain(ctx); err != nil {
		t.Fatal(err)
	}
}

func bodies(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%02d", prefix, i)
	}
	return out
}

func TestSuccessDeliversEachMessageOnceAndDeletesIt(t *testing.T) {
	t.Parallel()
	q := newQueues(t)
	sent := bodies("ok", 23)
	q.send(t, sent...)
	_, err := q.client.SendMessage(t.Context(), &sqs.SendMessageInput{
		QueueUrl: &q.main, MessageBody: aws.String("with-attributes"),
		MessageAttributes: map[string]types.MessageAttributeValue{
			"kind": {DataType: aws.String("String"), StringValue: aws.String("test")},
			"blob": {DataType: aws.String("Binary"), BinaryValue: []byte{1, 2, 3}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	sent = append(sent, "with-attributes")

	var r recorder
	p, logs := start(t, q, r.handler(func(events.SQSMessage) error { return nil }), Options{BatchSize: 4, MaximumBatchingWindow: 200 * time.Millisecond})
	drain(t, p)

	for _, b := range sent {
		if got := r.receiveCounts(b); !slices.Equal(got, []int{1}) {
			t.Errorf("%s: delivered with receive counts %v, want once", b, got)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.deliveries) != len(sent) {
		t.Errorf("%d distinct messages delivered, want %d", len(r.deliveries), len(sent))
	}
	for _, b := range r.batches {
		if len(b) == 0 || len(b) > 4 {
			t.Errorf("a batch of %d messages; BatchSize is 4", len(b))
		}
	}
	if lines := logs.batchLines(); len(lines) != len(r.batches) {
		t.Errorf("%d batch log lines for %d batches", len(lines), len(r.batches))
	} else if l := lines[0]; !strings.Contains(l, "size=") || !strings.Contains(l, "failures=0") || !strings.Contains(l, "duration=") {
		t.Errorf("batch log line lacks size, failures or duration: %s", l)
	}
	if dl := q.deadLetters(t); len(dl) > 0 {
		t.Errorf("dead letters: %v", dl)
	}

	// The records are what Lambda sends.
	for _, batch := range r.batches {
		for _, m := range batch {
			sum := md5.Sum([]byte(m.Body))
			switch {
			case m.EventSource != "aws:sqs":
				t.Errorf("eventSource %q", m.EventSource)
			case !strings.HasPrefix(m.EventSourceARN, "arn:aws:sqs:"+moto.Region+":") || !strings.HasSuffix(m.EventSourceARN, ":"+t.Name()):
				t.Errorf("eventSourceARN %q", m.EventSourceARN)
			case m.AWSRegion != moto.Region:
				t.Errorf("awsRegion %q", m.AWSRegion)
			case m.MessageId == "" || m.ReceiptHandle == "":
				t.Errorf("no messageId or receiptHandle: %+v", m)
			case m.Md5OfBody != hex.EncodeToString(sum[:]):
				t.Errorf("md5OfBody %q for %q", m.Md5OfBody, m.Body)
			}
			for _, a := range []string{"ApproximateReceiveCount", "SentTimestamp", "ApproximateFirstReceiveTimestamp", "SenderId"} {
				if m.Attributes[a] == "" {
					t.Errorf("%s: no attribute %s in %v", m.Body, a, m.Attributes)
				}
			}
			if m.Body != "with-attributes" {
				continue
			}
			kind, blob := m.MessageAttributes["kind"], m.MessageAttributes["blob"]
			if kind.DataType != "String" || aws.ToString(kind.StringValue) != "test" ||
				blob.DataType != "Binary" || !bytes.Equal(blob.BinaryValue, []byte{1, 2, 3}) || m.Md5OfMessageAttributes == "" {
				t.Errorf("message attributes %+v, md5 %q", m.MessageAttributes, m.Md5OfMessageAttributes)
			}
		}
	}
}

func TestBatchingWindowGathersMessages(t *testing.T) {
	t.Parallel()
	q := newQueues(t)
	var r recorder
	p, _ := start(t, q, r.handler(func(events.SQSMessage) error { return nil }), Options{BatchSize: 10, MaximumBatchingWindow: 1500 * time.Millisecond})
	q.send(t, "first")
	time.Sleep(300 * time.Millisecond)
	q.send(t, "second", "third")
	drain(t, p)
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.batches) != 1 || len(r.batches[0]) != 3 {
		t.Errorf("batches %v, want one of 3 messages gathered in the window", r.batches)
	}
}

func TestPartialBatchFailuresRedeliverOnlyTheFailed(t *testing.T) {
	t.Parallel()
	q := newQueues(t)
	sent := bodies("part", 10)
	q.send(t, sent...)
	var r recorder
	fn := r.handler(func(m events.SQSMessage) error {
		n, _ := strconv.Atoi(strings.TrimPrefix(m.Body, "part-"))
		if n%2 == 1 && m.Attributes["ApproximateReceiveCount"] == "1" {
			return errors.New("odd, first time")
		}
		return nil
	})
	p, logs := start(t, q, fn, Options{BatchSize: 5, ReportBatchItemFailures: true})
	drain(t, p)

	for i, b := range sent {
		want := []int{1}
		if i%2 == 1 {
			want = []int{1, 2}
		}
		if got := r.receiveCounts(b); !slices.Equal(got, want) {
			t.Errorf("%s: delivered with receive counts %v, want %v", b, got, want)
		}
	}
	if dl := q.deadLetters(t); len(dl) > 0 {
		t.Errorf("dead letters: %v", dl)
	}
	if !slices.ContainsFunc(logs.batchLines(), func(l string) bool { return strings.Contains(l, "failures=") && !strings.Contains(l, "failures=0") }) {
		t.Error("no batch log line counts failures")
	}
}

func TestPoisonMessageGoesToDeadLetterQueueWithoutBlockingOthers(t *testing.T) {
	t.Parallel()
	q := newQueues(t)
	sent := bodies("fine", 6)
	q.send(t, append(sent[:3:3], append([]string{"poison"}, sent[3:]...)...)...)
	var r recorder
	fn := r.handler(func(m events.SQSMessage) error {
		if m.Body == "poison" {
			return errors.New("poison")
		}
		return nil
	})
	p, _ := start(t, q, fn, Options{BatchSize: 10, ReportBatchItemFailures: true})
	drain(t, p)

	for _, b := range sent {
		if got := r.receiveCounts(b); !slices.Equal(got, []int{1}) {
			t.Errorf("%s: delivered with receive counts %v, want once", b, got)
		}
	}
	if got := r.receiveCounts("poison"); !slices.Equal(got, []int{1, 2}) {
		t.Errorf("poison delivered with receive counts %v, want [1 2]", got)
	}
	if dl := q.deadLetters(t); !slices.Equal(dl, []string{"poison"}) {
		t.Errorf("dead letters %v, want [poison]", dl)
	}
}

// failing is a function that fails every invocation: with an error, then
// by panicking, which in-process is the same function error.
type failing struct {
	mu    sync.Mutex
	calls int
	seen  map[string]int
}

func (f *failing) Invoke(_ context.Context, payload []byte) ([]byte, error) {
	f.mu.Lock()
	f.calls++
	calls := f.calls
	var e events.SQSEvent
	if err := json.Unmarshal(payload, &e); err != nil {
		f.mu.Unlock()
		return nil, err
	}
	for _, m := range e.Records {
		f.seen[m.Body]++
	}
	f.mu.Unlock()
	if calls%2 == 0 {
		panic("boom")
	}
	return nil, errors.New("function failed")
}

func TestFunctionErrorDeletesNothingAndRedriveMovesTheBatch(t *testing.T) {
	t.Parallel()
	q := newQueues(t)
	sent := bodies("err", 3)
	q.send(t, sent...)
	f := &failing{seen: map[string]int{}}
	// ReportBatchItemFailures does not matter: a function error fails the batch.
	p, _ := start(t, q, f, Options{BatchSize: 10, ReportBatchItemFailures: true})
	drain(t, p)

	f.mu.Lock()
	for _, b := range sent {
		if f.seen[b] != maxReceiveCount {
			t.Errorf("%s delivered %d times, want %d", b, f.seen[b], maxReceiveCount)
		}
	}
	f.mu.Unlock()
	if dl := q.deadLetters(t); !slices.Equal(dl, sent) {
		t.Errorf("dead letters %v, want %v", dl, sent)
	}
}

// blocking is a function that waits until released.
type blocking struct {
	entered chan struct{}
	release chan struct{}
}

func (b *blocking) Invoke(ctx context.Context, _ []byte) ([]byte, error) {
	b.entered <- struct{}{}
	select {
	case <-b.release:
		return []byte("null"), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func TestDrainWaitsForTheInvocation(t *testing.T) {
	t.Parallel()
	q := newQueues(t)
	b := &blocking{entered: make(chan struct{}, 10), release: make(chan struct{})}
	// A visibility timeout longer than the queue's, so the message stays in flight.
	p, _ := start(t, q, b, Options{VisibilityTimeout: 5 * time.Second, ReportBatchItemFailures: true})

	// An empty queue drains at once.
	drain(t, p)

	q.send(t, "slow")
	select {
	case <-b.entered:
	case <-time.After(5 * time.Second):
		t.Fatal("the function was not invoked")
	}
	drained := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		drained <- p.Drain(ctx)
	}()
	select {
	case err := <-drained:
		t.Fatalf("Drain returned during the invocation: %v", err)
	case <-time.After(500 * time.Millisecond):
	}

	// A context that ends first is an error.
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	if err := p.Drain(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Drain with an expiring context: %v", err)
	}

	close(b.release)
	select {
	case err := <-drained:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Drain did not return after the invocation")
	}
	if n, err := p.queued(t.Context()); err != nil || n != 0 {
		t.Errorf("after Drain: %d messages on the queue, %v", n, err)
	}
}

func TestStopIsPromptAndDrainReportsLeftovers(t *testing.T) {
	t.Parallel()
	q := newQueues(t)
	var r recorder
	p, _ := start(t, q, r.handler(func(events.SQSMessage) error { return nil }), Options{})
	time.Sleep(200 * time.Millisecond)
	began := time.Now()
	p.Stop()
	if d := time.Since(began); d > time.Second {
		t.Errorf("Stop took %v", d)
	}
	p.Stop() // again is fine

	q.send(t, "left")
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := p.Drain(ctx); err == nil || !strings.Contains(err.Error(), "stopped with 1 messages left") {
		t.Errorf("Drain after Stop with a message left: %v", err)
	}
}

func TestBatchItemFailuresResponse(t *testing.T) {
	records := []events.SQSMessage{{MessageId: "a"}, {MessageId: "b"}, {MessageId: "c"}}
	all := []string{"a", "b", "c"}
	for _, tc := range []struct {
		name   string
		report bool
		out    string
		err    error
		keep   []string
		whole  bool
	}{
		{name: "success", report: true, out: `{"batchItemFailures":[]}`},
		{name: "null list", report: true, out: `{"batchItemFailures":null}`},
		{name: "empty object", report: true, out: `{}`},
		{name: "null", report: true, out: `null`},
		{name: "empty", report: true, out: ``},
		{name: "some failed", report: true, out: `{"batchItemFailures":[{"itemIdentifier":"b"},{"itemIdentifier":"c"}]}`, keep: []string{"b", "c"}},
		{name: "unknown id", report: true, out: `{"batchItemFailures":[{"itemIdentifier":"z"}]}`, keep: all, whole: true},
		{name: "empty id", report: true, out: `{"batchItemFailures":[{"itemIdentifier":""}]}`, keep: all, whole: true},
		{name: "bad key", report: true, out: `{"batchItemFailures":[{"id":"a"}]}`, keep: all, whole: true},
		{name: "invalid JSON", report: true, out: `{"batchItemFailures":`, keep: all, whole: true},
		{name: "not an object", report: true, out: `"done"`, keep: all, whole: true},
		{name: "function error", report: true, err: errors.New("x"), keep: all, whole: true},
		{name: "not reporting: response ignored", out: `{"batchItemFailures":[{"itemIdentifier":"a"}]}`},
		{name: "not reporting: function error", err: errors.New("x"), keep: all, whole: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &Poller{o: Options{ReportBatchItemFailures: tc.report}}
			keep, reason := p.failed(records, []byte(tc.out), tc.err)
			var got []string
			for id := range keep {
				got = append(got, id)
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.keep) || (reason != "") != tc.whole {
				t.Errorf("kept %v (reason %q), want %v (whole batch failed: %v)", got, reason, tc.keep, tc.whole)
			}
		})
	}
}

// A message sent with its trace, alone or in a batch, reaches the function
// with it in the record's AWSTraceHeader attribute, as Lambda gives it.
func TestTheTraceHeaderReachesTheRecord(t *testing.T) {
	t.Parallel()
	q := newQueues(t)
	const header = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
	traced := map[string]types.MessageSystemAttributeValue{
		"AWSTraceHeader": {DataType: aws.String("String"), StringValue: aws.String(header)},
	}
	if _, err := q.client.SendMessage(t.Context(), &sqs.SendMessageInput{QueueUrl: &q.main, MessageBody: aws.String("alone"),
		MessageSystemAttributes: traced}); err != nil {
		t.Fatal(err)
	}
	out, err := q.client.SendMessageBatch(t.Context(), &sqs.SendMessageBatchInput{QueueUrl: &q.main, Entries: []types.SendMessageBatchRequestEntry{
		{Id: aws.String("0"), MessageBody: aws.String("batched"), MessageSystemAttributes: traced},
		{Id: aws.String("1"), MessageBody: aws.String("untraced")},
	}})
	if err != nil || len(out.Failed) > 0 {
		t.Fatalf("send batch: %v %+v", err, out)
	}
	var r recorder
	p, _ := start(t, q, r.handler(func(events.SQSMessage) error { return nil }), Options{BatchSize: 10})
	drain(t, p)
	r.mu.Lock()
	defer r.mu.Unlock()
	got := map[string]string{}
	for _, batch := range r.batches {
		for _, m := range batch {
			got[m.Body] = m.Attributes["AWSTraceHeader"]
		}
	}
	if want := map[string]string{"alone": header, "batched": header, "untraced": ""}; !maps.Equal(got, want) {
		t.Errorf("AWSTraceHeader by body %v, want %v", got, want)
	}
}
