package registry

import (
	"context"
	"errors"

	"github.com/tredjepart/tredjepart/shared/conflict"
	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/ident"
)

// PartyStore keeps registered parties. Register fails with
// ErrRegistered for a GLN in use; Update writes only over the
// version it is given (ErrChanged, ErrNotRegistered);
// both fail with a *TakenError for a name another party holds.
type PartyStore interface {
	RegisterThirdParty(ctx context.Context, tp ThirdParty) error
	UpdateThirdParty(ctx context.Context, tp ThirdParty) error
	ThirdParty(ctx context.Context, gln ident.GLN) (ThirdParty, bool, error)
	ThirdParties(ctx context.Context) ([]ThirdParty, error)
	RegisterDataProvider(ctx context.Context, dp DataProvider) error
	UpdateDataProvider(ctx context.Context, dp DataProvider) error
	DataProvider(ctx context.Context, gln ident.GLN) (DataProvider, bool, error)
	DataProviders(ctx context.Context) ([]DataProvider, error)
}

// Parties registers, changes, disables and enables parties. Nothing is
// ever deleted: a disabled party keeps its grants, outbox and data.
type Parties struct {
	Store PartyStore
}

// RegisterThirdParty registers a new, enabled third party.
func (s *Parties) RegisterThirdParty(ctx context.Context, tp ThirdParty) (ThirdParty, error) {
	tp.Disabled, tp.Version = false, 0
	if err := tp.Validate(); err != nil {
		return tp, err
	}
	if err := s.Store.RegisterThirdParty(ctx, tp); err != nil {
		return tp, writeFault("Third party", tp.GLN, err)
	}
	return s.ThirdParty(ctx, tp.GLN)
}

// ThirdParty returns a registered third party, or NotFound.
func (s *Parties) ThirdParty(ctx context.Context, gln ident.GLN) (ThirdParty, error) {
	return read(ctx, "Third party", gln, s.Store.ThirdParty)
}

// ThirdParties lists every registered third party, by GLN.
func (s *Parties) ThirdParties(ctx context.Context) ([]ThirdParty, error) {
	return s.Store.ThirdParties(ctx)
}

// UpdateThirdParty replaces what is registered for tp.GLN with tp; whether
// it is disabled is kept, as only Disable and Enable change that.
func (s *Parties) UpdateThirdParty(ctx context.Context, tp ThirdParty) (ThirdParty, error) {
	if err := tp.Validate(); err != nil {
		return tp, err
	}
	read := tp.Version
	var found int
	updated, err := change(ctx, "Third party", tp.GLN, s.Store.ThirdParty, s.Store.UpdateThirdParty, func(current ThirdParty) (ThirdParty, bool) {
		if found = current.Version; read != 0 && read != found {
			return current, false
		}
		tp.Disabled, tp.Version = current.Disabled, current.Version
		return tp, true
	})
	return updated, staleRead(err, "Third party", tp.GLN, read, found)
}

// SetThirdPartyDisabled disables or enables a third party. Doing it twice
// changes nothing the second time.
func (s *Parties) SetThirdPartyDisabled(ctx context.Context, gln ident.GLN, disabled bool) (ThirdParty, error) {
	return change(ctx, "Third party", gln, s.Store.ThirdParty, s.Store.UpdateThirdParty, func(tp ThirdParty) (ThirdParty, bool) {
		changed := tp.Disabled != disabled
		tp.Disabled = disabled
		return tp, changed
	})
}

// RegisterDataProvider registers a new, enabled data provider.
func (s *Parties) RegisterDataProvider(ctx context.Context, dp DataProvider) (DataProvider, error) {
	dp.Disabled, dp.Version = false, 0
	if err := dp.Validate(); err != nil {
		return dp, err
	}
	if err := s.Store.RegisterDataProvider(ctx, dp); err != nil {
		return dp, writeFault("Data provider", dp.GLN, err)
	}
	return s.DataProvider(ctx, dp.GLN)
}

