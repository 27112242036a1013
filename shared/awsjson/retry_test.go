package awsjson_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/tredjepart/tredjepart/shared/awsjson"
	"github.com/tredjepart/tredjepart/shared/tracing"
)

// answer is what a service answers every attempt of a call.
type answer struct {
	status    int
	code      string // the __type, "" for none
	truncated bool   // the body ends before its Content-Length
}

// answering serves a, counting the attempts.
func answering(t *testing.T, a answer) (*httptest.Server, *int) {
	t.Helper()
	attempts := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		attempts++
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		if a.truncated {
			w.Header().Set("Content-Length", "1000")
		}
		w.WriteHeader(a.status)
		body := `{"message":"no"}`
		if a.code != "" {
			body = `{"__type":"` + a.code + `","message":"no"}`
		}
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, &attempts
}

// A call is retried for the errors the SDK's standard retryer retries, by
// its tables (retry.DefaultRetryableHTTPStatusCodes,
// DefaultRetryableErrorCodes, DefaultThrottleErrorCodes), and for those
// only: an SDK client (KMS's, without backoff) and awsjson make the same
// attempts for each answer, a truncated one included.
func TestACallIsRetriedAsTheSDKRetries(t *testing.T) {
	for _, c := range []struct {
		answer
		attempts int
	}{
		{answer{500, "InternalFailure", false}, 3},
		{answer{501, "NotImplemented", false}, 1},
		{answer{502, "", false}, 3},
		{answer{503, "ServiceUnavailable", false}, 3},
		{answer{504, "", false}, 3},
		{answer{505, "", false}, 1},
		{answer{400, "ThrottlingException", false}, 3},
		{answer{400, "ProvisionedThroughputExceededException", false}, 3},
		{answer{400, "RequestTimeoutException", false}, 3},
		{answer{400, "PriorRequestNotComplete", false}, 3},
		{answer{400, "KmsThrottled", false}, 1},
		{answer{400, "InvalidCiphertextException", false}, 1},
		{answer{429, "", false}, 3},
		{answer{200, "", true}, 1},
	} {
		srv, attempts := answering(t, c.answer)
		_ = awsjson.New(config(srv), awsjson.KMS).Call(context.Background(), "Decrypt", struct{}{}, nil)
		ours := *attempts
		*attempts = 0
		sdk := kms.NewFromConfig(config(srv), func(o *kms.Options) {
			o.Retryer = retry.NewStandard(func(o *retry.StandardOptions) {
				o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
				o.RateLimiter = ratelimit.None
			})
		})
		_, _ = sdk.Decrypt(context.Background(), &kms.DecryptInput{CiphertextBlob: []byte("x")})
		if ours != c.attempts || *attempts != c.attempts {
			t.Errorf("%d %q: awsjson made %d attempts, the SDK %d; want %d", c.status, c.code, ours, *attempts, c.attempts)
		}
	}
}

// A call's attempt in a trace is marked a throttle as the SDK's retryer
// counts one: by its throttle codes, or a 429.
func TestAThrottledAttemptIsMarkedByTheSDKsTable(t *testing.T) {
	t.Setenv("_X_AMZN_TRACE_ID", "")
	for _, c := range []struct {
		answer
		throttle bool
	}{
		{answer{400, "ProvisionedThroughputExceededException", false}, true},
		{answer{400, "SlowDown", false}, true},
		{answer{429, "", false}, true},
		{answer{400, "KmsThrottled", false}, false},
		{answer{503, "ServiceUnavailable", false}, false},
	} {
		srv, _ := answering(t, c.answer)
		cfg, rec := config(srv), &kept{}
		tracing.Instrument(&cfg, rec)
		ctx := tracing.WithHeader(context.Background(), "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")
		_ = awsjson.New(cfg, awsjson.KMS).Call(ctx, "Decrypt", struct{}{}, nil)
		tracing.Instrument(&aws.Config{}, nil)
		if len(rec.segs) == 0 {
			t.Fatalf("%d %q: no subsegment", c.status, c.code)
		}
		for _, s := range rec.segs {
			if s.Throttle != c.throttle {
				t.Errorf("%d %q: subsegment throttle %v, want %v", c.status, c.code, s.Throttle, c.throttle)
			}
		}
	}
}
