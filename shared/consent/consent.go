// Package consent is a rule: the end user's side of third-party access: deciding
// requests on the metering points the end user holds, and later changing
// or removing the access given (Elhub's Web Plug-in and Min side). Every
// decision is a conditional write, and every change notifies the third party.
package consent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/conflict"
	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/grant"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/notify"
	"github.com/tredjepart/tredjepart/shared/pseudonym"
	"github.com/tredjepart/tredjepart/shared/registry"
)

// Requests keeps access requests. Every write is conditional.
type Requests interface {
	Get(ctx context.Context, id string) (accessrequest.Request, error)
	Transition(ctx context.Context, prev, next accessrequest.Request) error
	RequestsOn(ctx context.Context, mp ident.GSRN, status accessrequest.Status) ([]accessrequest.Request, error)
	// Approve stores the approved request and its grant together, if the
	// request is still pending and unexpired at now (accessrequest.ErrStale)
	// and the third party has no active grant (grant.ErrExists).
	Approve(ctx context.Context, prev, next accessrequest.Request, g grant.Grant, now time.Time) error
}

// Grants keeps grants. Every write is conditional.
type Grants interface {
	Grant(ctx context.Context, tp ident.GLN, mp ident.GSRN) (grant.Grant, bool, error)
	GrantsOn(ctx context.Context, mp ident.GSRN) ([]grant.Grant, error)
	// GrantHistoryOn lists every version of the grants on a metering point.
	GrantHistoryOn(ctx context.Context, mp ident.GSRN) ([]grant.Grant, error)
	PutGrant(ctx context.Context, g grant.Grant) error             // grant.ErrExists
	UpdateGrant(ctx context.Context, prev, next grant.Grant) error // grant.ErrStale
}

// MeteringPoints finds metering points, and those an end user has held.
type MeteringPoints interface {
	accessrequest.MeteringPoints
	MeteringPointsOf(ctx context.Context, user pseudonym.EndUserID) ([]ident.GSRN, error)
}

// Notifier tells third parties.
type Notifier interface {
	Notify(ctx context.Context, n notify.Notification) error
}

// ThirdParties tells whether a third party may be given access now.
type ThirdParties interface {
	ThirdParty(ctx context.Context, gln ident.GLN) (registry.ThirdParty, bool, error)
}

// Service applies the end user's decisions.
type Service struct {
	Requests       Requests
	Grants         Grants
	MeteringPoints MeteringPoints
	ThirdParties   ThirdParties
	Expiry         accessrequest.Expiry
	Notifier       Notifier
	Clock          clock.Clock
	Logger         *slog.Logger
}

// notSuspended refuses new access for a third party the operator has
// disabled: it could not use it, and its deliveries are stopped.
func (s *Service) notSuspended(ctx context.Context, gln ident.GLN) error {
	tp, found, err := s.ThirdParties.ThirdParty(ctx, gln)
	if err != nil {
		return err
	}
	if found && tp.Disabled {
		return fault.New(fault.Conflict, "%s cannot be given access now: the operator has suspended its registration.", tp.Name)
	}
	return nil
}

// notYours is the answer for anything on a metering point the end user does
// not hold: the same as for something that does not exist.
func notYours() error {
	return fault.New(fault.NotFound, "Nothing was found.")
}

// holding returns the end user's occupancy of the metering point at now.
func (s *Service) holding(ctx context.Context, user pseudonym.EndUserID, mp ident.GSRN, now time.Time) (registry.Occupancy, error) {
	o, _, err := s.held(ctx, user, mp, now)
	return o, err
}

// held returns the metering point and the end user's occupancy of it at now.
func (s *Service) held(ctx context.Context, user pseudonym.EndUserID, mp ident.GSRN, now time.Time) (registry.Occupancy, registry.MeteringPoint, error) {
	point, found, err := s.MeteringPoints.MeteringPoint(ctx, mp)
	if err != nil {
		return registry.Occupancy{}, point, err
	}
	o, ok := point.EndUserAt(now)
	if !found || !ok || o.EndUser != user {
		return registry.Occupancy{}, point, notYours()
	}
	return o, point, nil
}

// Describe returns a request on a metering point the end user holds, with
// that point's master data (its address, and its resolution that the
// consent text names), for showing.
func (s *Service) Describe(ctx context.Context, user pseudonym.EndUserID, id string) (accessrequest.Request, registry.MeteringPoint, error) {
	r, err := s.Request(ctx, user, id)
	if err != nil {
		return r, registry.MeteringPoint{}, err
	}
	_, point, err := s.held(ctx, user, r.MeteringPoint, s.Clock.Now())
	return r, point, err
}

