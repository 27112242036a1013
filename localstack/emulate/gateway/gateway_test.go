package gateway

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/golang-jwt/jwt/v5"
	"github.com/tredjepart/tredjepart/localstack/emulate/moto"
	"github.com/tredjepart/tredjepart/localstack/identity/issuer"
	"github.com/tredjepart/tredjepart/shared/resources"
	"github.com/tredjepart/tredjepart/shared/tracing"
)

const audience = "tredjepart-api"

// swappable serves whatever handler it currently holds, so a test can
// replace the issuer behind a fixed URL (key rotation).
type swappable struct{ h atomic.Pointer[http.Handler] }

func (s *swappable) set(h http.Handler)                               { s.h.Store(&h) }
func (s *swappable) ServeHTTP(w http.ResponseWriter, r *http.Request) { (*s.h.Load()).ServeHTTP(w, r) }

// testIssuer is a running local issuer plus its raw key, so tests can also
// sign tokens the issuer would never produce.
type testIssuer struct {
	*issuer.Issuer
	url     string
	keyPath string
	front   *swappable
}

func startIssuer(t *testing.T) *testIssuer {
	t.Helper()
	front := &swappable{}
	srv := httptest.NewUnstartedServer(front)
	url := "http://" + srv.Listener.Addr().String()
	keyPath := filepath.Join(t.TempDir(), "issuer.pem")
	iss, err := issuer.LoadOrCreate(keyPath, url)
	if err != nil {
		t.Fatal(err)
	}
	iss.DefaultAudience = audience
	front.set(iss.Handler())
	srv.Start()
	t.Cleanup(srv.Close)
	return &testIssuer{Issuer: iss, url: url, keyPath: keyPath, front: front}
}

// sign signs claims with the issuer's own key under the given header.
func (ti *testIssuer) sign(t *testing.T, alg, kid string, claims map[string]any) string {
	t.Helper()
	return signWithPEM(t, ti.keyPath, alg, kid, claims)
}

