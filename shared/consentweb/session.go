package consentweb

import (
	"errors"
	"net/http"
	"time"

	"github.com/gorilla/securecookie"

	"github.com/tredjepart/tredjepart/shared/pseudonym"
)

// Cookie names and lifetimes. Sessions are short: consent is a quick errand.
const (
	sessionCookie = "tp_session"
	loginCookie   = "tp_login"
	langCookie    = "tp_lang"
	sessionTTL    = 30 * time.Minute
	loginTTL      = 10 * time.Minute
)

// session is who is logged in. It travels encrypted and signed in a cookie.
type session struct {
	EndUser pseudonym.EndUserID // the person's pseudonym, or the organisation's id when acting for one
	Name    string
	OrgName string
	Expires time.Time
}

// loginState carries one login attempt across the provider round trip.
type loginState struct {
	State, Nonce, Verifier, ReturnTo string
}

// cookies signs (HMAC-SHA256) and encrypts (AES-256) cookie values.
type cookies struct {
	codec  *securecookie.SecureCookie
	secure bool // Secure attribute: everywhere but plain-HTTP localhost
}

func newCookies(hashKey, blockKey []byte, secure bool) *cookies {
	codec := securecookie.New(hashKey, blockKey)
	codec.MaxAge(int(sessionTTL.Seconds()))
	return &cookies{codec: codec, secure: secure}
}

func (c *cookies) set(w http.ResponseWriter, name string, value any, ttl time.Duration) error {
	encoded, err := c.codec.Encode(name, value)
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: encoded, Path: "/", MaxAge: int(ttl.Seconds()),
		HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteLaxMode,
	})
	return nil
}

func (c *cookies) clear(w http.ResponseWriter, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteLaxMode})
}

var errNoSession = errors.New("no valid session")

// get decodes a cookie; a missing, tampered or expired one is errNoSession.
func (c *cookies) get(r *http.Request, name string, into any) error {
	cookie, err := r.Cookie(name)
	if err != nil {
		return errNoSession
	}
	if err := c.codec.Decode(name, cookie.Value, into); err != nil {
		return errNoSession
	}
	return nil
}

func (c *cookies) session(r *http.Request, now time.Time) (session, error) {
	var s session
	if err := c.get(r, sessionCookie, &s); err != nil {
		return s, err
	}
	if !now.Before(s.Expires) || s.EndUser == "" {
		return s, errNoSession
	}
	return s, nil
}
