// Package gateway is an emulator: the local stand-in for an API Gateway HTTP
// API with Lambda proxy integrations (payload format 2.0) and a JWT
// authorizer. It turns HTTP requests into the events AWS would send, runs the
// route's function, and turns the function's response into HTTP the way AWS
// does. Each call is traced: the caller's X-Amzn-Trace-Id is carried on, or
// a new sampled trace starts; the function gets it in the event's
// x-amzn-trace-id header (the Lambda emulator passes no trace to the
// runtime, so the functions take it from there; see tracing.OrHeader) and,
// run in-process, in its context.
package gateway

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/tredjepart/tredjepart/localstack/emulate/moto"
	"github.com/tredjepart/tredjepart/shared/resources"
	"github.com/tredjepart/tredjepart/shared/tracing"
)

// Invoker runs one Lambda function with a raw JSON event and returns its raw
// JSON response. aws-lambda-go's lambda.NewHandler(fn) already satisfies it,
// which is how functions run in-process; rie.Function runs a real bootstrap.
type Invoker interface {
	Invoke(ctx context.Context, payload []byte) ([]byte, error)
}

const (
	// MaxBodyBytes is API Gateway's payload limit: a larger body is refused
	// before anything else (413 "Request Entity Too Large").
	MaxBodyBytes = resources.GatewayMaxBody
	// IntegrationTimeout is the HTTP API's maximum integration timeout.
	IntegrationTimeout = 30 * time.Second

	apiID = "local"
	stage = "$default"
	// timeLayout is API Gateway's requestContext.time format.
	timeLayout = "02/Jan/2006:15:04:05 -0700"
)

// Gateway serves routes by invoking their functions. Create it with New.
type Gateway struct {
	routes    router
	functions map[string]Invoker
	auth      *Authorizer
	logger    *slog.Logger
	now       func() time.Time
	timeout   time.Duration
	throttle  *throttle
}

// New returns a handler that serves routes. functions maps a Function ID
// (resources.Function.ID) to the code that runs it. Every route is guarded
// by auth, as every route in infra/ has the JWT authorizer, and a route's
// Scopes are its authorization scopes; a nil auth turns authorization off
// (useful when testing the event mapping alone). A nil logger discards the access log.
// New panics if a route path cannot be parsed: routes are static
// configuration, and a typo there is a programming error.
func New(routes []resources.Route, functions map[string]Invoker, auth *Authorizer, logger *slog.Logger) http.Handler {
	g, err := newGateway(routes, functions, auth, logger)
	if err != nil {
		panic(err)
	}
	return g
}

func newGateway(routes []resources.Route, functions map[string]Invoker, auth *Authorizer, logger *slog.Logger) (*Gateway, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	g := &Gateway{functions: functions, auth: auth, logger: logger, now: time.Now, timeout: IntegrationTimeout,
		throttle: newThrottle(resources.APIThrottle)}
	for _, r := range routes {
		rt, err := compileRoute(r)
		if err != nil {
			return nil, err
		}
		if _, ok := functions[r.Function]; !ok {
			logger.Warn("route has no function; it will answer 500", "route", r.Key(), "function", r.Function)
		}
		g.routes = append(g.routes, rt)
	}
	if auth == nil {
		logger.Warn("gateway runs without a JWT authorizer: route scopes are not enforced")
	}
	return g, nil
}

