package websession

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// The OpenID provider's discovery and ID-token check, with golang-jwt for
// the JWS and its registered claims: go-oidc and go-jose did the same with
// 0.33–0.39 MB more on each site's bootstrap (docs/benchmarks.md). Only
// RS256 is accepted, which ID-porten and the local provider sign with.

// providerClient is how the sites reach the provider for its discovery
// document and its keys.
var providerClient = &http.Client{Timeout: 10 * time.Second}

// discovery is what a login needs of the provider's discovery document.
type discovery struct {
	Issuer                string `json:"issuer"`
	AuthorizationEndpoint string `json:"authorization_endpoint"`
	TokenEndpoint         string `json:"token_endpoint"`
	JWKSURI               string `json:"jwks_uri"`
}

// discover reads the provider's discovery document, which must name issuer
// as its own.
func discover(ctx context.Context, issuer string) (discovery, error) {
	var d discovery
	if err := getJSON(ctx, strings.TrimSuffix(issuer, "/")+"/.well-known/openid-configuration", &d); err != nil {
		return discovery{}, err
	}
	if d.Issuer != issuer {
		return discovery{}, fmt.Errorf("the provider names itself %q", d.Issuer)
	}
	if d.AuthorizationEndpoint == "" || d.TokenEndpoint == "" || d.JWKSURI == "" {
		return discovery{}, errors.New("the discovery document lacks an endpoint")
	}
	return d, nil
}

func getJSON(ctx context.Context, url string, into any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := providerClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(into); err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	return nil
}

// idTokenVerifier checks the ID tokens of one client at one provider.
type idTokenVerifier struct {
	parser *jwt.Parser
	keys   *keySet
}

// clockSkew is how far the provider's clock may be off ours.
const clockSkew = time.Minute

func newIDTokenVerifier(issuer, clientID, jwksURI string) *idTokenVerifier {
	return &idTokenVerifier{
		parser: jwt.NewParser(jwt.WithValidMethods([]string{jwt.SigningMethodRS256.Alg()}), jwt.WithIssuer(issuer),
			jwt.WithAudience(clientID), jwt.WithExpirationRequired(), jwt.WithLeeway(clockSkew)),
		keys: &keySet{uri: jwksURI},
	}
}

// idToken is an ID token's claims: the registered ones golang-jwt checks,
// the nonce, and those the sites read.
type idToken struct {
	jwt.RegisteredClaims
	Nonce string `json:"nonce"`
	Claims
}

// verify checks raw's signature, issuer, audience and expiry, and returns
// its claims.
func (v *idTokenVerifier) verify(ctx context.Context, raw string) (idToken, error) {
	var claims idToken
	_, err := v.parser.ParseWithClaims(raw, &claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		return v.keys.key(ctx, kid)
	})
	return claims, err
}

// keySet is the provider's signing keys, read again when a token names a
// key it does not have (the provider has rotated its keys).
type keySet struct {
	uri  string
	mu   sync.Mutex
	keys map[string]*rsa.PublicKey // by kid
}

var errUnknownKey = errors.New("the ID token names a key the provider does not publish")

func (s *keySet) key(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if k, ok := s.find(kid); ok {
		return k, nil
	}
	keys, err := fetchKeys(ctx, s.uri)
	if err != nil {
		return nil, err
	}
	s.keys = keys
	if k, ok := s.find(kid); ok {
		return k, nil
	}
	return nil, errUnknownKey
}

// find is the key kid names; a token without a kid may use the only key.
func (s *keySet) find(kid string) (*rsa.PublicKey, bool) {
	if kid == "" && len(s.keys) == 1 {
		for _, k := range s.keys {
			return k, true
		}
	}
	k, ok := s.keys[kid]
	return k, ok && kid != ""
}

// fetchKeys reads the provider's RSA signing keys.
func fetchKeys(ctx context.Context, uri string) (map[string]*rsa.PublicKey, error) {
	var set json.RawMessage
	if err := getJSON(ctx, uri, &set); err != nil {
		return nil, fmt.Errorf("the provider's keys: %w", err)
	}
	keys, err := RSAKeys(set)
	if err != nil {
		return nil, fmt.Errorf("the provider's keys: %w", err)
	}
	return keys, nil
}

// RSAKeys reads the RSA signing keys, by kid, of a JSON Web Key Set (RFC
// 7517); keys of other types or for other uses are left out. The local API
// gateway's JWT authorizer reads its issuer's keys with it too.
func RSAKeys(jwks []byte) (map[string]*rsa.PublicKey, error) {
	var set struct {
		Keys []struct {
			Kty, Use, Kid, N, E string
		} `json:"keys"`
	}
	if err := json.Unmarshal(jwks, &set); err != nil {
		return nil, err
	}
	keys := map[string]*rsa.PublicKey{}
	for _, k := range set.Keys {
		if k.Kty != "RSA" || (k.Use != "" && k.Use != "sig") {
			continue
		}
		n, errN := base64.RawURLEncoding.DecodeString(k.N)
		e, errE := base64.RawURLEncoding.DecodeString(k.E)
		if errN != nil || errE != nil || len(e) == 0 || len(e) > 4 {
			return nil, fmt.Errorf("key %q is not an RSA key", k.Kid)
		}
		keys[k.Kid] = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	}
	return keys, nil
}