func signWithPEM(t *testing.T, keyPath string, alg, kid string, claims map[string]any) string {
	t.Helper()
	data, err := os.ReadFile(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	token := jwt.NewWithClaims(jwt.GetSigningMethod(alg), jwt.MapClaims(claims))
	delete(token.Header, "typ")
	if kid != "" {
		token.Header["kid"] = kid
	}
	var key any = parsed.(*rsa.PrivateKey)
	if alg == "HS256" {
		// The classic confusion attack: HMAC keyed with the public key.
		der, _ := x509.MarshalPKIXPublicKey(&parsed.(*rsa.PrivateKey).PublicKey)
		key = der
	}
	signed, err := token.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return signed
}

// unsigned builds a token whose header names alg and whose signature is empty.
func unsigned(t *testing.T, alg, kid string, claims map[string]any) string {
	t.Helper()
	h, _ := json.Marshal(map[string]string{"alg": alg, "kid": kid})
	p, _ := json.Marshal(claims)
	enc := base64.RawURLEncoding
	return enc.EncodeToString(h) + "." + enc.EncodeToString(p) + "."
}

func (ti *testIssuer) claims(mods map[string]any) map[string]any {
	now := time.Now().Unix()
	c := map[string]any{
		"iss": ti.url, "sub": "client-1", "client_id": "client-1", "aud": audience,
		"scope": resources.ThirdPartyScope, "iat": now, "nbf": now, "exp": now + 300, "jti": "j1",
	}
	for k, v := range mods {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return c
}

// echo returns the event it got as the body of a 200 response, and the
// trace of its context in X-Context-Trace.
func echo() Invoker {
	return lambda.NewHandler(func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		body, err := json.Marshal(ev)
		trace, _ := tracing.FromContext(ctx)
		return events.APIGatewayV2HTTPResponse{
			StatusCode: http.StatusOK,
			Headers:    map[string]string{"Content-Type": "application/json", "X-Context-Trace": trace.String()},
			Body:       string(body),
		}, err
	})
}

// raw is a function whose output is fixed bytes.
type raw []byte

func (r raw) Invoke(context.Context, []byte) ([]byte, error) { return r, nil }

type failing struct{}

func (failing) Invoke(context.Context, []byte) ([]byte, error) {
	return nil, errors.New("ConditionalCheckFailedException: boom")
}

type slow struct{}

func (slow) Invoke(ctx context.Context, _ []byte) ([]byte, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

type panicking struct{}

func (panicking) Invoke(context.Context, []byte) ([]byte, error) { panic("bug") }

var testRoutes = append(slices.Clone(resources.Routes),
	resources.Route{Method: "GET", Path: "/test/infer", Function: "Infer", Scopes: []string{resources.ThirdPartyScope}},
	resources.Route{Method: "GET", Path: "/test/string", Function: "String"},
	resources.Route{Method: "GET", Path: "/test/cookies", Function: "Cookies"},
	resources.Route{Method: "GET", Path: "/test/binary", Function: "Binary"},
	resources.Route{Method: "GET", Path: "/test/fail", Function: "Fail"},
	resources.Route{Method: "GET", Path: "/test/garbage", Function: "Garbage"},
	resources.Route{Method: "GET", Path: "/test/badstatus", Function: "BadStatus"},
	resources.Route{Method: "GET", Path: "/test/slow", Function: "Slow"},
	resources.Route{Method: "GET", Path: "/test/panic", Function: "Panic"},
	resources.Route{Method: "GET", Path: "/test/missing", Function: "Missing"},
	resources.Route{Method: "POST", Path: "/test/size", Function: "Size", Scopes: []string{resources.ThirdPartyScope}},
	resources.Route{Method: "GET", Path: "/test/huge", Function: "Huge"},
	resources.Route{Method: "ANY", Path: "/files/{proxy+}", Function: resources.IntakeFunctionID},
	resources.Route{Method: "GET", Path: "/files/special", Function: "Infer"},
)

// sizing records the size of each event it gets.
type sizing struct{ size *atomic.Int64 }

func (s sizing) Invoke(_ context.Context, payload []byte) ([]byte, error) {
	s.size.Store(int64(len(payload)))
	return []byte(`{"statusCode":204}`), nil
}

func testFunctions(sized *atomic.Int64) map[string]Invoker {
	return map[string]Invoker{
		"Size":                     sizing{sized},
		"Huge":                     raw(`{"statusCode":200,"body":"` + strings.Repeat("x", resources.LambdaMaxResponse) + `"}`),
		resources.IntakeFunctionID: echo(),
		"Infer":                    raw(`{"hello":"world"}`),
		"String":                   raw(`"just a string"`),
		"Cookies": lambda.NewHandler(func() (events.APIGatewayV2HTTPResponse, error) {
			return events.APIGatewayV2HTTPResponse{
				StatusCode:        http.StatusCreated,
				Headers:           map[string]string{"content-type": "text/plain", "x-one": "1"},
				MultiValueHeaders: map[string][]string{"x-many": {"a", "b"}},
				Cookies:           []string{"session=abc; Path=/; HttpOnly", "theme=dark"},
				Body:              "made",
			}, nil
		}),
		"Binary": lambda.NewHandler(func() (events.APIGatewayV2HTTPResponse, error) {
			return events.APIGatewayV2HTTPResponse{
				StatusCode:      http.StatusOK,
				Headers:         map[string]string{"content-type": "application/octet-stream"},
				Body:            base64.StdEncoding.EncodeToString([]byte{0, 1, 2, 255}),
				IsBase64Encoded: true,
			}, nil
		}),
		"Fail":      failing{},
		"Garbage":   raw(`this is not json`),
		"BadStatus": raw(`{"statusCode":"two hundred"}`),
		"Slow":      slow{},
		"Panic":     panicking{},
	}
}

type fixture struct {
	sized atomic.Int64 // the size of the last event of POST /test/size
	iss   *testIssuer
	gw    *Gateway
	srv   *httptest.Server
	log   *bytes.Buffer
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	iss := startIssuer(t)
	auth, err := NewAuthorizer(context.Background(), iss.url, audience)
	if err != nil {
		t.Fatalf("NewAuthorizer: %v", err)
	}
	f := &fixture{iss: iss, log: &bytes.Buffer{}}
	gw, err := newGateway(testRoutes, testFunctions(&f.sized), auth, slog.New(slog.NewJSONHandler(f.log, nil)))
	if err != nil {
		t.Fatal(err)
	}
	gw.timeout = 200 * time.Millisecond
	f.gw, f.srv = gw, httptest.NewServer(gw)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fixture) token(t *testing.T, scopes ...string) string {
	t.Helper()
	if scopes == nil {
		scopes = []string{resources.ThirdPartyScope}
	}
	tok, err := f.iss.Token("0192:987654321", scopes, audience, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (f *fixture) do(t *testing.T, method, path, token string, body io.Reader, header http.Header) response {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	maps.Copy(req.Header, header)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, b}
}

func (r response) event(t *testing.T) events.APIGatewayV2HTTPRequest {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status = %d, body %s", r.status, r.body)
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(r.body, &ev); err != nil {
		t.Fatalf("echo body: %v", err)
	}
	return ev
}

func (r response) wantMessage(t *testing.T, status int, message string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d (body %s)", r.status, status, r.body)
	}
	var got map[string]string
	if err := json.Unmarshal(r.body, &got); err != nil || got["message"] != message || len(got) != 1 {
		t.Errorf("body = %s, want {\"message\":%q}", r.body, message)
	}
	if r.header.Get("apigw-requestid") == "" {
		t.Error("no apigw-requestid header")
	}
}

// Each call is traced as API Gateway and Lambda would: a trace the caller
// sent is carried on, else a new sampled one starts; the function gets it in
// the event's x-amzn-trace-id header and (in-process) in its context.
func TestEachCallIsTraced(t *testing.T) {
	f := newFixture(t)
	token := f.token(t)
	const sent = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
	resp := f.do(t, "GET", "/v1/access-requests", token, nil, http.Header{"X-Amzn-Trace-Id": {sent}})
	if got := resp.event(t).Headers["x-amzn-trace-id"]; got != sent {
		t.Errorf("the caller's trace: event header %q, want %q", got, sent)
	}
	if got := resp.header.Get("X-Context-Trace"); got != sent {
		t.Errorf("the caller's trace: context %q, want %q", got, sent)
	}
	var roots []string
	for range 2 {
		resp := f.do(t, "GET", "/v1/access-requests", token, nil, nil)
		h, ok := tracing.Parse(resp.event(t).Headers["x-amzn-trace-id"])
		if !ok || len(h.Root) != 35 || h.Sampled != "1" || resp.header.Get("X-Context-Trace") != h.String() {
			t.Errorf("a new trace: event header %+v, context %q", h, resp.header.Get("X-Context-Trace"))
		}
		roots = append(roots, h.Root)
	}
	if roots[0] == roots[1] {
		t.Errorf("two calls, one trace %s", roots[0])
	}
}

func TestHappyPathEvent(t *testing.T) {
	f := newFixture(t)
	token := f.token(t)
	resp := f.do(t, "GET", "/v1/access-requests/abc%20def?x=1&x=2&y=a%2Bb", token, nil, http.Header{
		"X-Custom":   {"one", "two"},
		"Cookie":     {"a=1; b=2", "c=3"},
		"User-Agent": {"tester/1.0"},
	})
	ev := resp.event(t)

	checks := []struct {
		name      string
		got, want any
	}{
		{"version", ev.Version, "2.0"},
		{"routeKey", ev.RouteKey, "GET /v1/access-requests/{id}"},
		{"requestContext.routeKey", ev.RequestContext.RouteKey, "GET /v1/access-requests/{id}"},
		{"rawPath", ev.RawPath, "/v1/access-requests/abc%20def"},
		{"rawQueryString", ev.RawQueryString, "x=1&x=2&y=a%2Bb"},
		{"pathParameters", ev.PathParameters, map[string]string{"id": "abc def"}},
		{"queryStringParameters", ev.QueryStringParameters, map[string]string{"x": "1,2", "y": "a+b"}},
		{"cookies", ev.Cookies, []string{"a=1", "b=2", "c=3"}},
		{"header x-custom", ev.Headers["x-custom"], "one,two"},
		{"header authorization", ev.Headers["authorization"], "Bearer " + token},
		{"header user-agent", ev.Headers["user-agent"], "tester/1.0"},
		{"header host", ev.Headers["host"], strings.TrimPrefix(f.srv.URL, "http://")},
		{"header x-forwarded-proto", ev.Headers["x-forwarded-proto"], "http"},
		{"header x-forwarded-for", ev.Headers["x-forwarded-for"], "127.0.0.1"},
		{"body", ev.Body, ""},
		{"isBase64Encoded", ev.IsBase64Encoded, false},
		{"accountId", ev.RequestContext.AccountID, moto.Account},
		{"apiId", ev.RequestContext.APIID, "local"},
		{"stage", ev.RequestContext.Stage, "$default"},
		{"domainName", ev.RequestContext.DomainName, "127.0.0.1"},
		{"domainPrefix", ev.RequestContext.DomainPrefix, "127"},
		{"requestId", ev.RequestContext.RequestID, resp.header.Get("apigw-requestid")},
		{"http.method", ev.RequestContext.HTTP.Method, "GET"},
		{"http.path", ev.RequestContext.HTTP.Path, "/v1/access-requests/abc def"},
		{"http.protocol", ev.RequestContext.HTTP.Protocol, "HTTP/1.1"},
		{"http.sourceIp", ev.RequestContext.HTTP.SourceIP, "127.0.0.1"},
		{"http.userAgent", ev.RequestContext.HTTP.UserAgent, "tester/1.0"},
	}
	for _, c := range checks {
		gotJSON, _ := json.Marshal(c.got)
		wantJSON, _ := json.Marshal(c.want)
		if !bytes.Equal(gotJSON, wantJSON) {
			t.Errorf("%s = %s, want %s", c.name, gotJSON, wantJSON)
		}
	}
	for name := range ev.Headers {
		if name != strings.ToLower(name) {
			t.Errorf("header %q is not lower-case", name)
		}
	}
	if _, ok := ev.Headers["cookie"]; ok {
		t.Error("cookie header passed on; cookies belong in the cookies field")
	}
	if ev.RequestContext.RequestID == "" {
		t.Error("empty requestId")
	}
	ts, err := time.Parse(timeLayout, ev.RequestContext.Time)
	if err != nil {
		t.Errorf("time %q not in API Gateway's format: %v", ev.RequestContext.Time, err)
	}
	if d := ts.Sub(time.UnixMilli(ev.RequestContext.TimeEpoch)); d > time.Second || d < -time.Second {
		t.Errorf("time %s and timeEpoch %d disagree", ev.RequestContext.Time, ev.RequestContext.TimeEpoch)
	}

	if ev.RequestContext.Authorizer == nil || ev.RequestContext.Authorizer.JWT == nil {
		t.Fatal("no requestContext.authorizer.jwt")
	}
	claims := ev.RequestContext.Authorizer.JWT.Claims
	for name, want := range map[string]string{
		"client_id": "0192:987654321",
		"sub":       "0192:987654321",
		"iss":       f.iss.url,
		"scope":     resources.ThirdPartyScope,
	} {
		if claims[name] != want {
			t.Errorf("claim %s = %q, want %q", name, claims[name], want)
		}
	}
	for _, name := range []string{"iat", "nbf", "exp"} {
		if v := claims[name]; v == "" || strings.Trim(v, "0123456789") != "" {
			t.Errorf("claim %s = %q, want a decimal number", name, v)
		}
	}
	if got := ev.RequestContext.Authorizer.JWT.Scopes; !slices.Equal(got, []string{resources.ThirdPartyScope}) {
		t.Errorf("scopes = %v", got)
	}

	// The wire event has no mTLS "authentication" block, like AWS's.
	var wire map[string]map[string]any
	f.gw.functions[resources.IntakeFunctionID] = invokerFunc(func(_ context.Context, payload []byte) ([]byte, error) {
		_ = json.Unmarshal(payload, &wire)
		return []byte(`{}`), nil
	})
	f.do(t, "GET", "/v1/access-requests", token, nil, nil)
	if _, ok := wire["requestContext"]["authentication"]; ok {
		t.Error("event has requestContext.authentication")
	}
}

type invokerFunc func(context.Context, []byte) ([]byte, error)

func (f invokerFunc) Invoke(ctx context.Context, p []byte) ([]byte, error) { return f(ctx, p) }

func TestClaimRendering(t *testing.T) {
	f := newFixture(t)
	token := f.iss.sign(t, "RS256", f.iss.KeyID(), f.iss.claims(map[string]any{
		"aud":    []string{"other", audience},
		"scope":  nil,
		"scp":    []string{"x", resources.ThirdPartyScope},
		"active": true,
		"n":      1.5,
	}))
	ev := f.do(t, "GET", "/v1/access-requests", token, nil, nil).event(t)
	jwtDesc := ev.RequestContext.Authorizer.JWT
	for name, want := range map[string]string{"aud": "[other " + audience + "]", "scp": "[x " + resources.ThirdPartyScope + "]", "active": "true", "n": "1.5"} {
		if jwtDesc.Claims[name] != want {
			t.Errorf("claim %s = %q, want %q", name, jwtDesc.Claims[name], want)
		}
	}
	if !slices.Equal(jwtDesc.Scopes, []string{"x", resources.ThirdPartyScope}) {
		t.Errorf("scopes = %v", jwtDesc.Scopes)
	}
}

func TestRequestBodyEncoding(t *testing.T) {
	f := newFixture(t)
	token := f.token(t)
	const payload = `{"meteringPoint":"707057500000000001"}`
	tests := []struct {
		contentType string
		base64      bool
	}{
		{"application/json", false},
		{"application/json; charset=utf-8", false},
		{"text/plain", false},
		{"text/csv", false},
		{"application/xml", false},
		{"application/javascript", false},
		{"application/x-www-form-urlencoded", true},
		{"application/octet-stream", true},
		{"application/merge-patch+json", true},
		{"", true},
	}
	for _, tt := range tests {
		t.Run(tt.contentType, func(t *testing.T) {
			h := http.Header{}
			if tt.contentType != "" {
				h.Set("Content-Type", tt.contentType)
			}
			ev := f.do(t, "POST", "/v1/access-requests", token, strings.NewReader(payload), h).event(t)
			if ev.IsBase64Encoded != tt.base64 {
				t.Fatalf("isBase64Encoded = %v, want %v", ev.IsBase64Encoded, tt.base64)
			}
			got := ev.Body
			if tt.base64 {
				b, err := base64.StdEncoding.DecodeString(ev.Body)
				if err != nil {
					t.Fatalf("body is not base64: %v", err)
				}
				got = string(b)
			}
			if got != payload {
				t.Errorf("body = %q, want %q", got, payload)
			}
		})
	}
}

func TestUnauthorized(t *testing.T) {
	f := newFixture(t)
	other := startIssuer(t) // a second, unrelated key
	kid := f.iss.KeyID()
	const rs = "RS256"
	now := time.Now().Unix()

	tests := []struct {
		name        string
		header      string // the whole Authorization header
		description string
	}{
		{"no header", "", "the token is missing"},
		{"empty bearer", "Bearer ", "the token is missing"},
		{"not a JWT", "Bearer abc.def", "the token is malformed"},
		{"signed by another key, its own kid", "Bearer " + signWithPEM(t, other.keyPath, rs, other.KeyID(), f.iss.claims(nil)), "the token's kid does not match a signing key"},
		{"signed by another key, our kid", "Bearer " + signWithPEM(t, other.keyPath, rs, kid, f.iss.claims(nil)), "the token's signature is invalid"},
		{"no kid", "Bearer " + f.iss.sign(t, rs, "", f.iss.claims(nil)), "the token has no kid"},
		{"expired", "Bearer " + f.iss.sign(t, rs, kid, f.iss.claims(map[string]any{"iat": now - 600, "nbf": now - 600, "exp": now - 60})), "the token has expired"},
		{"no exp", "Bearer " + f.iss.sign(t, rs, kid, f.iss.claims(map[string]any{"exp": nil})), "the token is invalid"},
		{"nbf in the future", "Bearer " + f.iss.sign(t, rs, kid, f.iss.claims(map[string]any{"nbf": now + 120})), "the token is not valid yet"},
		{"iat in the future", "Bearer " + f.iss.sign(t, rs, kid, f.iss.claims(map[string]any{"iat": now + 120})), "the token was issued in the future"},
		{"wrong issuer", "Bearer " + f.iss.sign(t, rs, kid, f.iss.claims(map[string]any{"iss": "http://evil.example"})), "the token does not have a valid issuer"},
		{"wrong audience", "Bearer " + f.iss.sign(t, rs, kid, f.iss.claims(map[string]any{"aud": "other-api"})), "the token does not have a valid audience"},
		{"wrong aud, matching client_id", "Bearer " + f.iss.sign(t, rs, kid, f.iss.claims(map[string]any{"aud": "other-api", "client_id": audience})), "the token does not have a valid audience"},
		{"no aud, other client_id", "Bearer " + f.iss.sign(t, rs, kid, f.iss.claims(map[string]any{"aud": nil})), "the token does not have a valid audience"},
		{"empty aud list, client_id is the audience", "Bearer " + f.iss.sign(t, rs, kid, f.iss.claims(map[string]any{"aud": []string{}, "client_id": audience})), "the token does not have a valid audience"},
		{"aud not a string", "Bearer " + f.iss.sign(t, rs, kid, f.iss.claims(map[string]any{"aud": 5})), "the token is malformed"},
		{"exp not a number", "Bearer " + f.iss.sign(t, rs, kid, f.iss.claims(map[string]any{"exp": "soon"})), "the token is malformed"},
		// The issuer is judged before the times, the times before the audience.
		{"wrong issuer, expired", "Bearer " + f.iss.sign(t, rs, kid, f.iss.claims(map[string]any{"iss": "http://evil.example", "exp": now - 60})), "the token does not have a valid issuer"},
		{"expired, wrong audience", "Bearer " + f.iss.sign(t, rs, kid, f.iss.claims(map[string]any{"aud": "other-api", "exp": now - 60})), "the token has expired"},
		{"not valid yet and expired", "Bearer " + f.iss.sign(t, rs, kid, f.iss.claims(map[string]any{"nbf": now + 120, "exp": now - 60})), "the token is not valid yet"},
		{"alg none", "Bearer " + unsigned(t, "none", kid, f.iss.claims(nil)), "the token's signing algorithm is not supported"},
		{"alg unknown", "Bearer " + unsigned(t, "XY999", kid, f.iss.claims(nil)), "the token's signing algorithm is not supported"},
		{"alg HS256", "Bearer " + f.iss.sign(t, "HS256", kid, f.iss.claims(nil)), "the token's signing algorithm is not supported"},
		{"alg RS512", "Bearer " + f.iss.sign(t, "RS512", kid, f.iss.claims(nil)), "the token's signing algorithm is not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.header != "" {
				h.Set("Authorization", tt.header)
			}
			resp := f.do(t, "GET", "/v1/access-requests", "", nil, h)
			resp.wantMessage(t, http.StatusUnauthorized, "Unauthorized")
			want := `Bearer scope="" error="invalid_token" error_description="` + tt.description + `"`
			if got := resp.header.Get("www-authenticate"); got != want {
				t.Errorf("www-authenticate = %s, want %s", got, want)
			}
		})
	}
}

