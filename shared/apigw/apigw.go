// Package apigw is an adapter: what every API Gateway HTTP API (payload 2.0) handler
// shares: turning domain errors into problem documents in one place,
// logging each request, reading JSON bodies strictly and writing JSON.
package apigw

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/problem"
	"github.com/tredjepart/tredjepart/shared/ratelimit"
	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/resources"
	"github.com/tredjepart/tredjepart/shared/tracing"
)

// Request and Response are API Gateway's HTTP API (payload 2.0) events.
type (
	Request  = events.APIGatewayV2HTTPRequest
	Response = events.APIGatewayV2HTTPResponse
)

// traceHeader is the trace API Gateway forwards in the event's headers.
const traceHeader = "x-amzn-trace-id"

// Route answers one request or fails with a domain error.
type Route func(ctx context.Context, ev Request) (Response, error)

// Handle answers one API Gateway event with route. It never returns an
// error: failures become problem documents, so API Gateway never answers
// with its own 500.
func Handle(ctx context.Context, ev Request, logger *slog.Logger, route Route) (Response, error) {
	started := time.Now()
	ctx = tracing.OrHeader(ctx, ev.Headers[traceHeader])
	logger = logger.With("route", ev.RouteKey, "requestId", requestID(ctx, ev))
	var res Response
	err := CheckBodySize(ev.RouteKey, bodySize(ev))
	if err == nil {
		res, err = route(ctx, ev)
	}
	if err != nil {
		doc := problem.From(ctx, logger, err, ev.RawPath)
		doc.RequestID = ev.RequestContext.RequestID
		res = JSON(doc.Status, doc.JSON(), problem.ContentType)
		if doc.Status == http.StatusUnauthorized {
			res.Headers["WWW-Authenticate"] = `Bearer error="invalid_token", error_description="the token names no client_id"`
		}
		if doc.RetryAfter > 0 {
			res.Headers["Retry-After"] = strconv.Itoa(doc.RetryAfter)
		}
	}
	logger.InfoContext(ctx, "request", "status", res.StatusCode, "clientId", ClientID(ev), "durationMs", time.Since(started).Milliseconds())
	return res, nil
}

// HandleLimited is Handle with the caller's call first taken from
// limiter's policy (package ratelimit): over it, the answer is a 429 with
// Retry-After and the route does not run. Every answer of a counted call
// carries the policy and what is left of it in the RateLimit-Policy and
// RateLimit fields of draft-ietf-httpapi-ratelimit-headers (-10): a policy
// named "client", q calls in w seconds, r of them left for t seconds. A
// call the counter failed to count goes through without them. A nil
// limiter counts nothing.
func HandleLimited(ctx context.Context, ev Request, logger *slog.Logger, limiter *ratelimit.Limiter, route Route) (Response, error) {
	if limiter == nil {
		return Handle(ctx, ev, logger, route)
	}
	var d ratelimit.Decision
	res, err := Handle(ctx, ev, logger, func(ctx context.Context, ev Request) (Response, error) {
		if d = limiter.Take(ctx, ClientID(ev)); !d.Allowed {
			return Response{}, d.Err()
		}
		return route(ctx, ev)
	})
	if d.Counted {
		if res.Headers == nil {
			res.Headers = map[string]string{}
		}
		res.Headers["RateLimit-Policy"] = fmt.Sprintf(`"client";q=%d;w=%d`, d.Policy.Limit, int(d.Policy.Window/time.Second))
		// t rounded as Retry-After is, so that the two agree on a 429.
		res.Headers["RateLimit"] = fmt.Sprintf(`"client";r=%d;t=%d`, d.Remaining, problem.RetryAfterSeconds(d.Reset))
	}
	return res, err
}

// LimiterFromEnv is an API function's limiter: the policy of its
// RATE_LIMIT setting (resources.RateLimitSetting), which must be set,
// counted in counter on the wall clock (TTL expires by it).
func LimiterFromEnv(getenv func(string) string, counter ratelimit.Counter, logger *slog.Logger) (*ratelimit.Limiter, error) {
	text := getenv(resources.RateLimitSetting)
	if text == "" {
		return nil, fmt.Errorf("environment variable %s is not set", resources.RateLimitSetting)
	}
	policy, err := ratelimit.ParsePolicy(text)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", resources.RateLimitSetting, err)
	}
	return &ratelimit.Limiter{Policy: policy, Counter: counter, Clock: clock.System{}, Logger: logger}, nil
}

