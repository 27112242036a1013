// Package oidcdev is an identity stand-in: a local OpenID Connect provider
// that stands in for ID-porten when the stack runs locally: an end user "logs
// in" by choosing a demo user, or by typing any valid fødselsnummer or
// D-number, on a plain server-rendered page.
//
// It speaks the subset of OpenID Connect that the consent pages use: the
// authorization code flow with PKCE (S256 only, and required), state and
// nonce (both required), client_secret_basic or client_secret_post, and
// RS256 ID tokens shaped like ID-porten's (pid, acr, amr; org and org_name
// when the person acts for an organisation).
//
// It is written on golang-jwt rather than wrapping a mock provider: the login page,
// the ID-porten claims, several clients with exact redirect URIs and
// required PKCE are most of the code either way.
//
// Anyone who can reach it can log in as anyone. Never expose it beyond
// loopback.
package oidcdev

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/tredjepart/tredjepart/localstack/identity/rsakey"
	"github.com/tredjepart/tredjepart/shared/ident"
)

// A demo end user: a person, possibly acting for an organisation.
type User struct {
	Name       string
	NationalID ident.NationalID // becomes the `pid` claim, like ID-porten
	OrgNumber  ident.OrgNumber  // zero unless the person acts for an organisation: the `org` claim (and `org_name`)
	OrgName    string
}

// Client is a registered relying party. RedirectURIs are compared exactly,
// as OAuth 2.1 and ID-porten require: no prefix or pattern matching.
type Client struct {
	ID, Secret   string
	RedirectURIs []string
}

// Lifetimes.
const (
	codeTTL  = 60 * time.Second // authorization codes
	tokenTTL = 10 * time.Minute // ID and access tokens
	loginTTL = 30 * time.Minute // how long a login page can be submitted
)

// Provider is the OpenID provider. It is safe for concurrent use.
type Provider struct {
	issuer  string        // issuer identifier, exactly as given: the "iss" claim
	base    string        // issuer without a trailing slash, for endpoint URLs
	signer  rsakey.Signer // signs the tokens; its JWK is published
	subKey  []byte        // keys the hash that turns a pid into sub
	formKey []byte        // signs the authorization request carried by the login page
	users   []demoUser
	clients map[string]Client
	now     func() time.Time

	mu    sync.Mutex
	codes map[string]*grant // outstanding authorization codes
}

// demoUser is a User with the stable slug its login button is named by.
type demoUser struct {
	User
	Slug string
}

// New returns a provider for issuerURL (e.g. "http://127.0.0.1:4012"),
// signing with the RSA key in the PEM file at keyPath, which is created
// (2048 bits, mode 0600) if missing, so that restarts keep tokens and the
// published JWKS valid. Handler serves the endpoints at the root path: a
// caller that mounts it under the issuer URL's path must strip that path.
func New(issuerURL string, keyPath string, users []User, clients []Client) (*Provider, error) {
	u, err := url.Parse(issuerURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("oidcdev: issuer URL %q must be an absolute http(s) URL without query or fragment", issuerURL)
	}
	demo, err := checkUsers(users)
	if err != nil {
		return nil, err
	}
	byID, err := checkClients(clients)
	if err != nil {
		return nil, err
	}
	raw, err := rsakey.LoadOrCreate(keyPath)
	if err != nil {
		return nil, err
	}
	// The hashing and form-signing keys are derived from the signing key so
	// that they are secret, survive restarts (stable sub, login pages that
	// stay valid) and need no configuration of their own.
	der, err := x509.MarshalPKCS8PrivateKey(raw)
	if err != nil {
		return nil, fmt.Errorf("oidcdev: encode key: %w", err)
	}
	return &Provider{
		issuer:  issuerURL,
		base:    strings.TrimSuffix(issuerURL, "/"),
		signer:  rsakey.NewSigner(raw),
		subKey:  derive(der, "tredjepart/oidcdev/v1/sub"),
		formKey: derive(der, "tredjepart/oidcdev/v1/login-request"),
		users:   demo,
		clients: byID,
		now:     time.Now,
		codes:   map[string]*grant{},
	}, nil
}

func derive(secret []byte, label string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(label))
	return m.Sum(nil)
}

