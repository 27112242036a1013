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
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"
)

// Cookies seal cookie values: JSON, with the time they were written,
// encrypted and authenticated with AES-256-GCM under the cookie's name, so
// that a value is neither readable nor accepted under another cookie's
// name. The standard library's AEAD does what gorilla/securecookie did
// without its encoding/gob (0.2–0.26 MB on each site's bootstrap,
// docs/benchmarks.md).
type Cookies struct {
	aeads  []cipher.AEAD // the first seals; each opens
	maxAge time.Duration
	now    func() time.Time
	path   string
	secure bool // Secure attribute: everywhere but plain-HTTP localhost
}

// NewCookies makes cookies on path, sealed with keys and opened with them or
// any of keys.Also, that are refused once older than maxAge. Each AES key is
// derived from one pair of cookie keys (HKDF-SHA256), so the keys' secret
// keeps its shape.
func NewCookies(keys Keys, path string, maxAge time.Duration, secure bool) (*Cookies, error) {
	c := &Cookies{maxAge: maxAge, now: time.Now, path: path, secure: secure}
	for _, k := range append([]Keys{keys}, keys.Also...) {
		key, err := hkdf.Key(sha256.New, append(append([]byte{}, k.Session...), k.Encryption...), nil, "tredjepart cookies", 32)
		if err != nil {
			return nil, err
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		c.aeads = append(c.aeads, aead)
	}
	return c, nil
}

// Set writes value, sealed, as an HttpOnly, SameSite=Lax cookie.
func (c *Cookies) Set(w http.ResponseWriter, name string, value any, ttl time.Duration) error {
	payload, err := json.Marshal(value)
	if err != nil {
		return err
	}
	written := binary.BigEndian.AppendUint64(nil, uint64(c.now().Unix()))
	seal := c.aeads[0]
	nonce := make([]byte, seal.NonceSize())
	_, _ = rand.Read(nonce) // crypto/rand never fails on supported platforms
	sealed := seal.Seal(nonce, nonce, append(written, payload...), []byte(name))
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: base64.RawURLEncoding.EncodeToString(sealed), Path: c.path, MaxAge: int(ttl.Seconds()),
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

// Get opens a cookie into into.
func (c *Cookies) Get(r *http.Request, name string, into any) error {
	cookie, err := r.Cookie(name)
	if err != nil {
		return ErrNoSession
	}
	sealed, err := base64.RawURLEncoding.DecodeString(cookie.Value)
	if err != nil {
		return ErrNoSession
	}
	plain, ok := c.open(sealed, name)
	if !ok || len(plain) < 8 {
		return ErrNoSession
	}
	written := time.Unix(int64(binary.BigEndian.Uint64(plain)), 0)
	if age := c.now().Sub(written); age > c.maxAge || age < -time.Minute {
		return ErrNoSession
	}
	if err := json.Unmarshal(plain[8:], into); err != nil {
		return ErrNoSession
	}
	return nil
}

// open opens a sealed value with the first key that opens it.
func (c *Cookies) open(sealed []byte, name string) ([]byte, bool) {
	for _, aead := range c.aeads {
		if len(sealed) < aead.NonceSize() {
			return nil, false
		}
		nonce, ciphertext := sealed[:aead.NonceSize()], sealed[aead.NonceSize():]
		if plain, err := aead.Open(nil, nonce, ciphertext, []byte(name)); err == nil {
			return plain, true
		}
	}
	return nil, false
}

// ContentSecurityPolicy allows the site's own resources and forms, and
// forms that lead on to the given origins. Styles come only from the
// site's stylesheet (no inline styles); its icons are data: URLs.
func ContentSecurityPolicy(formOrigins ...string) string {
	return "default-src 'self'; img-src 'self' data:; form-action 'self' " + strings.Join(formOrigins, " ") +
		"; frame-ancestors 'none'"
}
