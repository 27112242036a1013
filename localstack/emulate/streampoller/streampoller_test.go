//go:build integration

package streampoller

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/tredjepart/tredjepart/localstack/emulate/moto"
	"github.com/tredjepart/tredjepart/localstack/harness/testenv"
	"github.com/tredjepart/tredjepart/shared/resources"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// table is a test's own table, keyed by pk (S), with a stream of new and
// old images.
type table struct {
	db     *dynamodb.Client
	name   string
	stream string
}

var tables atomic.Int64 // makes table names unique under -count

func newTable(t *testing.T) table {
	t.Helper()
	db := dynamodb.NewFromConfig(testenv.Get(t).Config)
	name := fmt.Sprintf("%s-%d", strings.NewReplacer("/", "-", " ", "-").Replace(t.Name()), tables.Add(1))
	out, err := db.CreateTable(t.Context(), &dynamodb.CreateTableInput{
		TableName:            &name,
		BillingMode:          dbtypes.BillingModePayPerRequest,
		KeySchema:            []dbtypes.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: dbtypes.KeyTypeHash}},
		AttributeDefinitions: []dbtypes.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: dbtypes.ScalarAttributeTypeS}},
		StreamSpecification:  &dbtypes.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: dbtypes.StreamViewTypeNewAndOldImages},
	})
	if err != nil {
		t.Fatal(err)
	}
	return table{db: db, name: name, stream: aws.ToString(out.TableDescription.LatestStreamArn)}
}

func (tb table) put(t *testing.T, item map[string]dbtypes.AttributeValue) {
	t.Helper()
	if _, err := tb.db.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: &tb.name, Item: item}); err != nil {
		t.Fatal(err)
	}
}

// putKeys puts an item with only its key for each pk.
func (tb table) putKeys(t *testing.T, pks ...string) {
	t.Helper()
	for _, pk := range pks {
		tb.put(t, map[string]dbtypes.AttributeValue{"pk": &dbtypes.AttributeValueMemberS{Value: pk}})
	}
}

func (tb table) delete(t *testing.T, pk string) {
	t.Helper()
	_, err := tb.db.DeleteItem(t.Context(), &dynamodb.DeleteItemInput{
		TableName: &tb.name, Key: map[string]dbtypes.AttributeValue{"pk": &dbtypes.AttributeValueMemberS{Value: pk}},
	})
	if err != nil {
		t.Fatal(err)
	}
}

// function is a Lambda run in-process the way the stack runs them
// (lambda.NewHandler), recording every invocation's payload and event.
type function struct {
	mu       sync.Mutex
	payloads [][]byte
	calls    []events.DynamoDBEvent
	times    []time.Time
	// handle answers invocation n (0-based); nil succeeds.
	handle func(n int, e events.DynamoDBEvent) (events.DynamoDBEventResponse, error)
}

func (f *function) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	f.mu.Lock()
	n := len(f.payloads)
	f.payloads = append(f.payloads, payload)
	f.times = append(f.times, time.Now())
	f.mu.Unlock()
	return lambda.NewHandler(func(ctx context.Context, e events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
		f.mu.Lock()
		f.calls = append(f.calls, e)
		f.mu.Unlock()
		if f.handle == nil {
			return events.DynamoDBEventResponse{}, nil
		}
		return f.handle(n, e)
	}).Invoke(ctx, payload)
}

// batches is the pk of every record of every invocation.
func (f *function) batches() [][]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([][]string, len(f.calls))
	for i, e := range f.calls {
		out[i] = pks(e)
	}
	return out
}

func pks(e events.DynamoDBEvent) []string {
	out := make([]string, len(e.Records))
	for i, r := range e.Records {
		out[i] = r.Change.Keys["pk"].String()
	}
	return out
}

func start(t *testing.T, stream string, fn *function, o Options) *Poller {
	t.Helper()
	o.StreamARN = stream
	o.Logger = slog.New(slog.NewTextHandler(t.Output(), nil))
	p := Start(t.Context(), dynamodbstreams.NewFromConfig(testenv.Get(t).Config), fn, o)
	t.Cleanup(p.Stop)
	return p
}