// checkUsers validates the demo users and gives each a slug for its login
// button: the first name in lower-case ASCII, plus "-<org number>" when the
// person acts for an organisation (the same person often appears both
// ways), plus "-2", "-3"… if that still collides. Errors name users by
// position and name, never by national identity number.
func checkUsers(users []User) ([]demoUser, error) {
	demo := make([]demoUser, 0, len(users))
	seen := map[string]bool{"pid": true} // login-pid is the typed-number button
	for i, u := range users {
		switch {
		case strings.TrimSpace(u.Name) == "":
			return nil, fmt.Errorf("oidcdev: user %d has no name", i)
		case u.NationalID.IsZero():
			return nil, fmt.Errorf("oidcdev: user %d (%s) has no national identity number", i, u.Name)
		case u.OrgNumber == "" && u.OrgName != "":
			return nil, fmt.Errorf("oidcdev: user %d (%s) has an organisation name but no organisation number", i, u.Name)
		case u.OrgNumber != "" && u.OrgName == "":
			return nil, fmt.Errorf("oidcdev: user %d (%s) has an organisation number but no organisation name", i, u.Name)
		}
		if u.OrgNumber != "" {
			if _, err := ident.ParseOrgNumber(string(u.OrgNumber)); err != nil {
				return nil, fmt.Errorf("oidcdev: user %d (%s): %w", i, u.Name, err)
			}
		}
		slug := slugify(strings.Fields(u.Name)[0])
		if u.OrgNumber != "" {
			slug += "-" + string(u.OrgNumber)
		}
		for n, base := 2, slug; seen[slug]; n++ {
			slug = fmt.Sprintf("%s-%d", base, n)
		}
		seen[slug] = true
		demo = append(demo, demoUser{User: u, Slug: slug})
	}
	return demo, nil
}

// slugify lower-cases s and keeps only ASCII letters and digits, spelling
// out æ, ø and å, so that slugs are safe in ids and CSS selectors.
func slugify(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == 'æ':
			b.WriteString("ae")
		case r == 'ø' || r == 'ö':
			b.WriteString("o")
		case r == 'å' || r == 'ä':
			b.WriteString("a")
		}
	}
	if b.Len() == 0 {
		return "user"
	}
	return b.String()
}

func checkClients(clients []Client) (map[string]Client, error) {
	byID := make(map[string]Client, len(clients))
	for i, c := range clients {
		switch {
		case c.ID == "":
			return nil, fmt.Errorf("oidcdev: client %d has no id", i)
		case c.Secret == "":
			return nil, fmt.Errorf("oidcdev: client %q has no secret", c.ID)
		case len(c.RedirectURIs) == 0:
			return nil, fmt.Errorf("oidcdev: client %q has no redirect URIs", c.ID)
		}
		if _, dup := byID[c.ID]; dup {
			return nil, fmt.Errorf("oidcdev: client %q is registered twice", c.ID)
		}
		for _, r := range c.RedirectURIs {
			// RFC 6749 section 3.1.2: absolute, without a fragment.
			u, err := url.Parse(r)
			if err != nil || !u.IsAbs() || u.Host == "" || u.Fragment != "" || strings.Contains(r, "#") {
				return nil, fmt.Errorf("oidcdev: client %q: redirect URI %q must be absolute and without a fragment", c.ID, r)
			}
		}
		c.RedirectURIs = append([]string(nil), c.RedirectURIs...)
		byID[c.ID] = c
	}
	return byID, nil
}

// Issuer is the issuer identifier, the value of the "iss" claim.
func (p *Provider) Issuer() string { return p.issuer }

// Handler serves
//
//	GET       /.well-known/openid-configuration  discovery
//	GET       /jwks.json                          the public signing key
//	GET       /authorize                          the login page
//	POST      /authorize                          the login page's forms
//	POST      /token                              authorization_code grant
//	GET, POST /userinfo                           claims for an access token
func (p *Provider) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", p.serveDiscovery)
	mux.HandleFunc("GET /jwks.json", p.serveJWKS)
	mux.HandleFunc("GET /authorize", p.serveAuthorize)
	mux.HandleFunc("POST /authorize", p.serveLogin)
	mux.HandleFunc("POST /token", p.serveToken)
	mux.HandleFunc("GET /userinfo", p.serveUserinfo)
	mux.HandleFunc("POST /userinfo", p.serveUserinfo)
	return mux
}

func (p *Provider) serveDiscovery(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                p.issuer,
		"authorization_endpoint":                p.base + "/authorize",
		"token_endpoint":                        p.base + "/token",
		"jwks_uri":                              p.base + "/jwks.json",
		"userinfo_endpoint":                     p.base + "/userinfo",
		"response_types_supported":              []string{"code"},
		"response_modes_supported":              []string{"query"},
		"grant_types_supported":                 []string{"authorization_code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"code_challenge_methods_supported":      []string{"S256"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		"scopes_supported":                      []string{"openid", "profile"},
		"acr_values_supported":                  []string{acr},
		"claims_supported": []string{
			"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr",
			"pid", "name", "org", "org_name",
		},
		// RFC 9207: the authorization response carries iss.
		"authorization_response_iss_parameter_supported": true,
	})
}

func (p *Provider) serveJWKS(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string][]rsakey.JWK{"keys": {p.signer.JWK()}})
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
