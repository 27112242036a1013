package inmem

import (
	"cmp"
	"context"
	"maps"
	"reflect"
	"slices"
	"sync"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/apigw"
	"github.com/tredjepart/tredjepart/shared/consent"
	"github.com/tredjepart/tredjepart/shared/delivery"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/ingest"
	"github.com/tredjepart/tredjepart/shared/metering"
	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/pseudonym"
	"github.com/tredjepart/tredjepart/shared/registry"
)

var (
	_ accessrequest.MeteringPoints = (*MeteringPoints)(nil)
	_ consent.MeteringPoints       = (*MeteringPoints)(nil)
	_ ingest.MeteringPoints        = (*MeteringPoints)(nil)
	_ metering.MeteringPoints      = (*MeteringPoints)(nil)
	_ registry.PartyStore          = (*Parties)(nil)
	_ consent.ThirdParties         = (*Parties)(nil)
	_ delivery.ThirdParties        = (*Parties)(nil)
	_ apigw.ThirdParties           = (*Parties)(nil)
	_ apigw.DataProviders          = (*Parties)(nil)
)

// MeteringPoints keeps metering points and their end users, as
// dynamo.MeteringPoints keeps them in the Registry table.
type MeteringPoints struct {
	mu             sync.Mutex
	meteringPoints map[ident.GSRN]registry.MeteringPoint
}

// NewMeteringPoints returns an empty store of metering points.
func NewMeteringPoints() *MeteringPoints {
	return &MeteringPoints{meteringPoints: map[ident.GSRN]registry.MeteringPoint{}}
}

// Parties keeps the registered parties and the names that lead to them,
// as dynamo.Parties keeps them in the Registry table: both kinds the same
// way (partyTable), their names in one namespace.
type Parties struct {
	mu            sync.Mutex
	thirdParties  partyTable[registry.ThirdParty]
	dataProviders partyTable[registry.DataProvider]
	clients       map[string]holder          // CLIENT#<clientId>
	orgs          map[ident.OrgNumber]holder // ORG#<orgNumber>
}

// holder is the party a name (a client id, an organisation number) leads to.
type holder struct {
	gln  ident.GLN
	kind string
}

// partyTable is the parties of one kind, by GLN.
type partyTable[P registry.Party[P]] struct {
	kind  string
	byGLN map[ident.GLN]P
	copy  func(P) P                           // what is stored and returned: no slice shared
	names func(P) ([]string, ident.OrgNumber) // the client ids and the organisation that lead to it
}

// NewParties returns an empty store of parties.
func NewParties() *Parties {
	return &Parties{
		thirdParties: partyTable[registry.ThirdParty]{kind: "THIRDPARTY", byGLN: map[ident.GLN]registry.ThirdParty{},
			copy: func(tp registry.ThirdParty) registry.ThirdParty {
				tp.ClientIDs, tp.RedirectURIs = slices.Clone(tp.ClientIDs), slices.Clone(tp.RedirectURIs)
				return tp
			},
			names: func(tp registry.ThirdParty) ([]string, ident.OrgNumber) { return tp.ClientIDs, tp.OrgNumber }},
		dataProviders: partyTable[registry.DataProvider]{kind: "DATAPROVIDER", byGLN: map[ident.GLN]registry.DataProvider{},
			copy: func(dp registry.DataProvider) registry.DataProvider {
				dp.ClientIDs, dp.GridAreas = slices.Clone(dp.ClientIDs), slices.Clone(dp.GridAreas)
				return dp
			},
			names: func(dp registry.DataProvider) ([]string, ident.OrgNumber) { return dp.ClientIDs, "" }},
		clients: map[string]holder{}, orgs: map[ident.OrgNumber]holder{},
	}
}

// copyMeteringPoint is mp as the store keeps and returns it: occupancies
// by move-in (one per move-in day), its contract not shared.
func copyMeteringPoint(mp registry.MeteringPoint) registry.MeteringPoint {
	byMoveIn := map[string]registry.Occupancy{}
	for _, o := range mp.Occupancies {
		byMoveIn[o.MoveIn.Format(registry.DateLayout)] = o
	}
	mp.Occupancies = nil
	for _, day := range slices.Sorted(maps.Keys(byMoveIn)) {
		mp.Occupancies = append(mp.Occupancies, byMoveIn[day])
	}
	if mp.Contract != nil {
		c := *mp.Contract
		mp.Contract = &c
	}
	return mp
}