func drain(t *testing.T, p *Poller) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second) // the tests share one moto served one request at a time
	defer cancel()
	if err := p.Drain(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestChangesArriveInOrderWithTheirImages(t *testing.T) {
	t.Parallel()
	tb := newTable(t)
	fn := &function{}
	p := start(t, tb.stream, fn, Options{BatchSize: 2})

	item := map[string]dbtypes.AttributeValue{
		"pk":   &dbtypes.AttributeValueMemberS{Value: "a"},
		"bin":  &dbtypes.AttributeValueMemberB{Value: []byte{0, 1, 2, 0xff}},
		"nums": &dbtypes.AttributeValueMemberL{Value: []dbtypes.AttributeValue{&dbtypes.AttributeValueMemberN{Value: "1"}, &dbtypes.AttributeValueMemberN{Value: "2.5"}, &dbtypes.AttributeValueMemberN{Value: "-30"}}},
		"doc": &dbtypes.AttributeValueMemberM{Value: map[string]dbtypes.AttributeValue{
			"s":      &dbtypes.AttributeValueMemberS{Value: "æøå"},
			"n":      &dbtypes.AttributeValueMemberN{Value: "7"},
			"yes":    &dbtypes.AttributeValueMemberBOOL{Value: true},
			"nil":    &dbtypes.AttributeValueMemberNULL{Value: true},
			"empty":  &dbtypes.AttributeValueMemberL{Value: []dbtypes.AttributeValue{}},
			"none":   &dbtypes.AttributeValueMemberM{Value: map[string]dbtypes.AttributeValue{}},
			"nested": &dbtypes.AttributeValueMemberM{Value: map[string]dbtypes.AttributeValue{"ss": &dbtypes.AttributeValueMemberSS{Value: []string{"p", "q"}}}},
		}},
		"ns":   &dbtypes.AttributeValueMemberNS{Value: []string{"1", "2"}},
		"bs":   &dbtypes.AttributeValueMemberBS{Value: [][]byte{{1}, {2, 3}}},
		"flag": &dbtypes.AttributeValueMemberBOOL{Value: false},
	}
	modified := map[string]dbtypes.AttributeValue{}
	for k, v := range item {
		modified[k] = v
	}
	modified["flag"] = &dbtypes.AttributeValueMemberBOOL{Value: true}
	b := map[string]dbtypes.AttributeValue{"pk": &dbtypes.AttributeValueMemberS{Value: "b"}}

	before := time.Now().Add(-time.Second)
	tb.put(t, item)
	_, err := tb.db.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{
		TableName: &tb.name, Key: map[string]dbtypes.AttributeValue{"pk": item["pk"]},
		UpdateExpression:          aws.String("SET flag = :t"),
		ExpressionAttributeValues: map[string]dbtypes.AttributeValue{":t": &dbtypes.AttributeValueMemberBOOL{Value: true}},
	})
	if err != nil {
		t.Fatal(err)
	}
	tb.put(t, b)
	tb.delete(t, "a")
	drain(t, p)
	after := time.Now().Add(time.Second)

	want := []struct {
		name     string
		pk       string
		old, new map[string]dbtypes.AttributeValue
	}{
		{"INSERT", "a", nil, item},
		{"MODIFY", "a", item, modified},
		{"INSERT", "b", nil, b},
		{"REMOVE", "a", modified, nil},
	}
	fn.mu.Lock()
	defer fn.mu.Unlock()
	var records []events.DynamoDBEventRecord
	for _, e := range fn.calls {
		if len(e.Records) == 0 || len(e.Records) > 2 {
			t.Errorf("a batch of %d records, want 1–2", len(e.Records))
		}
		records = append(records, e.Records...)
	}
	if len(records) != len(want) {
		t.Fatalf("%d records (%v), want %d", len(records), fn.calls, len(want))
	}
	ids := map[string]bool{}
	var last *big.Int
	for i, w := range want {
		r := records[i]
		if r.EventName != w.name || r.Change.Keys["pk"].String() != w.pk {
			t.Errorf("record %d: %s of %s, want %s of %s", i, r.EventName, r.Change.Keys["pk"].String(), w.name, w.pk)
		}
		if got := image(t, r.Change.Keys); !reflect.DeepEqual(got, map[string]dbtypes.AttributeValue{"pk": w.new["pk"]}) && !reflect.DeepEqual(got, map[string]dbtypes.AttributeValue{"pk": w.old["pk"]}) {
			t.Errorf("record %d: keys %v", i, got)
		}
		if got := image(t, r.Change.NewImage); !reflect.DeepEqual(got, w.new) {
			t.Errorf("record %d: new image\n%#v\nwant\n%#v", i, got, w.new)
		}
		if got := image(t, r.Change.OldImage); !reflect.DeepEqual(got, w.old) {
			t.Errorf("record %d: old image\n%#v\nwant\n%#v", i, got, w.old)
		}
		if r.EventSource != "aws:dynamodb" || r.EventSourceArn != tb.stream || r.AWSRegion != moto.Region {
			t.Errorf("record %d: source %q, ARN %q, region %q", i, r.EventSource, r.EventSourceArn, r.AWSRegion)
		}
		if r.Change.StreamViewType != "NEW_AND_OLD_IMAGES" || r.Change.SizeBytes <= 0 || r.EventVersion == "" {
			t.Errorf("record %d: view type %q, size %d, version %q", i, r.Change.StreamViewType, r.Change.SizeBytes, r.EventVersion)
		}
		if at := r.Change.ApproximateCreationDateTime.Time; at.Before(before) || at.After(after) || at.Nanosecond() != 0 {
			t.Errorf("record %d: created %v, want whole seconds between %v and %v", i, at, before, after)
		}
		if r.EventID == "" || ids[r.EventID] {
			t.Errorf("record %d: event ID %q empty or repeated", i, r.EventID)
		}
		ids[r.EventID] = true
		n, ok := new(big.Int).SetString(r.Change.SequenceNumber, 10)
		if !ok || (last != nil && n.Cmp(last) <= 0) {
			t.Errorf("record %d: sequence number %q does not follow %v", i, r.Change.SequenceNumber, last)
		}
		last = n
	}

	// The payload is the JSON Lambda sends: binary as base64, empty lists
	// and maps as [] and {}, no image a change does not have.
	var raw struct {
		Records []struct {
			EventSourceARN string `json:"eventSourceARN"`
			Dynamodb       map[string]json.RawMessage
		}
	}
	if err := json.Unmarshal(fn.payloads[0], &raw); err != nil {
		t.Fatal(err)
	}
	var newImage map[string]any
	if err := json.Unmarshal(raw.Records[0].Dynamodb["NewImage"], &newImage); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"bin":  `{"B":"AAEC/w=="}`,
		"bs":   `{"BS":["AQ==","AgM="]}`,
		"nums": `{"L":[{"N":"1"},{"N":"2.5"},{"N":"-30"}]}`,
		"doc":  `{"M":{"empty":{"L":[]},"n":{"N":"7"},"nested":{"M":{"ss":{"SS":["p","q"]}}},"nil":{"NULL":true},"none":{"M":{}},"s":{"S":"æøå"},"yes":{"BOOL":true}}}`,
	} {
		if got, _ := json.Marshal(newImage[name]); string(got) != want {
			t.Errorf("%s in the payload: %s, want %s", name, got, want)
		}
	}
	if _, ok := raw.Records[0].Dynamodb["OldImage"]; ok || raw.Records[0].EventSourceARN != tb.stream {
		t.Errorf("first record of the payload: %s", fn.payloads[0])
	}
}

