package tracing

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

const lambdaHeader = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"

func TestParseAndString(t *testing.T) {
	h, ok := Parse(lambdaHeader)
	if !ok || h.Root != "1-5759e988-bd862e3fe1be46a994272793" || h.Parent != "53995c3f42cd8ad8" || h.Sampled != "1" {
		t.Fatalf("Parse = %+v, %v", h, ok)
	}
	if h.String() != lambdaHeader {
		t.Errorf("String = %q", h.String())
	}
	if _, ok := Parse("Parent=53995c3f42cd8ad8;Sampled=1"); ok {
		t.Error("a header without a root parsed")
	}
	if n := NewTrace(time.Unix(0x5759e988, 0)); !strings.HasPrefix(n.Root, "1-5759e988-") || len(n.Root) != 35 || n.Sampled != "1" {
		t.Errorf("NewTrace = %+v", n)
	}
}

func logLine(t *testing.T, ctx context.Context) map[string]any {
	t.Helper()
	var buf bytes.Buffer
	slog.New(LogHandler(slog.NewJSONHandler(&buf, nil))).With("function", "f").InfoContext(ctx, "hello")
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatal(err)
	}
	return line
}

func TestLogHandlerAddsTheTraceID(t *testing.T) {
	t.Setenv("_X_AMZN_TRACE_ID", "")
	if line := logLine(t, context.Background()); line[LogKey] != nil {
		t.Errorf("outside a trace: %v", line)
	}
	// aws-lambda-go's key for the invocation's Lambda-Runtime-Trace-Id.
	invocation := context.WithValue(context.Background(), lambdaKey, lambdaHeader)
	if line := logLine(t, invocation); line[LogKey] != "1-5759e988-bd862e3fe1be46a994272793" || line["function"] != "f" {
		t.Errorf("in an invocation: %v", line)
	}
	record := WithHeader(invocation, "Root=1-66666666-000000000000000000000001;Parent=1111111111111111;Sampled=1")
	if line := logLine(t, record); line[LogKey] != "1-66666666-000000000000000000000001" {
		t.Errorf("a record's trace: %v", line)
	}
	if line := logLine(t, OrHeader(invocation, "Root=1-66666666-000000000000000000000001")); line[LogKey] != "1-5759e988-bd862e3fe1be46a994272793" {
		t.Errorf("OrHeader replaced the invocation's trace: %v", line)
	}
	t.Setenv("_X_AMZN_TRACE_ID", lambdaHeader)
	if line := logLine(t, context.Background()); line[LogKey] != "1-5759e988-bd862e3fe1be46a994272793" {
		t.Errorf("a line logged without the invocation's context: %v", line)
	}
}

type kept struct {
	mu   sync.Mutex
	segs []Subsegment
}

func (k *kept) Record(s Subsegment) { k.mu.Lock(); k.segs = append(k.segs, s); k.mu.Unlock() }

// dynamoAt is a DynamoDB client of an endpoint that answers status and
// body to every call and keeps the trace header it was sent.
func dynamoAt(t *testing.T, rec Recorder, status int, body string) (*dynamodb.Client, *string) {
	t.Helper()
	var sent string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sent = r.Header.Get(HeaderName)
		w.Header().Set("x-amzn-RequestId", "REQ1")
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	cfg := aws.Config{
		Region: "eu-north-1", BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "secret", ""),
	}
	Instrument(&cfg, rec)
	return dynamodb.NewFromConfig(cfg), &sent
}

func listTables(ctx context.Context, c *dynamodb.Client) error {
	_, err := c.ListTables(ctx, &dynamodb.ListTablesInput{})
	return err
}

func TestInstrumentSendsTheHeaderAndRecordsTheCall(t *testing.T) {
	t.Setenv("_X_AMZN_TRACE_ID", "")
	rec := &kept{}
	client, sent := dynamoAt(t, rec, http.StatusOK, `{}`)
	ctx := WithHeader(context.Background(), lambdaHeader)
	if err := listTables(ctx, client); err != nil {
		t.Fatal(err)
	}
	if len(rec.segs) != 1 {
		t.Fatalf("recorded %d subsegments", len(rec.segs))
	}
	s := rec.segs[0]
	if s.Name != "DynamoDB" || s.AWS.Operation != "ListTables" || s.AWS.Region != "eu-north-1" || s.AWS.RequestID != "REQ1" ||
		s.TraceID != "1-5759e988-bd862e3fe1be46a994272793" || s.ParentID != "53995c3f42cd8ad8" || s.Type != "subsegment" ||
		s.HTTP == nil || s.HTTP.Response.Status != 200 || s.Error || s.Fault || s.EndTime < s.StartTime || len(s.ID) != 16 {
		t.Errorf("subsegment %+v", s)
	}
	if want := "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=" + s.ID + ";Sampled=1"; *sent != want {
		t.Errorf("sent %s %q, want %q", HeaderName, *sent, want)
	}
}