// Request returns a request on a metering point the end user holds.
func (s *Service) Request(ctx context.Context, user pseudonym.EndUserID, id string) (accessrequest.Request, error) {
	r, err := s.Requests.Get(ctx, id)
	if fault.KindOf(err) == fault.NotFound {
		return r, notYours()
	}
	if err != nil {
		return r, err
	}
	if _, err := s.holding(ctx, user, r.MeteringPoint, s.Clock.Now()); err != nil {
		return accessrequest.Request{}, err
	}
	return r, nil
}

// Approve approves a pending request at the chosen level and creates the
// grant, in one transaction. Approving again at the same level is harmless.
func (s *Service) Approve(ctx context.Context, user pseudonym.EndUserID, id string, level accessrequest.Scope) (accessrequest.Request, error) {
	r, err := s.Request(ctx, user, id)
	if err != nil {
		return r, err
	}
	now := s.Clock.Now()
	if r.Status == accessrequest.Approved && r.GrantedScope == level {
		// A retry: tell again, under the same ids.
		if err := s.notifyEndOfReplaced(ctx, r); err != nil {
			return r, err
		}
		return r, s.notifyDecision(ctx, r)
	}
	next, err := r.Approve(level, now)
	if err != nil {
		return r, err
	}
	held, err := s.holding(ctx, user, r.MeteringPoint, now)
	if err != nil {
		return r, err
	}
	if err := s.notSuspended(ctx, r.ThirdParty); err != nil {
		return r, err
	}
	g, err := s.following(ctx, grant.New(r.ThirdParty, r.MeteringPoint, level, user, r.ID, held.MoveIn, now))
	if err != nil {
		return r, err
	}
	switch err := s.Requests.Approve(ctx, r, next, g, now); {
	case errors.Is(err, accessrequest.ErrStale):
		return s.lost(ctx, user, id, func(current accessrequest.Request) bool {
			return current.Status == accessrequest.Approved && current.GrantedScope == level
		})
	case errors.Is(err, grant.ErrExists):
		return r, fault.Coded(fault.Conflict, accessrequest.CodeAlreadyHasAccess, "The third party already has access to this metering point; change its level instead.")
	case err != nil:
		return r, err
	}
	s.stopTimer(ctx, next)
	if err := s.notifyReplaced(ctx, g); err != nil {
		return next, err
	}
	return next, s.notifyDecision(ctx, next)
}

// notifyReplaced tells the third party that the access g replaced, an
// earlier end user's, has ended, as a removal is told: every change on the
// metering point reaches it.
func (s *Service) notifyReplaced(ctx context.Context, g grant.Grant) error {
	if g.Replaced == nil {
		return nil
	}
	return s.notifyGrant(ctx, notify.GrantRevoked, *g.Replaced)
}

// notifyEndOfReplaced tells again, for an approval made again, the end of
// the access the approved request's grant replaced, if it did (a store does
// not keep Replaced: its history does, at the version before the grant's).
// Telling a removal the earlier end user made themselves again is harmless:
// it has the same id.
func (s *Service) notifyEndOfReplaced(ctx context.Context, r accessrequest.Request) error {
	g, found, err := s.Grants.Grant(ctx, r.ThirdParty, r.MeteringPoint)
	if err != nil || !found || g.RequestID != r.ID {
		return err
	}
	kept, err := s.Grants.GrantHistoryOn(ctx, r.MeteringPoint)
	if err != nil {
		return err
	}
	for _, prev := range kept {
		if prev.ThirdParty == g.ThirdParty && prev.Version == g.Version-1 && prev.Status == grant.Revoked &&
			!prev.GivenBy(registry.Occupancy{EndUser: g.EndUser, MoveIn: g.DataFrom}) {
			return s.notifyGrant(ctx, notify.GrantRevoked, prev)
		}
	}
	return nil
}

// Decline rejects a pending request with EH088. Declining again is harmless.
func (s *Service) Decline(ctx context.Context, user pseudonym.EndUserID, id string) (accessrequest.Request, error) {
	r, err := s.Request(ctx, user, id)
	if err != nil {
		return r, err
	}
	if r.Status == accessrequest.Rejected {
		return r, s.notifyDecision(ctx, r)
	}
	next, err := r.Reject(accessrequest.ReasonNotApproved, s.Clock.Now())
	if err != nil {
		return r, err
	}
	if err := s.Requests.Transition(ctx, r, next); errors.Is(err, accessrequest.ErrStale) {
		return s.lost(ctx, user, id, func(current accessrequest.Request) bool { return current.Status == accessrequest.Rejected })
	} else if err != nil {
		return r, err
	}
	s.stopTimer(ctx, next)
	return next, s.notifyDecision(ctx, next)
}

