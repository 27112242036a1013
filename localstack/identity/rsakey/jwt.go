package rsakey

import (
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"math/big"

	"github.com/golang-jwt/jwt/v5"
)

// JWK is the public half of an RSA signing key as a JSON Web Key (RFC 7517,
// RFC 7518 section 6.3.1), as an issuer publishes it at its jwks_uri.
type JWK struct {
	Kty string `json:"kty"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	N   string `json:"n"`
	E   string `json:"e"`
}

// PublicJWK is pub as an RS256 signing key. Its kid is the RFC 7638
// thumbprint: stable across restarts, and it changes whenever the key does,
// so that relying parties refetch the key set.
func PublicJWK(pub *rsa.PublicKey) JWK {
	n := base64.RawURLEncoding.EncodeToString(pub.N.Bytes())
	e := base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes())
	// RFC 7638 section 3.2: the required members in lexical order, no whitespace.
	thumbprint := sha256.Sum256([]byte(`{"e":"` + e + `","kty":"RSA","n":"` + n + `"}`))
	return JWK{Kty: "RSA", Use: "sig", Alg: "RS256", Kid: base64.RawURLEncoding.EncodeToString(thumbprint[:]), N: n, E: e}
}

// Signer signs RS256 JWTs whose header names its key by kid.
type Signer struct {
	key *rsa.PrivateKey
	jwk JWK
}

// NewSigner signs with key.
func NewSigner(key *rsa.PrivateKey) Signer {
	return Signer{key: key, jwk: PublicJWK(&key.PublicKey)}
}

// JWK is the public key that verifies the signer's tokens.
func (s Signer) JWK() JWK { return s.jwk }

// PublicKey is the public half of the signing key.
func (s Signer) PublicKey() *rsa.PublicKey { return &s.key.PublicKey }

// Sign returns claims as a compact RS256 JWT whose header carries typ (e.g.
// "JWT", or "at+jwt" for an RFC 9068 access token) and the key's kid.
func (s Signer) Sign(typ string, claims map[string]any) (string, error) {
	token := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims(claims))
	token.Header["typ"] = typ
	token.Header["kid"] = s.jwk.Kid
	return token.SignedString(s.key)
}
