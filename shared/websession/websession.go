// Package websession is what the server-rendered sites (the end users'
// consent pages and the third parties' portal) share: signed and encrypted
// cookies, the OpenID Connect login, the choice of language and the
// security headers. Each site keeps its own cookie names and path, so two
// sites on one origin never read each other's sessions.
package websession

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gorilla/csrf"
	"github.com/gorilla/securecookie"

	"github.com/tredjepart/tredjepart/shared/problem"
)

// Cookies signs (HMAC-SHA256) and encrypts (AES-256) cookie values.
type Cookies struct {
	codec  *securecookie.SecureCookie
	path   string
	secure bool // Secure attribute: everywhere but plain-HTTP localhost
}

// NewCookies makes cookies on path that are refused once older than maxAge.
func NewCookies(hashKey, blockKey []byte, path string, maxAge time.Duration, secure bool) *Cookies {
	codec := securecookie.New(hashKey, blockKey)
	codec.MaxAge(int(maxAge.Seconds()))
	return &Cookies{codec: codec, path: path, secure: secure}
}

// Set writes value, encrypted and signed, as an HttpOnly, SameSite=Lax cookie.
func (c *Cookies) Set(w http.ResponseWriter, name string, value any, ttl time.Duration) error {
	encoded, err := c.codec.Encode(name, value)
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: encoded, Path: c.path, MaxAge: int(ttl.Seconds()),
		HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteLaxMode,
	})
	return nil
}

// Clear removes a cookie.
func (c *Cookies) Clear(w http.ResponseWriter, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: c.path, MaxAge: -1, HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteLaxMode})
}

// ErrNoSession means a cookie is missing, tampered with or expired.
var ErrNoSession = errors.New("no valid session")

// Get decodes a cookie into into.
func (c *Cookies) Get(r *http.Request, name string, into any) error {
	cookie, err := r.Cookie(name)
	if err != nil {
		return ErrNoSession
	}
	if err := c.codec.Decode(name, cookie.Value, into); err != nil {
		return ErrNoSession
	}
	return nil
}

// Origin is the site's own origin: the one its login callback is on.
// Behind API Gateway the request's host lacks the port a local stack has,
// so the CSRF Origin check needs it named.
func Origin(redirectURL string) (*url.URL, error) {
	site, err := url.Parse(redirectURL)
	if err != nil || site.Host == "" || site.Scheme == "" {
		return nil, fmt.Errorf("OIDC redirect URL %q is not an absolute URL", redirectURL)
	}
	return &url.URL{Scheme: site.Scheme, Host: site.Host}, nil
}

// Protection is how a site guards its forms.
type Protection struct {
	CSRFKey    []byte // 32 bytes
	Origin     *url.URL
	CookieName string // the CSRF cookie's
	Path       string // the CSRF cookie's
	Secure     bool
	Refused    http.Handler // the page for a refused form
}

// Protect wraps a site's handler with CSRF checks on every unsafe method
// and the security headers every page gets.
func Protect(next http.Handler, p Protection) http.Handler {
	protect := csrf.Protect(p.CSRFKey,
		csrf.TrustedOrigins([]string{p.Origin.Host}),
		csrf.Secure(p.Secure), csrf.SameSite(csrf.SameSiteLaxMode), csrf.Path(p.Path), csrf.CookieName(p.CookieName),
		csrf.ErrorHandler(p.Refused))(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !p.Secure {
			r = csrf.PlaintextHTTPRequest(r) // local plain HTTP: no TLS Referer check
		}
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "same-origin")
		w.Header().Set("Content-Security-Policy", ContentSecurityPolicy())
		protect.ServeHTTP(w, r)
	})
}

// ContentSecurityPolicy allows the site's own resources and forms, and
// forms that lead on to the given origins.
func ContentSecurityPolicy(formOrigins ...string) string {
	return "default-src 'self'; style-src 'self' 'unsafe-inline'; form-action 'self' " + strings.Join(formOrigins, " ") +
		"; frame-ancestors 'none'"
}

// Environment variables both sites read: their cookie keys, and whether
// cookies may go over plain HTTP (localhost only).
const (
	CookieKeysEnv      = "COOKIE_KEYS" // base64 of 96 bytes: signing, encryption, CSRF
	InsecureCookiesEnv = "INSECURE_COOKIES"
)

// Keys are a site's cookie keys: 32 bytes each to sign and encrypt
// cookies, and 32 for CSRF tokens.
type Keys struct{ Session, Encryption, CSRF []byte }

// ParseKeys reads the base64 value of CookieKeysEnv.
func ParseKeys(encoded string) (Keys, error) {
	raw, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil || len(raw) != 96 {
		return Keys{}, fmt.Errorf("%s must be base64 of 96 random bytes", CookieKeysEnv)
	}
	return Keys{Session: raw[:32], Encryption: raw[32:64], CSRF: raw[64:]}, nil
}

// PageProblem is what a page shows for err: the status and detail of its
// problem document, so pages and the API map domain errors alike. A page
// for what is missing, or not the visitor's, says nothing more; an error
// outside the domain is logged and shown as a generic 500.
func PageProblem(ctx context.Context, logger *slog.Logger, err error) (status int, detail string) {
	doc := problem.From(ctx, logger, err, "")
	if doc.Status == http.StatusNotFound {
		return doc.Status, ""
	}
	return doc.Status, doc.Detail
}

// LoginProblem is what a page shows when Login.Finish fails with one of
// its errors; ok is false for any other error.
func LoginProblem(err error) (status int, detail string, ok bool) {
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