// lost answers a decision whose conditional write lost: success if the state
// that won is what was asked for, otherwise a conflict naming it.
func (s *Service) lost(ctx context.Context, user pseudonym.EndUserID, id string, same func(accessrequest.Request) bool) (accessrequest.Request, error) {
	current, err := s.Request(ctx, user, id)
	if err != nil {
		return current, err
	}
	switch {
	case same(current):
		return current, nil
	case current.Status == accessrequest.Pending:
		return current, accessrequest.ErrStale // another write on it at that moment, not a decision
	case current.Status == accessrequest.Rejected:
		return current, fault.Coded(fault.Conflict, accessrequest.ReasonNotApproved, "The request expired or was declined before this decision.")
	}
	return current, fault.New(fault.Conflict, "The request is %s and can no longer change.", current.Status)
}

func (s *Service) stopTimer(ctx context.Context, r accessrequest.Request) {
	if err := s.Expiry.Cancel(ctx, r); err != nil {
		// The timer finds the request decided and ends quietly anyway.
		s.Logger.WarnContext(ctx, "could not stop expiry timer", "requestId", r.ID, "error", err)
	}
}

func (s *Service) notifyDecision(ctx context.Context, r accessrequest.Request) error {
	n := notify.Notification{
		RequestID: r.ID, ThirdPartyID: string(r.ThirdParty), MeteringPointID: string(r.MeteringPoint),
		Status: string(r.Status), OccurredAt: notify.At(r.DecidedAt),
	}
	switch r.Status {
	case accessrequest.Approved:
		n.NotificationID, n.Type, n.Level = r.ID+":approved", notify.RequestApproved, string(r.GrantedScope)
	case accessrequest.Rejected:
		n.NotificationID, n.Type, n.ReasonCode = r.ID+":rejected", notify.RequestRejected, r.ReasonCode
		n.RejectionReason, n.Reason = r.RejectionReason(), notify.ReasonDeclined
		if n.RejectionReason == accessrequest.RejectionExpired {
			n.Reason = notify.ReasonExpired
		}
	default:
		return fmt.Errorf("no notification for a %s request", r.Status)
	}
	return s.Notifier.Notify(ctx, n)
}

// Holding is a metering point the end user holds now, what is asked of it
// and what access is given on it; or one they have left, with the access
// they gave while they held it, still theirs to change or remove.
type Holding struct {
	MeteringPoint ident.GSRN
	Address       registry.Address
	Resolution    metervalues.Resolution  // how often it is metered, which the consent text names
	Since         time.Time               // the end user's move-in date
	MoveOut       time.Time               // zero while they hold it; else the end of the data the access covers
	Pending       []accessrequest.Request // open requests, newest first; none once moved out
	Grants        []grant.Grant           // active and revoked, given by this end user from Since
}

// Overview lists every metering point the end user holds now, with its
// open requests and its grants, and every one they have left on which
// access they gave is still kept (until the next end user's takes its
// place): the pending-requests and My access pages.
func (s *Service) Overview(ctx context.Context, user pseudonym.EndUserID) ([]Holding, error) {
	points, err := s.MeteringPoints.MeteringPointsOf(ctx, user)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	var holdings []Holding
	for _, mp := range points {
		point, found, err := s.MeteringPoints.MeteringPoint(ctx, mp)
		if err != nil {
			return nil, err
		}
		if !found {
			continue
		}
		var grants []grant.Grant
		for _, o := range point.Occupancies {
			if o.EndUser != user || o.MoveIn.After(now) {
				continue
			}
			if grants == nil {
				if grants, err = s.Grants.GrantsOn(ctx, mp); err != nil {
					return nil, err
				}
			}
			h := Holding{MeteringPoint: mp, Address: point.Address, Resolution: point.Resolution, Since: o.MoveIn, MoveOut: o.MoveOut}
			for _, g := range grants {
				if g.GivenBy(o) { // an earlier or later end user's access is theirs, not this one's
					h.Grants = append(h.Grants, g)
				}
			}
			if !o.Covers(now) {
				if len(h.Grants) > 0 {
					holdings = append(holdings, h)
				}
				continue
			}
			h.MoveOut = time.Time{} // a move-out to come: still held
			pending, err := s.Requests.RequestsOn(ctx, mp, accessrequest.Pending)
			if err != nil {
				return nil, err
			}
			for _, r := range pending {
				if r.OpenAt(now) {
					h.Pending = append(h.Pending, r)
				}
			}
			holdings = append(holdings, h)
		}
	}
	return holdings, nil
}

