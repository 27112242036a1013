package gateway

import (
	"bytes"
	"context"
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
	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
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
	keys        jose.JSONWebKeySet
	fetchedAt   time.Time // when keys were last fetched successfully
	attemptedAt time.Time // when a fetch was last tried
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

// refresh fetches the JWKS. The caller must not hold a.mu.
func (a *Authorizer) refresh(ctx context.Context) (jose.JSONWebKeySet, error) {
	var set jose.JSONWebKeySet
	if err := a.getJSON(ctx, a.jwksURI, &set); err != nil {
		return jose.JSONWebKeySet{}, fmt.Errorf("gateway: fetch JWKS: %w", err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.keys, a.fetchedAt, a.attemptedAt = set, a.now(), a.now()
	return set, nil
}

// key returns the public key with the given kid, refetching the JWKS when
// the cache is stale or does not know kid (at most once per minRefresh).
func (a *Authorizer) key(ctx context.Context, kid string) (*jose.JSONWebKey, error) {
	a.mu.Lock()
	now := a.now()
	cached, found := lookupKeyID(a.keys, kid)
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

	set, err := a.refresh(ctx)
	if err != nil {
		if found {
			return cached, nil // stale but usable while the issuer is away
		}
		return nil, err
	}
	if k, ok := lookupKeyID(set, kid); ok {
		return k, nil
	}
	return nil, errUnknownKID
}

func lookupKeyID(set jose.JSONWebKeySet, kid string) (*jose.JSONWebKey, bool) {
	if keys := set.Key(kid); len(keys) > 0 {
		return &keys[0], true
	}
	return nil, false
}

var errUnknownKID = errors.New("no key with that kid")

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
	msg, err := jose.ParseSignedCompact(raw, []jose.SignatureAlgorithm{jose.RS256})
	var otherAlg *jose.ErrUnexpectedSignatureAlgorithm
	switch {
	case errors.As(err, &otherAlg):
		return nil, unauthorized("the token's signing algorithm is not supported", err)
	case err != nil:
		return nil, unauthorized("the token is malformed", err)
	}
	kid := msg.Signatures[0].Header.KeyID
	if kid == "" {
		return nil, unauthorized("the token has no kid", nil)
	}
	key, err := a.key(ctx, kid)
	if err != nil {
		refusal := unauthorized("the token's kid does not match a signing key", err)
		refusal.keysUnavailable = !errors.Is(err, errUnknownKID)
		return nil, refusal
	}
	payload, err := msg.Verify(key)
	if err != nil {
		return nil, unauthorized("the token's signature is invalid", err)
	}
	var registered jwt.Claims
	if err := json.Unmarshal(payload, &registered); err != nil {
		return nil, unauthorized("the token is malformed", err)
	}
	now := a.now()
	err = registered.ValidateWithLeeway(jwt.Expected{Issuer: a.issuer, Time: now}, 0)
	switch {
	case errors.Is(err, jwt.ErrExpired):
		return nil, unauthorized("the token has expired", err)
	case errors.Is(err, jwt.ErrNotValidYet):
		return nil, unauthorized("the token is not valid yet", err)
	case errors.Is(err, jwt.ErrIssuedInTheFuture):
		return nil, unauthorized("the token was issued in the future", err)
	case errors.Is(err, jwt.ErrInvalidIssuer):
		return nil, unauthorized("the token does not have a valid issuer", err)
	case err != nil, registered.Expiry == nil:
		return nil, unauthorized("the token is invalid", err)
	case !now.Before(registered.Expiry.Time()):
		// RFC 7519 4.1.4: not at exp itself, which go-jose's check lets pass.
		return nil, unauthorized("the token has expired", nil)
	}
	if !a.audienceMatches(registered.Audience, payload) {
		return nil, unauthorized("the token does not have a valid audience", nil)
	}

	claims, err := claimStrings(payload)
	if err != nil {
		return nil, unauthorized("the token is malformed", err)
	}
	scopes, err := tokenScopes(payload)
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

// audienceMatches applies API Gateway's rule: aud must contain the
// configured audience; only a token without aud is judged by client_id.
// aud is nil only when the token has none (an empty list is not nil).
func (a *Authorizer) audienceMatches(aud jwt.Audience, payload []byte) bool {
	if aud != nil {
		return slices.Contains(aud, a.audience)
	}
	var c struct {
		ClientID any `json:"client_id"`
	}
	if json.Unmarshal(payload, &c) != nil {
		return false
	}
	s, ok := c.ClientID.(string)
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
