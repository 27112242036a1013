package gateway

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/golang-jwt/jwt/v5"
	"github.com/tredjepart/tredjepart/shared/websession"
)

const (
	// keysTTL is how long fetched signing keys are trusted; API Gateway
	// caches public keys for up to two hours.
	keysTTL = 2 * time.Hour
	// minRefreshInterval keeps a stream of tokens with unknown key ids from
	// hammering the issuer's JWKS endpoint.
	minRefreshInterval = 5 * time.Second
	// maxMetadataBytes bounds discovery and JWKS documents.
	maxMetadataBytes = 1 << 20
	// maxTokenBytes bounds the bearer token we are willing to parse.
	maxTokenBytes = 16 << 10
)

// Authorizer validates bearer tokens the way an API Gateway HTTP API JWT
// authorizer does: an RS256 signature by a key from the issuer's JWKS (found
// through OIDC discovery), a matching kid, iss equal to the configured
// issuer, aud (or client_id when the token has no aud) equal to the
// configured audience, exp in the future, nbf and iat not in the future, and
// at least one of the route's scopes in the token's scope or scp claim.
type Authorizer struct {
	issuer   string
	audience string
	jwksURI  string
	client   *http.Client
	now      func() time.Time

	minRefresh time.Duration

	mu          sync.Mutex
	keys        map[string]*rsa.PublicKey // by kid
	fetchedAt   time.Time                 // when keys were last fetched successfully
	attemptedAt time.Time                 // when a fetch was last tried
}

// NewAuthorizer discovers the JWKS endpoint from
// issuerURL + "/.well-known/openid-configuration", as API Gateway does, and
// fetches the signing keys. Tokens must carry iss == issuerURL exactly.
// Keys are cached for two hours and refetched when a token names an unknown
// kid.
func NewAuthorizer(ctx context.Context, issuerURL, audience string) (*Authorizer, error) {
	if issuerURL == "" || audience == "" {
		return nil, errors.New("gateway: authorizer needs an issuer URL and an audience")
	}
	a := &Authorizer{
		issuer:     issuerURL,
		audience:   audience,
		client:     &http.Client{Timeout: 10 * time.Second},
		now:        time.Now,
		minRefresh: minRefreshInterval,
	}
	var discovery struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	discoveryURL := strings.TrimSuffix(issuerURL, "/") + "/.well-known/openid-configuration"
	if err := a.getJSON(ctx, discoveryURL, &discovery); err != nil {
		return nil, fmt.Errorf("gateway: OIDC discovery: %w", err)
	}
	if discovery.JWKSURI == "" {
		return nil, fmt.Errorf("gateway: OIDC discovery at %s has no jwks_uri", discoveryURL)
	}
	a.jwksURI = discovery.JWKSURI
	if _, err := a.refresh(ctx); err != nil {
		return nil, err
	}
	return a, nil
}

func (a *Authorizer) getJSON(ctx context.Context, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := a.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxMetadataBytes))
	if err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d", url, resp.StatusCode)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	return nil
}

