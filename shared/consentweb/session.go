package consentweb

import (
	"net/http"
	"time"

	"github.com/tredjepart/tredjepart/shared/pseudonym"
	"github.com/tredjepart/tredjepart/shared/websession"
)

// Cookie names and lifetimes. Sessions are short: consent is a quick errand.
const (
	sessionCookie = "tp_session"
	loginCookie   = "tp_login"
	langCookie    = "tp_lang"
	cookiePath    = "/"
	sessionTTL    = 30 * time.Minute
)

// session is who is logged in. It travels encrypted and signed in a cookie.
type session struct {
	EndUser pseudonym.EndUserID // the person's pseudonym, or the organisation's id when acting for one
	Name    string
	OrgName string
	Expires time.Time
}

func newCookies(hashKey, blockKey []byte, secure bool) *websession.Cookies {
	return websession.NewCookies(hashKey, blockKey, cookiePath, sessionTTL, secure)
}

// readSession returns the session; a missing, tampered or expired one is
// websession.ErrNoSession.
func readSession(c *websession.Cookies, r *http.Request, now time.Time) (session, error) {
	var s session
	if err := c.Get(r, sessionCookie, &s); err != nil {
		return s, err
	}
	if !now.Before(s.Expires) || s.EndUser == "" {
		return s, websession.ErrNoSession
	}
	return s, nil
}
