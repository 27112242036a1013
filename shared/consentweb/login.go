package consentweb

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/pseudonym"
)

// OIDC is the end users' OpenID provider: ID-porten on AWS, the development
// provider locally.
type OIDC struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	RedirectURL  string // this site's /login/callback
}

// login runs the authorization code flow with PKCE, state and nonce, and
// turns the verified ID token into a session.
type login struct {
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
	pseudo   *pseudonym.Pseudonymizer
}

func newLogin(ctx context.Context, cfg OIDC, pseudo *pseudonym.Pseudonymizer) (*login, error) {
	provider, err := oidc.NewProvider(ctx, cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("OpenID provider %s: %w", cfg.Issuer, err)
	}
	return &login{
		oauth: oauth2.Config{
			ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RedirectURL: cfg.RedirectURL,
			Endpoint: provider.Endpoint(), Scopes: []string{oidc.ScopeOpenID, "profile"},
		},
		verifier: provider.Verifier(&oidc.Config{ClientID: cfg.ClientID}),
		pseudo:   pseudo,
	}, nil
}

func random() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}

// safeReturn keeps the post-login destination on this site's own pages.
func safeReturn(path string) string {
	if (strings.HasPrefix(path, "/consent") || strings.HasPrefix(path, "/authorize")) && !strings.Contains(path, "//") && !strings.Contains(path, `\`) {
		return path
	}
	return "/consent"
}

func (s *site) startLogin(w http.ResponseWriter, r *http.Request) {
	st := loginState{State: random(), Nonce: random(), Verifier: oauth2.GenerateVerifier(), ReturnTo: safeReturn(r.URL.Query().Get("return"))}
	if err := s.cookies.set(w, loginCookie, st, loginTTL); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, s.login.oauth.AuthCodeURL(st.State, oidc.Nonce(st.Nonce), oauth2.S256ChallengeOption(st.Verifier)), http.StatusFound)
}

// idClaims are the ID-porten claims Tredjepart reads.
type idClaims struct {
	PID     string `json:"pid"` // fødselsnummer or D-number
	Name    string `json:"name"`
	Org     string `json:"org"` // organisation the person acts for, if any
	OrgName string `json:"org_name"`
}

func (s *site) finishLogin(w http.ResponseWriter, r *http.Request) {
	var st loginState
	if err := s.cookies.get(r, loginCookie, &st); err != nil || r.URL.Query().Get("state") != st.State {
		s.problem(w, r, http.StatusBadRequest, "The login took too long or came from elsewhere. Please start again.")
		return
	}
	s.cookies.clear(w, loginCookie)
	if e := r.URL.Query().Get("error"); e != "" {
		http.Redirect(w, r, "/consent/logged-out", http.StatusFound)
		return
	}
	token, err := s.login.oauth.Exchange(r.Context(), r.URL.Query().Get("code"), oauth2.VerifierOption(st.Verifier))
	if err != nil {
		s.problem(w, r, http.StatusBadGateway, "The login provider did not confirm the login. Please start again.")
		return
	}
	raw, _ := token.Extra("id_token").(string)
	idToken, err := s.login.verifier.Verify(r.Context(), raw)
	if err != nil || idToken.Nonce != st.Nonce {
		s.problem(w, r, http.StatusBadRequest, "The login could not be verified. Please start again.")
		return
	}
	var claims idClaims
	if err := idToken.Claims(&claims); err != nil {
		s.fail(w, r, err)
		return
	}
	sess, err := s.sessionFor(claims)
	if err != nil {
		s.problem(w, r, http.StatusBadRequest, "The login did not name a valid person.")
		return
	}
	if err := s.cookies.set(w, sessionCookie, sess, sessionTTL); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, st.ReturnTo, http.StatusFound)
}

// sessionFor maps the person, or the organisation the person acts for, to
// the pseudonymous end user id; the national identity number goes no further.
func (s *site) sessionFor(c idClaims) (session, error) {
	pid, err := ident.ParseNationalID(c.PID)
	if err != nil {
		return session{}, err
	}
	sess := session{EndUser: s.login.pseudo.Person(pid), Name: c.Name, Expires: s.clock.Now().Add(sessionTTL)}
	if c.Org != "" {
		org, err := ident.ParseOrgNumber(c.Org)
		if err != nil {
			return session{}, err
		}
		sess.EndUser, sess.OrgName = pseudonym.Organisation(org), c.OrgName
	}
	return sess, nil
}

func (s *site) logout(w http.ResponseWriter, r *http.Request) {
	s.cookies.clear(w, sessionCookie)
	http.Redirect(w, r, "/consent/logged-out", http.StatusSeeOther)
}