// refresh fetches the JWKS, whose RSA signing keys it keeps. The caller
// must not hold a.mu.
func (a *Authorizer) refresh(ctx context.Context) (map[string]*rsa.PublicKey, error) {
	var set json.RawMessage
	if err := a.getJSON(ctx, a.jwksURI, &set); err != nil {
		return nil, fmt.Errorf("gateway: fetch JWKS: %w", err)
	}
	keys, err := websession.RSAKeys(set)
	if err != nil {
		return nil, fmt.Errorf("gateway: JWKS at %s: %w", a.jwksURI, err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.keys, a.fetchedAt, a.attemptedAt = keys, a.now(), a.now()
	return keys, nil
}

// key returns the public key with the given kid, refetching the JWKS when
// the cache is stale or does not know kid (at most once per minRefresh).
func (a *Authorizer) key(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	a.mu.Lock()
	now := a.now()
	cached, found := a.keys[kid]
	if found && now.Sub(a.fetchedAt) <= keysTTL {
		a.mu.Unlock()
		return cached, nil
	}
	if now.Sub(a.attemptedAt) < a.minRefresh {
		a.mu.Unlock()
		if found {
			return cached, nil
		}
		return nil, errUnknownKID
	}
	a.attemptedAt = now
	a.mu.Unlock()

	keys, err := a.refresh(ctx)
	if err != nil {
		if found {
			return cached, nil // stale but usable while the issuer is away
		}
		return nil, err
	}
	if k, ok := keys[kid]; ok {
		return k, nil
	}
	return nil, errUnknownKID
}

var (
	errUnknownKID = errors.New("no key with that kid")
	errNoKID      = errors.New("the token has no kid")
)

// authError is a refused request: 401 for a bad token, 403 for missing scopes.
type authError struct {
	status      int
	code        string // RFC 6750 error code for www-authenticate
	scope       string // for www-authenticate
	description string
	cause       error // for the log only
	// keysUnavailable marks a refusal because the JWKS could not be
	// fetched: the issuer's fault, not the caller's, so worth a warning.
	keysUnavailable bool
}

func (e *authError) Error() string {
	if e.cause != nil {
		return e.description + ": " + e.cause.Error()
	}
	return e.description
}

// challenge is the www-authenticate value, in the form API Gateway uses.
func (e *authError) challenge() string {
	return fmt.Sprintf(`Bearer scope=%q error=%q error_description=%q`, e.scope, e.code, e.description)
}

func unauthorized(description string, cause error) *authError {
	return &authError{status: http.StatusUnauthorized, code: "invalid_token", description: description, cause: cause}
}

// authorize validates the request's bearer token against routeScopes and
// returns what API Gateway puts in requestContext.authorizer.jwt.
func (a *Authorizer) authorize(ctx context.Context, header string, routeScopes []string) (*events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription, *authError) {
	raw := strings.TrimSpace(header)
	// API Gateway takes the identity source as the token itself or as the
	// token prefixed with "Bearer".
	if scheme, rest, ok := strings.Cut(raw, " "); ok && strings.EqualFold(scheme, "Bearer") {
		raw = strings.TrimSpace(rest)
	}
	if raw == "" || strings.EqualFold(raw, "Bearer") {
		return nil, unauthorized("the token is missing", nil)
	}
	if len(raw) > maxTokenBytes {
		return nil, unauthorized("the token is too large", nil)
	}
	var registered tokenClaims
	token, err := a.parser().ParseWithClaims(raw, &registered, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		if kid == "" {
			return nil, errNoKID
		}
		return a.key(ctx, kid)
	})
	// One fault is named, the first in this order: the token's form, its
	// algorithm and key, its signature, then its issuer, times and audience.
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return nil, unauthorized("the token is malformed", err)
	case token.Method == nil || token.Method.Alg() != jwt.SigningMethodRS256.Alg():
		return nil, unauthorized("the token's signing algorithm is not supported", err)
	case errors.Is(err, errNoKID):
		return nil, unauthorized("the token has no kid", nil)
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		refusal := unauthorized("the token's kid does not match a signing key", err)
		refusal.keysUnavailable = !errors.Is(err, errUnknownKID)
		return nil, refusal
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return nil, unauthorized("the token's signature is invalid", err)
	case err != nil && !errors.Is(err, jwt.ErrTokenInvalidClaims):
		return nil, unauthorized("the token is invalid", err)
	case registered.Issuer != a.issuer:
		return nil, unauthorized("the token does not have a valid issuer", err)
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return nil, unauthorized("the token is not valid yet", err)
	case errors.Is(err, jwt.ErrTokenExpired):
		return nil, unauthorized("the token has expired", err)
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return nil, unauthorized("the token was issued in the future", err)
	case err != nil: // no exp
		return nil, unauthorized("the token is invalid", err)
	case !a.audienceMatches(registered):
		return nil, unauthorized("the token does not have a valid audience", nil)
	}

	claims, err := claimStrings(registered.payload)
	if err != nil {
		return nil, unauthorized("the token is malformed", err)
	}
	scopes, err := tokenScopes(registered.payload)
	if err != nil {
		return nil, unauthorized("the token's scope claim is malformed", err)
	}
	if len(routeScopes) > 0 && !slices.ContainsFunc(routeScopes, func(s string) bool { return slices.Contains(scopes, s) }) {
		return nil, &authError{
			status:      http.StatusForbidden,
			code:        "insufficient_scope",
			scope:       strings.Join(routeScopes, " "),
			description: fmt.Sprintf("expected scopes: %v", routeScopes),
		}
	}
	return &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: claims, Scopes: scopes}, nil
}

// parser checks what golang-jwt can: the RS256 signature, and that exp is
// set and past now, nbf and iat not after now (RFC 7519, no leeway, as API
// Gateway).
func (a *Authorizer) parser() *jwt.Parser {
	return jwt.NewParser(jwt.WithValidMethods([]string{jwt.SigningMethodRS256.Alg()}),
		jwt.WithExpirationRequired(), jwt.WithIssuedAt(), jwt.WithTimeFunc(a.now))
}

// tokenClaims are the registered claims and the payload they were read
// from, for the audience rule and the claims the function gets.
type tokenClaims struct {
	jwt.RegisteredClaims
	payload []byte
}

func (c *tokenClaims) UnmarshalJSON(payload []byte) error {
	c.payload = bytes.Clone(payload)
	return json.Unmarshal(payload, &c.RegisteredClaims)
}

// audienceMatches applies API Gateway's rule: aud must contain the
// configured audience; only a token without aud is judged by client_id (a
// token whose aud is an empty list has one).
func (a *Authorizer) audienceMatches(c tokenClaims) bool {
	var other struct {
		Aud      json.RawMessage `json:"aud"`
		ClientID any             `json:"client_id"`
	}
	if json.Unmarshal(c.payload, &other) != nil {
		return false
	}
	if other.Aud != nil {
		return slices.Contains(c.Audience, a.audience)
	}
	s, ok := other.ClientID.(string)
	return ok && s == a.audience
}

// claimStrings renders every claim as a string the way API Gateway does:
// strings as they are, numbers as written in the token, arrays as "[a b]".
func claimStrings(payload []byte) (map[string]string, error) {
	var raw map[string]any
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return nil, err
	}
	claims := make(map[string]string, len(raw))
	for name, v := range raw {
		claims[name] = fmt.Sprint(v) // json.Number prints as written; []any as [a b]
	}
	return claims, nil
}

// tokenScopes reads the scope claim (space-separated) and the scp claim
// (space-separated string or array of strings).
func tokenScopes(payload []byte) ([]string, error) {
	var c struct {
		Scope *string         `json:"scope"`
		Scp   json.RawMessage `json:"scp"`
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		return nil, err
	}
	var scopes []string
	if c.Scope != nil {
		scopes = append(scopes, strings.Fields(*c.Scope)...)
	}
	if len(c.Scp) > 0 && string(c.Scp) != "null" {
		var s string
		var list []string
		switch {
		case json.Unmarshal(c.Scp, &s) == nil:
			scopes = append(scopes, strings.Fields(s)...)
		case json.Unmarshal(c.Scp, &list) == nil:
			scopes = append(scopes, list...)
		default:
			return nil, errors.New("scp is neither a string nor an array of strings")
		}
	}
	return scopes, nil
}