// RFC 7519 4.1.4: a token is expired at its exp, not only after it.
func TestTokenExpiresAtExp(t *testing.T) {
	f := newFixture(t)
	exp := time.Now().Unix() + 300
	token := f.iss.sign(t, "RS256", f.iss.KeyID(), f.iss.claims(map[string]any{"exp": exp}))
	for at, want := range map[int64]int{exp - 1: http.StatusOK, exp: http.StatusUnauthorized} {
		f.gw.auth.now = func() time.Time { return time.Unix(at, 0) }
		resp := f.do(t, "GET", "/v1/access-requests", token, nil, nil)
		if resp.status != want {
			t.Errorf("at exp%+d: status %d, want %d (www-authenticate %q)", at-exp, resp.status, want, resp.header.Get("www-authenticate"))
		}
	}
}

func TestAuthorized(t *testing.T) {
	f := newFixture(t)
	kid := f.iss.KeyID()
	const rs = "RS256"
	tests := []struct {
		name   string
		header string
	}{
		{"issuer token", "Bearer " + f.token(t)},
		{"lower-case scheme", "bearer " + f.token(t)},
		{"token without Bearer prefix", f.token(t)},
		{"several scopes", "Bearer " + f.token(t, "other", resources.ThirdPartyScope)},
		{"no aud, client_id is the audience", "Bearer " + f.iss.sign(t, rs, kid, f.iss.claims(map[string]any{"aud": nil, "client_id": audience}))},
		{"aud list containing the audience", "Bearer " + f.iss.sign(t, rs, kid, f.iss.claims(map[string]any{"aud": []string{"x", audience}}))},
		{"scp string", "Bearer " + f.iss.sign(t, rs, kid, f.iss.claims(map[string]any{"scope": nil, "scp": resources.ThirdPartyScope}))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := f.do(t, "GET", "/v1/access-requests", "", nil, http.Header{"Authorization": {tt.header}})
			if resp.status != http.StatusOK {
				t.Errorf("status = %d (%s), www-authenticate %q", resp.status, resp.body, resp.header.Get("www-authenticate"))
			}
		})
	}
}