// CheckBodySize refuses a body of size bytes (as sent, not as encoded in
// the event) over what the route takes (resources.Route.BodyLimit), with
// TooLarge, before anything reads it.
func CheckBodySize(routeKey string, size int) error {
	limit := resources.DefaultMaxBody
	if r, ok := resources.RouteByKey(routeKey); ok {
		limit = r.BodyLimit()
	}
	if size > limit {
		return fault.New(fault.TooLarge, "The body is %d bytes; %s takes at most %d bytes.", size, routeKey, limit)
	}
	return nil
}

// bodySize is the size of the body as the client sent it.
func bodySize(ev Request) int {
	if !ev.IsBase64Encoded {
		return len(ev.Body)
	}
	padding := len(ev.Body) - len(strings.TrimRight(ev.Body, "="))
	return base64.StdEncoding.DecodedLen(len(ev.Body)) - padding
}

// requestID is API Gateway's id of the request, the one its access log and
// the problem document carry, or else (an event not from the gateway) the
// Lambda invocation's.
func requestID(ctx context.Context, ev Request) string {
	if ev.RequestContext.RequestID != "" {
		return ev.RequestContext.RequestID
	}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		return lc.AwsRequestID
	}
	return ""
}

// ClientID is the OAuth client named by the token the JWT authorizer checked.
func ClientID(ev Request) string {
	if a := ev.RequestContext.Authorizer; a != nil && a.JWT != nil {
		return a.JWT.Claims["client_id"]
	}
	return ""
}

// ThirdParties finds the third party an OAuth client acts for.
type ThirdParties interface {
	ThirdPartyByClient(ctx context.Context, clientID string) (registry.ThirdParty, bool, error)
}

// ThirdParty maps the token's client (checked by the JWT authorizer) to a
// registered third party.
func ThirdParty(ctx context.Context, ev Request, tps ThirdParties) (ident.GLN, error) {
	tp, err := Caller(ctx, ev, tps)
	return tp.GLN, err
}

// Caller is ThirdParty with the third party's registration, for an answer
// that shows some of it (its redirect URIs).
func Caller(ctx context.Context, ev Request, tps ThirdParties) (registry.ThirdParty, error) {
	clientID, err := RequireClientID(ev)
	if err != nil {
		return registry.ThirdParty{}, err
	}
	tp, found, err := tps.ThirdPartyByClient(ctx, clientID)
	if err != nil {
		return registry.ThirdParty{}, err
	}
	if !found {
		return registry.ThirdParty{}, fault.New(fault.Forbidden, "Client %q is not registered to a third party.", clientID)
	}
	if tp.Disabled {
		return registry.ThirdParty{}, fault.New(fault.Forbidden, "Third party %s is disabled by the operator; its grants and deliveries are kept until it is enabled again.", tp.GLN)
	}
	return tp, nil
}

// DataProviders finds the data provider an OAuth client acts for.
type DataProviders interface {
	DataProviderByClient(ctx context.Context, clientID string) (registry.DataProvider, bool, error)
}

// DataProvider maps the token's client (checked by the JWT authorizer) to a
// registered, enabled data provider: a grid company or metering system.
func DataProvider(ctx context.Context, ev Request, dps DataProviders) (registry.DataProvider, error) {
	clientID, err := RequireClientID(ev)
	if err != nil {
		return registry.DataProvider{}, err
	}
	dp, found, err := dps.DataProviderByClient(ctx, clientID)
	if err != nil {
		return registry.DataProvider{}, err
	}
	if !found {
		return registry.DataProvider{}, fault.New(fault.Forbidden, "Client %q is not registered to a grid company or metering system.", clientID)
	}
	if dp.Disabled {
		return registry.DataProvider{}, fault.New(fault.Forbidden, "Data provider %s is disabled by the operator; nothing it sends is stored until it is enabled again.", dp.GLN)
	}
	return dp, nil
}

// RequireClientID is ClientID, or Unauthenticated when the token names none.
func RequireClientID(ev Request) (string, error) {
	id := ClientID(ev)
	if id == "" {
		return "", fault.New(fault.Unauthenticated, "The bearer token names no client_id.")
	}
	return id, nil
}

func Reason(err error) string {
	var e *ident.Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return err.Error()
}

