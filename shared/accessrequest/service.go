package accessrequest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/conflict"
	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/metrics"
	"github.com/tredjepart/tredjepart/shared/registry"
)

// Elhub's BRS-NO-622 rejection codes for a new request.
const (
	CodeUnknownMeteringPoint = "E10"
	CodeNotAccountingPoint   = "EH010"
	CodeNoEndUser            = "EH016"
	CodeAlreadyHasAccess     = "EH017"
	// CodePendingOtherScope is ours, not Elhub's: a request of the third
	// party's for the metering point is pending with another scope.
	CodePendingOtherScope = "pending-request-other-scope"
)

// CodeIdempotencyKeyReused is our own code (Elhub has none) for an
// Idempotency-Key used again with another body.
const CodeIdempotencyKeyReused = "idempotency-key-reused"

// Errors a Store reports when a conditional write loses.
var (
	ErrPendingExists      = errors.New("another request for this metering point is pending")
	ErrIdempotencyKeyUsed = errors.New("idempotency key already used")
	// ErrStale is a transition that lost to another made since the request
	// was read (a decision, a withdrawal, the expiry): a conflict.
	ErrStale = fault.New(fault.Conflict, "The access request was changed by another request at the same time; read it again.")
)

// errSlotMoved is a create that found the pending slot taken, and then not
// held by an open request: another create, withdrawal or expiry came in
// between. Creating is made again on what won; if that keeps happening,
// it is a conflict.
var errSlotMoved = fault.New(fault.Conflict, "Another request for this metering point was created or ended at the same time; send the request again.")

// MeteringPoints finds metering points; a missing one is (zero, false, nil).
type MeteringPoints interface {
	MeteringPoint(ctx context.Context, id ident.GSRN) (registry.MeteringPoint, bool, error)
}

// Idempotency records how a call with an Idempotency-Key was answered, so
// that a retry gets the same answer.
type Idempotency struct {
	Key         string
	Fingerprint string // hash of the input the key was first used with
	RequestID   string
	Outcome     Outcome
}

// Grants tells whether a third party has access to a metering point.
type Grants interface {
	// HasActiveGrantFrom reports whether the third party holds active
	// access given by the end user in occupancy o.
	HasActiveGrantFrom(ctx context.Context, tp ident.GLN, mp ident.GSRN, o registry.Occupancy) (bool, error)
}

// Store keeps requests. Every write is conditional.
type Store interface {
	// Get returns the request or a fault.NotFound.
	Get(ctx context.Context, id string) (Request, error)
	// Pending returns the request that last held the pending slot for this
	// third party and metering point, which may since have been decided.
	Pending(ctx context.Context, tp ident.GLN, mp ident.GSRN) (Request, bool, error)
	Idempotency(ctx context.Context, tp ident.GLN, key string) (Idempotency, bool, error)
	// RememberIdempotency records idem unless its key is taken (ErrIdempotencyKeyUsed).
	RememberIdempotency(ctx context.Context, tp ident.GLN, idem Idempotency) error
	// Create stores a new pending request, taking the pending slot unless it
	// is held by a request other than replacing (ErrPendingExists), and
	// recording idem when it has a key (ErrIdempotencyKeyUsed).
	Create(ctx context.Context, r Request, replacing string, idem Idempotency) error
	// Transition stores next if the stored request is still at prev's version
	// (ErrStale otherwise).
	Transition(ctx context.Context, prev, next Request) error
	List(ctx context.Context, tp ident.GLN, q ListQuery) (Page, error)
}

// Expiry runs each request's expiry timer (a Step Functions execution on AWS).
type Expiry interface {
	// Schedule starts the timer; scheduling the same request again is harmless.
	Schedule(ctx context.Context, r Request) error
	// Cancel stops the timer of a decided request.
	Cancel(ctx context.Context, r Request) error
}

// ListQuery selects a page of a third party's requests, newest first.
type ListQuery struct {
	Status Status // empty for all
	Cursor string // from the previous page
	Limit  int
}

// Page is one page of requests.
type Page struct {
	Items      []Request
	NextCursor string // empty on the last page
}

// Outcome says what Create did, which decides the HTTP status.
type Outcome int

const (
	Created        Outcome = iota // a new request
	AlreadyPending                // an open request for the metering point already existed
)

// CreateInput is a validated request for access.
type CreateInput struct {
	MeteringPoint      ident.GSRN
	Scope              Scope
	AgreementReference string
	IdempotencyKey     string
}

func (in CreateInput) fingerprint() string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s\x00%s\x00%s", in.MeteringPoint, in.Scope, in.AgreementReference))
	return hex.EncodeToString(sum[:])
}

// Service applies the BRS-NO-622 rules.
type Service struct {
	MeteringPoints MeteringPoints
	Store          Store
	Grants         Grants
	Expiry         Expiry
	Clock          clock.Clock
	NewID          func() string
	ExpiresAt      func(received time.Time) time.Time
	Logger         *slog.Logger
	Metrics        metrics.Sink // requests created and withdrawn
}

