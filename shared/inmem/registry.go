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
// as dynamo.Parties keeps them in the Registry table.
type Parties struct {
	mu            sync.Mutex
	thirdParties  map[ident.GLN]registry.ThirdParty
	dataProviders map[ident.GLN]registry.DataProvider
	clients       map[string]holder          // CLIENT#<clientId>
	orgs          map[ident.OrgNumber]holder // ORG#<orgNumber>
}

// holder is the party a name (a client id, an organisation number) leads to.
type holder struct {
	gln  ident.GLN
	kind string
}

const (
	thirdPartyKind   = "THIRDPARTY"
	dataProviderKind = "DATAPROVIDER"
)

// NewParties returns an empty store of parties.
func NewParties() *Parties {
	return &Parties{
		thirdParties:  map[ident.GLN]registry.ThirdParty{},
		dataProviders: map[ident.GLN]registry.DataProvider{}, clients: map[string]holder{}, orgs: map[ident.OrgNumber]holder{},
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

func copyThirdParty(tp registry.ThirdParty) registry.ThirdParty {
	tp.ClientIDs, tp.RedirectURIs = slices.Clone(tp.ClientIDs), slices.Clone(tp.RedirectURIs)
	return tp
}

func copyDataProvider(dp registry.DataProvider) registry.DataProvider {
	dp.ClientIDs, dp.GridAreas = slices.Clone(dp.ClientIDs), slices.Clone(dp.GridAreas)
	return dp
}

// RegisterThirdParty stores a new third party with the clients and the
// organisation number that lead to it: registry.ErrRegistered if its GLN
// is taken, a *registry.TakenError if a name belongs to another party.
func (s *Parties) RegisterThirdParty(_ context.Context, tp registry.ThirdParty) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.thirdParties[tp.GLN]; ok {
		return registry.ErrRegistered
	}
	if err := s.claim(holder{tp.GLN, thirdPartyKind}, tp.ClientIDs, tp.OrgNumber, nil, ""); err != nil {
		return err
	}
	tp.Version = 1
	s.thirdParties[tp.GLN] = copyThirdParty(tp)
	return nil
}

// UpdateThirdParty replaces a third party registered at tp.Version and
// releases the names it no longer names: registry.ErrNotRegistered,
// registry.ErrChanged, or a *registry.TakenError.
func (s *Parties) UpdateThirdParty(_ context.Context, tp registry.ThirdParty) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	current, ok := s.thirdParties[tp.GLN]
	if !ok {
		return registry.ErrNotRegistered
	}
	if current.Version != tp.Version {
		return registry.ErrChanged
	}
	if err := s.claim(holder{tp.GLN, thirdPartyKind}, tp.ClientIDs, tp.OrgNumber, current.ClientIDs, current.OrgNumber); err != nil {
		return err
	}
	tp.Version++
	s.thirdParties[tp.GLN] = copyThirdParty(tp)
	return nil
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

// ThirdParty returns a registered third party.
func (s *Parties) ThirdParty(_ context.Context, gln ident.GLN) (registry.ThirdParty, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tp, ok := s.thirdParties[gln]
	return copyThirdParty(tp), ok, nil
}

// ThirdPartyByClient finds the third party an OAuth client acts for; a
// data provider's client is no third party's.
func (s *Parties) ThirdPartyByClient(ctx context.Context, clientID string) (registry.ThirdParty, bool, error) {
	s.mu.Lock()
	h, ok := s.clients[clientID]
	s.mu.Unlock()
	if !ok || h.kind != thirdPartyKind {
		return registry.ThirdParty{}, false, nil
	}
	return s.ThirdParty(ctx, h.gln)
}

// ThirdPartyByOrg finds the third party an organisation is registered as.
func (s *Parties) ThirdPartyByOrg(ctx context.Context, org ident.OrgNumber) (registry.ThirdParty, bool, error) {
	s.mu.Lock()
	h, ok := s.orgs[org]
	s.mu.Unlock()
	if !ok {
		return registry.ThirdParty{}, false, nil
	}
	return s.ThirdParty(ctx, h.gln)
}

// ThirdParties lists every registered third party, by GLN.
func (s *Parties) ThirdParties(_ context.Context) ([]registry.ThirdParty, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var all []registry.ThirdParty
	for _, tp := range s.thirdParties {
		all = append(all, copyThirdParty(tp))
	}
	slices.SortFunc(all, func(a, b registry.ThirdParty) int { return cmp.Compare(a.GLN, b.GLN) })
	return all, nil
}

// RegisterDataProvider stores a new data provider with the clients that
// lead to it: registry.ErrRegistered, or a *registry.TakenError.
func (s *Parties) RegisterDataProvider(_ context.Context, dp registry.DataProvider) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.dataProviders[dp.GLN]; ok {
		return registry.ErrRegistered
	}
	if err := s.claim(holder{dp.GLN, dataProviderKind}, dp.ClientIDs, "", nil, ""); err != nil {
		return err
	}
	dp.Version = 1
	s.dataProviders[dp.GLN] = copyDataProvider(dp)
	return nil
}

// UpdateDataProvider replaces a data provider registered at dp.Version:
// registry.ErrNotRegistered, registry.ErrChanged, or a *registry.TakenError.
func (s *Parties) UpdateDataProvider(_ context.Context, dp registry.DataProvider) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	current, ok := s.dataProviders[dp.GLN]
	if !ok {
		return registry.ErrNotRegistered
	}
	if current.Version != dp.Version {
		return registry.ErrChanged
	}
	if err := s.claim(holder{dp.GLN, dataProviderKind}, dp.ClientIDs, "", current.ClientIDs, ""); err != nil {
		return err
	}
	dp.Version++
	s.dataProviders[dp.GLN] = copyDataProvider(dp)
	return nil
}

// DataProvider returns a registered data provider.
func (s *Parties) DataProvider(_ context.Context, gln ident.GLN) (registry.DataProvider, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	dp, ok := s.dataProviders[gln]
	return copyDataProvider(dp), ok, nil
}

// DataProviderByClient finds the data provider an OAuth client acts for.
func (s *Parties) DataProviderByClient(ctx context.Context, clientID string) (registry.DataProvider, bool, error) {
	s.mu.Lock()
	h, ok := s.clients[clientID]
	s.mu.Unlock()
	if !ok || h.kind != dataProviderKind {
		return registry.DataProvider{}, false, nil
	}
	return s.DataProvider(ctx, h.gln)
}

// DataProviders lists every registered data provider, by GLN.
func (s *Parties) DataProviders(_ context.Context) ([]registry.DataProvider, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var all []registry.DataProvider
	for _, dp := range s.dataProviders {
		all = append(all, copyDataProvider(dp))
	}
	slices.SortFunc(all, func(a, b registry.DataProvider) int { return cmp.Compare(a.GLN, b.GLN) })
	return all, nil
}
