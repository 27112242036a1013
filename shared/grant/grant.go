// Package grant is a rule: a third party's access to one metering point, given by
// the end user: created by approving a request or directly, changed between
// LIMITED and FULL, or removed, always by the end user who gave it (also after
// moving out: it covers their time there only).
package grant

import (
	"errors"
	"time"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/pseudonym"
	"github.com/tredjepart/tredjepart/shared/registry"
)

// Errors a store reports when a conditional write loses.
var (
	ErrExists = errors.New("the third party already has active access to the metering point")
	// ErrStale is a change that lost to another made since the grant was
	// read: a conflict, for the end user to look again.
	ErrStale = fault.New(fault.Conflict, "The access was changed somewhere else at the same time. Look at it again and repeat the change if it is still needed.")
)

// Status of a grant.
type Status string

const (
	Active  Status = "ACTIVE"
	Revoked Status = "REVOKED"
)

// Grant is one third party's access to one metering point.
type Grant struct {
	ThirdParty    ident.GLN
	MeteringPoint ident.GSRN
	Level         accessrequest.Scope
	Status        Status
	EndUser       pseudonym.EndUserID // who granted it
	RequestID     string              // the approved request, empty for a direct grant
	GrantedAt     time.Time
	DataFrom      time.Time // the end user's move-in date: the start of the data window
	ChangedAt     time.Time
	Version       int // raised by every change; guards conditional writes
	// Replaced is set by After when the grant takes the place of one still
	// active (an earlier end user's): that grant as it ends, revoked, which
	// the store keeps in its history with the write of this one. Never read
	// back from a store.
	Replaced *Grant
}

// New is an active grant.
func New(tp ident.GLN, mp ident.GSRN, level accessrequest.Scope, by pseudonym.EndUserID, requestID string, dataFrom, now time.Time) Grant {
	return Grant{
		ThirdParty: tp, MeteringPoint: mp, Level: level, Status: Active, EndUser: by, RequestID: requestID,
		GrantedAt: now, DataFrom: dataFrom, ChangedAt: now, Version: 1,
	}
}

// After makes g the access that follows prev, a grant of the same third party
// on the same point that was removed: its versions go on from prev's, so that
// every change of that access has a version of its own, and its notification
// an id of its own (a new grant starting again at 1 would repeat the first
// grant's ids, and the outbox would drop its notifications as repeats).
// An earlier end user's active prev ends as g is given: g.Replaced, at the
// version after prev's, and g at the one after that, so that the end too
// has a version and a notification of its own (see MakesWayFor). An active
// prev of g's own giver is not replaced: the store refuses g.
func (g Grant) After(prev Grant) Grant {
	g.Version = prev.Version + 1
	g.Replaced = nil
	if prev.Status == Active && !prev.GivenBy(g.giver()) {
		ended, _ := prev.Revoke(g.GrantedAt)
		g.Replaced = &ended
		g.Version = ended.Version + 1
	}
	return g
}

// Follows is the version of the stored grant g was made to follow (with
// After): the one its write is conditional on.
func (g Grant) Follows() int {
	if g.Replaced != nil {
		return g.Replaced.Version - 1
	}
	return g.Version - 1
}

// giver is the occupancy g was given in.
func (g Grant) giver() registry.Occupancy {
	return registry.Occupancy{EndUser: g.EndUser, MoveIn: g.DataFrom}
}

// GivenBy reports whether g is the access the end user gave while holding
// the metering point in occupancy o. Access covers its giver's time on the
// point only: the next end user neither sees nor changes it, and a third
// party holding it has not been asked by the next end user.
func (g Grant) GivenBy(o registry.Occupancy) bool {
	return g.EndUser == o.EndUser && g.DataFrom.Equal(o.MoveIn)
}

// MakesWayFor reports whether g, the stored access of a third party on a
// point, may be replaced by next (made with next.After(g)): when g was
// removed, or when g was given in another occupancy than next, which (as
// only the end user living there gives access) has ended. One access per
// third party and point is kept, so the new end user's access takes the
// place of the old one, whose data window closed at the move-out; the old
// one's end takes the version between the two.
func (g Grant) MakesWayFor(next Grant) bool {
	switch {
	case g.Status == Revoked:
		return next.Version == g.Version+1
	case !g.GivenBy(next.giver()):
		return next.Version == g.Version+2 // g's end takes the version between
	}
	return false
}

// ChangeLevel sets an active grant's level.
func (g Grant) ChangeLevel(level accessrequest.Scope, now time.Time) (Grant, error) {
	if g.Status != Active {
		return g, fault.New(fault.Conflict, "The access has been removed and can no longer change.")
	}
	g.Level, g.ChangedAt = level, now
	g.Version++
	return g, nil
}

// Revoke removes an active grant.
func (g Grant) Revoke(now time.Time) (Grant, error) {
	if g.Status != Active {
		return g, fault.New(fault.Conflict, "The access has already been removed.")
	}
	g.Status, g.ChangedAt = Revoked, now
	g.Version++
	return g, nil
}
