package oidcdev

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// ID-porten's values for a test login at the level the consent pages need.
const (
	acr = "idporten-loa-substantial"
	amr = "TestID"
)

// maxTokenForm bounds the token and userinfo request bodies.
const maxTokenForm = 64 << 10

// oauthError is an RFC 6749 section 5.2 error response.
type oauthError struct {
	status      int
	code        string
	description string
}

func (p *Provider) serveToken(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxTokenForm)
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, &oauthError{http.StatusBadRequest, "invalid_request", "the request body is not a valid form"})
		return
	}
	form := r.PostForm // never the query: secrets and codes do not belong in URLs
	client, oerr := p.authenticate(r, form)
	if oerr != nil {
		if _, _, basic := r.BasicAuth(); basic {
			w.Header().Set("WWW-Authenticate", `Basic realm="oidcdev"`)
		}
		writeOAuthError(w, oerr)
		return
	}
	if gt := form.Get("grant_type"); gt != "authorization_code" {
		writeOAuthError(w, &oauthError{http.StatusBadRequest, "unsupported_grant_type", "only grant_type=authorization_code is supported"})
		return
	}
	g, oerr := p.redeem(client, form)
	if oerr != nil {
		writeOAuthError(w, oerr)
		return
	}
	idToken, accessToken, err := p.tokens(g)
	if err != nil {
		writeOAuthError(w, &oauthError{http.StatusInternalServerError, "server_error", "the tokens could not be signed"})
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, map[string]any{
		"id_token":     idToken,
		"access_token": accessToken,
		"token_type":   "Bearer",
		"expires_in":   int64(tokenTTL / time.Second),
		"scope":        g.Scope,
	})
}

// authenticate checks client_secret_basic or client_secret_post; a request
// must use exactly one (RFC 6749 section 2.3).
func (p *Provider) authenticate(r *http.Request, form url.Values) (Client, *oauthError) {
	id, secret, basic := r.BasicAuth()
	if basic {
		if form.Has("client_secret") {
			return Client{}, &oauthError{http.StatusBadRequest, "invalid_request", "use one client authentication method, not two"}
		}
		// RFC 6749 section 2.3.1: both parts are form-encoded before base64.
		var err1, err2 error
		id, err1 = url.QueryUnescape(id)
		secret, err2 = url.QueryUnescape(secret)
		if err1 != nil || err2 != nil || (form.Has("client_id") && form.Get("client_id") != id) {
			return Client{}, &oauthError{http.StatusUnauthorized, "invalid_client", "client authentication failed"}
		}
	} else {
		id, secret = form.Get("client_id"), form.Get("client_secret")
	}
	c, ok := p.clients[id]
	if !ok || subtle.ConstantTimeCompare([]byte(secret), []byte(c.Secret)) != 1 {
		return Client{}, &oauthError{http.StatusUnauthorized, "invalid_client", "client authentication failed"}
	}
	return c, nil
}