// DataProvider returns a registered data provider, or NotFound.
func (s *Parties) DataProvider(ctx context.Context, gln ident.GLN) (DataProvider, error) {
	return read(ctx, "Data provider", gln, s.Store.DataProvider)
}

// DataProviders lists every registered data provider, by GLN.
func (s *Parties) DataProviders(ctx context.Context) ([]DataProvider, error) {
	return s.Store.DataProviders(ctx)
}

// UpdateDataProvider replaces what is registered for dp.GLN with dp,
// keeping whether it is disabled.
func (s *Parties) UpdateDataProvider(ctx context.Context, dp DataProvider) (DataProvider, error) {
	if err := dp.Validate(); err != nil {
		return dp, err
	}
	read := dp.Version
	var found int
	updated, err := change(ctx, "Data provider", dp.GLN, s.Store.DataProvider, s.Store.UpdateDataProvider, func(current DataProvider) (DataProvider, bool) {
		if found = current.Version; read != 0 && read != found {
			return current, false
		}
		dp.Disabled, dp.Version = current.Disabled, current.Version
		return dp, true
	})
	return updated, staleRead(err, "Data provider", dp.GLN, read, found)
}

// SetDataProviderDisabled disables or enables a data provider. Doing it
// twice changes nothing the second time.
func (s *Parties) SetDataProviderDisabled(ctx context.Context, gln ident.GLN, disabled bool) (DataProvider, error) {
	return change(ctx, "Data provider", gln, s.Store.DataProvider, s.Store.UpdateDataProvider, func(dp DataProvider) (DataProvider, bool) {
		changed := dp.Disabled != disabled
		dp.Disabled = disabled
		return dp, changed
	})
}

func read[P any](ctx context.Context, what string, gln ident.GLN, get func(context.Context, ident.GLN) (P, bool, error)) (P, error) {
	p, found, err := get(ctx, gln)
	if err == nil && !found {
		err = fault.New(fault.NotFound, "%s %s is not registered.", what, gln)
	}
	return p, err
}

// staleRead refuses an update made on a version that is no longer the
// current one: what changed since the caller read it would be lost.
func staleRead(err error, what string, gln ident.GLN, read, current int) error {
	if err == nil && read != 0 && read != current {
		return fault.New(fault.Conflict, "%s %s has changed since version %d was read (it is at version %d); read it again and repeat the change.", what, gln, read, current)
	}
	return err
}

// change reads a party, applies edit to it and writes it back over the
// version read; a write that lost a race is made again on what won
// (conflict.Retry), and one that keeps losing is a conflict. An edit that
// changes nothing writes nothing.
func change[P any](ctx context.Context, what string, gln ident.GLN, get func(context.Context, ident.GLN) (P, bool, error),
	put func(context.Context, P) error, edit func(P) (P, bool)) (P, error) {
	var current P
	var wrote bool
	err := conflict.Retry(ErrChanged, func() error {
		var err error
		if current, err = read(ctx, what, gln, get); err != nil {
			return err
		}
		next, changed := edit(current)
		if wrote = changed; !changed {
			return nil
		}
		return put(ctx, next)
	})
	if err != nil {
		return current, writeFault(what, gln, err)
	}
	if !wrote {
		return current, nil
	}
	return read(ctx, what, gln, get)
}

// writeFault says in the domain's terms why a party could not be written.
func writeFault(what string, gln ident.GLN, err error) error {
	var taken *TakenError
	switch {
	case errors.As(err, &taken):
		return &fault.Error{Kind: fault.Conflict, Detail: taken.Error() + ".",
			Fields: []fault.FieldError{{Field: taken.Field, Reason: taken.Value + " is registered to another party"}}}
	case errors.Is(err, ErrRegistered):
		return fault.New(fault.Conflict, "%s %s is already registered; change it with PUT.", what, gln)
	case errors.Is(err, ErrNotRegistered):
		return fault.New(fault.NotFound, "%s %s is not registered.", what, gln)
	case errors.Is(err, ErrChanged):
		return fault.New(fault.Conflict, "%s %s was changed by someone else at the same time; try again.", what, gln)
	}
	return err
}
