// Package websession is an adapter: what the server-rendered sites (the end users'
// consent pages and the third parties' portal) share: Site, which renders
// their pages and error pages, runs the OpenID Connect login and keeps the
// session in a signed and encrypted cookie and, so that a logout ends it
// for good, in a SessionStore on the server; refuses form posts from other
// origins and sets the security headers; serves their one stylesheet (Designsystemet
// and the sites' own rules); the choice of language; and the settings both read from
// their environment. Each site keeps its own cookie names and
// path, so two sites on one origin never read each other's sessions.
package websession

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/securecookie"
)

// Cookies signs (HMAC-SHA256) and encrypts (AES-256) cookie values.
type Cookies struct {
	codecs []securecookie.Codec // the first seals; each opens
	path   string
	secure bool // Secure attribute: everywhere but plain-HTTP localhost
}

// NewCookies makes cookies on path, sealed with keys and opened with them
// or any of keys.Also, that are refused once older than maxAge.
func NewCookies(keys Keys, path string, maxAge time.Duration, secure bool) *Cookies {
	pairs := [][]byte{keys.Session, keys.Encryption}
	for _, k := range keys.Also {
		pairs = append(pairs, k.Session, k.Encryption)
	}
	codecs := securecookie.CodecsFromPairs(pairs...)
	for _, c := range codecs {
		c.(*securecookie.SecureCookie).MaxAge(int(maxAge.Seconds()))
	}
	return &Cookies{codecs: codecs, path: path, secure: secure}
}

// Set writes value, encrypted and signed, as an HttpOnly, SameSite=Lax cookie.
func (c *Cookies) Set(w http.ResponseWriter, name string, value any, ttl time.Duration) error {
	encoded, err := c.codecs[0].Encode(name, value)
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
	if err := securecookie.DecodeMulti(name, cookie.Value, into, c.codecs...); err != nil {
		return ErrNoSession
	}
	return nil
}

// ContentSecurityPolicy allows the site's own resources and forms, and
// forms that lead on to the given origins. Styles come only from the
// site's stylesheet (no inline styles); its icons are data: URLs.
func ContentSecurityPolicy(formOrigins ...string) string {
	return "default-src 'self'; img-src 'self' data:; form-action 'self' " + strings.Join(formOrigins, " ") +
		"; frame-ancestors 'none'"
}
