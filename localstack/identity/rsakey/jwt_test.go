package rsakey

import (
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"path/filepath"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/tredjepart/tredjepart/shared/websession"
)

// The example of RFC 7638 section 3.1.
func TestKidIsTheRFC7638Thumbprint(t *testing.T) {
	n, err := base64.RawURLEncoding.DecodeString("0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw")
	if err != nil {
		t.Fatal(err)
	}
	jwk := PublicJWK(&rsa.PublicKey{N: new(big.Int).SetBytes(n), E: 65537})
	if jwk.Kid != "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs" || jwk.E != "AQAB" {
		t.Errorf("kid %q, e %q; want RFC 7638's NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs and AQAB", jwk.Kid, jwk.E)
	}
}

// A token verifies with the published key as the sites read it, and only
// with that key.
func TestSignedTokensVerifyWithThePublishedKey(t *testing.T) {
	key, err := LoadOrCreate(filepath.Join(t.TempDir(), "k.pem"))
	if err != nil {
		t.Fatal(err)
	}
	signer := NewSigner(key)
	set, err := json.Marshal(map[string][]JWK{"keys": {signer.JWK()}})
	if err != nil {
		t.Fatal(err)
	}
	published, err := websession.RSAKeys(set)
	if err != nil {
		t.Fatal(err)
	}
	pub := published[signer.JWK().Kid]
	if len(published) != 1 || pub == nil || !pub.Equal(signer.PublicKey()) {
		t.Fatalf("published keys %v, want the signer's public key under kid %q", published, signer.JWK().Kid)
	}

	raw, err := signer.Sign("at+jwt", map[string]any{"sub": "c", "n": 1})
	if err != nil {
		t.Fatal(err)
	}
	claims := jwt.MapClaims{}
	token, err := jwt.ParseWithClaims(raw, claims, func(*jwt.Token) (any, error) { return pub, nil },
		jwt.WithValidMethods([]string{"RS256"}))
	if err != nil {
		t.Fatalf("token does not verify: %v", err)
	}
	if token.Header["typ"] != "at+jwt" || token.Header["kid"] != signer.JWK().Kid || claims["sub"] != "c" || claims["n"] != 1.0 {
		t.Errorf("header %v, claims %v", token.Header, claims)
	}

	other, err := LoadOrCreate(filepath.Join(t.TempDir(), "other.pem"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := jwt.Parse(raw, func(*jwt.Token) (any, error) { return &other.PublicKey, nil }); err == nil {
		t.Error("token verifies with another key")
	}
}