// GrantDirectly gives a third party access without a request.
func (s *Service) GrantDirectly(ctx context.Context, user pseudonym.EndUserID, tp ident.GLN, mp ident.GSRN, level accessrequest.Scope) (grant.Grant, error) {
	now := s.Clock.Now()
	held, err := s.holding(ctx, user, mp, now)
	if err != nil {
		return grant.Grant{}, err
	}
	if err := s.notSuspended(ctx, tp); err != nil {
		return grant.Grant{}, err
	}
	g, err := s.following(ctx, grant.New(tp, mp, level, user, "", held.MoveIn, now))
	if err != nil {
		return g, err
	}
	if err := s.Grants.PutGrant(ctx, g); errors.Is(err, grant.ErrExists) {
		return g, fault.Coded(fault.Conflict, accessrequest.CodeAlreadyHasAccess, "The third party already has access to this metering point; change its level instead.")
	} else if err != nil {
		return g, err
	}
	if err := s.notifyReplaced(ctx, g); err != nil {
		return g, err
	}
	return g, s.notifyGrant(ctx, notify.GrantCreated, g)
}

// following makes g follow the third party's earlier grant on the point, if
// it had one: one removed, or one an earlier end user gave, which g replaces
// (grant.Grant.MakesWayFor); an active one the same end user gave makes the
// store refuse g with grant.ErrExists.
func (s *Service) following(ctx context.Context, g grant.Grant) (grant.Grant, error) {
	prev, found, err := s.Grants.Grant(ctx, g.ThirdParty, g.MeteringPoint)
	if err != nil || !found {
		return g, err
	}
	return g.After(prev), nil
}

// ChangeLevel sets an active grant's level; setting the level it has is harmless.
func (s *Service) ChangeLevel(ctx context.Context, user pseudonym.EndUserID, tp ident.GLN, mp ident.GSRN, level accessrequest.Scope) (grant.Grant, error) {
	return s.change(ctx, user, tp, mp, notify.LevelChanged, func(g grant.Grant, now time.Time) (grant.Grant, bool, error) {
		if g.Status == grant.Active && g.Level == level {
			return g, false, nil
		}
		next, err := g.ChangeLevel(level, now)
		return next, true, err
	})
}

// Revoke removes an active grant; removing it again is harmless.
func (s *Service) Revoke(ctx context.Context, user pseudonym.EndUserID, tp ident.GLN, mp ident.GSRN) (grant.Grant, error) {
	return s.change(ctx, user, tp, mp, notify.GrantRevoked, func(g grant.Grant, now time.Time) (grant.Grant, bool, error) {
		if g.Status == grant.Revoked {
			return g, false, nil
		}
		next, err := g.Revoke(now)
		return next, true, err
	})
}

// change applies one change to a grant the end user gave, on a metering
// point they hold or have left: the access is theirs to change or remove at
// any time, and covers their time there only (an earlier or later end
// user's is not theirs). Each change sets a state (a level, removed), so one
// that lost a race is made again on what won, a bounded number of times,
// and then is a conflict.
func (s *Service) change(ctx context.Context, user pseudonym.EndUserID, tp ident.GLN, mp ident.GSRN, kind string,
	apply func(grant.Grant, time.Time) (next grant.Grant, changed bool, err error)) (grant.Grant, error) {
	now := s.Clock.Now()
	point, found, err := s.MeteringPoints.MeteringPoint(ctx, mp)
	if err != nil {
		return grant.Grant{}, err
	}
	if !found {
		return grant.Grant{}, notYours()
	}
	var next grant.Grant
	var changed bool
	err = conflict.Retry(grant.ErrStale, func() error {
		g, found, err := s.Grants.Grant(ctx, tp, mp)
		if err != nil {
			return err
		}
		if !found || g.EndUser != user {
			return notYours()
		}
		if _, held := point.OccupancyFrom(user, g.DataFrom); !held {
			return notYours() // the registry no longer shows the time it was given in
		}
		if next, changed, err = apply(g, now); err != nil || !changed {
			return err
		}
		return s.Grants.UpdateGrant(ctx, g, next)
	})
	if err != nil || !changed {
		return next, err
	}
	return next, s.notifyGrant(ctx, kind, next)
}

func (s *Service) notifyGrant(ctx context.Context, kind string, g grant.Grant) error {
	return s.Notifier.Notify(ctx, notify.Notification{
		NotificationID:  fmt.Sprintf("grant:%s:%s:%d", g.ThirdParty, g.MeteringPoint, g.Version),
		Type:            kind,
		RequestID:       g.RequestID,
		ThirdPartyID:    string(g.ThirdParty),
		MeteringPointID: string(g.MeteringPoint),
		Status:          string(g.Status),
		Level:           string(g.Level),
		OccurredAt:      notify.At(g.ChangedAt),
	})
}
