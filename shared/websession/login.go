package websession

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"time"

	"golang.org/x/oauth2"
)

// OIDC is a site's OpenID provider and its registration there.
type OIDC struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	RedirectURL  string // the site's login callback
}

// LoginTTL is how long a login may take at the provider.
const LoginTTL = 10 * time.Minute

// Login runs the authorization code flow with PKCE, state and nonce. One
// attempt's secrets travel in a cookie across the provider round trip.
type Login struct {
	oauth    oauth2.Config
	idTokens *idTokenVerifier
	cookies  *Cookies
	cookie   string
}

// NewLogin asks the provider for its configuration. cookie names the
// cookie that carries a login attempt.
func NewLogin(ctx context.Context, cfg OIDC, cookies *Cookies, cookie string) (*Login, error) {
	provider, err := discover(ctx, cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("OpenID provider %s: %w", cfg.Issuer, err)
	}
	return &Login{
		oauth: oauth2.Config{
			ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RedirectURL: cfg.RedirectURL,
			Endpoint: oauth2.Endpoint{AuthURL: provider.AuthorizationEndpoint, TokenURL: provider.TokenEndpoint},
			Scopes:   []string{"openid", "profile"},
		},
		idTokens: newIDTokenVerifier(cfg.Issuer, cfg.ClientID, provider.JWKSURI),
		cookies:  cookies,
		cookie:   cookie,
	}, nil
}

// attempt carries one login attempt across the provider round trip.
type attempt struct {
	State, Nonce, Verifier, ReturnTo string
}

// Random is 24 random bytes, base64url: unguessable tokens and ids.
func Random() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}

// Start remembers the attempt and sends the browser to the provider; after
// the login it returns to returnTo, which the caller has checked.
func (l *Login) Start(w http.ResponseWriter, r *http.Request, returnTo string) error {
	st := attempt{State: Random(), Nonce: Random(), Verifier: oauth2.GenerateVerifier(), ReturnTo: returnTo}
	if err := l.cookies.Set(w, l.cookie, st, LoginTTL); err != nil {
		return err
	}
	http.Redirect(w, r, l.oauth.AuthCodeURL(st.State, oauth2.SetAuthURLParam("nonce", st.Nonce), oauth2.S256ChallengeOption(st.Verifier)), http.StatusFound)
	return nil
}

// Claims are the ID-porten claims the sites read.
type Claims struct {
	PID     string `json:"pid"` // fødselsnummer or D-number: never store or log it
	Name    string `json:"name"`
	Org     string `json:"org"` // organisation the person acts for, if any
	OrgName string `json:"org_name"`
}

// Why a login did not finish.
var (
	ErrLoginStale      = errors.New("the login took too long or came from elsewhere")
	ErrLoginCancelled  = errors.New("the person cancelled the login")
	ErrLoginNotGranted = errors.New("the provider did not confirm the login")
	ErrLoginUnverified = errors.New("the ID token could not be verified")
)

// Finish completes the attempt at the callback: it checks the state,
// exchanges the code with the PKCE verifier, verifies the ID token and its
// nonce, and returns the verified claims and where to go next.
func (l *Login) Finish(w http.ResponseWriter, r *http.Request) (Claims, string, error) {
	var st attempt
	if err := l.cookies.Get(r, l.cookie, &st); err != nil || r.URL.Query().Get("state") != st.State {
		return Claims{}, "", ErrLoginStale
	}
	l.cookies.Clear(w, l.cookie)
	if e := r.URL.Query().Get("error"); e != "" {
		return Claims{}, "", ErrLoginCancelled
	}
	token, err := l.oauth.Exchange(r.Context(), r.URL.Query().Get("code"), oauth2.VerifierOption(st.Verifier))
	if err != nil {
		return Claims{}, "", ErrLoginNotGranted
	}
	raw, _ := token.Extra("id_token").(string)
	idToken, err := l.idTokens.verify(r.Context(), raw)
	if err != nil || idToken.Nonce != st.Nonce {
		return Claims{}, "", ErrLoginUnverified
	}
	return idToken.Claims, st.ReturnTo, nil
}

// loginProblem is what a page shows when Login.Finish fails with one of
// its errors; ok is false for any other error.
func loginProblem(err error) (status int, detail string, ok bool) {
	switch {
	case errors.Is(err, ErrLoginStale):
		return http.StatusBadRequest, "The login took too long or came from elsewhere. Please start again.", true
	case errors.Is(err, ErrLoginNotGranted):
		return http.StatusBadGateway, "The login provider did not confirm the login. Please start again.", true
	case errors.Is(err, ErrLoginUnverified):
		return http.StatusBadRequest, "The login could not be verified. Please start again.", true
	}
	return 0, "", false
}
