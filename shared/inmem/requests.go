package inmem

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/consent"
	"github.com/tredjepart/tredjepart/shared/delivery"
	"github.com/tredjepart/tredjepart/shared/grant"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/metering"
	"github.com/tredjepart/tredjepart/shared/registry"
)

var (
	_ accessrequest.Store  = (*Requests)(nil)
	_ consent.Requests     = (*Requests)(nil)
	_ accessrequest.Grants = (*Grants)(nil)
	_ consent.Grants       = (*Grants)(nil)
	_ metering.Grants      = (*Grants)(nil)
	_ delivery.GrantsOn    = (*Grants)(nil)
	_ delivery.ShardGrants = (*Grants)(nil)
)

// idempotencyTTL is how long an Idempotency-Key is remembered, as in dynamo.
const idempotencyTTL = 24 * time.Hour

// Requests keeps access requests, their pending slots and Idempotency-Keys,
// as dynamo.Requests keeps them in the Access table.
type Requests struct{ *access }

// Grants keeps the grants, as dynamo.Grants keeps them in the Access table.
type Grants struct{ *access }

// access is the Access table's requests and grants behind one lock, so
// that approving a request stores its grant at once, as dynamo's
// transaction does.
type access struct {
	mu       sync.Mutex
	requests map[string]accessrequest.Request
	pending  map[pair]string // which request last held the pending slot
	keys     map[idempotencyKey]remembered
	grants   map[pair]grant.Grant
	history  map[string]grant.Grant // every version of every grant, by dynamo's GRANTLOG# sort key
}

type pair struct {
	tp ident.GLN
	mp ident.GSRN
}

type idempotencyKey struct {
	tp  ident.GLN
	key string
}

// remembered is an Idempotency-Key's record. Like a DynamoDB item with a
// TTL it stays until deleted, which here is never: it only stops being
// read once it has expired.
type remembered struct {
	idem    accessrequest.Idempotency
	expires time.Time
}

// NewAccess returns empty request and grant stores over one Access table.
func NewAccess() (*Requests, *Grants) {
	a := &access{
		requests: map[string]accessrequest.Request{}, pending: map[pair]string{},
		keys: map[idempotencyKey]remembered{}, grants: map[pair]grant.Grant{}, history: map[string]grant.Grant{},
	}
	return &Requests{a}, &Grants{a}
}

func copyRequest(r accessrequest.Request) accessrequest.Request {
	r.CreatedAt, r.ExpiresAt, r.DecidedAt = instant(r.CreatedAt), instant(r.ExpiresAt), instant(r.DecidedAt)
	return r
}

func copyGrant(g grant.Grant) grant.Grant {
	g.GrantedAt, g.ChangedAt = instant(g.GrantedAt), instant(g.ChangedAt)
	g.Replaced = nil // not stored
	return g
}

// requestSortKey orders requests as the byThirdParty and byMeteringPoint indexes do.
func requestSortKey(r accessrequest.Request) string {
	return "REQ#" + sortable(r.CreatedAt) + "#" + r.ID
}

// Get returns the request or a fault.NotFound.
func (s *Requests) Get(_ context.Context, id string) (accessrequest.Request, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.requests[id]
	if !ok {
		return accessrequest.Request{}, accessrequest.NotFound(id)
	}
	return r, nil
}

// Pending returns the request that last held the pending slot.
func (s *Requests) Pending(ctx context.Context, tp ident.GLN, mp ident.GSRN) (accessrequest.Request, bool, error) {
	s.mu.Lock()
	id, ok := s.pending[pair{tp, mp}]
	s.mu.Unlock()
	if !ok {
		return accessrequest.Request{}, false, nil
	}
	r, err := s.Get(ctx, id)
	return r, err == nil, err
}

// Idempotency returns what an Idempotency-Key created, while it is remembered.
func (s *Requests) Idempotency(_ context.Context, tp ident.GLN, key string) (accessrequest.Idempotency, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.keys[idempotencyKey{tp, key}]
	if !ok || time.Now().After(rec.expires) {
		return accessrequest.Idempotency{}, false, nil
	}
	return rec.idem, true, nil
}

// RememberIdempotency records an answer for an Idempotency-Key not used before.
func (s *Requests) RememberIdempotency(_ context.Context, tp ident.GLN, idem accessrequest.Idempotency) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := idempotencyKey{tp, idem.Key}
	if _, used := s.keys[k]; used {
		return accessrequest.ErrIdempotencyKeyUsed
	}
	s.keys[k] = remembered{idem, time.Now().Add(idempotencyTTL)}
	return nil
}

