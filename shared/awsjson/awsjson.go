// Package awsjson is an adapter: it calls AWS services that speak the JSON protocol (Step
// Functions, KMS, SSM, SQS) with requests signed by the SDK's own SigV4 signer,
// without the services' SDK clients. A client's package links, from its
// init, schema tables that name every operation of its service: 0.2–1.2 MB
// on each bootstrap that imports it, for the one or two operations a
// function calls (docs/benchmarks.md, "Bootstrap sizes"). The signer is
// linked by every SDK client anyway.
package awsjson

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/tredjepart/tredjepart/shared/tracing"
)

// Service is one AWS service's JSON protocol.
type Service struct {
	ID          string // the SDK's service id, which names its calls in traces
	SigningName string // SigV4's service name, also its endpoint's first label
	TargetName  string // the X-Amz-Target prefix
	Version     string // the protocol: "1.0" or "1.1"
}

// The services the functions call.
var (
	StepFunctions = Service{ID: "SFN", SigningName: "states", TargetName: "AWSStepFunctions", Version: "1.0"}
	KMS           = Service{ID: "KMS", SigningName: "kms", TargetName: "TrentService", Version: "1.1"}
	SSM           = Service{ID: "SSM", SigningName: "ssm", TargetName: "AmazonSSM", Version: "1.1"}
	SQS           = Service{ID: "SQS", SigningName: "sqs", TargetName: "AmazonSQS", Version: "1.0"}
)

// Client calls one service in the configuration's region, at its
// BaseEndpoint when set (the local stack), with its credentials.
type Client struct {
	config  aws.Config
	service Service
	http    aws.HTTPClient
}

// New is a client of service.
func New(cfg aws.Config, service Service) *Client {
	var client aws.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	if cfg.HTTPClient != nil {
		client = cfg.HTTPClient
	}
	return &Client{config: cfg, service: service, http: client}
}

// Error is a service's refusal: its HTTP status and error code, such as
// "ExecutionAlreadyExists", without the namespace some services prefix.
type Error struct {
	Status  int
	Code    string
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

// ErrorCode and HTTPStatusCode are what the SDK's retry and throttle checks
// read of an error (retryable, and tracing's throttle mark).
func (e *Error) ErrorCode() string   { return e.Code }
func (e *Error) HTTPStatusCode() int { return e.Status }

// IsCode says whether err is the service's refusal with code.
func IsCode(err error, code string) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}

// attempts is how many times a call is made when the service is throttled,
// fails or cannot be reached, as the SDK's standard retryer does.
const attempts = retry.DefaultMaxAttempts

// retryables are the SDK's standard retryer's own checks, so a call is
// retried for the errors an SDK client's is: the statuses of
// retry.DefaultRetryableHTTPStatusCodes (500, 502, 503 and 504, not any
// 5xx), the codes of DefaultRetryableErrorCodes and DefaultThrottleErrorCodes,
// a 429 (the SDK retries one whose error is not in the service's model, and
// awsjson has no model), a call that got no answer and an answer cut off by
// a broken connection. Every function that calls awsjson links package
// retry anyway, through its DynamoDB client.
var retryables = retry.IsErrorRetryables(retry.DefaultRetryables)

func retryable(err error) bool { return retryables.IsErrorRetryable(err) == aws.TrueTernary }

// Call makes operation with in as its JSON body and decodes the answer into
// out (nil to ignore it).
func (c *Client) Call(ctx context.Context, operation string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	for attempt := 1; ; attempt++ {
		err = c.call(ctx, operation, body, out)
		if err == nil || attempt == attempts || !retryable(err) || ctx.Err() != nil {
			if err != nil {
				return fmt.Errorf("%s %s: %w", c.service.SigningName, operation, err)
			}
			return nil
		}
		// Full jitter on 50 ms, 100 ms, as the SDK's backoff.
		pause := time.Duration(rand.Int64N(int64(50*time.Millisecond) << (attempt - 1)))
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s %s: %w", c.service.SigningName, operation, ctx.Err())
		case <-time.After(pause):
		}
	}
}

// unreachable is a call that got no answer: as the SDK's RequestSendError,
// a connection error to retry.
type unreachable struct{ err error }

func (u unreachable) Error() string         { return u.err.Error() }
func (u unreachable) Unwrap() error         { return u.err }
func (u unreachable) ConnectionError() bool { return true }

func (c *Client) call(ctx context.Context, operation string, body []byte, out any) error {
	endpoint := "https://" + c.service.SigningName + "." + c.config.Region + ".amazonaws.com"
	if c.config.BaseEndpoint != nil {
		endpoint = strings.TrimSuffix(*c.config.BaseEndpoint, "/")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint+"/", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-"+c.service.Version)
	req.Header.Set("X-Amz-Target", c.service.TargetName+"."+operation)
	creds, err := c.config.Credentials.Retrieve(ctx)
	if err != nil {
		return fmt.Errorf("credentials: %w", err)
	}
	done := tracing.Call(ctx, req, c.service.ID, operation, c.config.Region)
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), c.service.SigningName, c.config.Region, time.Now()); err != nil {
		done(0, "", err)
		return fmt.Errorf("sign: %w", err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		done(0, "", err)
		return unreachable{err}
	}
	err = decode(resp, operation, out)
	done(resp.StatusCode, resp.Header.Get("X-Amzn-Requestid"), err)
	return err
}

// decode reads the answer to operation into out, or the service's refusal.
func decode(resp *http.Response, operation string, out any) error {
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		// Retried if the SDK's checks take it for a broken connection.
		return fmt.Errorf("reading the answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		var fail struct {
			Type    string `json:"__type"`
			Message string // "message" or "Message": names match without case
		}
		_ = json.Unmarshal(raw, &fail)
		code := fail.Type
		if code == "" {
			code, _, _ = strings.Cut(resp.Header.Get("X-Amzn-ErrorType"), ":")
		}
		if i := strings.LastIndexByte(code, '#'); i >= 0 {
			code = code[i+1:]
		}
		return &Error{Status: resp.StatusCode, Code: code, Message: fail.Message}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("the answer is not %s's JSON: %w", operation, err)
	}
	return nil
}
