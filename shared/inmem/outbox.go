package inmem

import (
	"cmp"
	"context"
	"encoding/base64"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/tredjepart/tredjepart/shared/delivery"
	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/grant"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/webhook"
)

var (
	_ webhook.Documents    = (*Outbox)(nil)
	_ delivery.ChangeStore = (*Outbox)(nil)
	_ delivery.Store       = (*Outbox)(nil)
	_ webhook.Store        = (*Webhooks)(nil)
)

// Outbox keeps the third parties' outbox documents and the days awaited
// late, as dynamo.Outbox keeps them in the Outbox table, and reads the feed
// as dynamo.Outbox does across its shards.
type Outbox struct {
	// The other stores a delivery job's Facts are read from, as
	// dynamo.Outbox names the other tables; nil ones hold nothing.
	Grants         *Grants
	MeteringPoints *MeteringPoints
	MeterValues    *MeterValues

	mu        sync.Mutex
	documents map[documentKey]stored
	awaiting  map[awaitKey]bool
}

// Webhooks keeps the webhook endpoints and push attempts, as
// dynamo.Webhooks keeps them in the Outbox table.
type Webhooks struct {
	mu        sync.Mutex
	endpoints map[ident.GLN]webhook.Endpoint           // of a removed one, only its version counts
	removed   map[ident.GLN]bool                       // whose endpoint was removed
	attempts  map[ident.GLN]map[string]webhook.Attempt // by sort key
}

type documentKey struct {
	tp ident.GLN
	id string
}

type stored struct {
	document delivery.Document
	pushedAt time.Time
}

type awaitKey struct {
	mp  ident.GSRN
	day string
	tp  ident.GLN
}

// NewOutbox returns an empty outbox that reads no facts (see Open).
func NewOutbox() *Outbox {
	return &Outbox{documents: map[documentKey]stored{}, awaiting: map[awaitKey]bool{}}
}

// NewWebhooks returns an empty store of webhook endpoints.
func NewWebhooks() *Webhooks {
	return &Webhooks{
		endpoints: map[ident.GLN]webhook.Endpoint{}, removed: map[ident.GLN]bool{},
		attempts: map[ident.GLN]map[string]webhook.Attempt{},
	}
}

func copyDocument(d delivery.Document) delivery.Document {
	d.Body, d.CreatedAt = slices.Clone(d.Body), instant(d.CreatedAt)
	return d
}

// Put writes a document unless one with its id is there; it reports whether it wrote.
func (s *Outbox) Put(_ context.Context, d delivery.Document) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := documentKey{d.ThirdParty, d.ID}
	if _, ok := s.documents[k]; ok {
		return false, nil
	}
	s.documents[k] = stored{document: copyDocument(d)}
	return true, nil
}

// Document reads one outbox document and when it was pushed (zero if not yet).
func (s *Outbox) Document(_ context.Context, tp ident.GLN, id string) (delivery.Document, time.Time, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	it, ok := s.documents[documentKey{tp, id}]
	if !ok {
		return delivery.Document{}, time.Time{}, false, nil
	}
	return copyDocument(it.document), it.pushedAt, true, nil
}

// MarkPushed records the first successful push of a document; a later one,
// or one of a document that is gone, records nothing.
func (s *Outbox) MarkPushed(_ context.Context, tp ident.GLN, id string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := documentKey{tp, id}
	if it, ok := s.documents[k]; ok && it.pushedAt.IsZero() {
		it.pushedAt = instant(at)
		s.documents[k] = it
	}
	return nil
}

// arrival orders documents as dynamo's byArrival index does: by when they
// were written, then by id.
func arrival(d delivery.Document) string { return sortable(d.CreatedAt) + "#" + d.ID }

// arrived is the third party's documents in arrival order.
func (s *Outbox) arrived(tp ident.GLN) []delivery.Document {
	s.mu.Lock()
	defer s.mu.Unlock()
	var docs []delivery.Document
	for k, it := range s.documents {
		if k.tp == tp {
			docs = append(docs, copyDocument(it.document))
		}
	}
	slices.SortFunc(docs, func(a, b delivery.Document) int { return cmp.Compare(arrival(a), arrival(b)) })
	return docs
}