// masterData is what a dynamo store would write of mp, for comparing:
// quantities and dates as their text, the version left out.
func masterData(mp registry.MeteringPoint) []string {
	mp = copyMeteringPoint(mp)
	fields := []string{string(mp.Type), boolText(mp.AccountingPoint), string(mp.Status), mp.Address.Street, mp.Address.Postcode,
		mp.Address.Municipality, mp.GridArea, string(mp.PriceArea), mp.MeterNumber, string(mp.Resolution)}
	if !mp.EstimatedAnnualConsumption.IsZero() {
		fields = append(fields, mp.EstimatedAnnualConsumption.StringFixed(metervalues.Decimals))
	} else {
		fields = append(fields, "")
	}
	if c := mp.Contract; c != nil {
		fields = append(fields, string(c.BalanceSupplier), c.Start.Format(registry.DateLayout))
	}
	for _, o := range mp.Occupancies {
		moveOut := ""
		if !o.MoveOut.IsZero() {
			moveOut = o.MoveOut.Format(registry.DateLayout)
		}
		fields = append(fields, "|", string(o.EndUser), o.DisplayName, o.MoveIn.Format(registry.DateLayout), moveOut)
	}
	return fields
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// MeteringPoint returns a metering point with its end users, by move-in.
func (s *MeteringPoints) MeteringPoint(_ context.Context, id ident.GSRN) (registry.MeteringPoint, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	mp, ok := s.meteringPoints[id]
	if !ok {
		return registry.MeteringPoint{ID: id}, false, nil
	}
	return copyMeteringPoint(mp), true, nil
}

// PutMeteringPoint reads what is stored of mp's metering point and
// replaces it with mp (ReplaceMeteringPoint).
func (s *MeteringPoints) PutMeteringPoint(ctx context.Context, mp registry.MeteringPoint) (bool, error) {
	current, _, err := s.MeteringPoint(ctx, mp.ID)
	if err != nil {
		return false, err
	}
	return s.ReplaceMeteringPoint(ctx, current, mp)
}

// ReplaceMeteringPoint replaces the master data read as current (Version
// 0: nothing stored) with mp, conditional on that version, and reports
// whether it wrote: nothing when mp equals current; ingest.ErrConflict if
// another write came after the read.
func (s *MeteringPoints) ReplaceMeteringPoint(_ context.Context, current, mp registry.MeteringPoint) (bool, error) {
	found := current.Version > 0
	if found && reflect.DeepEqual(masterData(current), masterData(mp)) {
		return false, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	stored, exists := s.meteringPoints[mp.ID]
	if exists != found || exists && stored.Version != current.Version {
		return false, ingest.ErrConflict
	}
	mp.Version = current.Version + 1
	s.meteringPoints[mp.ID] = copyMeteringPoint(mp)
	return true, nil
}

// MeteringPointsOf lists the metering points the end user has held at any time, by GSRN.
func (s *MeteringPoints) MeteringPointsOf(_ context.Context, user pseudonym.EndUserID) ([]ident.GSRN, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var points []ident.GSRN
	for id, mp := range s.meteringPoints {
		if slices.ContainsFunc(mp.Occupancies, func(o registry.Occupancy) bool { return o.EndUser == user }) {
			points = append(points, id)
		}
	}
	slices.Sort(points)
	return points, nil
}

// register stores a new party at version 1 with the names that lead to
// it: registry.ErrRegistered if its GLN is taken, a *registry.TakenError if
// a name belongs to another party.
func register[P registry.Party[P]](s *Parties, t *partyTable[P], p P) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	state := p.State()
	if _, ok := t.byGLN[state.GLN]; ok {
		return registry.ErrRegistered
	}
	clients, org := t.names(p)
	if err := s.claim(holder{state.GLN, t.kind}, clients, org, nil, ""); err != nil {
		return err
	}
	state.Version = 1
	t.byGLN[state.GLN] = t.copy(p.WithState(state))
	return nil
}

// update replaces a party registered at p's version and releases the
// names it no longer names: registry.ErrNotRegistered,
// registry.ErrChanged, or a *registry.TakenError.
func update[P registry.Party[P]](s *Parties, t *partyTable[P], p P) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	state := p.State()
	current, ok := t.byGLN[state.GLN]
	if !ok {
		return registry.ErrNotRegistered
	}
	if current.State().Version != state.Version {
		return registry.ErrChanged
	}
	clients, org := t.names(p)
	heldClients, heldOrg := t.names(current)
	if err := s.claim(holder{state.GLN, t.kind}, clients, org, heldClients, heldOrg); err != nil {
		return err
	}
	state.Version++
	t.byGLN[state.GLN] = t.copy(p.WithState(state))
	return nil
}

func get[P registry.Party[P]](s *Parties, t *partyTable[P], gln ident.GLN) (P, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := t.byGLN[gln]
	return t.copy(p), ok, nil
}