func TestForbiddenWithoutScope(t *testing.T) {
	f := newFixture(t)
	for _, scopes := range [][]string{{"other:scope"}, {}} {
		resp := f.do(t, "GET", "/v1/access-requests/x", f.token(t, scopes...), nil, nil)
		resp.wantMessage(t, http.StatusForbidden, "Forbidden")
		want := `Bearer scope="tredjepart:thirdparty" error="insufficient_scope" error_description="expected scopes: [tredjepart:thirdparty]"`
		if got := resp.header.Get("www-authenticate"); got != want {
			t.Errorf("www-authenticate = %s, want %s", got, want)
		}
	}
}

func TestEveryRouteNeedsAToken(t *testing.T) {
	f := newFixture(t)
	// /test/string has no scopes, but like every route it has the authorizer.
	f.do(t, "GET", "/test/string", "", nil, nil).wantMessage(t, http.StatusUnauthorized, "Unauthorized")
	if resp := f.do(t, "GET", "/test/string", f.token(t, "unrelated"), nil, nil); resp.status != http.StatusOK {
		t.Errorf("route without scopes, any valid token: status %d", resp.status)
	}
	// Route selection comes first: no route is 404 even without a token.
	f.do(t, "GET", "/nowhere", "", nil, nil).wantMessage(t, http.StatusNotFound, "Not Found")
}