// ServeHTTP handles one request the way API Gateway would.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := g.now()
	reqID := newRequestID()
	trace, ok := tracing.Parse(r.Header.Get(tracing.HeaderName))
	if !ok {
		trace = tracing.NewTrace(start)
	}
	rec := &statusRecorder{ResponseWriter: w}
	rec.Header().Set("apigw-requestid", reqID)
	routeKey, clientID := "", "-" // "-": no token, as API Gateway logs it
	defer func() {
		g.logger.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("method", r.Method),
			slog.String("path", r.URL.EscapedPath()),
			slog.String("route", routeKey),
			slog.Int("status", rec.status),
			slog.Duration("duration", time.Since(start)),
			slog.String("requestId", reqID),
			slog.String("clientId", clientID),
			slog.String(tracing.LogKey, trace.Root),
		)
	}()

	rt, params, ok := g.routes.find(r.Method, r.URL.EscapedPath())
	if !ok {
		writeMessage(rec, http.StatusNotFound, "Not Found")
		return
	}
	routeKey = rt.Key()
	if !g.throttle.take(routeKey, start) {
		writeMessage(rec, http.StatusTooManyRequests, "Too Many Requests")
		return
	}

	var jwtAuth *events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription
	if g.auth != nil && !rt.Public {
		desc, aerr := g.auth.authorize(r.Context(), r.Header.Get("Authorization"), rt.Scopes)
		if aerr != nil {
			level := slog.LevelDebug
			if aerr.keysUnavailable {
				level = slog.LevelWarn
			}
			g.logger.LogAttrs(r.Context(), level, "authorizer refused",
				slog.String("requestId", reqID), slog.Int("status", aerr.status), slog.String("reason", aerr.Error()))
			rec.Header().Set("www-authenticate", aerr.challenge())
			if aerr.status == http.StatusForbidden {
				writeMessage(rec, http.StatusForbidden, "Forbidden")
			} else {
				writeMessage(rec, http.StatusUnauthorized, "Unauthorized")
			}
			return
		}
		jwtAuth = desc
		if id := desc.Claims["client_id"]; id != "" {
			clientID = id
		}
	}

	if r.ContentLength > MaxBodyBytes {
		writeMessage(rec, http.StatusRequestEntityTooLarge, "Request Entity Too Large")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		writeMessage(rec, http.StatusBadRequest, "Bad Request")
		return
	}
	if len(body) > MaxBodyBytes {
		writeMessage(rec, http.StatusRequestEntityTooLarge, "Request Entity Too Large")
		return
	}

	fn, ok := g.functions[rt.Function]
	if !ok {
		g.logger.Error("no function for route", "route", routeKey, "function", rt.Function, "requestId", reqID)
		writeMessage(rec, http.StatusInternalServerError, "Internal Server Error")
		return
	}

	event := g.event(r, rt, params, body, jwtAuth, reqID, trace, start)
	payload, err := marshalEvent(event)
	if err != nil {
		g.logger.Error("marshal event", "requestId", reqID, "error", err)
		writeMessage(rec, http.StatusInternalServerError, "Internal Server Error")
		return
	}

	if len(payload) > resources.LambdaMaxRequest {
		// Lambda refuses the invocation (RequestEntityTooLargeException, its
		// own 413) and the function never runs; API Gateway passes the 413 on.
		g.logger.Warn("Lambda refuses the event", "route", routeKey, "requestId", reqID,
			"eventBytes", len(payload), "limit", resources.LambdaMaxRequest)
		writeMessage(rec, http.StatusRequestEntityTooLarge, "Request Too Long")
		return
	}

	out, err := g.invoke(tracing.With(r.Context(), trace), fn, rt.Function, payload)
	if err == nil && len(out) > resources.LambdaMaxResponse {
		// Lambda fails an invocation whose response is over its limit.
		err = fmt.Errorf("response payload size %d exceeded maximum allowed payload size (%d bytes)", len(out), resources.LambdaMaxResponse)
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		g.logger.Error("integration timed out", "route", routeKey, "requestId", reqID, "timeout", g.timeout)
		writeMessage(rec, http.StatusServiceUnavailable, "Service Unavailable")
		return
	case err != nil:
		// The cause goes to the log; the caller sees what AWS would show.
		g.logger.Error("function failed", "route", routeKey, "requestId", reqID, "error", err)
		writeMessage(rec, http.StatusInternalServerError, "Internal Server Error")
		return
	}
	if err := writeFunctionResponse(rec, out); err != nil {
		g.logger.Error("malformed function response", "route", routeKey, "requestId", reqID, "error", err)
		writeMessage(rec, http.StatusInternalServerError, "Internal Server Error")
	}
}

