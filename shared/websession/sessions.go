package websession

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"
)

// SessionStore keeps on the server the sessions that stand, from login
// until logout or expiry: a cookie alone, kept or copied, is no session.
// site is the session cookie's name; subject is Session.Subject.
type SessionStore interface {
	// Start records a new session; a retried start is harmless.
	Start(ctx context.Context, id, site, subject string, expires time.Time) error
	// Stands says whether the session is recorded for site and subject and
	// has not expired at now.
	Stands(ctx context.Context, id, site, subject string, now time.Time) (bool, error)
	// End forgets a session; ending one that has ended is no error.
	End(ctx context.Context, id string) error
}

// sessionCookie is what the session cookie carries: the session, and the
// random id of its record in the SessionStore.
type sessionCookie[S Session] struct {
	ID      string
	Session S
}

// Session reads who is logged in; a missing, tampered, expired or invalid
// session, or one that has ended on the server, is ErrNoSession. Any other
// error is the store's.
func (s *Site[S, U]) Session(r *http.Request) (S, error) {
	var nobody S
	c, err := s.sessionCookie(r)
	if err != nil {
		return nobody, err
	}
	now := s.config.Clock.Now()
	if c.ID == "" || !c.Session.Valid(now) {
		return nobody, ErrNoSession
	}
	stands, err := s.config.Sessions.Stands(r.Context(), c.ID, s.config.Cookies.Session, c.Session.Subject(), now)
	if err != nil {
		return nobody, err
	}
	if !stands {
		return nobody, ErrNoSession
	}
	return c.Session, nil
}

func (s *Site[S, U]) sessionCookie(r *http.Request) (sessionCookie[S], error) {
	var c sessionCookie[S]
	err := s.cookies.Get(r, s.config.Cookies.Session, &c)
	return c, err
}

// Require is who is logged in. Without a valid session it sends a GET to
// log in, and back here after, refuses any other method, and says false.
func (s *Site[S, U]) Require(w http.ResponseWriter, r *http.Request) (S, bool) {
	sess, err := s.Session(r)
	switch {
	case err == nil:
		return sess, true
	case errors.Is(err, ErrNoSession):
		s.LogInAgain(w, r)
	default:
		s.Fail(w, r, err)
	}
	return sess, false
}

// LogInAgain answers a request that has no session: a GET goes to log in,
// and back here after; any other method is refused.
func (s *Site[S, U]) LogInAgain(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		s.Problem(w, r, http.StatusUnauthorized, "Your session has ended. Please log in again.")
		return
	}
	http.Redirect(w, r, s.config.LoginPath+"?return="+url.QueryEscape(r.URL.RequestURI()), http.StatusFound)
}

// StartSession records sess in the store and keeps it, with the id of its
// record, in the session cookie.
func (s *Site[S, U]) StartSession(ctx context.Context, w http.ResponseWriter, sess S) error {
	c := sessionCookie[S]{ID: Random(), Session: sess}
	expires := s.config.Clock.Now().Add(s.config.SessionTTL)
	if err := s.config.Sessions.Start(ctx, c.ID, s.config.Cookies.Session, sess.Subject(), expires); err != nil {
		return err
	}
	return s.cookies.Set(w, s.config.Cookies.Session, c, s.config.SessionTTL)
}

// EndSession ends the request's session on the server, so that its cookie,
// wherever a copy is kept, opens nothing any more, and clears the cookie.
// The cookie stays when the store fails, so that the logout can be tried
// again.
func (s *Site[S, U]) EndSession(w http.ResponseWriter, r *http.Request) error {
	if c, err := s.sessionCookie(r); err == nil && c.ID != "" {
		if err := s.config.Sessions.End(r.Context(), c.ID); err != nil {
			return err
		}
	}
	s.cookies.Clear(w, s.config.Cookies.Session)
	return nil
}

// StartLogin sends the visitor to the OpenID provider, to come back to
// ?return= once logged in.
func (s *Site[S, U]) StartLogin(w http.ResponseWriter, r *http.Request) {
	if err := s.login.Start(w, r, s.config.SafeReturn(r.URL.Query().Get("return"))); err != nil {
		s.Fail(w, r, err)
	}
}

// FinishLogin is the login callback: it starts the session for the
// verified login, unless the site refuses it, and goes back to the page
// the login started from.
func (s *Site[S, U]) FinishLogin(w http.ResponseWriter, r *http.Request) {
	claims, returnTo, err := s.login.Finish(w, r)
	if errors.Is(err, ErrLoginCancelled) {
		http.Redirect(w, r, s.config.LoggedOutPath, http.StatusFound)
		return
	}
	if status, detail, ok := loginProblem(err); ok {
		s.Problem(w, r, status, detail)
		return
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	sess, err := s.config.NewSession(r.Context(), claims)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if err := s.StartSession(r.Context(), w, sess); err != nil {
		s.Fail(w, r, err)
		return
	}
	http.Redirect(w, r, returnTo, http.StatusFound)
}

// Logout ends the session, on the server and in the browser. Logging out
// twice, or without a session, ends on the same page.
func (s *Site[S, U]) Logout(w http.ResponseWriter, r *http.Request) {
	if err := s.EndSession(w, r); err != nil {
		s.Fail(w, r, err)
		return
	}
	http.Redirect(w, r, s.config.LoggedOutPath, http.StatusSeeOther)
}