// Create stores a new pending request with its pending slot and
// Idempotency-Key, all or nothing.
func (s *Requests) Create(_ context.Context, r accessrequest.Request, replacing string, idem accessrequest.Idempotency) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	slot := pair{r.ThirdParty, r.MeteringPoint}
	k := idempotencyKey{r.ThirdParty, idem.Key}
	if _, exists := s.requests[r.ID]; exists {
		return &alreadyStoredError{"request " + r.ID}
	}
	if holder, held := s.pending[slot]; held && (replacing == "" || holder != replacing) {
		return accessrequest.ErrPendingExists
	}
	if _, used := s.keys[k]; idem.Key != "" && used {
		return accessrequest.ErrIdempotencyKeyUsed
	}
	s.requests[r.ID] = copyRequest(r)
	s.pending[slot] = r.ID
	if idem.Key != "" {
		idem.Key = k.key
		s.keys[k] = remembered{idem, time.Now().Add(idempotencyTTL)}
	}
	return nil
}

// alreadyStoredError is a write whose item is there already where the
// caller made sure it could not be (a random id used twice): no domain
// conflict, as dynamo reports it too.
type alreadyStoredError struct{ what string }

func (e *alreadyStoredError) Error() string { return "inmem: " + e.what + " is stored already" }

// Transition stores next if the stored request is still at prev's version and status.
func (s *Requests) Transition(_ context.Context, prev, next accessrequest.Request) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	stored, ok := s.requests[next.ID]
	if !ok || stored.Version != prev.Version || stored.Status != prev.Status {
		return accessrequest.ErrStale
	}
	s.requests[next.ID] = copyRequest(next)
	return nil
}

// List returns a third party's requests, newest first.
func (s *Requests) List(_ context.Context, tp ident.GLN, q accessrequest.ListQuery) (accessrequest.Page, error) {
	s.mu.Lock()
	var items []keyed[accessrequest.Request]
	for _, r := range s.requests {
		if r.ThirdParty == tp && (q.Status == "" || r.Status == q.Status) {
			items = append(items, keyed[accessrequest.Request]{requestSortKey(r), r})
		}
	}
	s.mu.Unlock()
	slices.SortFunc(items, func(a, b keyed[accessrequest.Request]) int { return cmp.Compare(b.sortKey, a.sortKey) })
	found, next, err := page(items, "TP#"+string(tp), "REQ#", q.Cursor, q.Limit, true)
	if err != nil {
		return accessrequest.Page{}, err
	}
	return accessrequest.Page{Items: found, NextCursor: next}, nil
}

// RequestsOn returns the requests with status on a metering point, newest first.
func (s *Requests) RequestsOn(_ context.Context, mp ident.GSRN, status accessrequest.Status) ([]accessrequest.Request, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var found []accessrequest.Request
	for _, r := range s.requests {
		if r.MeteringPoint == mp && r.Status == status {
			found = append(found, r)
		}
	}
	slices.SortFunc(found, func(a, b accessrequest.Request) int { return cmp.Compare(requestSortKey(b), requestSortKey(a)) })
	return found, nil
}

// Grant returns the third party's grant on the metering point, active or revoked.
func (s *Grants) Grant(_ context.Context, tp ident.GLN, mp ident.GSRN) (grant.Grant, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.grants[pair{tp, mp}]
	return g, ok, nil
}

// HasActiveGrantFrom reports whether the third party has active access to
// the metering point given by the end user in occupancy o.
func (s *Grants) HasActiveGrantFrom(ctx context.Context, tp ident.GLN, mp ident.GSRN, o registry.Occupancy) (bool, error) {
	g, found, err := s.Grant(ctx, tp, mp)
	return found && g.Status == grant.Active && g.GivenBy(o), err
}

// GrantsOn lists every grant, active or revoked, on a metering point, by third party.
func (s *Grants) GrantsOn(_ context.Context, mp ident.GSRN) ([]grant.Grant, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var found []grant.Grant
	for k, g := range s.grants {
		if k.mp == mp {
			found = append(found, g)
		}
	}
	slices.SortFunc(found, func(a, b grant.Grant) int { return cmp.Compare(a.ThirdParty, b.ThirdParty) })
	return found, nil
}

// putGrant stores a grant and the snapshot of this version of it, and the
// last snapshot of the grant it replaces, if any.
func (s *access) putGrant(g grant.Grant) {
	if ended := g.Replaced; ended != nil {
		s.keep(copyGrant(*ended))
	}
	g = copyGrant(g)
	s.grants[pair{g.ThirdParty, g.MeteringPoint}] = g
	s.keep(g)
}

