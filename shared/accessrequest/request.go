// Package accessrequest is a rule: the third-party access request (Elhub BRS-NO-622)
// as a state machine in plain Go: PENDING → APPROVED | REJECTED | WITHDRAWN,
// and nothing else moves.
package accessrequest

import (
	"fmt"
	"slices"
	"time"

	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/ident"
)

// Status is where a request is in its life.
type Status string

const (
	Pending   Status = "PENDING"
	Approved  Status = "APPROVED"
	Rejected  Status = "REJECTED"
	Withdrawn Status = "WITHDRAWN"
)

// Statuses are every status a request can have, so that what shows one can
// be checked for each.
var Statuses = []Status{Pending, Approved, Rejected, Withdrawn}

// ParseStatus accepts one of the four statuses.
func ParseStatus(s string) (Status, error) {
	if st := Status(s); slices.Contains(Statuses, st) {
		return st, nil
	}
	return "", fmt.Errorf("must be one of PENDING, APPROVED, REJECTED, WITHDRAWN")
}

// Scope is the level of access asked for or granted.
type Scope string

const (
	Limited Scope = "LIMITED" // meter values and the minimum set of master data
	Full    Scope = "FULL"    // also contract data and all master data
)

// DefaultScope is what a request that names no scope asks for (Elhub's default).
const DefaultScope = Limited

// ParseScope accepts LIMITED or FULL.
func ParseScope(s string) (Scope, error) {
	switch sc := Scope(s); sc {
	case Limited, Full:
		return sc, nil
	}
	return "", fmt.Errorf("must be LIMITED or FULL")
}

// Rejection reasons (Elhub codes).
const (
	ReasonNotApproved = "EH088" // the end user declined, or did not answer in time
)

// What an EH088 rejection was, which Elhub's code does not tell: our own
// names, shown to the third party beside reasonCode.
const (
	RejectionDeclined = "DECLINED" // the end user said no
	RejectionExpired  = "EXPIRED"  // the end user did not answer by expiresAt
)

// Request is one third party's request for access to one metering point.
type Request struct {
	ID                 string
	ThirdParty         ident.GLN
	MeteringPoint      ident.GSRN
	Scope              Scope // the level asked for
	GrantedScope       Scope // the level the end user granted, set when APPROVED
	AgreementReference string
	Status             Status
	ReasonCode         string // set when REJECTED
	CreatedAt          time.Time
	ExpiresAt          time.Time
	DecidedAt          time.Time // zero while pending
	Version            int       // raised by every transition; guards conditional writes
}

// OpenAt reports whether the request can still be decided at now.
func (r Request) OpenAt(now time.Time) bool {
	return r.Status == Pending && now.Before(r.ExpiresAt)
}

// RejectionReason tells a REJECTED request the end user declined from one
// that expired unanswered; "" for any other status. A rejection at or after
// expiresAt is an expiry: the timer's, or a decline that came after the
// request had expired (and before the timer ran), as Approve refuses then.
func (r Request) RejectionReason() string {
	switch {
	case r.Status != Rejected:
		return ""
	case r.DecidedAt.Before(r.ExpiresAt):
		return RejectionDeclined
	}
	return RejectionExpired
}

// Withdraw moves a pending request to WITHDRAWN.
func (r Request) Withdraw(now time.Time) (Request, error) {
	return r.moveTo(Withdrawn, "", now)
}

// Reject moves a pending request to REJECTED with an Elhub reason code.
func (r Request) Reject(reason string, now time.Time) (Request, error) {
	if reason == "" {
		return r, fault.New(fault.Internal, "a rejection needs a reason code")
	}
	return r.moveTo(Rejected, reason, now)
}

// Approve moves a pending, unexpired request to APPROVED at the level the
// end user chose, which may differ from the level asked for.
func (r Request) Approve(level Scope, now time.Time) (Request, error) {
	if r.Status == Pending && !now.Before(r.ExpiresAt) {
		return r, fault.Coded(fault.Conflict, ReasonNotApproved, "The request expired before it was approved.")
	}
	next, err := r.moveTo(Approved, "", now)
	if err == nil {
		next.GrantedScope = level
	}
	return next, err
}

func (r Request) moveTo(next Status, reason string, now time.Time) (Request, error) {
	if r.Status != Pending {
		return r, fault.New(fault.Conflict, "The request is %s and can no longer change.", r.Status)
	}
	r.Status = next
	r.ReasonCode = reason
	r.DecidedAt = now
	r.Version++
	return r, nil
}
