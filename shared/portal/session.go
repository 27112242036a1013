package portal

import (
	"net/http"
	"time"

	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/websession"
)

// Cookie names and path: the portal's own, so that a staff session and an
// end user's session on the same origin never mix.
const (
	sessionCookie = "tp_portal_session"
	loginCookie   = "tp_portal_login"
	langCookie    = "tp_portal_lang"
	csrfCookie    = "tp_portal_csrf"
	cookiePath    = "/portal"
	sessionTTL    = 8 * time.Hour // a working day
)

// session is who is logged in: the third party and the person's name.
// The person's national identity number is never kept.
type session struct {
	ThirdParty ident.GLN
	Name       string
	Expires    time.Time
}

func readSession(c *websession.Cookies, r *http.Request, now time.Time) (session, error) {
	var s session
	if err := c.Get(r, sessionCookie, &s); err != nil {
		return s, err
	}
	if !now.Before(s.Expires) || s.ThirdParty == "" {
		return s, websession.ErrNoSession
	}
	return s, nil
}