// feedCursor reads a cursor of Feed or Latest: a position in arrival
// order, refused (naming field) unless it is one.
func feedCursor(cursor, field string) (string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if _, perr := time.Parse(timeLayout, string(raw[:min(len(raw), len(timeLayout))])); err != nil || perr != nil {
		return "", fault.InvalidFields(fault.FieldError{Field: field, Reason: "not a cursor from a previous page"})
	}
	return string(raw), nil
}

// Feed returns up to limit of the third party's documents after the
// cursor ("" for the oldest kept), oldest first, that are at least
// delivery.SettleLag old at now; Next is the cursor to poll with, the same
// one when nothing new has settled.
func (s *Outbox) Feed(_ context.Context, tp ident.GLN, cursor string, limit int, now time.Time) (delivery.FeedPage, error) {
	after := ""
	if cursor != "" {
		var err error
		if after, err = feedCursor(cursor, "after"); err != nil {
			return delivery.FeedPage{}, err
		}
	}
	settled := sortable(now.Add(-delivery.SettleLag))
	page := delivery.FeedPage{Next: cursor}
	for _, d := range s.arrived(tp) {
		if at := arrival(d); at > after && at <= settled && len(page.Documents) < limit {
			page.Documents = append(page.Documents, d)
			page.Next = base64.RawURLEncoding.EncodeToString([]byte(at))
		}
	}
	return page, nil
}

// Latest returns up to limit of the third party's documents before the
// cursor ("" for the newest), newest first; Next is empty on the last page.
func (s *Outbox) Latest(_ context.Context, tp ident.GLN, cursor string, limit int) (delivery.FeedPage, error) {
	before := ""
	if cursor != "" {
		var err error
		if before, err = feedCursor(cursor, "before"); err != nil {
			return delivery.FeedPage{}, err
		}
	}
	docs := s.arrived(tp)
	slices.Reverse(docs)
	var page delivery.FeedPage
	for _, d := range docs {
		if before != "" && arrival(d) >= before {
			continue
		}
		if len(page.Documents) == limit {
			page.Next = base64.RawURLEncoding.EncodeToString([]byte(arrival(page.Documents[limit-1])))
			break
		}
		page.Documents = append(page.Documents, d)
	}
	return page, nil
}

// CountSince counts the third party's documents written at or after since.
func (s *Outbox) CountSince(_ context.Context, tp ident.GLN, since time.Time) (int, error) {
	n := 0
	for _, d := range s.arrived(tp) {
		if arrival(d) >= sortable(since) {
			n++
		}
	}
	return n, nil
}

// AwaitLate remembers that a day's values had not arrived when it was due.
func (s *Outbox) AwaitLate(_ context.Context, tp ident.GLN, mp ident.GSRN, day, _ time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.awaiting[awaitKey{mp, day.Format(metervalues.DayLayout), tp}] = true
	return nil
}

// Awaiting lists the third parties a day was due to before its values arrived, by GLN.
func (s *Outbox) Awaiting(_ context.Context, mp ident.GSRN, day time.Time) ([]ident.GLN, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var tps []ident.GLN
	for k := range s.awaiting {
		if k.mp == mp && k.day == day.Format(metervalues.DayLayout) {
			tps = append(tps, k.tp)
		}
	}
	slices.Sort(tps)
	return tps, nil
}

// ClearAwaiting forgets that a third party awaits a day.
func (s *Outbox) ClearAwaiting(_ context.Context, mp ident.GSRN, day time.Time, tp ident.GLN) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.awaiting, awaitKey{mp, day.Format(metervalues.DayLayout), tp})
	return nil
}

