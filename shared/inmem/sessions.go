package inmem

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/tredjepart/tredjepart/shared/websession"
)

var _ websession.SessionStore = (*Sessions)(nil)

// Sessions keeps the web sites' login sessions, as dynamo.Sessions does.
type Sessions struct {
	mu       sync.Mutex
	sessions map[string]session
}

type session struct {
	site, subject string
	expires       time.Time
}

// NewSessions returns a store with no sessions.
func NewSessions() *Sessions { return &Sessions{sessions: map[string]session{}} }

// Start records a session if the id is new or already this site's session
// for this subject: a retried start is harmless, and no session is taken over.
func (s *Sessions) Start(_ context.Context, id, site, subject string, expires time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if was, ok := s.sessions[id]; ok && (was.site != site || was.subject != subject) {
		return errors.New("start session: the id is another session's")
	}
	s.sessions[id] = session{site, subject, expires}
	return nil
}

// Stands says whether the session is recorded for site and subject and has
// not expired at now.
func (s *Sessions) Stands(_ context.Context, id, site, subject string, now time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	was, ok := s.sessions[id]
	return ok && was.site == site && was.subject == subject && now.Before(was.expires), nil
}

// End forgets a session; ending one that has ended is no error.
func (s *Sessions) End(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.sessions, id)
	return nil
}