// Create registers a third party's request for access to a metering point.
// replayed is true when the answer is the one an earlier call with the same
// Idempotency-Key was given.
func (s *Service) Create(ctx context.Context, tp ident.GLN, in CreateInput) (r Request, outcome Outcome, replayed bool, err error) {
	if in.IdempotencyKey != "" {
		if r, outcome, ok, err := s.replay(ctx, tp, in); err != nil || ok {
			return r, outcome, err == nil, err
		}
	}
	err = conflict.Retry(errSlotMoved, func() (err error) {
		r, outcome, replayed, err = s.create(ctx, tp, in)
		return err
	})
	return r, outcome, replayed, err
}

// create is one attempt of Create: errSlotMoved if another writer moved
// the pending slot between its read and its write.
func (s *Service) create(ctx context.Context, tp ident.GLN, in CreateInput) (Request, Outcome, bool, error) {
	now := s.Clock.Now()
	if err := s.checkEligible(ctx, tp, in.MeteringPoint, now); err != nil {
		return Request{}, 0, false, err
	}
	held, replacing, err := s.openPending(ctx, tp, in.MeteringPoint, now)
	if err != nil {
		return Request{}, 0, false, err
	}
	if held.ID != "" {
		return s.answerPending(ctx, tp, in, held)
	}
	r := Request{
		ID:                 s.NewID(),
		ThirdParty:         tp,
		MeteringPoint:      in.MeteringPoint,
		Scope:              in.Scope,
		AgreementReference: in.AgreementReference,
		Status:             Pending,
		CreatedAt:          now,
		ExpiresAt:          s.ExpiresAt(now),
		Version:            1,
	}
	idem := Idempotency{Key: in.IdempotencyKey, Fingerprint: in.fingerprint(), RequestID: r.ID, Outcome: Created}
	switch err := s.Store.Create(ctx, r, replacing, idem); {
	case errors.Is(err, ErrPendingExists):
		held, _, err := s.openPending(ctx, tp, in.MeteringPoint, now)
		if err == nil && held.ID == "" {
			err = errSlotMoved
		}
		if err != nil {
			return Request{}, 0, false, err
		}
		return s.answerPending(ctx, tp, in, held)
	case errors.Is(err, ErrIdempotencyKeyUsed):
		return s.replayUsed(ctx, tp, in)
	case err != nil:
		return Request{}, 0, false, err
	}
	metrics.Or(s.Metrics).Add(metrics.AccessRequests, 1, metrics.Outcome(metrics.RequestCreated))
	// Stored but not yet timed: a failure here is reported, and the caller's
	// retry finds the request and schedules it again.
	if err := s.Expiry.Schedule(ctx, r); err != nil {
		return Request{}, 0, false, fmt.Errorf("schedule expiry of %s: %w", r.ID, err)
	}
	return r, Created, false, nil
}

func (s *Service) checkEligible(ctx context.Context, tp ident.GLN, id ident.GSRN, now time.Time) error {
	mp, found, err := s.MeteringPoints.MeteringPoint(ctx, id)
	switch {
	case err != nil:
		return err
	case !found:
		return fault.Coded(fault.Unprocessable, CodeUnknownMeteringPoint, fmt.Sprintf("Metering point %s is not registered.", id))
	case !mp.AccountingPoint:
		return fault.Coded(fault.Unprocessable, CodeNotAccountingPoint, fmt.Sprintf("Metering point %s is not an accounting point.", id))
	}
	occupant, ok := mp.EndUserAt(now)
	if !ok {
		return fault.Coded(fault.Unprocessable, CodeNoEndUser, fmt.Sprintf("Metering point %s has no end user.", id))
	}
	// Access given by an end user who has since moved out covers their
	// time only: the request is for the end user living there now.
	granted, err := s.Grants.HasActiveGrantFrom(ctx, tp, id, occupant)
	if err != nil {
		return err
	}
	if granted {
		return fault.Coded(fault.Conflict, CodeAlreadyHasAccess, fmt.Sprintf("You already have access to metering point %s.", id))
	}
	return nil
}

// openPending returns the open request holding the pending slot, if any, or
// else the id of the stale request a new one may replace.
func (s *Service) openPending(ctx context.Context, tp ident.GLN, mp ident.GSRN, now time.Time) (held Request, replacing string, err error) {
	r, found, err := s.Store.Pending(ctx, tp, mp)
	switch {
	case err != nil || !found:
		return Request{}, "", err
	case !r.OpenAt(now):
		return Request{}, r.ID, nil
	}
	// Harmless if already running; repairs a create whose scheduling failed.
	if err := s.Expiry.Schedule(ctx, r); err != nil {
		return Request{}, "", fmt.Errorf("schedule expiry of %s: %w", r.ID, err)
	}
	return r, "", nil
}