func TestKeyRotationRefetchesJWKS(t *testing.T) {
	f := newFixture(t)
	f.gw.auth.mu.Lock()
	f.gw.auth.minRefresh = 0
	f.gw.auth.mu.Unlock()
	rotated, err := issuer.LoadOrCreate(filepath.Join(t.TempDir(), "new.pem"), f.iss.url)
	if err != nil {
		t.Fatal(err)
	}
	f.iss.front.set(rotated.Handler())
	tok, err := rotated.Token("c", []string{resources.ThirdPartyScope}, audience, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if resp := f.do(t, "GET", "/v1/access-requests", tok, nil, nil); resp.status != http.StatusOK {
		t.Errorf("token from rotated key: status %d, www-authenticate %q", resp.status, resp.header.Get("www-authenticate"))
	}
}

func TestIssuerDownKeepsCachedKeys(t *testing.T) {
	f := newFixture(t)
	f.gw.auth.mu.Lock()
	f.gw.auth.minRefresh = 0
	f.gw.auth.fetchedAt = time.Now().Add(-3 * time.Hour) // keys are stale
	f.gw.auth.mu.Unlock()
	f.iss.front.set(http.NotFoundHandler()) // the issuer is gone
	if resp := f.do(t, "GET", "/v1/access-requests", f.token(t), nil, nil); resp.status != http.StatusOK {
		t.Errorf("token with a cached kid: status %d", resp.status)
	}
	other := startIssuer(t)
	unknown := signWithPEM(t, other.keyPath, "RS256", other.KeyID(), f.iss.claims(nil))
	f.do(t, "GET", "/v1/access-requests", unknown, nil, nil).wantMessage(t, http.StatusUnauthorized, "Unauthorized")
	if !strings.Contains(f.log.String(), `"level":"WARN","msg":"authorizer refused"`) {
		t.Errorf("no warning that the JWKS could not be fetched:\n%s", f.log)
	}
}

func TestRouting(t *testing.T) {
	f := newFixture(t)
	token := f.token(t)
	tests := []struct {
		method, path string
		status       int
		routeKey     string
		params       map[string]string
	}{
		{"GET", "/v1/access-requests", 200, "GET /v1/access-requests", nil},
		{"POST", "/v1/access-requests", 200, "POST /v1/access-requests", nil},
		{"DELETE", "/v1/access-requests/42", 200, "DELETE /v1/access-requests/{id}", map[string]string{"id": "42"}},
		{"GET", "/v1/access-requests/42/extra", 404, "", nil},
		{"GET", "/v1/access-requests/", 404, "", nil},
		{"PUT", "/v1/access-requests", 404, "", nil},
		{"GET", "/v2/nothing", 404, "", nil},
		{"GET", "/", 404, "", nil},
		{"PATCH", "/files/a/b%2Fc", 200, "ANY /files/{proxy+}", map[string]string{"proxy": "a/b/c"}},
		{"GET", "/files/one", 200, "ANY /files/{proxy+}", map[string]string{"proxy": "one"}},
		{"GET", "/files/", 404, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			resp := f.do(t, tt.method, tt.path, token, nil, nil)
			if tt.status == http.StatusNotFound {
				resp.wantMessage(t, http.StatusNotFound, "Not Found")
				return
			}
			ev := resp.event(t)
			if ev.RouteKey != tt.routeKey {
				t.Errorf("routeKey = %q, want %q", ev.RouteKey, tt.routeKey)
			}
			if !maps.Equal(ev.PathParameters, tt.params) {
				t.Errorf("pathParameters = %v, want %v", ev.PathParameters, tt.params)
			}
		})
	}
	// A route is a method and a path, as on AWS: HEAD, whose answer has no
	// body, matches an ANY route and never a GET one, pages and /docs too.
	for path, status := range map[string]int{"/files/one": 200, "/docs": 404, "/consent": 404, "/v1/access-requests": 404} {
		if resp := f.do(t, "HEAD", path, token, nil, nil); resp.status != status || len(resp.body) != 0 {
			t.Errorf("HEAD %s: %d with %d bytes, want %d and none", path, resp.status, len(resp.body), status)
		}
	}
	// A literal route beats the greedy one.
	if resp := f.do(t, "GET", "/files/special", token, nil, nil); string(resp.body) != `{"hello":"world"}` {
		t.Errorf("GET /files/special went to the greedy route: %s", resp.body)
	}
}

