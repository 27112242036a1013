package consentweb

import (
	"errors"
	"net/http"
	"strings"

	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/pseudonym"
	"github.com/tredjepart/tredjepart/shared/websession"
)

// OIDC is the end users' OpenID provider: ID-porten on AWS, the development
// provider locally.
type OIDC = websession.OIDC

// safeReturn keeps the post-login destination on this site's own pages.
func safeReturn(path string) string {
	if (strings.HasPrefix(path, "/consent") || strings.HasPrefix(path, "/authorize")) && !strings.Contains(path, "//") && !strings.Contains(path, `\`) {
		return path
	}
	return "/consent"
}

func (s *site) startLogin(w http.ResponseWriter, r *http.Request) {
	if err := s.login.Start(w, r, safeReturn(r.URL.Query().Get("return"))); err != nil {
		s.fail(w, r, err)
	}
}

func (s *site) finishLogin(w http.ResponseWriter, r *http.Request) {
	claims, returnTo, err := s.login.Finish(w, r)
	if errors.Is(err, websession.ErrLoginCancelled) {
		http.Redirect(w, r, "/consent/logged-out", http.StatusFound)
		return
	}
	if err != nil {
		if status, detail, ok := websession.LoginProblem(err); ok {
			s.problem(w, r, status, detail)
		} else {
			s.fail(w, r, err)
		}
		return
	}
	sess, err := s.sessionFor(claims)
	if err != nil {
		s.problem(w, r, http.StatusBadRequest, "The login did not name a valid person.")
		return
	}
	if err := s.cookies.Set(w, sessionCookie, sess, sessionTTL); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, returnTo, http.StatusFound)
}

// sessionFor maps the person, or the organisation the person acts for, to
// the pseudonymous end user id; the national identity number goes no further.
func (s *site) sessionFor(c websession.Claims) (session, error) {
	pid, err := ident.ParseNationalID(c.PID)
	if err != nil {
		return session{}, err
	}
	sess := session{EndUser: s.pseudonyms.Person(pid), Name: c.Name, Expires: s.clock.Now().Add(sessionTTL)}
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
	s.cookies.Clear(w, sessionCookie)
	http.Redirect(w, r, "/consent/logged-out", http.StatusSeeOther)
}
