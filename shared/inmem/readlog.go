package inmem

import (
	"cmp"
	"context"
	"slices"
	"sync"

	"github.com/tredjepart/tredjepart/shared/metering"
	"github.com/tredjepart/tredjepart/shared/pseudonym"
	"github.com/tredjepart/tredjepart/shared/readlog"
)

var _ metering.ReadLog = (*ReadLog)(nil)

// ReadLog keeps the end users' read logs, as dynamo.ReadLog keeps them.
type ReadLog struct {
	mu      sync.Mutex
	entries map[pseudonym.EndUserID]map[string]readlog.Entry // by sort key: <at>#<id>
}

// NewReadLog returns an empty read log.
func NewReadLog() *ReadLog {
	return &ReadLog{entries: map[pseudonym.EndUserID]map[string]readlog.Entry{}}
}

// Append records a read; the id makes a retried append write the same entry.
func (s *ReadLog) Append(_ context.Context, e readlog.Entry) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.entries[e.EndUser] == nil {
		s.entries[e.EndUser] = map[string]readlog.Entry{}
	}
	e.At = instant(e.At)
	s.entries[e.EndUser][sortable(e.At)+"#"+e.ID] = e
	return nil
}

// List pages through an end user's read log, newest first.
func (s *ReadLog) List(_ context.Context, user pseudonym.EndUserID, cursorText string, limit int) (readlog.Page, error) {
	s.mu.Lock()
	var items []keyed[readlog.Entry]
	for k, e := range s.entries[user] {
		items = append(items, keyed[readlog.Entry]{k, e})
	}
	s.mu.Unlock()
	slices.SortFunc(items, func(a, b keyed[readlog.Entry]) int { return cmp.Compare(b.sortKey, a.sortKey) })
	entries, next, err := page(items, "READLOG#"+string(user), "", cursorText, limit, true)
	if err != nil {
		return readlog.Page{}, err
	}
	return readlog.Page{Entries: entries, NextCursor: next}, nil
}
