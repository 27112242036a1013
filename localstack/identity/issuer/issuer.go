// Package issuer is an identity stand-in: a local, Maskinporten-like OAuth2
// token issuer for third parties. It signs RS256 JWT access tokens with one
// RSA key that is kept on disk, so tokens and the published JWKS survive
// restarts of the local stack.
//
// It is a development issuer: the token endpoint does NOT authenticate
// clients (no client secret, no private_key_jwt assertion). Anyone who can
// reach it gets a token for any client_id and any scope. Never expose it
// beyond loopback.
package issuer

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tredjepart/tredjepart/localstack/identity/rsakey"
)

// DefaultTTL is the lifetime of tokens from the token endpoint when
// Issuer.TTL is zero. Maskinporten's access tokens live 120 seconds.
const DefaultTTL = 120 * time.Second

// Issuer signs access tokens and serves the OAuth2/OIDC endpoints that
// resource servers (the local API gateway) and clients need.
type Issuer struct {
	// DefaultAudience is put in "aud" when a token request names none
	// (neither "audience" nor RFC 8707 "resource"). Empty means no "aud".
	// Set it before serving requests.
	DefaultAudience string
	// TTL is the lifetime of tokens from the token endpoint; zero means
	// DefaultTTL. Set it before serving requests.
	TTL time.Duration

	url    string // issuer identifier, exactly as given: the "iss" claim
	base   string // url without a trailing slash, for building endpoint URLs
	signer rsakey.Signer
	now    func() time.Time
}

// LoadOrCreate returns an issuer whose signing key is the RSA key in the PEM
// file at keyPath, generating and saving a 2048-bit key (mode 0600, parent
// directories created) if the file does not exist. issuerURL is the issuer
// identifier, e.g. "http://127.0.0.1:4011"; it becomes the "iss" claim and
// the base of the endpoints in the discovery document.
func LoadOrCreate(keyPath string, issuerURL string) (*Issuer, error) {
	u, err := url.Parse(issuerURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("issuer: issuer URL %q must be an absolute http(s) URL without query or fragment", issuerURL)
	}
	raw, err := rsakey.LoadOrCreate(keyPath)
	if err != nil {
		return nil, err
	}
	return &Issuer{
		url:    issuerURL,
		base:   strings.TrimSuffix(issuerURL, "/"),
		signer: rsakey.NewSigner(raw),
		now:    time.Now,
	}, nil
}

// URL is the issuer identifier, the value of the "iss" claim.
func (i *Issuer) URL() string { return i.url }

// KeyID is the "kid" of the signing key: its RFC 7638 thumbprint, so it is
// stable across restarts and changes whenever the key does.
func (i *Issuer) KeyID() string { return i.signer.JWK().Kid }

// PublicKey is the public half of the signing key.
func (i *Issuer) PublicKey() *rsa.PublicKey { return i.signer.PublicKey() }

// Token returns a signed RS256 access token for clientID with the claims
// iss, sub and client_id (both clientID), aud (omitted when audience is
// empty), scope (space-separated, omitted when there are no scopes), iat,
// nbf, exp (now + ttl) and a random jti. The header carries kid and
// typ "at+jwt" (RFC 9068).
func (i *Issuer) Token(clientID string, scopes []string, audience string, ttl time.Duration) (string, error) {
	if clientID == "" {
		return "", errors.New("issuer: empty client id")
	}
	if ttl <= 0 {
		return "", fmt.Errorf("issuer: token lifetime %v is not positive", ttl)
	}
	now := i.now().Unix()
	claims := map[string]any{
		"iss":       i.url,
		"sub":       clientID,
		"client_id": clientID,
		"iat":       now,
		"nbf":       now,
		"exp":       now + int64(ttl/time.Second),
		"jti":       newJTI(),
	}
	if audience != "" {
		claims["aud"] = audience
	}
	if scope := strings.Join(scopes, " "); scope != "" {
		claims["scope"] = scope
	}
	signed, err := i.signer.Sign("at+jwt", claims)
	if err != nil {
		return "", fmt.Errorf("issuer: sign token: %w", err)
	}
	return signed, nil
}

func newJTI() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return hex.EncodeToString(b[:])
}

// Handler serves
//
//	GET  /.well-known/openid-configuration  discovery (also at /.well-known/oauth-authorization-server)
//	GET  /jwks.json                          the public signing key
//	POST /token                              OAuth2 client_credentials grant
//
// The token endpoint takes the form fields grant_type=client_credentials,
// client_id, scope (space-separated) and optionally audience or resource. It
// does not authenticate the client: this is a development issuer.
func (i *Issuer) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", i.serveDiscovery)
	mux.HandleFunc("GET /.well-known/oauth-authorization-server", i.serveDiscovery)
	mux.HandleFunc("GET /jwks.json", i.serveJWKS)
	mux.HandleFunc("POST /token", i.serveToken)
	return mux
}

func (i *Issuer) serveDiscovery(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                i.url,
		"jwks_uri":                              i.base + "/jwks.json",
		"token_endpoint":                        i.base + "/token",
		"grant_types_supported":                 []string{"client_credentials"},
		"response_types_supported":              []string{"token"},
		"token_endpoint_auth_methods_supported": []string{"none"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
	})
}

func (i *Issuer) serveJWKS(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string][]rsakey.JWK{"keys": {i.signer.JWK()}})
}

// maxForm bounds the token request body.
const maxForm = 64 << 10

func (i *Issuer) serveToken(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		oauthError(w, "invalid_request", "the request body is not a valid form")
		return
	}
	form := r.PostForm
	if gt := form.Get("grant_type"); gt != "client_credentials" {
		if gt == "" {
			oauthError(w, "invalid_request", "grant_type is missing")
		} else {
			oauthError(w, "unsupported_grant_type", "only grant_type=client_credentials is supported")
		}
		return
	}
	clientID := form.Get("client_id")
	if clientID == "" {
		oauthError(w, "invalid_request", "client_id is missing")
		return
	}
	scopes := strings.Fields(form.Get("scope"))
	audience := form.Get("audience")
	if audience == "" {
		audience = form.Get("resource")
	}
	if audience == "" {
		audience = i.DefaultAudience
	}
	ttl := i.TTL
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	token, err := i.Token(clientID, scopes, audience, ttl)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "server_error"})
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": token,
		"token_type":   "Bearer",
		"expires_in":   int64(ttl / time.Second),
		"scope":        strings.Join(scopes, " "),
	})
}

// oauthError writes an RFC 6749 section 5.2 error response.
func oauthError(w http.ResponseWriter, code, description string) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusBadRequest, map[string]string{"error": code, "error_description": description})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, `{"error":"server_error"}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