func TestFunctionResponses(t *testing.T) {
	f := newFixture(t)
	token := f.token(t)

	t.Run("valid JSON without statusCode is a 200 JSON body", func(t *testing.T) {
		for path, want := range map[string]string{"/test/infer": `{"hello":"world"}`, "/test/string": `"just a string"`} {
			resp := f.do(t, "GET", path, token, nil, nil)
			if resp.status != 200 || string(resp.body) != want || resp.header.Get("Content-Type") != "application/json" {
				t.Errorf("%s: %d %q %q, want 200 application/json %s", path, resp.status, resp.header.Get("Content-Type"), resp.body, want)
			}
		}
	})

	t.Run("cookies become Set-Cookie headers", func(t *testing.T) {
		resp := f.do(t, "GET", "/test/cookies", token, nil, nil)
		if resp.status != http.StatusCreated || string(resp.body) != "made" {
			t.Fatalf("got %d %q", resp.status, resp.body)
		}
		if got := resp.header.Values("Set-Cookie"); !slices.Equal(got, []string{"session=abc; Path=/; HttpOnly", "theme=dark"}) {
			t.Errorf("Set-Cookie = %q", got)
		}
		if resp.header.Get("Content-Type") != "text/plain" || resp.header.Get("X-One") != "1" {
			t.Errorf("headers = %v", resp.header)
		}
		if got := resp.header.Values("X-Many"); !slices.Equal(got, []string{"a", "b"}) {
			t.Errorf("X-Many = %q", got)
		}
	})

	t.Run("base64 body is decoded", func(t *testing.T) {
		resp := f.do(t, "GET", "/test/binary", token, nil, nil)
		if !bytes.Equal(resp.body, []byte{0, 1, 2, 255}) {
			t.Errorf("body = %v", resp.body)
		}
	})

	errorCases := []struct {
		path    string
		status  int
		message string
	}{
		{"/test/fail", 500, "Internal Server Error"},
		{"/test/garbage", 500, "Internal Server Error"},
		{"/test/badstatus", 500, "Internal Server Error"},
		{"/test/panic", 500, "Internal Server Error"},
		{"/test/missing", 500, "Internal Server Error"},
		{"/test/slow", 503, "Service Unavailable"},
	}
	for _, tt := range errorCases {
		t.Run(tt.path, func(t *testing.T) {
			f.do(t, "GET", tt.path, token, nil, nil).wantMessage(t, tt.status, tt.message)
		})
	}
	if strings.Contains(f.log.String(), "boom") == false {
		t.Error("the function error's cause is not in the log")
	}
}

