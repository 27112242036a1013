package awsjson_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/tredjepart/tredjepart/shared/awsjson"
	"github.com/tredjepart/tredjepart/shared/tracing"
)

// config reaches srv with fixed credentials.
func config(srv *httptest.Server) aws.Config {
	return aws.Config{
		Region:       "eu-north-1",
		BaseEndpoint: aws.String(srv.URL),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "secret"}, nil
		}),
	}
}

// A call is a signed POST naming the operation in X-Amz-Target, with the
// input as its JSON body; the answer is decoded.
func TestACallIsASignedJSONPost(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Method != "POST" || r.URL.Path != "/" || r.Header.Get("X-Amz-Target") != "AWSStepFunctions.StartExecution" ||
			r.Header.Get("Content-Type") != "application/x-amz-json-1.0" || string(body) != `{"name":"r1"}` ||
			!strings.Contains(r.Header.Get("Authorization"), "/eu-north-1/states/aws4_request") {
			w.WriteHeader(http.StatusTeapot)
			return
		}
		_, _ = io.WriteString(w, `{"executionArn":"arn:x"}`)
	}))
	defer srv.Close()
	var out struct{ ExecutionArn string }
	err := awsjson.New(config(srv), awsjson.StepFunctions).Call(context.Background(), "StartExecution", map[string]string{"name": "r1"}, &out)
	if err != nil || out.ExecutionArn != "arn:x" {
		t.Fatalf("%+v, %v", out, err)
	}
}

// A refusal is an Error with the service's code, without its namespace,
// made once; a failure of the service (5xx) or throttling is made three
// times in all.
func TestRefusalsAreErrorsAndFailuresAreRetried(t *testing.T) {
	for _, c := range []struct {
		status       int
		body, code   string
		wantAttempts int
	}{
		{400, `{"__type":"com.amazonaws.states#ExecutionAlreadyExists","message":"taken"}`, "ExecutionAlreadyExists", 1},
		{400, `{"__type":"InvalidCiphertextException","Message":"no"}`, "InvalidCiphertextException", 1},
		{400, `{"__type":"ThrottlingException","message":"slow down"}`, "ThrottlingException", 3},
		{500, `{"__type":"InternalFailure"}`, "InternalFailure", 3},
	} {
		attempts := 0
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			attempts++
			w.WriteHeader(c.status)
			_, _ = io.WriteString(w, c.body)
		}))
		err := awsjson.New(config(srv), awsjson.KMS).Call(context.Background(), "Decrypt", struct{}{}, nil)
		srv.Close()
		var e *awsjson.Error
		if !errors.As(err, &e) || e.Status != c.status || !awsjson.IsCode(err, c.code) || attempts != c.wantAttempts ||
			(strings.Contains(c.body, "essage") != (e.Message != "")) {
			t.Errorf("%s: %v (%+v) after %d attempts, want %s after %d", c.body, err, e, attempts, c.code, c.wantAttempts)
		}
	}
}

// kept records subsegments.
type kept struct{ segs []tracing.Subsegment }

func (k *kept) Record(s tracing.Subsegment) { k.segs = append(k.segs, s) }

// A call in a trace sends the trace header with itself as the parent and is
// recorded as the SDK's calls are: service, operation, status, request id.
func TestACallInATraceIsTraced(t *testing.T) {
	t.Setenv("_X_AMZN_TRACE_ID", "")
	const root = "1-5759e988-bd862e3fe1be46a994272793"
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Get(tracing.HeaderName)
		w.Header().Set("X-Amzn-Requestid", "req-1")
		_, _ = io.WriteString(w, `{}`)
	}))
	defer srv.Close()
	cfg, rec := config(srv), &kept{}
	tracing.Instrument(&cfg, rec)
	defer tracing.Instrument(&aws.Config{}, nil)
	ctx := tracing.WithHeader(context.Background(), "Root="+root+";Parent=53995c3f42cd8ad8;Sampled=1")
	if err := awsjson.New(cfg, awsjson.SQS).Call(ctx, "SendMessage", struct{}{}, nil); err != nil {
		t.Fatal(err)
	}
	sent, ok := tracing.Parse(got)
	if !ok || sent.Root != root || sent.Parent == "53995c3f42cd8ad8" || sent.Sampled != "1" {
		t.Fatalf("trace header sent: %q", got)
	}
	if len(rec.segs) != 1 {
		t.Fatalf("%d subsegments", len(rec.segs))
	}
	s := rec.segs[0]
	if s.Name != "SQS" || s.AWS.Operation != "SendMessage" || s.AWS.RequestID != "req-1" || s.ID != sent.Parent ||
		s.TraceID != root || s.HTTP == nil || s.HTTP.Response.Status != 200 || s.Fault || s.Error {
		t.Fatalf("subsegment %+v", s)
	}
}