func TestInstrumentRecordsAnError(t *testing.T) {
	t.Setenv("_X_AMZN_TRACE_ID", "")
	rec := &kept{}
	client, _ := dynamoAt(t, rec, http.StatusBadRequest,
		`{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"no such table"}`)
	if err := listTables(WithHeader(context.Background(), lambdaHeader), client); err == nil {
		t.Fatal("no error")
	}
	if len(rec.segs) != 1 {
		t.Fatalf("recorded %d subsegments", len(rec.segs))
	}
	s := rec.segs[0]
	if s.HTTP == nil || s.HTTP.Response.Status != 400 || !s.Error || s.Fault || s.Cause == nil || !strings.Contains(s.Cause.Exceptions[0].Message, "no such table") {
		t.Errorf("subsegment %+v", s)
	}
}

func TestInstrumentRecordsNoUnsampledCall(t *testing.T) {
	t.Setenv("_X_AMZN_TRACE_ID", "")
	rec := &kept{}
	client, sent := dynamoAt(t, rec, http.StatusOK, `{}`)
	if err := listTables(WithHeader(context.Background(), "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=0"), client); err != nil {
		t.Fatal(err)
	}
	if len(rec.segs) != 0 || !strings.HasPrefix(*sent, "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=") || !strings.HasSuffix(*sent, ";Sampled=0") {
		t.Errorf("recorded %v, sent %q", rec.segs, *sent)
	}
	if err := listTables(context.Background(), client); err != nil || *sent != "" || len(rec.segs) != 0 {
		t.Errorf("outside a trace: %v, sent %q, recorded %v", err, *sent, rec.segs)
	}
}

func TestDaemonSendsTheHeaderLineAndTheDocument(t *testing.T) {
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rec, err := FromEnv(env{DaemonEnv: "tcp:127.0.0.1:1 udp:" + conn.LocalAddr().String(), FileEnv: "/nonexistent/x"}.get)
	if err != nil {
		t.Fatal(err)
	}
	rec.Record(Subsegment{Name: "SQS", ID: "0123456789abcdef", TraceID: "1-5759e988-bd862e3fe1be46a994272793", Type: "subsegment"})
	buf := make([]byte, 64<<10)
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, _, err := conn.ReadFrom(buf)
	if err != nil {
		t.Fatal(err)
	}
	head, doc, ok := strings.Cut(string(buf[:n]), "\n")
	var s Subsegment
	if !ok || head != `{"format":"json","version":1}` || json.Unmarshal([]byte(doc), &s) != nil || s.Name != "SQS" || s.ID != "0123456789abcdef" {
		t.Errorf("datagram %q", buf[:n])
	}
}

type env map[string]string

func (e env) get(k string) string { return e[k] }

func TestFileRecorderAppendsLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "traces.jsonl")
	for _, name := range []string{"DynamoDB", "SQS"} {
		rec, err := FromEnv(env{FileEnv: path}.get)
		if err != nil {
			t.Fatal(err)
		}
		rec.Record(Subsegment{Name: name, Type: "subsegment"})
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `"name":"DynamoDB"`) || !strings.Contains(lines[1], `"name":"SQS"`) {
		t.Errorf("file %q", data)
	}
	if rec, err := FromEnv(env{}.get); rec != nil || err != nil {
		t.Errorf("no recorder named: %v, %v", rec, err)
	}
}

// An SDK call's subsegment is marked a throttle as the SDK's retryer counts
// one: an error code of retry.DefaultThrottleErrorCodes, or a 429 the SDK
// could not read as one of the service's errors.
func TestInstrumentMarksThrottlesByTheSDKsTable(t *testing.T) {
	t.Setenv("_X_AMZN_TRACE_ID", "")
	for _, c := range []struct {
		status        int
		body          string
		throttle, flt bool
	}{
		{http.StatusBadRequest, `{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"slow"}`, true, false},
		{http.StatusBadRequest, `{"__type":"com.amazonaws.dynamodb.v20120810#RequestLimitExceeded","message":"slow"}`, true, false},
		{http.StatusBadRequest, `{"__type":"ThrottlingException","message":"slow"}`, true, false},
		{http.StatusTooManyRequests, `{"message":"slow"}`, true, false},
		{http.StatusBadRequest, `{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"no such table"}`, false, false},
		{http.StatusNotImplemented, `{"__type":"NotImplemented","message":"no"}`, false, true},
	} {
		rec := &kept{}
		client, _ := dynamoAt(t, rec, c.status, c.body)
		if err := listTables(WithHeader(context.Background(), lambdaHeader), client); err == nil {
			t.Fatal("no error")
		}
		if len(rec.segs) != 1 || rec.segs[0].Throttle != c.throttle || rec.segs[0].Fault != c.flt {
			t.Errorf("%d %s: subsegments %+v, want throttle %v", c.status, c.body, rec.segs, c.throttle)
		}
	}
}
