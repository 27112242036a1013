package enduserweb

import (
	"time"

	"github.com/tredjepart/tredjepart/shared/pseudonym"
	"github.com/tredjepart/tredjepart/shared/websession"
)

// The pages' own cookies, on the whole origin.
var cookies = websession.CookieNames{Session: "tp_session", Login: "tp_login", Language: "tp_lang", Path: "/"}

// Sessions are short: consent is a quick errand.
const sessionTTL = 30 * time.Minute

// Where a login starts, where a logout ends, and where the stylesheet is.
const (
	loginPath     = "/login"
	loggedOutPath = "/consent/logged-out"
	assetsPath    = "/consent/assets"
)

// session is who is logged in. It travels encrypted and signed in a cookie,
// and stands only while the session store has it.
type session struct {
	EndUser pseudonym.EndUserID // the person's pseudonym, or the organisation's id when acting for one
	Name    string
	OrgName string
	Expires time.Time
}

// Valid: the session has not expired and names an end user.
func (s session) Valid(now time.Time) bool { return now.Before(s.Expires) && s.EndUser != "" }

// Subject is the end user's pseudonym, as the session store records it.
func (s session) Subject() string { return string(s.EndUser) }
