package websession

import (
	"errors"
	"net/http"
	"net/url"
)

// Session reads who is logged in; a missing, tampered, expired or invalid
// session is ErrNoSession.
func (s *Site[S, U]) Session(r *http.Request) (S, error) {
	var sess, nobody S
	if err := s.cookies.Get(r, s.config.Cookies.Session, &sess); err != nil {
		return nobody, err
	}
	if !sess.Valid(s.config.Clock.Now()) {
		return nobody, ErrNoSession
	}
	return sess, nil
}

// Require is who is logged in. Without a valid session it sends a GET to
// log in, and back here after, refuses any other method, and says false.
func (s *Site[S, U]) Require(w http.ResponseWriter, r *http.Request) (S, bool) {
	sess, err := s.Session(r)
	switch {
	case err == nil:
		return sess, true
	case r.Method != http.MethodGet:
		s.Problem(w, r, http.StatusUnauthorized, "Your session has ended. Please log in again.")
	default:
		http.Redirect(w, r, s.config.LoginPath+"?return="+url.QueryEscape(r.URL.RequestURI()), http.StatusFound)
	}
	return sess, false
}

// StartSession keeps sess in the session cookie.
func (s *Site[S, U]) StartSession(w http.ResponseWriter, sess S) error {
	return s.cookies.Set(w, s.config.Cookies.Session, sess, s.config.SessionTTL)
}

// EndSession forgets who is logged in.
func (s *Site[S, U]) EndSession(w http.ResponseWriter) {
	s.cookies.Clear(w, s.config.Cookies.Session)
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
	if err := s.StartSession(w, sess); err != nil {
		s.Fail(w, r, err)
		return
	}
	http.Redirect(w, r, returnTo, http.StatusFound)
}

// Logout ends the session.
func (s *Site[S, U]) Logout(w http.ResponseWriter, r *http.Request) {
	s.EndSession(w)
	http.Redirect(w, r, s.config.LoggedOutPath, http.StatusSeeOther)
}