func RequireJSON(contentType string) error {
	media, _, err := mime.ParseMediaType(contentType)
	if err == nil && (media == "application/json" || strings.HasSuffix(media, "+json")) {
		return nil
	}
	return fault.New(fault.UnsupportedMediaType, "Send the body as application/json (Content-Type was %q).", contentType)
}

// DecodeStrict reads exactly one JSON object into into. Field names must be
// in known, matched exactly (encoding/json alone ignores unknown fields and
// matches names case-insensitively, which would hide a caller's typo); each
// unknown one is returned as a field error, so that the caller can report it
// with the other bad fields. A body that is not one JSON object, a known
// field of the wrong type, or a name repeated in any object of the body
// (which encoding/json would settle silently, the last one winning) is an
// error of its own.
func DecodeStrict(raw []byte, into any, known ...string) ([]fault.FieldError, error) {
	if path, found := repeatedName(raw); found {
		return nil, fault.InvalidFields(fault.FieldError{Field: path, Reason: "appears more than once"})
	}
	var fields map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(raw))
	err := dec.Decode(&fields)
	if err == nil && dec.Decode(new(json.RawMessage)) != io.EOF {
		err = errors.New("unexpected data after the JSON object")
	}
	if err == nil && fields == nil {
		err = &json.UnmarshalTypeError{Value: "null"}
	}
	var unknown []fault.FieldError
	if err == nil {
		for _, name := range slices.Sorted(maps.Keys(fields)) {
			if !slices.Contains(known, name) {
				unknown = append(unknown, fault.FieldError{Field: name, Reason: "is not a known field"})
				delete(fields, name) // or encoding/json would match it case-insensitively
			}
		}
		exact, _ := json.Marshal(fields) // raw messages that just decoded
		err = json.Unmarshal(exact, into)
	}
	if err == nil {
		return unknown, nil
	}
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return nil, fault.InvalidFields(fault.FieldError{Field: typeErr.Field, Reason: "must be a " + jsonType(typeErr.Type.Kind().String())})
	case errors.As(err, &typeErr):
		return nil, fault.InvalidFields(fault.FieldError{Field: "body", Reason: "must be a JSON object"})
	case errors.As(err, &syntaxErr):
		return nil, fault.InvalidFields(fault.FieldError{Field: "body", Reason: fmt.Sprintf("is not valid JSON (at byte %d)", syntaxErr.Offset)})
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return nil, fault.InvalidFields(fault.FieldError{Field: "body", Reason: "is empty or cut short; send a JSON object"})
	}
	return nil, fault.InvalidFields(fault.FieldError{Field: "body", Reason: err.Error()})
}

// container is an object or array that repeatedName is inside.
type container struct {
	object  bool
	names   map[string]struct{} // an object's names so far
	name    string              // an object's current member
	wantKey bool
	index   int // an array's current item
}

// repeatedName finds the first name that an object of raw repeats, at any
// depth, and returns its path ("items[1].name"). It scans the bytes itself
// (json.Decoder's tokens are five times slower) with a stack of its own, so
// depth costs no recursion; malformed JSON is left to the decoder to report.
func repeatedName(raw []byte) (string, bool) {
	var stack []*container
	// value notes that a value starts in the innermost container.
	value := func() {
		if len(stack) == 0 {
			return
		}
		if top := stack[len(stack)-1]; top.object {
			top.wantKey = true // after this value, the next string is a name
		} else {
			top.index++
		}
	}
	for i := 0; i < len(raw); {
		switch c := raw[i]; c {
		case ' ', '\t', '\n', '\r', ',', ':':
			i++
		case '{', '[':
			value()
			stack = append(stack, &container{object: c == '{', wantKey: c == '{', index: -1})
			i++
		case '}', ']':
			if len(stack) == 0 {
				return "", false
			}
			stack = stack[:len(stack)-1]
			i++
		case '"':
			end, escaped := stringEnd(raw, i)
			if end < 0 {
				return "", false
			}
			var top *container
			if len(stack) > 0 {
				top = stack[len(stack)-1]
			}
			if top == nil || !top.object || !top.wantKey {
				value()
				i = end
				continue
			}
			name := string(raw[i+1 : end-1])
			if escaped && json.Unmarshal(raw[i:end], &name) != nil {
				return "", false
			}
			if _, seen := top.names[name]; seen {
				if !json.Valid(raw) {
					return "", false
				}
				top.name = name
				return containerPath(stack), true
			}
			if top.names == nil {
				top.names = map[string]struct{}{}
			}
			top.names[name], top.name, top.wantKey = struct{}{}, name, false
			i = end
		default: // a number, true, false or null
			value()
			for i < len(raw) && !strings.ContainsRune(" \t\n\r,:]}", rune(raw[i])) {
				i++
			}
		}
	}
	return "", false
}

