package enduserweb

import (
	"context"
	"strings"

	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/pseudonym"
	"github.com/tredjepart/tredjepart/shared/websession"
)

// safeReturn keeps the post-login destination on this site's own pages.
func safeReturn(path string) string {
	if (strings.HasPrefix(path, "/consent") || strings.HasPrefix(path, "/authorize")) && !strings.Contains(path, "//") && !strings.Contains(path, `\`) {
		return path
	}
	return "/consent"
}

var errNoValidPerson = fault.New(fault.Invalid, "The login did not name a valid person.")

// sessionFor maps the person, or the organisation the person acts for, to
// the pseudonymous end user id; the national identity number goes no further.
func (s *site) sessionFor(_ context.Context, c websession.Claims) (session, error) {
	pid, err := ident.ParseNationalID(c.PID)
	if err != nil {
		return session{}, errNoValidPerson
	}
	sess := session{EndUser: s.pseudonyms.Person(pid), Name: c.Name, Expires: s.clock.Now().Add(sessionTTL)}
	if c.Org != "" {
		org, err := ident.ParseOrgNumber(c.Org)
		if err != nil {
			return session{}, errNoValidPerson
		}
		sess.EndUser, sess.OrgName = pseudonym.Organisation(org), c.OrgName
	}
	return sess, nil
}
