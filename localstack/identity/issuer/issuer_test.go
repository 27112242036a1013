package issuer

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/tredjepart/tredjepart/shared/websession"
)

const testURL = "http://127.0.0.1:4011"

// verify checks token's RS256 signature with key and, unless validate is
// false, its exp (required), nbf and iat; it returns its claims.
func verify(token string, key any, validate bool) (jwt.MapClaims, error) {
	opts := []jwt.ParserOption{jwt.WithValidMethods([]string{"RS256"}), jwt.WithExpirationRequired(), jwt.WithIssuedAt()}
	if !validate {
		opts = append(opts, jwt.WithoutClaimsValidation())
	}
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return key, nil }, opts...)
	return claims, err
}

func newIssuer(t *testing.T) (*Issuer, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "nested", "dir", "issuer.pem")
	iss, err := LoadOrCreate(path, testURL)
	if err != nil {
		t.Fatalf("LoadOrCreate: %v", err)
	}
	return iss, path
}

func TestLoadOrCreateKeepsTheKeyAcrossRestarts(t *testing.T) {
	first, path := newIssuer(t)
	info, err := os.Stat(path)
	if err != nil {
		t.Fatalf("key file: %v", err)
	}
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Errorf("key file mode = %o, want 600", mode)
	}
	token, err := first.Token("client-1", []string{"a"}, "api", time.Minute)
	if err != nil {
		t.Fatalf("Token: %v", err)
	}

	second, err := LoadOrCreate(path, testURL)
	if err != nil {
		t.Fatalf("LoadOrCreate again: %v", err)
	}
	if first.KeyID() != second.KeyID() || first.KeyID() == "" {
		t.Errorf("kid changed across restart: %q then %q", first.KeyID(), second.KeyID())
	}
	if _, err := verify(token, second.PublicKey(), true); err != nil {
		t.Errorf("token from before the restart does not verify afterwards: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("key directory holds %d entries, want only the key", len(entries))
	}
}

func TestLoadOrCreateRejects(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.pem")
	if err := os.WriteFile(garbage, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, url string
	}{
		{"relative issuer URL", filepath.Join(dir, "k.pem"), "127.0.0.1:4011"},
		{"issuer URL with query", filepath.Join(dir, "k.pem"), "http://127.0.0.1:4011?x=1"},
		{"file without PEM", garbage, testURL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := LoadOrCreate(tt.path, tt.url); err == nil {
				t.Errorf("LoadOrCreate(%q, %q) succeeded, want error", tt.path, tt.url)
			}
		})
	}
}

func TestTokenClaims(t *testing.T) {
	iss, _ := newIssuer(t)
	now := time.Date(2027, 3, 24, 10, 0, 0, 0, time.UTC)
	iss.now = func() time.Time { return now }

	token, err := iss.Token("0192:987654321", []string{"tredjepart:thirdparty", "other"}, "tredjepart-api", 2*time.Minute)
	if err != nil {
		t.Fatalf("Token: %v", err)
	}
	var claims jwt.MapClaims
	parsed, _, err := jwt.NewParser().ParseUnverified(token, &claims)
	if err != nil {
		t.Fatalf("parse JWT: %v", err)
	}
	if alg := parsed.Header["alg"]; alg != "RS256" {
		t.Errorf("alg = %v, want RS256", alg)
	}
	if kid := parsed.Header["kid"]; kid != iss.KeyID() {
		t.Errorf("kid = %v, want %q", kid, iss.KeyID())
	}
	if typ := parsed.Header["typ"]; typ != "at+jwt" {
		t.Errorf("typ = %v, want at+jwt", typ)
	}
	want := map[string]any{
		"iss":       testURL,
		"sub":       "0192:987654321",
		"client_id": "0192:987654321",
		"aud":       "tredjepart-api", // a one-element audience is written as a string
		"scope":     "tredjepart:thirdparty other",
		"iat":       float64(now.Unix()),
		"nbf":       float64(now.Unix()),
		"exp":       float64(now.Add(2 * time.Minute).Unix()),
	}
	for name, v := range want {
		got := claims[name]
		if list, ok := got.([]any); ok && len(list) == 1 {
			got = list[0]
		}
		if got != v {
			t.Errorf("claim %s = %v, want %v", name, claims[name], v)
		}
	}
	if jti, _ := claims["jti"].(string); len(jti) < 16 {
		t.Errorf("jti = %q, want a random id", jti)
	}

	other, err := iss.Token("c", nil, "", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	otherClaims, err := verify(other, iss.PublicKey(), false)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"aud", "scope"} {
		if _, ok := otherClaims[name]; ok {
			t.Errorf("token without audience and scopes has %s: %v", name, otherClaims)
		}
	}

	for _, bad := range []struct {
		client string
		ttl    time.Duration
	}{{"", time.Minute}, {"c", 0}, {"c", -time.Second}} {
		if _, err := iss.Token(bad.client, nil, "", bad.ttl); err == nil {
			t.Errorf("Token(%q, ttl %v) succeeded, want error", bad.client, bad.ttl)
		}
	}
}

