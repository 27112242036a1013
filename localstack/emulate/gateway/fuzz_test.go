package gateway

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"strings"
	"testing"
	"time"

	"github.com/tredjepart/tredjepart/localstack/identity/rsakey"
	"github.com/tredjepart/tredjepart/shared/resources"
)

// FuzzRouterFind: any path either matches no route or matches one whose
// literal segments and parameters reproduce the path.
func FuzzRouterFind(f *testing.F) {
	var rs router
	for _, r := range testRoutes {
		rt, err := compileRoute(r)
		if err != nil {
			f.Fatal(err)
		}
		rs = append(rs, rt)
	}
	for _, seed := range []string{"/", "/v1/access-requests", "/v1/access-requests/abc", "/v1/access-requests/a%2Fb",
		"/files/a/b/c", "/files/%", "//", "/v1//access-requests", "/v1/access-requests/%zz"} {
		f.Add("GET", seed)
	}
	f.Fuzz(func(t *testing.T, method, path string) {
		rt, params, ok := rs.find(method, path)
		if !ok {
			return
		}
		if rt.Method != method && rt.Method != "ANY" {
			t.Fatalf("%s %s matched %s", method, path, rt.Key())
		}
		for _, s := range rt.segments {
			if s.kind != literal {
				if v, ok := params[s.value]; !ok || v == "" {
					t.Fatalf("%s %s: parameter %s = %q", method, path, s.value, v)
				}
			}
		}
	})
}

// FuzzAuthorize: no header the caller controls makes the authorizer panic
// or let a request through without a token signed by the issuer's key.
func FuzzAuthorize(f *testing.F) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		f.Fatal(err)
	}
	signer := rsakey.NewSigner(priv)
	now := time.Now()
	a := &Authorizer{
		issuer: "http://issuer", audience: audience, now: time.Now,
		minRefresh: time.Hour, keys: map[string]*rsa.PublicKey{signer.JWK().Kid: signer.PublicKey()}, fetchedAt: now, attemptedAt: now,
	}
	signed, err := signer.Sign("at+jwt", map[string]any{
		"iss": "http://issuer", "aud": audience, "exp": now.Add(time.Hour).Unix(), "scope": resources.ThirdPartyScope,
	})
	if err != nil {
		f.Fatal(err)
	}

	f.Add("Bearer " + signed)
	f.Add("Bearer " + signed[:len(signed)-2])
	f.Add("Bearer a.b.c")
	f.Add("Bearer eyJhbGciOiJub25lIn0.e30.")
	f.Add("Basic dXNlcjpwYXNz")
	f.Add("")
	f.Fuzz(func(t *testing.T, header string) {
		desc, aerr := a.authorize(context.Background(), header, []string{resources.ThirdPartyScope})
		if aerr == nil {
			if desc == nil || !strings.Contains(header, signed[strings.LastIndexByte(signed, '.'):]) {
				t.Fatalf("authorized %q without the issuer's signature", header)
			}
			return
		}
		if aerr.status != 401 && aerr.status != 403 {
			t.Fatalf("status %d", aerr.status)
		}
		if strings.ContainsAny(aerr.description, "\"\r\n") {
			t.Fatalf("description %q would break the www-authenticate header", aerr.description)
		}
	})
}

// FuzzClaims: any JSON object payload renders without panicking.
func FuzzClaims(f *testing.F) {
	for _, seed := range []string{`{"a":"b"}`, `{"n":1e400}`, `{"aud":["a",{"b":[1,null]}]}`, `{"scp":5}`, `[]`, `null`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		claims, err := claimStrings(payload)
		if err == nil && claims == nil {
			t.Fatal("nil claims without error")
		}
		_, _ = tokenScopes(payload)
	})
}