// byClient finds the party of t's kind an OAuth client acts for; a client
// of another kind's party is none of its.
func byClient[P registry.Party[P]](s *Parties, t *partyTable[P], clientID string) (P, bool, error) {
	s.mu.Lock()
	h, ok := s.clients[clientID]
	s.mu.Unlock()
	if !ok || h.kind != t.kind {
		var none P
		return none, false, nil
	}
	return get(s, t, h.gln)
}

// list is every party of t's kind, by GLN.
func list[P registry.Party[P]](s *Parties, t *partyTable[P]) []P {
	s.mu.Lock()
	defer s.mu.Unlock()
	var all []P
	for _, p := range t.byGLN {
		all = append(all, t.copy(p))
	}
	slices.SortFunc(all, func(a, b P) int { return cmp.Compare(a.State().GLN, b.State().GLN) })
	return all
}

// RegisterThirdParty stores a new third party with the clients and the
// organisation number that lead to it (register).
func (s *Parties) RegisterThirdParty(_ context.Context, tp registry.ThirdParty) error {
	return register(s, &s.thirdParties, tp)
}

// UpdateThirdParty replaces a third party registered at tp.Version (update).
func (s *Parties) UpdateThirdParty(_ context.Context, tp registry.ThirdParty) error {
	return update(s, &s.thirdParties, tp)
}

// ThirdParty returns a registered third party.
func (s *Parties) ThirdParty(_ context.Context, gln ident.GLN) (registry.ThirdParty, bool, error) {
	return get(s, &s.thirdParties, gln)
}

// ThirdPartyByClient finds the third party an OAuth client acts for; a
// data provider's client is no third party's.
func (s *Parties) ThirdPartyByClient(_ context.Context, clientID string) (registry.ThirdParty, bool, error) {
	return byClient(s, &s.thirdParties, clientID)
}

// ThirdPartyByOrg finds the third party an organisation is registered as.
func (s *Parties) ThirdPartyByOrg(_ context.Context, org ident.OrgNumber) (registry.ThirdParty, bool, error) {
	s.mu.Lock()
	h, ok := s.orgs[org]
	s.mu.Unlock()
	if !ok {
		return registry.ThirdParty{}, false, nil
	}
	return get(s, &s.thirdParties, h.gln)
}

// ThirdParties lists every registered third party, by GLN.
func (s *Parties) ThirdParties(context.Context) ([]registry.ThirdParty, error) {
	return list(s, &s.thirdParties), nil
}

// RegisterDataProvider stores a new data provider with the clients that
// lead to it (register).
func (s *Parties) RegisterDataProvider(_ context.Context, dp registry.DataProvider) error {
	return register(s, &s.dataProviders, dp)
}

// UpdateDataProvider replaces a data provider registered at dp.Version (update).
func (s *Parties) UpdateDataProvider(_ context.Context, dp registry.DataProvider) error {
	return update(s, &s.dataProviders, dp)
}

// DataProvider returns a registered data provider.
func (s *Parties) DataProvider(_ context.Context, gln ident.GLN) (registry.DataProvider, bool, error) {
	return get(s, &s.dataProviders, gln)
}

// DataProviderByClient finds the data provider an OAuth client acts for.
func (s *Parties) DataProviderByClient(_ context.Context, clientID string) (registry.DataProvider, bool, error) {
	return byClient(s, &s.dataProviders, clientID)
}

// DataProviders lists every registered data provider, by GLN.
func (s *Parties) DataProviders(context.Context) ([]registry.DataProvider, error) {
	return list(s, &s.dataProviders), nil
}

// claim checks, then takes, the names a party's write names, releasing
// those it held before (heldClients, heldOrg) and names no more. It checks
// all before it changes anything, in the order dynamo's transaction lists
// them, so the first name taken is the one reported.
func (s *Parties) claim(p holder, clients []string, org ident.OrgNumber, heldClients []string, heldOrg ident.OrgNumber) error {
	for _, id := range clients {
		if h, ok := s.clients[id]; ok && h != p {
			return &registry.TakenError{Field: "clientIds", Value: id}
		}
	}
	if h, ok := s.orgs[org]; org != "" && ok && h != p {
		return &registry.TakenError{Field: "orgNumber", Value: string(org)}
	}
	for _, id := range heldClients {
		if !slices.Contains(clients, id) {
			delete(s.clients, id)
		}
	}
	if heldOrg != "" && heldOrg != org {
		delete(s.orgs, heldOrg)
	}
	for _, id := range clients {
		s.clients[id] = p
	}
	if org != "" {
		s.orgs[org] = p
	}
	return nil
}