func TestBodyLimit(t *testing.T) {
	f := newFixture(t)
	f.gw.timeout = IntegrationTimeout // events of 6 MB take a moment
	token := f.token(t)
	binary := http.Header{"Content-Type": {"application/octet-stream"}}
	big := bytes.Repeat([]byte("x"), MaxBodyBytes+1)
	f.do(t, "POST", "/v1/access-requests", token, bytes.NewReader(big), binary).
		wantMessage(t, http.StatusRequestEntityTooLarge, "Request Entity Too Large")
	// Without Content-Length (chunked) the limit still holds.
	f.do(t, "POST", "/v1/access-requests", token, io.MultiReader(bytes.NewReader(big)), binary).
		wantMessage(t, http.StatusRequestEntityTooLarge, "Request Entity Too Large")
}

// A body API Gateway takes (up to 10 MiB) but whose event is over Lambda's
// 6 MiB never reaches the function: Lambda refuses the invocation with a
// 413, which API Gateway passes on as {"message":"Request Too Long"}.
func TestEventOverLambdasLimit(t *testing.T) {
	f := newFixture(t)
	f.gw.timeout = IntegrationTimeout
	token := f.token(t)
	eventSize := func(body []byte, contentType string) int {
		t.Helper()
		f.sized.Store(0)
		f.do(t, "POST", "/test/size", token, bytes.NewReader(body), http.Header{"Content-Type": {contentType}})
		return int(f.sized.Load())
	}
	// The envelope around a body: what an event of an empty text body weighs.
	envelope := eventSize([]byte("{}"), "application/json") - len("{}")
	if envelope <= 0 || envelope > 8<<10 {
		t.Fatalf("an event's envelope is %d bytes", envelope)
	}
	fits := bytes.Repeat([]byte("x"), resources.LambdaMaxRequest-envelope-64)
	if got := eventSize(fits, "application/json"); got == 0 || got > resources.LambdaMaxRequest {
		t.Fatalf("a body whose event fits (%d bytes) did not reach the function: event %d", len(fits), got)
	}
	for _, c := range []struct {
		name        string
		size        int
		contentType string
	}{
		{"JSON just over the event limit", resources.LambdaMaxRequest, "application/json"},
		{"JSON of 7 MB", 7 << 20, "application/json"},
		{"JSON of 10 MiB, API Gateway's limit", MaxBodyBytes, "application/json"},
		{"a form of 5 MB, 6.7 MB in base64", 5 << 20, "application/x-www-form-urlencoded"},
		{"binary of 8 MB", 8 << 20, "application/octet-stream"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f.sized.Store(0)
			f.do(t, "POST", "/test/size", token, bytes.NewReader(bytes.Repeat([]byte("x"), c.size)), http.Header{"Content-Type": {c.contentType}}).
				wantMessage(t, http.StatusRequestEntityTooLarge, "Request Too Long")
			if f.sized.Load() != 0 {
				t.Errorf("the function ran with an event of %d bytes", f.sized.Load())
			}
		})
	}
	if !strings.Contains(f.log.String(), "Lambda refuses the event") {
		t.Error("the refusal is not in the log")
	}
}