// stringEnd is the index after the string that starts at raw[start], and
// whether it has escapes; -1 if it never ends.
func stringEnd(raw []byte, start int) (int, bool) {
	escaped := false
	for j := start + 1; j < len(raw); j++ {
		switch raw[j] {
		case '\\':
			escaped = true
			j++
		case '"':
			return j + 1, escaped
		}
	}
	return -1, false
}

// containerPath names the value each container of stack is at.
func containerPath(stack []*container) string {
	var path strings.Builder
	for _, c := range stack {
		switch {
		case !c.object:
			fmt.Fprintf(&path, "[%d]", c.index)
		case path.Len() > 0:
			path.WriteString("." + c.name)
		default:
			path.WriteString(c.name)
		}
	}
	return path.String()
}

func jsonType(goKind string) string {
	if goKind == "ptr" || goKind == "string" {
		return "string"
	}
	return goKind
}

func CheckText(s string, max int) string {
	switch {
	case utf8.RuneCountInString(s) > max:
		return fmt.Sprintf("must be at most %d characters", max)
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return "must not contain control characters"
	}
	return ""
}

func MustJSON(v any) []byte {
	body, err := json.Marshal(v)
	if err != nil {
		panic(err) // only plain structs of strings reach here
	}
	return body
}

func JSON(status int, body []byte, contentType string) Response {
	return Response{
		StatusCode: status,
		Headers: map[string]string{
			"Content-Type":  contentType,
			"Cache-Control": "no-store",
		},
		Body: string(body),
	}
}

// JSONBody is the body of a request that must send JSON: the media type
// checked (415 otherwise), then the body decoded (see DecodeBody).
func JSONBody(ev Request) ([]byte, error) {
	if err := RequireJSON(ev.Headers["content-type"]); err != nil {
		return nil, err
	}
	return DecodeBody(ev)
}

func DecodeBody(ev Request) ([]byte, error) {
	if !ev.IsBase64Encoded {
		return []byte(ev.Body), nil
	}
	body, err := base64.StdEncoding.DecodeString(ev.Body)
	if err != nil {
		return nil, fault.InvalidFields(fault.FieldError{Field: "body", Reason: "is not valid base64"})
	}
	return body, nil
}

func AtoiOr(s string, fallback int) (int, error) {
	if s == "" {
		return fallback, nil
	}
	return strconv.Atoi(s)
}

// Cacheable gives a 200 response a strong ETag over its body and lets the
// client revalidate: when If-None-Match names that tag the answer is 304
// with no body. The caller must only ever hand it data it may see.
func Cacheable(ev Request, res Response) Response {
	sum := sha256.Sum256([]byte(res.Body))
	tag := `"` + hex.EncodeToString(sum[:16]) + `"`
	res.Headers["ETag"] = tag
	res.Headers["Cache-Control"] = "private, no-cache"
	for _, candidate := range strings.Split(ev.Headers["if-none-match"], ",") {
		candidate = strings.TrimPrefix(strings.TrimSpace(candidate), "W/")
		if candidate == tag || candidate == "*" {
			res.StatusCode, res.Body = http.StatusNotModified, ""
			delete(res.Headers, "Content-Type")
			break
		}
	}
	return res
}

// Limits on page sizes.
const (
	DefaultPageSize = 25
	MaxPageSize     = 100
)

// PageLimit reads the limit query parameter.
func PageLimit(params map[string]string) (int, *fault.FieldError) {
	limit, err := AtoiOr(params["limit"], DefaultPageSize)
	if err != nil || limit < 1 || limit > MaxPageSize {
		return limit, &fault.FieldError{Field: "limit", Reason: fmt.Sprintf("must be a whole number from 1 to %d", MaxPageSize)}
	}
	return limit, nil
}

// KnownParams names each query parameter not in known.
func KnownParams(params map[string]string, known ...string) []fault.FieldError {
	var bad []fault.FieldError
	for _, name := range slices.Sorted(maps.Keys(params)) {
		if !slices.Contains(known, name) {
			bad = append(bad, fault.FieldError{Field: name, Reason: "is not a known query parameter"})
		}
	}
	return bad
}