// Facts reads, for each metering point, the third party's grant, the day's
// series, and for an active grant the occupancy it was given from (if it
// is still the grant's end user's).
func (s *Outbox) Facts(ctx context.Context, tp ident.GLN, day time.Time, mps []ident.GSRN) (map[ident.GSRN]delivery.Facts, error) {
	facts := make(map[ident.GSRN]delivery.Facts, len(mps))
	for _, mp := range mps {
		var f delivery.Facts
		if s.Grants != nil {
			f.Grant, f.HasGrant, _ = s.Grants.Grant(ctx, tp, mp)
		}
		if s.MeterValues != nil {
			f.Series, f.HasSeries, _ = s.MeterValues.Day(ctx, mp, day)
		}
		if !f.HasGrant && !f.HasSeries {
			continue
		}
		if f.HasGrant && f.Grant.Status == grant.Active && s.MeteringPoints != nil {
			point, _, _ := s.MeteringPoints.MeteringPoint(ctx, mp)
			for _, o := range point.Occupancies {
				if o.MoveIn.Format(registry.DateLayout) == f.Grant.DataFrom.Format(registry.DateLayout) && o.EndUser == f.Grant.EndUser {
					f.Occupancy = o
				}
			}
		}
		facts[mp] = f
	}
	return facts, nil
}

// Endpoint reads the third party's webhook endpoint; a removed one is not
// found, but has the version its removal wrote.
func (s *Webhooks) Endpoint(_ context.Context, tp ident.GLN) (webhook.Endpoint, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.endpoints[tp]
	if !ok {
		return webhook.Endpoint{}, false, nil
	}
	if s.removed[tp] {
		return webhook.Endpoint{ThirdParty: tp, Version: e.Version}, false, nil
	}
	return copyEndpoint(e), true, nil
}

// copyEndpoint keeps what dynamo stores of an endpoint: each key's sealed
// form, never its clear key.
func copyEndpoint(e webhook.Endpoint) webhook.Endpoint {
	keys := make([]webhook.Key, 0, len(e.Keys))
	for _, k := range e.Keys {
		sealed := webhook.Key{Sealed: slices.Clone(k.Sealed), CreatedAt: instant(k.CreatedAt)}
		sealed.NotAfter = instant(k.NotAfter)
		keys = append(keys, sealed)
	}
	if len(keys) == 0 {
		keys = nil
	}
	e.Keys, e.ChangedAt, e.Events = keys, instant(e.ChangedAt), slices.Clone(e.Events)
	return e
}

// PutEndpoint writes the endpoint if the stored one is the version before
// (webhook.ErrStale), refusing a key that is not sealed
// (webhook.ErrKeyNotSealed).
func (s *Webhooks) PutEndpoint(_ context.Context, e webhook.Endpoint) error {
	for _, k := range e.Keys {
		if len(k.Sealed) == 0 {
			return webhook.ErrKeyNotSealed
		}
	}
	return s.putEndpoint(e, false)
}

// DeleteEndpoint removes the endpoint and its secrets on the same
// condition, keeping only its version.
func (s *Webhooks) DeleteEndpoint(_ context.Context, e webhook.Endpoint) error {
	return s.putEndpoint(webhook.Endpoint{ThirdParty: e.ThirdParty, ChangedAt: e.ChangedAt, Version: e.Version}, true)
}

func (s *Webhooks) putEndpoint(e webhook.Endpoint, removed bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	current, exists := s.endpoints[e.ThirdParty]
	if e.Version > 1 && (!exists || current.Version != e.Version-1) || e.Version <= 1 && exists {
		return webhook.ErrStale
	}
	s.endpoints[e.ThirdParty], s.removed[e.ThirdParty] = copyEndpoint(e), removed
	return nil
}

// LogAttempt appends a push attempt to the third party's log.
func (s *Webhooks) LogAttempt(_ context.Context, a webhook.Attempt) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.attempts[a.ThirdParty] == nil {
		s.attempts[a.ThirdParty] = map[string]webhook.Attempt{}
	}
	a.At, a.Duration, a.NextAttemptAt = instant(a.At), a.Duration.Truncate(time.Millisecond), instant(a.NextAttemptAt)
	s.attempts[a.ThirdParty][fmt.Sprintf("%s#%s#%d", sortable(a.At), a.DocumentID, a.Number)] = a
	return nil
}

// Attempts lists the latest push attempts, newest first.
func (s *Webhooks) Attempts(_ context.Context, tp ident.GLN, limit int) ([]webhook.Attempt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := slices.SortedFunc(maps.Keys(s.attempts[tp]), func(a, b string) int { return cmp.Compare(b, a) })
	attempts := []webhook.Attempt{}
	for _, k := range keys[:min(limit, len(keys))] {
		attempts = append(attempts, s.attempts[tp][k])
	}
	return attempts, nil
}
