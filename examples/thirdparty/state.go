package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// state is what the service must remember across restarts, kept in one
// small JSON file. A real service would keep it in its database.
type state struct {
	mu   sync.Mutex
	path string

	// FeedPosition is the nextCursor of the last page read from
	// GET /v1/deliveries: where to go on reading after a restart.
	FeedPosition string `json:"feedPosition"`
	// Seen holds the id of every document handled (a push's webhook-id is
	// the same as the feed item's id), so that a document pushed twice, or
	// pushed and then read from the feed, is handled once.
	Seen map[string]time.Time `json:"seen"`
	// Visits maps the state parameter of each redirect-flow link we printed
	// to its access request, so that the return URL accepts only our own.
	Visits map[string]string `json:"visits"`
}

// forgetAfter is how long an id is remembered: the feed keeps a document
// 30 days and the webhook stops retrying after 3, so older ids cannot come
// again.
const forgetAfter = 31 * 24 * time.Hour

func loadState(path string) (*state, error) {
	s := &state{path: path, Seen: map[string]time.Time{}, Visits: map[string]string{}}
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return s, nil // the first start
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(raw, s); err != nil {
		return nil, err
	}
	for id, at := range s.Seen {
		if time.Since(at) > forgetAfter {
			delete(s.Seen, id)
		}
	}
	return s, nil
}

// saveLocked writes the file whole, through a temporary file and a
// rename, so that a crash never leaves half a file. The caller holds mu.
func (s *state) saveLocked() error {
	raw, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	tmp := s.path + ".tmp"
	if err := os.MkdirAll(filepath.Dir(s.path), 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(tmp, raw, 0o600); err != nil { // ours alone: the states vouch for return visits
		return err
	}
	return os.Rename(tmp, s.path)
}

func (s *state) update(change func(*state)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	change(s)
	return s.saveLocked()
}

func (s *state) read(look func(*state)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	look(s)
}

// claim records id as handled and tells whether it is new. Checking and
// recording under one lock means two copies arriving at once are not both
// handled.
func (s *state) claim(id string) (bool, error) {
	isNew := false
	err := s.update(func(s *state) {
		if _, seen := s.Seen[id]; !seen {
			s.Seen[id], isNew = time.Now().UTC(), true
		}
	})
	return isNew, err
}