func TestHandlerDiscoveryAndJWKS(t *testing.T) {
	iss, _ := newIssuer(t)
	srv := httptest.NewServer(iss.Handler())
	defer srv.Close()

	var disc map[string]any
	getJSON(t, srv.URL+"/.well-known/openid-configuration", &disc)
	if disc["issuer"] != testURL || disc["jwks_uri"] != testURL+"/jwks.json" || disc["token_endpoint"] != testURL+"/token" {
		t.Errorf("discovery = %v", disc)
	}

	resp, err := http.Get(srv.URL + "/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil {
		t.Fatalf("parse JWKS: %v", err)
	}
	if len(set.Keys) != 1 {
		t.Fatalf("JWKS has %d keys, want 1", len(set.Keys))
	}
	for _, private := range []string{"d", "p", "q", "dp", "dq", "qi"} {
		if _, ok := set.Keys[0][private]; ok {
			t.Fatalf("JWKS publishes the private key's %s", private)
		}
	}
	keys, err := websession.RSAKeys(body)
	if err != nil {
		t.Fatalf("read JWKS: %v", err)
	}
	key, ok := keys[iss.KeyID()]
	if !ok {
		t.Fatalf("JWKS lacks kid %q", iss.KeyID())
	}
	token, err := iss.Token("c", nil, "api", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := verify(token, key, true); err != nil {
		t.Errorf("token does not verify with the published JWKS: %v", err)
	}
}

func TestHandlerToken(t *testing.T) {
	iss, _ := newIssuer(t)
	iss.DefaultAudience = "tredjepart-api"
	srv := httptest.NewServer(iss.Handler())
	defer srv.Close()

	tests := []struct {
		name      string
		form      url.Values
		status    int
		errorCode string
		aud       string
		scope     string
	}{
		{
			name:   "client credentials",
			form:   url.Values{"grant_type": {"client_credentials"}, "client_id": {"0192:987654321"}, "scope": {"tredjepart:thirdparty"}},
			status: http.StatusOK, aud: "tredjepart-api", scope: "tredjepart:thirdparty",
		},
		{
			name:   "explicit audience",
			form:   url.Values{"grant_type": {"client_credentials"}, "client_id": {"c"}, "scope": {"a b"}, "audience": {"other-api"}},
			status: http.StatusOK, aud: "other-api", scope: "a b",
		},
		{
			name:   "RFC 8707 resource",
			form:   url.Values{"grant_type": {"client_credentials"}, "client_id": {"c"}, "resource": {"res-api"}},
			status: http.StatusOK, aud: "res-api",
		},
		{
			name:   "missing client_id",
			form:   url.Values{"grant_type": {"client_credentials"}, "scope": {"a"}},
			status: http.StatusBadRequest, errorCode: "invalid_request",
		},
		{
			name:   "wrong grant type",
			form:   url.Values{"grant_type": {"password"}, "client_id": {"c"}},
			status: http.StatusBadRequest, errorCode: "unsupported_grant_type",
		},
		{
			name:   "missing grant type",
			form:   url.Values{"client_id": {"c"}},
			status: http.StatusBadRequest, errorCode: "invalid_request",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.PostForm(srv.URL+"/token", tt.form)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tt.status)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("content-type = %q", ct)
			}
			var body map[string]any
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatal(err)
			}
			if tt.errorCode != "" {
				if body["error"] != tt.errorCode || body["error_description"] == "" {
					t.Errorf("error body = %v, want error %q with a description", body, tt.errorCode)
				}
				return
			}
			if body["token_type"] != "Bearer" || body["expires_in"] != float64(DefaultTTL/time.Second) || body["scope"] != tt.scope {
				t.Errorf("token response = %v", body)
			}
			if resp.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", resp.Header.Get("Cache-Control"))
			}
			claims, err := verify(body["access_token"].(string), iss.PublicKey(), true)
			if err != nil {
				t.Fatalf("access token does not verify: %v", err)
			}
			if aud := claims["aud"]; aud != tt.aud {
				t.Errorf("aud = %v, want %s", aud, tt.aud)
			}
			if clientID, ok := claims["client_id"].(string); !ok || clientID != tt.form.Get("client_id") {
				t.Errorf("client_id = %v, want %q", claims["client_id"], tt.form.Get("client_id"))
			}
		})
	}

	resp, err := http.Get(srv.URL + "/token")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /token status = %d, want 405", resp.StatusCode)
	}

	resp, err = http.Post(srv.URL+"/token", "application/x-www-form-urlencoded", strings.NewReader(strings.Repeat("a", maxForm+1)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("oversized form status = %d, want 400", resp.StatusCode)
	}
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d", url, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}