// image converts an event image back to the SDK's attribute values.
func image(t *testing.T, m map[string]events.DynamoDBAttributeValue) map[string]dbtypes.AttributeValue {
	t.Helper()
	if m == nil {
		return nil
	}
	out := map[string]dbtypes.AttributeValue{}
	for k, v := range m {
		out[k] = sdkValue(t, v)
	}
	return out
}

func sdkValue(t *testing.T, v events.DynamoDBAttributeValue) dbtypes.AttributeValue {
	t.Helper()
	switch v.DataType() {
	case events.DataTypeString:
		return &dbtypes.AttributeValueMemberS{Value: v.String()}
	case events.DataTypeNumber:
		return &dbtypes.AttributeValueMemberN{Value: v.Number()}
	case events.DataTypeBinary:
		return &dbtypes.AttributeValueMemberB{Value: v.Binary()}
	case events.DataTypeBoolean:
		return &dbtypes.AttributeValueMemberBOOL{Value: v.Boolean()}
	case events.DataTypeNull:
		return &dbtypes.AttributeValueMemberNULL{Value: true}
	case events.DataTypeStringSet:
		return &dbtypes.AttributeValueMemberSS{Value: slices.Sorted(slices.Values(v.StringSet()))}
	case events.DataTypeNumberSet:
		return &dbtypes.AttributeValueMemberNS{Value: slices.Sorted(slices.Values(v.NumberSet()))}
	case events.DataTypeBinarySet:
		set := slices.Clone(v.BinarySet())
		slices.SortFunc(set, func(a, b []byte) int { return strings.Compare(string(a), string(b)) })
		return &dbtypes.AttributeValueMemberBS{Value: set}
	case events.DataTypeList:
		l := []dbtypes.AttributeValue{}
		for _, e := range v.List() {
			l = append(l, sdkValue(t, e))
		}
		return &dbtypes.AttributeValueMemberL{Value: l}
	case events.DataTypeMap:
		return &dbtypes.AttributeValueMemberM{Value: image(t, v.Map())}
	}
	t.Fatalf("unexpected data type %v", v.DataType())
	return nil
}