// A response over Lambda's limit fails the invocation: API Gateway answers 500.
func TestResponseOverLambdasLimit(t *testing.T) {
	f := newFixture(t)
	token := f.token(t)
	f.do(t, "GET", "/test/huge", token, nil, nil).wantMessage(t, http.StatusInternalServerError, "Internal Server Error")
	if !strings.Contains(f.log.String(), "exceeded maximum allowed payload size") {
		t.Error("the cause is not in the log")
	}
}

func TestAccessLog(t *testing.T) {
	f := newFixture(t)
	token := f.token(t)
	resp := f.do(t, "POST", "/v1/access-requests?nin=01017012345", token,
		strings.NewReader(`{"endUser":"01017012345"}`), http.Header{"Content-Type": {"application/json"}, "X-Secret": {"s3cret"}})
	var line map[string]any
	for l := range strings.Lines(f.log.String()) {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil && m["msg"] == "request" {
			line = m
		}
	}
	if line == nil {
		t.Fatalf("no request log line in %s", f.log)
	}
	want := map[string]any{
		"method": "POST", "path": "/v1/access-requests", "route": "POST /v1/access-requests",
		"status": float64(200), "requestId": resp.header.Get("apigw-requestid"), "clientId": "0192:987654321",
	}
	for k, v := range want {
		if line[k] != v {
			t.Errorf("log %s = %v, want %v", k, line[k], v)
		}
	}
	if _, ok := line["duration"]; !ok {
		t.Error("log line has no duration")
	}
	for _, secret := range []string{token, "01017012345", "s3cret"} {
		if strings.Contains(f.log.String(), secret) {
			t.Errorf("log contains %q", secret)
		}
	}
}

func TestNewAuthorizerFailsWithoutIssuer(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	if _, err := NewAuthorizer(context.Background(), srv.URL, audience); err == nil {
		t.Error("NewAuthorizer succeeded without discovery")
	}
}

func TestNilAuthorizerPassesEverything(t *testing.T) {
	gw := New(testRoutes, testFunctions(new(atomic.Int64)), nil, nil)
	srv := httptest.NewServer(gw)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/v1/access-requests")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var ev events.APIGatewayV2HTTPRequest
	if err := json.NewDecoder(resp.Body).Decode(&ev); err != nil || resp.StatusCode != 200 {
		t.Fatalf("status %d, %v", resp.StatusCode, err)
	}
	if ev.RequestContext.Authorizer != nil {
		t.Error("authorizer context without an authorizer")
	}
}

func TestCompileRouteRejects(t *testing.T) {
	for _, path := range []string{"no-slash", "/a/{proxy+}/b", "/a/{broken"} {
		if _, err := compileRoute(resources.Route{Method: "GET", Path: path}); err == nil {
			t.Errorf("compileRoute(%q) succeeded", path)
		}
	}
}
