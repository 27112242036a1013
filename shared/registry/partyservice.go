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
// ever deleted: a disabled party keeps its grants, outbox and data. Both
// kinds go through the same steps (kind); the methods name the kind.
type Parties struct {
	Store PartyStore
}

// kind is one kind of party in the store, and its name in messages.
type kind[P Party[P]] struct {
	what     string
	register func(context.Context, P) error
	update   func(context.Context, P) error
	get      func(context.Context, ident.GLN) (P, bool, error)
	list     func(context.Context) ([]P, error)
}

func (s *Parties) thirdParties() kind[ThirdParty] {
	return kind[ThirdParty]{"Third party", s.Store.RegisterThirdParty, s.Store.UpdateThirdParty, s.Store.ThirdParty, s.Store.ThirdParties}
}

func (s *Parties) dataProviders() kind[DataProvider] {
	return kind[DataProvider]{"Data provider", s.Store.RegisterDataProvider, s.Store.UpdateDataProvider, s.Store.DataProvider, s.Store.DataProviders}
}

// RegisterThirdParty registers a new, enabled third party.
func (s *Parties) RegisterThirdParty(ctx context.Context, tp ThirdParty) (ThirdParty, error) {
	return s.thirdParties().registerNew(ctx, tp)
}

// ThirdParty returns a registered third party, or NotFound.
func (s *Parties) ThirdParty(ctx context.Context, gln ident.GLN) (ThirdParty, error) {
	return s.thirdParties().read(ctx, gln)
}

// ThirdParties lists every registered third party, by GLN.
func (s *Parties) ThirdParties(ctx context.Context) ([]ThirdParty, error) {
	return s.Store.ThirdParties(ctx)
}

// UpdateThirdParty replaces what is registered for tp.GLN with tp; whether
// it is disabled is kept, as only Disable and Enable change that.
func (s *Parties) UpdateThirdParty(ctx context.Context, tp ThirdParty) (ThirdParty, error) {
	return s.thirdParties().replace(ctx, tp)
}

// SetThirdPartyDisabled disables or enables a third party. Doing it twice
// changes nothing the second time.
func (s *Parties) SetThirdPartyDisabled(ctx context.Context, gln ident.GLN, disabled bool) (ThirdParty, error) {
	return s.thirdParties().setDisabled(ctx, gln, disabled)
}

// RegisterDataProvider registers a new, enabled data provider.
func (s *Parties) RegisterDataProvider(ctx context.Context, dp DataProvider) (DataProvider, error) {
	return s.dataProviders().registerNew(ctx, dp)
}

// DataProvider returns a registered data provider, or NotFound.
func (s *Parties) DataProvider(ctx context.Context, gln ident.GLN) (DataProvider, error) {
	return s.dataProviders().read(ctx, gln)
}

// DataProviders lists every registered data provider, by GLN.
func (s *Parties) DataProviders(ctx context.Context) ([]DataProvider, error) {
	return s.Store.DataProviders(ctx)
}

// UpdateDataProvider replaces what is registered for dp.GLN with dp,
// keeping whether it is disabled.
func (s *Parties) UpdateDataProvider(ctx context.Context, dp DataProvider) (DataProvider, error) {
	return s.dataProviders().replace(ctx, dp)
}

// SetDataProviderDisabled disables or enables a data provider. Doing it
// twice changes nothing the second time.
func (s *Parties) SetDataProviderDisabled(ctx context.Context, gln ident.GLN, disabled bool) (DataProvider, error) {
	return s.dataProviders().setDisabled(ctx, gln, disabled)
}

// registerNew registers a new, enabled party.
func (k kind[P]) registerNew(ctx context.Context, p P) (P, error) {
	gln := p.State().GLN
	p = p.WithState(PartyState{GLN: gln})
	if err := p.Validate(); err != nil {
		return p, err
	}
	if err := k.register(ctx, p); err != nil {
		return p, writeFault(k.what, gln, err)
	}
	return k.read(ctx, gln)
}

// replace replaces what is registered for p's GLN with p, keeping whether
// it is disabled; a version read (not zero) must still be the current one.
func (k kind[P]) replace(ctx context.Context, p P) (P, error) {
	if err := p.Validate(); err != nil {
		return p, err
	}
	gln, read := p.State().GLN, p.State().Version
	var found int
	updated, err := k.change(ctx, gln, func(current P) (P, bool) {
		if found = current.State().Version; read != 0 && read != found {
			return current, false
		}
		return p.WithState(current.State()), true
	})
	return updated, staleRead(err, k.what, gln, read, found)
}

// setDisabled disables or enables a party; doing it twice changes nothing
// the second time.
func (k kind[P]) setDisabled(ctx context.Context, gln ident.GLN, disabled bool) (P, error) {
	return k.change(ctx, gln, func(p P) (P, bool) {
		state := p.State()
		changed := state.Disabled != disabled
		state.Disabled = disabled
		return p.WithState(state), changed
	})
}

func (k kind[P]) read(ctx context.Context, gln ident.GLN) (P, error) {
	p, found, err := k.get(ctx, gln)
	if err == nil && !found {
		err = fault.New(fault.NotFound, "%s %s is not registered.", k.what, gln)
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
func (k kind[P]) change(ctx context.Context, gln ident.GLN, edit func(P) (P, bool)) (P, error) {
	var current P
	var wrote bool
	err := conflict.Retry(ErrChanged, func() error {
		var err error
		if current, err = k.read(ctx, gln); err != nil {
			return err
		}
		next, changed := edit(current)
		if wrote = changed; !changed {
			return nil
		}
		return k.update(ctx, next)
	})
	if err != nil {
		return current, writeFault(k.what, gln, err)
	}
	if !wrote {
		return current, nil
	}
	return k.read(ctx, gln)
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