func TestAttributeValueConvertsEveryType(t *testing.T) {
	in := map[string]types.AttributeValue{
		"s":    &types.AttributeValueMemberS{Value: "x"},
		"n":    &types.AttributeValueMemberN{Value: "1e3"},
		"b":    &types.AttributeValueMemberB{Value: []byte("hi")},
		"e":    &types.AttributeValueMemberB{},
		"t":    &types.AttributeValueMemberBOOL{Value: true},
		"f":    &types.AttributeValueMemberBOOL{},
		"null": &types.AttributeValueMemberNULL{Value: true},
		"ss":   &types.AttributeValueMemberSS{Value: []string{"a", "b"}},
		"ns":   &types.AttributeValueMemberNS{Value: []string{"1", "2"}},
		"bs":   &types.AttributeValueMemberBS{Value: [][]byte{[]byte("a")}},
		"l":    &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberN{Value: "1"}, &types.AttributeValueMemberL{}}},
		"m":    &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"k": &types.AttributeValueMemberM{}}},
	}
	got, err := attributeMap(in)
	if err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"b":{"B":"aGk="},"bs":{"BS":["YQ=="]},"e":{"B":""},"f":{"BOOL":false},"l":{"L":[{"N":"1"},{"L":[]}]},"m":{"M":{"k":{"M":{}}}},"n":{"N":"1e3"},"ns":{"NS":["1","2"]},"null":{"NULL":true},"s":{"S":"x"},"ss":{"SS":["a","b"]},"t":{"BOOL":true}}`
	var a, b any
	_ = json.Unmarshal(js, &a)
	_ = json.Unmarshal([]byte(want), &b)
	if !reflect.DeepEqual(a, b) {
		t.Errorf("got  %s\nwant %s", js, want)
	}
	// What the event carries decodes back to the same values.
	var back map[string]events.DynamoDBAttributeValue
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	if string(back["b"].Binary()) != "hi" || back["l"].List()[0].Number() != "1" || !back["null"].IsNull() {
		t.Errorf("decoded %v", back)
	}
	if _, err := AttributeValue(&types.UnknownUnionMember{Tag: "X"}); err == nil {
		t.Error("an unknown member converted")
	}
}

func TestFailedBatchIsRetriedBeforeLaterRecords(t *testing.T) {
	t.Parallel()
	for _, how := range []string{"error", "panic"} {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			tb := newTable(t)
			tb.putKeys(t, "1", "2", "3", "4", "5")
			var failed bool
			fn := &function{handle: func(n int, e events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
				if !failed && slices.Contains(pks(e), "3") {
					failed = true
					if how == "panic" {
						panic("record 3")
					}
					return events.DynamoDBEventResponse{}, errors.New("record 3")
				}
				return events.DynamoDBEventResponse{}, nil
			}}
			p := start(t, tb.stream, fn, Options{BatchSize: 2})
			drain(t, p)

			want := [][]string{{"1", "2"}, {"3", "4"}, {"3", "4"}, {"5"}}
			if got := fn.batches(); !reflect.DeepEqual(got, want) {
				t.Fatalf("batches %v, want %v", got, want)
			}
			fn.mu.Lock()
			defer fn.mu.Unlock()
			if !reflect.DeepEqual(fn.calls[1], fn.calls[2]) {
				t.Errorf("the retry is not the same batch:\n%+v\n%+v", fn.calls[1], fn.calls[2])
			}
			if pause := fn.times[2].Sub(fn.times[1]); pause < minRetryPause {
				t.Errorf("retried after %v, want a pause of at least %v", pause, minRetryPause)
			}
		})
	}
}

func TestPartialBatchFailureRestartsAtTheFailedRecord(t *testing.T) {
	t.Parallel()
	all := []string{"1", "2", "3", "4", "5", "6"}
	for _, c := range []struct {
		name     string
		report   bool
		failures func(e events.DynamoDBEvent) []string // item identifiers of the first answer
		want     [][]string
	}{
		{"lowest failed record", true, func(e events.DynamoDBEvent) []string {
			return []string{e.Records[4].Change.SequenceNumber, e.Records[2].Change.SequenceNumber}
		}, [][]string{all, {"3", "4", "5", "6"}}},
		{"first record", true, func(e events.DynamoDBEvent) []string {
			return []string{e.Records[0].Change.SequenceNumber}
		}, [][]string{all, all}},
		{"no failures", true, func(events.DynamoDBEvent) []string { return []string{} }, [][]string{all}},
		{"unknown itemIdentifier fails the batch", true, func(events.DynamoDBEvent) []string { return []string{"42"} }, [][]string{all, all}},
		{"empty itemIdentifier fails the batch", true, func(events.DynamoDBEvent) []string { return []string{""} }, [][]string{all, all}},
		{"ignored without ReportBatchItemFailures", false, func(e events.DynamoDBEvent) []string {
			return []string{e.Records[2].Change.SequenceNumber}
		}, [][]string{all}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			tb := newTable(t)
			tb.putKeys(t, all...)
			fn := &function{handle: func(n int, e events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
				var resp events.DynamoDBEventResponse
				if n == 0 {
					for _, id := range c.failures(e) {
						resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: id})
					}
				}
				return resp, nil
			}}
			p := start(t, tb.stream, fn, Options{BatchSize: 10, ReportBatchItemFailures: c.report})
			drain(t, p)
			if got := fn.batches(); !reflect.DeepEqual(got, c.want) {
				t.Errorf("batches %v, want %v", got, c.want)
			}
		})
	}
}

func TestDrainWaitsForEveryChangeMadeBeforeIt(t *testing.T) {
	t.Parallel()
	tb := newTable(t)
	fn := &function{handle: func(int, events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
		time.Sleep(20 * time.Millisecond)
		return events.DynamoDBEventResponse{}, nil
	}}
	p := start(t, tb.stream, fn, Options{BatchSize: 1, PollInterval: 300 * time.Millisecond})
	var written []string
	for round := range 4 {
		for i := range 3 {
			pk := fmt.Sprintf("%d-%d", round, i)
			tb.putKeys(t, pk)
			written = append(written, pk)
		}
		time.Sleep(time.Duration(round) * 150 * time.Millisecond) // catch the poller at different points
		drain(t, p)
		if got := slices.Concat(fn.batches()...); !slices.Equal(got, written) {
			t.Fatalf("round %d: processed %v after Drain, want %v", round, got, written)
		}
	}
}

func TestDrainReportsRecordsHeldBackByAFailingFunction(t *testing.T) {
	t.Parallel()
	tb := newTable(t)
	tb.putKeys(t, "1")
	fn := &function{handle: func(int, events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
		return events.DynamoDBEventResponse{}, errors.New("always")
	}}
	p := start(t, tb.stream, fn, Options{})
	// Wait (bounded, not timed) until the record has failed twice, however
	// slow the machine: the first try and a retry.
	for waited := time.Duration(0); len(fn.batches()) < 2; waited += 20 * time.Millisecond {
		if waited > 30*time.Second {
			t.Fatalf("%d invocations in 30 s, want a retry", len(fn.batches()))
		}
		time.Sleep(20 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	err := p.Drain(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "function error: always") {
		t.Errorf("Drain = %v, want the deadline and the function's error", err)
	}
	p.Stop()
	if err := p.Drain(t.Context()); err == nil || !strings.Contains(err.Error(), "stopped") {
		t.Errorf("Drain after Stop = %v, want an error", err)
	}
	// Retries back off: the retry came no sooner than the shortest pause.
	fn.mu.Lock()
	gap := fn.times[1].Sub(fn.times[0])
	fn.mu.Unlock()
	if gap < minRetryPause {
		t.Errorf("the retry came %v after the first try, want at least %v", gap, minRetryPause)
	}
}

func TestLatestSkipsEarlierChanges(t *testing.T) {
	t.Parallel()
	tb := newTable(t)
	tb.putKeys(t, "old-1", "old-2")
	fn := &function{}
	p := start(t, tb.stream, fn, Options{StartingPosition: Latest})
	tb.putKeys(t, "new-1")
	tb.delete(t, "old-1")
	drain(t, p)
	if got, want := slices.Concat(fn.batches()...), []string{"new-1", "old-1"}; !slices.Equal(got, want) {
		t.Errorf("processed %v, want %v", got, want)
	}
}

// A transaction that fails on moto restores a copy of the table taken when
// it began; the poller must neither deliver the failed transaction's writes
// nor lose the stream.
func TestFailedTransactionsLeaveNoTrace(t *testing.T) {
	t.Parallel()
	tb := newTable(t)
	fn := &function{}
	p := start(t, tb.stream, fn, Options{})
	tb.putKeys(t, "a")
	drain(t, p)
	_, err := tb.db.TransactWriteItems(t.Context(), &dynamodb.TransactWriteItemsInput{TransactItems: []dbtypes.TransactWriteItem{
		{Put: &dbtypes.Put{TableName: &tb.name, Item: map[string]dbtypes.AttributeValue{"pk": &dbtypes.AttributeValueMemberS{Value: "phantom"}}}},
		{Put: &dbtypes.Put{
			TableName: &tb.name, Item: map[string]dbtypes.AttributeValue{"pk": &dbtypes.AttributeValueMemberS{Value: "a"}},
			ConditionExpression: aws.String("attribute_not_exists(pk)"),
		}},
	}})
	var cancelled *dbtypes.TransactionCanceledException
	if !errors.As(err, &cancelled) {
		t.Fatalf("transaction: %v, want it cancelled", err)
	}
	tb.putKeys(t, "b")
	drain(t, p)
	if got, want := slices.Concat(fn.batches()...), []string{"a", "b"}; !slices.Equal(got, want) {
		t.Errorf("processed %v, want %v", got, want)
	}
}

// The provisioned MeterValues table has a stream the poller follows.
func TestMeterValuesStream(t *testing.T) {
	t.Parallel()
	env := testenv.Get(t)
	stream := env.Stack.Streams[resources.MeterValuesTableID]
	if stream == "" {
		t.Fatalf("provisioned streams %v have none for %s", env.Stack.Streams, resources.MeterValuesTableID)
	}
	fn := &function{}
	p := start(t, stream, fn, Options{StartingPosition: Latest})
	db := dynamodb.NewFromConfig(env.Config)
	key := map[string]dbtypes.AttributeValue{
		"pk": &dbtypes.AttributeValueMemberS{Value: "streampoller-test"},
		"sk": &dbtypes.AttributeValueMemberS{Value: "day"},
	}
	name := env.Stack.Tables[resources.MeterValuesTableID]
	if _, err := db.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: &name, Item: key}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.DeleteItem(t.Context(), &dynamodb.DeleteItemInput{TableName: &name, Key: key}); err != nil {
		t.Fatal(err)
	}
	drain(t, p)
	fn.mu.Lock()
	defer fn.mu.Unlock()
	var names []string
	for _, e := range fn.calls {
		for _, r := range e.Records {
			names = append(names, r.EventName+" "+r.Change.Keys["pk"].String()+"/"+r.Change.Keys["sk"].String())
		}
	}
	if want := []string{"INSERT streampoller-test/day", "REMOVE streampoller-test/day"}; !slices.Equal(names, want) {
		t.Errorf("records %v, want %v", names, want)
	}
}

// moto finds a stream by its table's name: the poller must not read a new
// table's stream through the ARN of a deleted one's.
func TestStreamOfARecreatedTableIsNotRead(t *testing.T) {
	t.Parallel()
	tb := newTable(t)
	fn := &function{}
	p := start(t, tb.stream, fn, Options{})
	drain(t, p)
	if _, err := tb.db.DeleteTable(t.Context(), &dynamodb.DeleteTableInput{TableName: &tb.name}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond) // a moto stream label is the creation time in microseconds
	_, err := tb.db.CreateTable(t.Context(), &dynamodb.CreateTableInput{
		TableName:            &tb.name,
		BillingMode:          dbtypes.BillingModePayPerRequest,
		KeySchema:            []dbtypes.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: dbtypes.KeyTypeHash}},
		AttributeDefinitions: []dbtypes.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: dbtypes.ScalarAttributeTypeS}},
		StreamSpecification:  &dbtypes.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: dbtypes.StreamViewTypeNewAndOldImages},
	})
	if err != nil {
		t.Fatal(err)
	}
	tb.putKeys(t, "new table")
	p.poke() // a pass that does not describe the stream
	time.Sleep(100 * time.Millisecond)
	if got := fn.batches(); len(got) != 0 {
		t.Fatalf("processed %v from another table's stream", got)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second) // slack for a loaded machine
	defer cancel()
	if err := p.Drain(ctx); err == nil || !strings.Contains(err.Error(), "no longer exists") {
		t.Errorf("Drain = %v, want the stream gone", err)
	}
	if got := fn.batches(); len(got) != 0 {
		t.Errorf("processed %v from another table's stream", got)
	}
}

// failureQueue is a test's own SQS queue for records given up on.
type failureQueue struct {
	client *sqs.Client
	url    string
}

func newFailureQueue(t *testing.T) failureQueue {
	t.Helper()
	c := sqs.NewFromConfig(testenv.Get(t).Config)
	name := fmt.Sprintf("%s-%d", strings.NewReplacer("/", "-", " ", "-").Replace(t.Name()), tables.Add(1))
	q, err := c.CreateQueue(t.Context(), &sqs.CreateQueueInput{QueueName: &name})
	if err != nil {
		t.Fatal(err)
	}
	return failureQueue{c, aws.ToString(q.QueueUrl)}
}

// options makes o give up on records into q.
func (q failureQueue) options(o Options) Options {
	o.OnFailure, o.SQS, o.FunctionARN = q.url, q.client, "arn:aws:lambda:eu-north-1:123456789012:function:Changes"
	return o
}

// records reads every message on q as an invocation record.
func (q failureQueue) records(t *testing.T) []InvocationRecord {
	t.Helper()
	var out []InvocationRecord
	for {
		r, err := q.client.ReceiveMessage(t.Context(), &sqs.ReceiveMessageInput{QueueUrl: &q.url, MaxNumberOfMessages: 10, VisibilityTimeout: 60})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Messages) == 0 {
			return out
		}
		for _, m := range r.Messages {
			var rec InvocationRecord
			dec := json.NewDecoder(strings.NewReader(aws.ToString(m.Body)))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&rec); err != nil {
				t.Fatalf("%v: %s", err, aws.ToString(m.Body))
			}
			out = append(out, rec)
		}
	}
}

// seqOf is the sequence number of the record of pk the function was given.
func (f *function) seqOf(t *testing.T, pk string) string {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, e := range f.calls {
		for _, r := range e.Records {
			if r.Change.Keys["pk"].String() == pk {
				return r.Change.SequenceNumber
			}
		}
	}
	t.Fatalf("the function never got %s", pk)
	return ""
}

// A batch that keeps failing as a whole is halved until the bad record is
// alone; after MaxRetryAttempts retries of it, its invocation record goes
// to the queue and the records after it are processed.
func TestBatchFailingItsRetriesIsHalvedAndHandedToTheQueue(t *testing.T) {
	t.Parallel()
	tb := newTable(t)
	q := newFailureQueue(t)
	before := time.Now().Add(-time.Second)
	tb.putKeys(t, "1", "2", "poison", "4", "5")
	fn := &function{handle: func(n int, e events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
		if slices.Contains(pks(e), "poison") {
			return events.DynamoDBEventResponse{}, errors.New("cannot process poison")
		}
		return events.DynamoDBEventResponse{}, nil
	}}
	p := start(t, tb.stream, fn, q.options(Options{BatchSize: 10, MaxRetryAttempts: 3, BisectBatchOnError: true}))
	drain(t, p)

	all := []string{"1", "2", "poison", "4", "5"}
	poison := []string{"poison"}
	want := [][]string{all, {"1", "2"}, {"poison", "4", "5"}, poison, poison, poison, {"4", "5"}}
	if got := fn.batches(); !reflect.DeepEqual(got, want) {
		t.Fatalf("batches %v, want %v", got, want)
	}
	got := q.records(t)
	if len(got) != 1 {
		t.Fatalf("%d invocation records on the queue, want 1: %+v", len(got), got)
	}
	r, seq := got[0], fn.seqOf(t, "poison")
	if r.RequestContext.Condition != "RetryAttemptsExhausted" || r.RequestContext.ApproximateInvokeCount != 4 ||
		!strings.HasSuffix(r.RequestContext.FunctionARN, ":function:Changes") || r.RequestContext.RequestID == "" {
		t.Errorf("request context %+v, want RetryAttemptsExhausted after 4 invocations", r.RequestContext)
	}
	if r.ResponseContext.StatusCode != 200 || r.ResponseContext.FunctionError != "Unhandled" || r.Version != "1.0" || r.Timestamp.Before(before) {
		t.Errorf("response context %+v, version %q, timestamp %v", r.ResponseContext, r.Version, r.Timestamp)
	}
	b := r.DDBStreamBatch
	if b.StartSequenceNumber != seq || b.EndSequenceNumber != seq || b.BatchSize != 1 || b.StreamARN != tb.stream || !strings.HasPrefix(b.ShardID, "shardId-") {
		t.Errorf("batch info %+v, want the poison record (%s) alone on %s", b, seq, tb.stream)
	}
	if b.ApproximateArrivalOfFirstRecord.Before(before.Truncate(time.Second)) || b.ApproximateArrivalOfLastRecord.Before(b.ApproximateArrivalOfFirstRecord) {
		t.Errorf("arrivals %v, %v, want after %v", b.ApproximateArrivalOfFirstRecord, b.ApproximateArrivalOfLastRecord, before)
	}
}

// A record the function keeps reporting as failed is given up on with the
// rest of its batch, as AWS does, and the shard reads on after them.
func TestPartiallyFailingBatchIsGivenUpOnFromTheFailedRecord(t *testing.T) {
	t.Parallel()
	tb := newTable(t)
	q := newFailureQueue(t)
	tb.putKeys(t, "1", "2", "poison", "4")
	fn := &function{handle: func(n int, e events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
		var resp events.DynamoDBEventResponse
		for _, r := range e.Records {
			if r.Change.Keys["pk"].String() == "poison" {
				resp.BatchItemFailures = []events.DynamoDBBatchItemFailure{{ItemIdentifier: r.Change.SequenceNumber}}
			}
		}
		return resp, nil
	}}
	p := start(t, tb.stream, fn, q.options(Options{BatchSize: 10, ReportBatchItemFailures: true, MaxRetryAttempts: 2, BisectBatchOnError: true}))
	drain(t, p)
	tb.putKeys(t, "5")
	drain(t, p)

	rest := []string{"poison", "4"}
	if got, want := fn.batches(), [][]string{{"1", "2", "poison", "4"}, rest, rest, {"5"}}; !reflect.DeepEqual(got, want) {
		t.Fatalf("batches %v, want %v", got, want)
	}
	got := q.records(t)
	if len(got) != 1 {
		t.Fatalf("%d invocation records on the queue, want 1: %+v", len(got), got)
	}
	r := got[0]
	b := r.DDBStreamBatch
	if b.StartSequenceNumber != fn.seqOf(t, "poison") || b.EndSequenceNumber != fn.seqOf(t, "4") || b.BatchSize != 2 {
		t.Errorf("batch info %+v, want poison and 4", b)
	}
	if r.RequestContext.Condition != "RetryAttemptsExhausted" || r.RequestContext.ApproximateInvokeCount != 3 || r.ResponseContext.FunctionError != "" {
		t.Errorf("request context %+v, response context %+v", r.RequestContext, r.ResponseContext)
	}
}

// Records older than MaxRecordAge are given up on without an invocation.
func TestRecordsOlderThanMaxRecordAgeGoToTheQueue(t *testing.T) {
	t.Parallel()
	tb := newTable(t)
	q := newFailureQueue(t)
	tb.putKeys(t, "1", "2")
	fn := &function{}
	p := start(t, tb.stream, fn, q.options(Options{MaxRecordAge: time.Nanosecond, MaxRetryAttempts: 10}))
	drain(t, p)
	if got := fn.batches(); len(got) != 0 {
		t.Errorf("the function got %v, want nothing", got)
	}
	got := q.records(t)
	if len(got) != 1 || got[0].RequestContext.Condition != "RecordAgeExceeded" || got[0].DDBStreamBatch.BatchSize != 2 || got[0].RequestContext.ApproximateInvokeCount != 0 {
		t.Errorf("invocation records %+v, want one of both records, RecordAgeExceeded", got)
	}
}