// redeem takes the code out of circulation first, so that it is single-use
// even when the rest of the request is wrong: a wrong PKCE verifier cannot
// be retried until one fits.
func (p *Provider) redeem(client Client, form url.Values) (*grant, *oauthError) {
	p.mu.Lock()
	g := p.codes[form.Get("code")]
	delete(p.codes, form.Get("code"))
	p.mu.Unlock()
	invalid := func(why string) (*grant, *oauthError) {
		return nil, &oauthError{http.StatusBadRequest, "invalid_grant", why}
	}
	switch {
	case g == nil:
		return invalid("the code is unknown or was already used")
	case p.now().After(g.expires):
		return invalid("the code has expired")
	case g.ClientID != client.ID:
		return invalid("the code was issued to another client")
	case form.Get("redirect_uri") != g.RedirectURI:
		return invalid("redirect_uri differs from the authorization request")
	}
	// RFC 7636 section 4.1: 43–128 unreserved characters.
	v := form.Get("code_verifier")
	if len(v) < 43 || len(v) > 128 || strings.Trim(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~") != "" {
		return invalid("code_verifier is missing or malformed")
	}
	sum := sha256.Sum256([]byte(v))
	if !hmac.Equal([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(g.Challenge)) {
		return invalid("code_verifier does not match code_challenge")
	}
	return g, nil
}

// identityClaims are the claims about the person that the ID token, the
// access token and userinfo carry. This is the only place that reads the
// national identity number in clear: for pid (which ID-porten sends too)
// and for the keyed hash that becomes sub, so that relying parties can key
// on sub without holding the number.
func (p *Provider) identityClaims(u User) map[string]any {
	m := hmac.New(sha256.New, p.subKey)
	m.Write([]byte(u.NationalID.Digits()))
	c := map[string]any{
		"sub":  base64.RawURLEncoding.EncodeToString(m.Sum(nil)),
		"pid":  u.NationalID.Digits(),
		"name": u.Name,
	}
	if u.OrgNumber != "" {
		c["org"] = string(u.OrgNumber)
		c["org_name"] = u.OrgName
	}
	return c
}

// tokens signs the ID token and a JWT access token (RFC 9068) for g. The
// access token is a JWT, not an opaque handle, so that it survives restarts
// like the signing key does.
func (p *Provider) tokens(g *grant) (idToken, accessToken string, err error) {
	now := p.now().Unix()
	exp := now + int64(tokenTTL/time.Second)
	identity := p.identityClaims(g.user)

	id := map[string]any{
		"iss":       p.issuer,
		"aud":       g.ClientID,
		"iat":       now,
		"exp":       exp,
		"auth_time": g.authTime.Unix(),
		"nonce":     g.Nonce,
		"acr":       acr,
		"amr":       []string{amr},
	}
	maps.Copy(id, identity)
	if idToken, err = p.signer.Sign("JWT", id); err != nil {
		return "", "", err
	}

	access := map[string]any{
		"iss":       p.issuer,
		"aud":       p.base + "/userinfo",
		"iat":       now,
		"nbf":       now,
		"exp":       exp,
		"jti":       randomToken(),
		"client_id": g.ClientID,
		"scope":     g.Scope,
		"acr":       acr,
	}
	maps.Copy(access, identity)
	if accessToken, err = p.signer.Sign("at+jwt", access); err != nil {
		return "", "", err
	}
	return idToken, accessToken, nil
}

// serveUserinfo returns the identity claims of a valid access token (RFC
// 6750 bearer, in the header only).
func (p *Provider) serveUserinfo(w http.ResponseWriter, r *http.Request) {
	scheme, raw, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	claims, ok := p.accessClaims(strings.EqualFold(scheme, "Bearer"), strings.TrimSpace(raw))
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="the access token is missing, invalid or expired"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token", "error_description": "the access token is missing, invalid or expired"})
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, claims)
}

// accessClaims verifies an access token of ours and returns its identity
// claims. The typ check keeps an ID token from passing as an access token.
func (p *Provider) accessClaims(bearer bool, raw string) (map[string]any, bool) {
	if !bearer || raw == "" || len(raw) > maxTokenForm {
		return nil, false
	}
	all := jwt.MapClaims{}
	tok, err := jwt.ParseWithClaims(raw, all, func(*jwt.Token) (any, error) { return p.signer.PublicKey(), nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodRS256.Alg()}), jwt.WithIssuer(p.issuer),
		jwt.WithAudience(p.base+"/userinfo"), jwt.WithExpirationRequired(), jwt.WithIssuedAt(), jwt.WithTimeFunc(p.now))
	if err != nil || tok.Header["typ"] != "at+jwt" {
		return nil, false
	}
	out := map[string]any{}
	for _, k := range []string{"sub", "pid", "name", "org", "org_name"} {
		if v, ok := all[k]; ok {
			out[k] = v
		}
	}
	return out, true
}

func writeOAuthError(w http.ResponseWriter, e *oauthError) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, e.status, map[string]string{"error": e.code, "error_description": e.description})
}