// answerPending answers a create with the request already pending, and
// remembers that answer for the call's Idempotency-Key.
//
// A pending request with another scope is not the one asked for, and is not
// silently given instead: the caller withdraws it, or waits for its answer.
func (s *Service) answerPending(ctx context.Context, tp ident.GLN, in CreateInput, held Request) (Request, Outcome, bool, error) {
	if held.Scope != in.Scope {
		err := fault.Coded(fault.Conflict, CodePendingOtherScope, fmt.Sprintf(
			"Your request %s for metering point %s is pending with scope %s; withdraw it to ask for %s, or wait for the end user's answer.",
			held.ID, held.MeteringPoint, held.Scope, in.Scope))
		err.Links = map[string]string{"pendingRequest": Path(held.ID)}
		return Request{}, 0, false, err
	}
	if in.IdempotencyKey == "" {
		return held, AlreadyPending, false, nil
	}
	idem := Idempotency{Key: in.IdempotencyKey, Fingerprint: in.fingerprint(), RequestID: held.ID, Outcome: AlreadyPending}
	switch err := s.Store.RememberIdempotency(ctx, tp, idem); {
	case errors.Is(err, ErrIdempotencyKeyUsed):
		return s.replayUsed(ctx, tp, in)
	case err != nil:
		return Request{}, 0, false, err
	}
	return held, AlreadyPending, false, nil
}

// replayUsed answers a create whose Idempotency-Key another call took
// meanwhile, as that call was answered; a key whose write then did not
// stand (its transaction was cancelled) is a moved slot: try again.
func (s *Service) replayUsed(ctx context.Context, tp ident.GLN, in CreateInput) (Request, Outcome, bool, error) {
	r, outcome, found, err := s.replay(ctx, tp, in)
	if err == nil && !found {
		err = errSlotMoved
	}
	return r, outcome, err == nil, err
}

// replay answers a repeated Idempotency-Key as it was answered first: the
// same request (as it is now) with the same outcome.
func (s *Service) replay(ctx context.Context, tp ident.GLN, in CreateInput) (Request, Outcome, bool, error) {
	idem, found, err := s.Store.Idempotency(ctx, tp, in.IdempotencyKey)
	if err != nil || !found {
		return Request{}, 0, false, err
	}
	if idem.Fingerprint != in.fingerprint() {
		return Request{}, 0, true, &fault.Error{
			Kind:   fault.Unprocessable,
			Code:   CodeIdempotencyKeyReused,
			Detail: "This Idempotency-Key was already used with a different request body.",
			Fields: []fault.FieldError{{Field: "Idempotency-Key", Reason: "already used with a different request body"}},
		}
	}
	r, err := s.Store.Get(ctx, idem.RequestID)
	if err != nil {
		return Request{}, 0, true, err
	}
	if r.Status == Pending {
		if err := s.Expiry.Schedule(ctx, r); err != nil {
			return Request{}, 0, true, fmt.Errorf("schedule expiry of %s: %w", r.ID, err)
		}
	}
	return r, idem.Outcome, true, nil
}

// Get returns one of the third party's requests. Another third party's
// request is reported exactly like a missing one.
func (s *Service) Get(ctx context.Context, tp ident.GLN, id string) (Request, error) {
	r, err := s.Store.Get(ctx, id)
	if err != nil {
		return Request{}, err
	}
	if r.ThirdParty != tp {
		return Request{}, NotFound(id)
	}
	return r, nil
}

// NotFound is the error for a request that does not exist or is not the caller's.
func NotFound(id string) error {
	return fault.New(fault.NotFound, "Access request %s was not found.", id)
}

// List returns a page of the third party's requests.
func (s *Service) List(ctx context.Context, tp ident.GLN, q ListQuery) (Page, error) {
	return s.Store.List(ctx, tp, q)
}

// Withdraw withdraws a pending request. Withdrawing it again is harmless.
// WITHDRAWN is a desired state, so a withdrawal that lost a race is made
// again on the state that won (which then answers for itself).
func (s *Service) Withdraw(ctx context.Context, tp ident.GLN, id string) (Request, error) {
	var r Request
	err := conflict.Retry(ErrStale, func() error {
		current, err := s.Get(ctx, tp, id)
		if err != nil {
			return err
		}
		if current.Status == Withdrawn {
			r = current
			return nil
		}
		next, err := current.Withdraw(s.Clock.Now())
		if err != nil {
			return err
		}
		if err := s.Store.Transition(ctx, current, next); err != nil {
			return err
		}
		r = next
		metrics.Or(s.Metrics).Add(metrics.AccessRequests, 1, metrics.Outcome(metrics.RequestWithdrawn))
		if err := s.Expiry.Cancel(ctx, next); err != nil {
			// The timer finds the request decided and ends quietly anyway.
			s.Logger.WarnContext(ctx, "could not stop expiry timer", "requestId", id, "error", err)
		}
		return nil
	})
	if err != nil {
		return Request{}, err
	}
	return r, nil
}