// invoke runs fn with the integration timeout. A function that outlives the
// timeout keeps running in the background (as a Lambda does) but its result
// is dropped. A panic in an in-process function becomes an error.
func (g *Gateway) invoke(ctx context.Context, fn Invoker, functionID string, payload []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), g.timeout)
	defer cancel()
	ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{
		AwsRequestID:       newUUID(),
		InvokedFunctionArn: "arn:aws:lambda:" + moto.Region + ":" + moto.Account + ":function:" + functionID,
	})
	type result struct {
		out []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- result{err: fmt.Errorf("function panicked: %v", p)}
			}
		}()
		out, err := fn.Invoke(ctx, payload)
		done <- result{out, err}
	}()
	select {
	case res := <-done:
		if res.err != nil && ctx.Err() != nil {
			return nil, context.DeadlineExceeded
		}
		return res.out, res.err
	case <-ctx.Done():
		return nil, context.DeadlineExceeded
	}
}

// event builds the payload format 2.0 event for r.
func (g *Gateway) event(r *http.Request, rt route, params map[string]string, body []byte,
	jwtAuth *events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription, reqID string, trace tracing.Header, now time.Time,
) events.APIGatewayV2HTTPRequest {
	headers := make(map[string]string, len(r.Header)+5)
	var cookies []string
	for name, values := range r.Header {
		lower := strings.ToLower(name)
		if lower == "cookie" {
			for _, v := range values {
				for c := range strings.SplitSeq(v, ";") {
					if c = strings.TrimSpace(c); c != "" {
						cookies = append(cookies, c)
					}
				}
			}
			continue
		}
		headers[lower] = strings.Join(values, ",")
	}
	sourceIP, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		sourceIP = r.RemoteAddr
	}
	headers["host"] = r.Host
	if xff := headers["x-forwarded-for"]; xff != "" {
		headers["x-forwarded-for"] = xff + ", " + sourceIP
	} else {
		headers["x-forwarded-for"] = sourceIP
	}
	proto, port := "http", "80"
	if r.TLS != nil {
		proto, port = "https", "443"
	}
	if addr, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		if _, p, err := net.SplitHostPort(addr.String()); err == nil {
			port = p
		}
	}
	headers["x-forwarded-proto"] = proto
	headers["x-forwarded-port"] = port
	headers["x-amzn-trace-id"] = trace.String()

	domain := r.Host
	if h, _, err := net.SplitHostPort(domain); err == nil {
		domain = h
	}
	prefix, _, _ := strings.Cut(domain, ".")

	var query map[string]string
	if r.URL.RawQuery != "" {
		values, _ := url.ParseQuery(r.URL.RawQuery) // keeps what parses, as API Gateway does
		if len(values) > 0 {
			query = make(map[string]string, len(values))
			for k, vs := range values {
				query[k] = strings.Join(vs, ",")
			}
		}
	}

	ev := events.APIGatewayV2HTTPRequest{
		Version:               "2.0",
		RouteKey:              rt.Key(),
		RawPath:               r.URL.EscapedPath(),
		RawQueryString:        r.URL.RawQuery,
		Cookies:               cookies,
		Headers:               headers,
		QueryStringParameters: query,
		PathParameters:        params,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey:     rt.Key(),
			AccountID:    moto.Account,
			Stage:        stage,
			RequestID:    reqID,
			APIID:        apiID,
			DomainName:   domain,
			DomainPrefix: prefix,
			Time:         now.UTC().Format(timeLayout),
			TimeEpoch:    now.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method:    r.Method,
				Path:      r.URL.Path,
				Protocol:  r.Proto,
				SourceIP:  sourceIP,
				UserAgent: r.UserAgent(),
			},
		},
	}
	if jwtAuth != nil {
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{JWT: jwtAuth}
	}
	if len(body) > 0 {
		if isTextContentType(r.Header.Get("Content-Type")) {
			ev.Body = string(body)
		} else {
			ev.Body = base64.StdEncoding.EncodeToString(body)
			ev.IsBase64Encoded = true
		}
	}
	return ev
}

