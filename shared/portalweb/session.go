package portalweb

import (
	"time"

	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/websession"
)

// The portal's own cookies, on /portal only, so that a staff session and an
// end user's session on the same origin never mix.
var cookies = websession.CookieNames{
	Session: "tp_portal_session", Login: "tp_portal_login", Language: "tp_portal_lang", Path: "/portal",
}

const sessionTTL = 8 * time.Hour // a working day

// Where a login starts, where a logout ends, and where the stylesheet is.
const (
	loginPath     = "/portal/login"
	loggedOutPath = "/portal/logged-out"
	assetsPath    = "/portal/assets"
)

// session is who is logged in: the third party, the version of its
// registration the login was let in on, and the person's name. The
// person's national identity number is never kept. It stands only while
// the session store has it.
type session struct {
	ThirdParty   ident.GLN
	Registration int // registry.ThirdParty.Version at login
	Name         string
	Expires      time.Time
}

// Valid: the session has not expired and names a third party.
func (s session) Valid(now time.Time) bool { return now.Before(s.Expires) && s.ThirdParty != "" }

// Subject is the third party's GLN, as the session store records it.
func (s session) Subject() string { return string(s.ThirdParty) }
