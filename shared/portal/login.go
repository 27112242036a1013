package portal

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/websession"
)

// Why a login is refused: message keys, shown to the person.
const (
	refusedNoPerson   = "refused.noPerson"
	refusedNoOrg      = "refused.noOrg"
	refusedUnknownOrg = "refused.unknownOrg"
	refusedDisabled   = "refused.disabled"
)

// safeReturn keeps the post-login destination on the portal's own pages.
func safeReturn(path string) string {
	if strings.HasPrefix(path, "/portal") && !strings.HasPrefix(path, "/portal/log") && !strings.Contains(path, "//") && !strings.Contains(path, `\`) {
		return path
	}
	return "/portal"
}

func (s *site) startLogin(w http.ResponseWriter, r *http.Request) {
	if err := s.login.Start(w, r, safeReturn(r.URL.Query().Get("return"))); err != nil {
		s.fail(w, r, err)
	}
}

func (s *site) finishLogin(w http.ResponseWriter, r *http.Request) {
	claims, returnTo, err := s.login.Finish(w, r)
	if errors.Is(err, websession.ErrLoginCancelled) {
		http.Redirect(w, r, "/portal/logged-out", http.StatusFound)
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
	sess, refused, err := s.sessionFor(r.Context(), claims)
	switch {
	case err != nil:
		s.fail(w, r, err)
		return
	case refused != "":
		s.logger.InfoContext(r.Context(), "portal login refused", "org", claims.Org, "reason", refused)
		s.problem(w, r, http.StatusForbidden, refused)
		return
	}
	if err := s.cookies.Set(w, sessionCookie, sess, sessionTTL); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, returnTo, http.StatusFound)
}

// sessionFor maps a verified login to the third party the person acts for,
// or says why the portal refuses it. The national identity number is
// checked to be one and goes no further.
func (s *site) sessionFor(ctx context.Context, c websession.Claims) (session, string, error) {
	if _, err := ident.ParseNationalID(c.PID); err != nil {
		return session{}, refusedNoPerson, nil
	}
	if c.Org == "" {
		return session{}, refusedNoOrg, nil
	}
	org, err := ident.ParseOrgNumber(c.Org)
	if err != nil {
		return session{}, refusedUnknownOrg, nil
	}
	tp, found, err := s.thirdParties.ThirdPartyByOrg(ctx, org)
	switch {
	case err != nil:
		return session{}, "", err
	case !found:
		return session{}, refusedUnknownOrg, nil
	case tp.Disabled:
		return session{}, refusedDisabled, nil
	}
	return session{ThirdParty: tp.GLN, Name: c.Name, Expires: s.clock.Now().Add(sessionTTL)}, "", nil
}

func (s *site) logout(w http.ResponseWriter, r *http.Request) {
	s.cookies.Clear(w, sessionCookie)
	http.Redirect(w, r, "/portal/logged-out", http.StatusSeeOther)
}