// keep stores a snapshot of one version of a grant.
func (s *access) keep(g grant.Grant) {
	s.history[fmt.Sprintf("%s#%s#%s#%06d", g.MeteringPoint, g.ThirdParty, sortable(g.GrantedAt), g.Version)] = g
}

// GrantHistoryOn lists every version of every grant on a metering point, by
// third party, grant and version.
func (s *Grants) GrantHistoryOn(_ context.Context, mp ident.GSRN) ([]grant.Grant, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var keys []string
	for k, g := range s.history {
		if g.MeteringPoint == mp {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	found := make([]grant.Grant, len(keys))
	for i, k := range keys {
		found[i] = s.history[k]
	}
	return found, nil
}

// mayGrant is the condition of a new grant: none, or one that makes way for
// it (grant.Grant.MakesWayFor).
func (s *access) mayGrant(g grant.Grant) bool {
	stored, ok := s.grants[pair{g.ThirdParty, g.MeteringPoint}]
	if !ok {
		return g.Version == 1
	}
	return stored.MakesWayFor(g)
}

// PutGrant stores a new grant (grant.ErrExists if the third party already
// has active access given in the same occupancy).
func (s *Grants) PutGrant(_ context.Context, g grant.Grant) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.mayGrant(g) {
		return grant.ErrExists
	}
	s.putGrant(g)
	return nil
}

// Approve stores the approved request and its grant together, if the
// request is still pending at prev's version and unexpired at now
// (accessrequest.ErrStale) and the stored grant, if any, makes way for the
// new one (grant.ErrExists).
func (s *Requests) Approve(_ context.Context, prev, next accessrequest.Request, g grant.Grant, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	stored, ok := s.requests[next.ID]
	if !ok || stored.Version != prev.Version || stored.Status != accessrequest.Pending || sortable(stored.ExpiresAt) <= sortable(now) {
		return accessrequest.ErrStale
	}
	if !s.mayGrant(g) {
		return grant.ErrExists
	}
	s.requests[next.ID] = copyRequest(next)
	s.putGrant(g)
	return nil
}

// UpdateGrant stores next if the stored grant is still at prev's version.
func (s *Grants) UpdateGrant(_ context.Context, prev, next grant.Grant) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := pair{next.ThirdParty, next.MeteringPoint}
	stored, ok := s.grants[k]
	if !ok || stored.Version != prev.Version {
		return grant.ErrStale
	}
	s.putGrant(next)
	return nil
}

// activeGrantsOf is the third party's active grants, by metering point.
func (s *access) activeGrantsOf(tp ident.GLN) []grant.Grant {
	var found []grant.Grant
	for k, g := range s.grants {
		if k.tp == tp && g.Status == grant.Active {
			found = append(found, g)
		}
	}
	slices.SortFunc(found, func(a, b grant.Grant) int { return cmp.Compare(a.MeteringPoint, b.MeteringPoint) })
	return found
}

// ActiveGrantsOf pages through a third party's active grants, by metering point.
func (s *Grants) ActiveGrantsOf(_ context.Context, tp ident.GLN, cursorText string, limit int) ([]grant.Grant, string, error) {
	s.mu.Lock()
	active := s.activeGrantsOf(tp)
	s.mu.Unlock()
	items := make([]keyed[grant.Grant], len(active))
	for i, g := range active {
		items[i] = keyed[grant.Grant]{"GRANT#" + string(g.MeteringPoint), g}
	}
	return page(items, "TP#"+string(tp), "GRANT#", cursorText, limit, false)
}

// DeliveryShard returns up to limit metering points of a delivery shard of
// the third party's active grants after the one given, in order, and
// whether more may follow: as a DynamoDB query with a Limit, true whenever
// the limit was reached.
func (s *Grants) DeliveryShard(_ context.Context, tp ident.GLN, shard int, after ident.GSRN, limit int) ([]ident.GSRN, bool, error) {
	s.mu.Lock()
	active := s.activeGrantsOf(tp)
	s.mu.Unlock()
	points := []ident.GSRN{}
	for _, g := range active {
		if delivery.ShardOf(g.MeteringPoint) != shard || g.MeteringPoint <= after {
			continue
		}
		points = append(points, g.MeteringPoint)
		if len(points) == limit {
			return points, true, nil
		}
	}
	return points, false, nil
}
