package websession

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// provider is an OpenID provider for the login tests: discovery, its keys,
// and a token endpoint that answers with the ID token the test sets.
type provider struct {
	srv     *httptest.Server
	keys    map[string]*rsa.PrivateKey // by kid, published at jwks_uri
	idToken string
}

func newProvider(t *testing.T) *provider {
	t.Helper()
	p := &provider{keys: map[string]*rsa.PrivateKey{"k1": rsaKey(t)}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = fmt.Fprintf(w, `{"issuer":%q,"authorization_endpoint":"%[1]s/authorize","token_endpoint":"%[1]s/token","jwks_uri":"%[1]s/jwks","id_token_signing_alg_values_supported":["RS256"]}`, p.srv.URL)
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, _ *http.Request) {
		var set struct {
			Keys []map[string]string `json:"keys"`
		}
		for kid, k := range p.keys {
			set.Keys = append(set.Keys, map[string]string{
				"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid,
				"n": base64.RawURLEncoding.EncodeToString(k.N.Bytes()),
				"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(k.E)).Bytes()),
			})
		}
		_ = json.NewEncoder(w).Encode(set)
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 60, "id_token": p.idToken})
	})
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

func rsaKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// sign is a compact JWS of claims with header, RS256-signed by key.
func sign(t *testing.T, header, claims map[string]any, key *rsa.PrivateKey) string {
	t.Helper()
	part := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	input := part(header) + "." + part(claims)
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// The callback takes only an ID token the provider signed, for this
// client, from this issuer, not expired, and with the login's nonce.
func TestOnlyAValidIDTokenFinishesALogin(t *testing.T) {
	p := newProvider(t)
	cookies, err := NewCookies(Keys{Session: []byte(strings.Repeat("k", 32)), Encryption: []byte(strings.Repeat("e", 32))}, "/", time.Hour, true)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	login, err := NewLogin(ctx, OIDC{Issuer: p.srv.URL, ClientID: "consent", ClientSecret: "s", RedirectURL: "https://consent.example/callback"}, cookies, "l")
	if err != nil {
		t.Fatal(err)
	}
	other := rsaKey(t)
	valid := func(nonce string) map[string]any {
		now := time.Now()
		return map[string]any{
			"iss": p.srv.URL, "aud": "consent", "sub": "s1", "nonce": nonce,
			"iat": now.Unix(), "exp": now.Add(2 * time.Minute).Unix(),
			"pid": "01019012345", "name": "Siri", "org": "991234568", "org_name": "Straum AS",
		}
	}
	rs256 := map[string]any{"alg": "RS256", "kid": "k1", "typ": "JWT"}
	for _, c := range []struct {
		name  string
		token func(nonce string) string
		want  error
	}{
		{"valid", func(n string) string { return sign(t, rs256, valid(n), p.keys["k1"]) }, nil},
		{"valid, audience a list", func(n string) string {
			claims := valid(n)
			claims["aud"] = []string{"consent"}
			return sign(t, rs256, claims, p.keys["k1"])
		}, nil},
		{"signed by another key", func(n string) string { return sign(t, rs256, valid(n), other) }, ErrLoginUnverified},
		{"unknown key id", func(n string) string {
			return sign(t, map[string]any{"alg": "RS256", "kid": "k9"}, valid(n), other)
		}, ErrLoginUnverified},
		{"another nonce", func(string) string { return sign(t, rs256, valid("not-this-login's"), p.keys["k1"]) }, ErrLoginUnverified},
		{"another client", func(n string) string {
			claims := valid(n)
			claims["aud"] = "portal"
			return sign(t, rs256, claims, p.keys["k1"])
		}, ErrLoginUnverified},
		{"another issuer", func(n string) string {
			claims := valid(n)
			claims["iss"] = "https://elsewhere.example"
			return sign(t, rs256, claims, p.keys["k1"])
		}, ErrLoginUnverified},
		{"expired", func(n string) string {
			claims := valid(n)
			claims["exp"] = time.Now().Add(-10 * time.Minute).Unix()
			return sign(t, rs256, claims, p.keys["k1"])
		}, ErrLoginUnverified},
		{"no expiry", func(n string) string {
			claims := valid(n)
			delete(claims, "exp")
			return sign(t, rs256, claims, p.keys["k1"])
		}, ErrLoginUnverified},
		{"unsigned", func(n string) string {
			token := sign(t, map[string]any{"alg": "none", "kid": "k1"}, valid(n), p.keys["k1"])
			return token[:strings.LastIndex(token, ".")+1]
		}, ErrLoginUnverified},
		{"another algorithm", func(n string) string {
			return sign(t, map[string]any{"alg": "HS256", "kid": "k1"}, valid(n), p.keys["k1"])
		}, ErrLoginUnverified},
		{"not a JWT", func(string) string { return "not.a.jwt" }, ErrLoginUnverified},
		{"none", func(string) string { return "" }, ErrLoginUnverified},
	} {
		t.Run(c.name, func(t *testing.T) {
			start := httptest.NewRecorder()
			if err := login.Start(start, httptest.NewRequest("GET", "/login", nil), "/pages"); err != nil {
				t.Fatal(err)
			}
			to, err := url.Parse(start.Header().Get("Location"))
			if err != nil || !strings.HasPrefix(to.String(), p.srv.URL+"/authorize?") {
				t.Fatalf("sent to %q", start.Header().Get("Location"))
			}
			q := to.Query()
			if q.Get("code_challenge_method") != "S256" || q.Get("client_id") != "consent" || q.Get("nonce") == "" {
				t.Fatalf("authorization request %v", q)
			}
			p.idToken = c.token(q.Get("nonce"))
			callback := httptest.NewRequest("GET", "/callback?code=c&state="+url.QueryEscape(q.Get("state")), nil)
			callback.AddCookie(start.Result().Cookies()[0])
			claims, returnTo, err := login.Finish(httptest.NewRecorder(), callback)
			if !errors.Is(err, c.want) || (c.want != nil) != (err != nil) {
				t.Fatalf("err %v, want %v", err, c.want)
			}
			if c.want == nil && (claims != Claims{PID: "01019012345", Name: "Siri", Org: "991234568", OrgName: "Straum AS"} || returnTo != "/pages") {
				t.Fatalf("claims %+v, back to %q", claims, returnTo)
			}
		})
	}
}