// isTextContentType reports whether API Gateway passes a request body of this
// type as a plain string. HTTP APIs do so only for text/*, application/json,
// application/xml and application/javascript; every other type (including
// application/x-www-form-urlencoded, +json suffixes and a missing
// Content-Type) arrives base64-encoded with isBase64Encoded=true.
func isTextContentType(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	switch mt {
	case "application/json", "application/xml", "application/javascript":
		return true
	}
	return strings.HasPrefix(mt, "text/")
}

// marshalEvent encodes ev as API Gateway does, which differs from a plain
// json.Marshal only in leaving out requestContext.authentication (present
// only with mutual TLS).
func marshalEvent(ev events.APIGatewayV2HTTPRequest) ([]byte, error) {
	type requestContext struct {
		events.APIGatewayV2HTTPRequestContext
		Authentication *struct{} `json:"authentication,omitempty"`
	}
	return json.Marshal(struct {
		events.APIGatewayV2HTTPRequest
		RequestContext requestContext `json:"requestContext"`
	}{ev, requestContext{APIGatewayV2HTTPRequestContext: ev.RequestContext}})
}

// writeFunctionResponse interprets a function's output as payload format
// 2.0 does: an object with statusCode is a response; any other valid JSON is
// the body of a 200 application/json response.
func writeFunctionResponse(w http.ResponseWriter, out []byte) error {
	if !json.Valid(out) {
		return errors.New("output is not JSON")
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(out, &probe); err != nil || probe["statusCode"] == nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(out)
		return nil
	}
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		return fmt.Errorf("output is not a response: %w", err)
	}
	if resp.StatusCode < 100 || resp.StatusCode > 599 {
		return fmt.Errorf("status code %d out of range", resp.StatusCode)
	}
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		var err error
		if body, err = base64.StdEncoding.DecodeString(resp.Body); err != nil {
			return fmt.Errorf("body is not base64: %w", err)
		}
	}
	h := w.Header()
	for name, value := range resp.Headers {
		if !hopByHop(name) {
			h.Set(name, value)
		}
	}
	for name, values := range resp.MultiValueHeaders {
		if !hopByHop(name) {
			for _, v := range values {
				h.Add(name, v)
			}
		}
	}
	for _, c := range resp.Cookies {
		h.Add("Set-Cookie", c)
	}
	if h.Get("Content-Type") == "" {
		h["Content-Type"] = nil // no sniffing: send none, like AWS
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(body)
	return nil
}

// hopByHop lists headers a function may not set on the wire response.
func hopByHop(name string) bool {
	switch http.CanonicalHeaderKey(name) {
	case "Connection", "Content-Length", "Keep-Alive", "Transfer-Encoding", "Upgrade", "Apigw-Requestid":
		return true
	}
	return false
}

// writeMessage writes one of API Gateway's own {"message": …} responses.
func writeMessage(w http.ResponseWriter, status int, message string) {
	body, _ := json.Marshal(map[string]string{"message": message})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// newRequestID returns an id shaped like API Gateway's ("JxNWrhvIoAMEJvA=").
func newRequestID() string {
	var b [11]byte
	_, _ = rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}

// InvokeAsLambda runs fn as an event source mapping does: with a Lambda
// context, and a panic in an in-process function counted as a function
// error, as it would be on Lambda.
func InvokeAsLambda(ctx context.Context, fn Invoker, payload []byte) (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("function panicked: %v", r)
		}
	}()
	ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: newUUID()})
	return fn.Invoke(ctx, payload)
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
