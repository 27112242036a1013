package storetest

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/tredjepart/tredjepart/shared/apigw"
	"github.com/tredjepart/tredjepart/shared/consent"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/ingest"
	"github.com/tredjepart/tredjepart/shared/registry"
)

// Parties is the store of registered third parties and data providers,
// and of the names (OAuth clients, organisation numbers) that lead to them.
type Parties interface {
	registry.PartyStore
	apigw.ThirdParties
	apigw.DataProviders
	ThirdPartyByOrg(ctx context.Context, org ident.OrgNumber) (registry.ThirdParty, bool, error)
}

// MeteringPoints is the store of metering points and their end users.
type MeteringPoints interface {
	ingest.MeteringPoints
	consent.MeteringPoints
	PutMeteringPoint(ctx context.Context, mp registry.MeteringPoint) (bool, error)
}

func newThirdParty(t *testing.T) registry.ThirdParty {
	_, gln := fresh(t)
	return registry.ThirdParty{GLN: gln, Name: "TP " + string(gln), OrgNumber: freshOrg(t), ClientIDs: []string{"tp-" + string(gln)}}
}

func newDataProvider(t *testing.T) registry.DataProvider {
	_, gln := fresh(t)
	return registry.DataProvider{GLN: gln, Name: "DP " + string(gln), OrgNumber: freshOrg(t), Role: registry.GridCompany,
		ClientIDs: []string{"dp-" + string(gln)}, GridAreas: []string{"50YNO1ELVIA0001K"}}
}

func taken(err error, field string) bool {
	var e *registry.TakenError
	return errors.As(err, &e) && e.Field == field
}

// RunParties runs the contract of a Parties store.
func RunParties(t *testing.T, newStore func(t *testing.T) Parties) {
	cases := []struct {
		name string
		run  func(t *testing.T, reg Parties)
	}{
		{"RegisterThirdPartyOnce", registerThirdPartyOnce},
		{"UpdateThirdPartyReleasesWhatItNoLongerNames", updateThirdPartyReleasesWhatItNoLongerNames},
		{"UpdateThirdPartyIsConditional", updateThirdPartyIsConditional},
		{"ConcurrentUpdatesOneWins", concurrentPartyUpdatesOneWins},
		{"DataProvidersShareTheClientNamespace", dataProvidersShareTheClientNamespace},
		{"UpdateDataProvider", updateDataProvider},
		{"WhatIsReadIsACopy", partiesAreCopies},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.run(t, newStore(t)) })
	}
}

func registerThirdPartyOnce(t *testing.T, reg Parties) {
	ctx := context.Background()
	tp := newThirdParty(t)
	if err := reg.RegisterThirdParty(ctx, tp); err != nil {
		t.Fatal(err)
	}
	if err := reg.RegisterThirdParty(ctx, tp); !errors.Is(err, registry.ErrRegistered) {
		t.Fatalf("registered twice: %v", err)
	}
	other := newThirdParty(t)
	other.ClientIDs = tp.ClientIDs
	if err := reg.RegisterThirdParty(ctx, other); !taken(err, "clientIds") {
		t.Fatalf("took another's client: %v", err)
	}
	other = newThirdParty(t)
	other.OrgNumber = tp.OrgNumber
	if err := reg.RegisterThirdParty(ctx, other); !taken(err, "orgNumber") {
		t.Fatalf("took another's organisation: %v", err)
	}
	if _, found, _ := reg.ThirdParty(ctx, other.GLN); found {
		t.Fatal("a refused registration wrote the third party")
	}
	if _, found, _ := reg.ThirdPartyByClient(ctx, other.ClientIDs[0]); found {
		t.Fatal("a refused registration claimed its client")
	}
	got, found, err := reg.ThirdPartyByClient(ctx, tp.ClientIDs[0])
	if err != nil || !found || got.GLN != tp.GLN || got.Version != 1 {
		t.Fatalf("by client: %+v found=%v err=%v", got, found, err)
	}
	if _, found, err := reg.ThirdPartyByClient(ctx, "no-such-client"); found || err != nil {
		t.Fatalf("an unknown client: found=%v err=%v", found, err)
	}
}

func updateThirdPartyReleasesWhatItNoLongerNames(t *testing.T, reg Parties) {
	ctx := context.Background()
	tp := newThirdParty(t)
	tp.Contact = registry.Contact{Name: "Ops", Email: "ops@example.no"}
	if err := reg.RegisterThirdParty(ctx, tp); err != nil {
		t.Fatal(err)
	}
	oldClient, oldOrg := tp.ClientIDs[0], tp.OrgNumber
	tp.Version = 1
	tp.ClientIDs, tp.OrgNumber, tp.Disabled = []string{"renamed-" + string(tp.GLN)}, freshOrg(t), true
	if err := reg.UpdateThirdParty(ctx, tp); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := reg.ThirdPartyByClient(ctx, oldClient); found {
		t.Error("the old client still leads to the third party")
	}
	if _, found, _ := reg.ThirdPartyByOrg(ctx, oldOrg); found {
		t.Error("the old organisation still leads to the third party")
	}
	got, found, err := reg.ThirdPartyByOrg(ctx, tp.OrgNumber)
	if err != nil || !found || got.Version != 2 || !got.Disabled || got.Contact.Email != "ops@example.no" || got.ClientIDs[0] != tp.ClientIDs[0] {
		t.Fatalf("after update: %+v found=%v err=%v", got, found, err)
	}
	// Another party may now take the released names.
	other := newThirdParty(t)
	other.ClientIDs, other.OrgNumber = []string{oldClient}, oldOrg
	if err := reg.RegisterThirdParty(ctx, other); err != nil {
		t.Fatalf("released names not free: %v", err)
	}
}

func updateThirdPartyIsConditional(t *testing.T, reg Parties) {
	ctx := context.Background()
	tp := newThirdParty(t)
	if err := reg.UpdateThirdParty(ctx, tp); !errors.Is(err, registry.ErrNotRegistered) {
		t.Fatalf("updating a missing third party: %v", err)
	}
	if err := reg.RegisterThirdParty(ctx, tp); err != nil {
		t.Fatal(err)
	}
	first, second := tp, tp
	first.Version, second.Version = 1, 1
	first.Name, second.Name = "first", "second"
	if err := reg.UpdateThirdParty(ctx, first); err != nil {
		t.Fatal(err)
	}
	if err := reg.UpdateThirdParty(ctx, second); !errors.Is(err, registry.ErrChanged) {
		t.Fatalf("a write over a stale version: %v", err)
	}
	if got, _, _ := reg.ThirdParty(ctx, tp.GLN); got.Name != "first" {
		t.Fatalf("clobbered: %+v", got)
	}
	taker := newThirdParty(t)
	if err := reg.RegisterThirdParty(ctx, taker); err != nil {
		t.Fatal(err)
	}
	first.Version, first.ClientIDs = 2, append(slices.Clone(first.ClientIDs), taker.ClientIDs[0])
	if err := reg.UpdateThirdParty(ctx, first); !taken(err, "clientIds") {
		t.Fatalf("an update took another's client: %v", err)
	}
	if got, _, _ := reg.ThirdParty(ctx, tp.GLN); got.Version != 2 {
		t.Fatalf("a refused update wrote: %+v", got)
	}
}

// Updates of one version at once: one wins, every other is told ErrChanged.
func concurrentPartyUpdatesOneWins(t *testing.T, reg Parties) {
	ctx := context.Background()
	tp := newThirdParty(t)
	if err := reg.RegisterThirdParty(ctx, tp); err != nil {
		t.Fatal(err)
	}
	const n = 6
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range errs {
		update := tp
		update.Version, update.Name = 1, "writer "+string(rune('a'+i))
		wg.Go(func() { errs[i] = reg.UpdateThirdParty(ctx, update) })
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, registry.ErrChanged):
			t.Errorf("a lost update: %v", err)
		}
	}
	if got, _, _ := reg.ThirdParty(ctx, tp.GLN); won != 1 || got.Version != 2 {
		t.Fatalf("%d updates won; stored %+v", won, got)
	}
}

func dataProvidersShareTheClientNamespace(t *testing.T, reg Parties) {
	ctx := context.Background()
	dp := newDataProvider(t)
	dp.GridAreas = append(dp.GridAreas, "50YELVIA-OSLO--A")
	if err := reg.RegisterDataProvider(ctx, dp); err != nil {
		t.Fatal(err)
	}
	if err := reg.RegisterDataProvider(ctx, dp); !errors.Is(err, registry.ErrRegistered) {
		t.Fatalf("registered twice: %v", err)
	}
	tp := newThirdParty(t)
	tp.ClientIDs = dp.ClientIDs
	if err := reg.RegisterThirdParty(ctx, tp); !taken(err, "clientIds") {
		t.Fatalf("a third party took a data provider's client: %v", err)
	}
	if _, found, err := reg.ThirdPartyByClient(ctx, dp.ClientIDs[0]); found || err != nil {
		t.Fatalf("a data provider's client found a third party: found=%v err=%v", found, err)
	}
	got, found, err := reg.DataProviderByClient(ctx, dp.ClientIDs[0])
	if err != nil || !found || got.GLN != dp.GLN || got.Role != registry.GridCompany || len(got.GridAreas) != 2 {
		t.Fatalf("by client: %+v found=%v err=%v", got, found, err)
	}
	registered := newThirdParty(t)
	if err := reg.RegisterThirdParty(ctx, registered); err != nil {
		t.Fatal(err)
	}
	if _, found, err := reg.DataProviderByClient(ctx, registered.ClientIDs[0]); found || err != nil {
		t.Fatalf("a third party's client found a data provider: found=%v err=%v", found, err)
	}
	other := newDataProvider(t)
	other.ClientIDs = registered.ClientIDs
	if err := reg.RegisterDataProvider(ctx, other); !taken(err, "clientIds") {
		t.Fatalf("a data provider took a third party's client: %v", err)
	}
}

func updateDataProvider(t *testing.T, reg Parties) {
	ctx := context.Background()
	dp := newDataProvider(t)
	if err := reg.UpdateDataProvider(ctx, dp); !errors.Is(err, registry.ErrNotRegistered) {
		t.Fatalf("updating a missing data provider: %v", err)
	}
	if err := reg.RegisterDataProvider(ctx, dp); err != nil {
		t.Fatal(err)
	}
	old := dp.ClientIDs[0]
	dp.Version, dp.ClientIDs, dp.Role = 1, []string{"next-" + string(dp.GLN)}, registry.MeteringSystem
	if err := reg.UpdateDataProvider(ctx, dp); err != nil {
		t.Fatal(err)
	}
	if err := reg.UpdateDataProvider(ctx, dp); !errors.Is(err, registry.ErrChanged) {
		t.Fatalf("a write over a stale version: %v", err)
	}
	if _, found, _ := reg.DataProviderByClient(ctx, old); found {
		t.Error("the old client still leads to the data provider")
	}
	got, found, err := reg.DataProvider(ctx, dp.GLN)
	if err != nil || !found || got.Role != registry.MeteringSystem || got.Version != 2 {
		t.Fatalf("%+v found=%v err=%v", got, found, err)
	}
	all, err := reg.DataProviders(ctx)
	if err != nil {
		t.Fatal(err)
	}
	listed := false
	for _, p := range all {
		listed = listed || p.GLN == dp.GLN
	}
	tps, err := reg.ThirdParties(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, tp := range tps {
		if tp.GLN == dp.GLN {
			t.Error("a data provider is listed as a third party")
		}
	}
	if !listed {
		t.Error("not listed")
	}
	if !slices.IsSortedFunc(all, func(a, b registry.DataProvider) int { return cmp.Compare(a.GLN, b.GLN) }) ||
		!slices.IsSortedFunc(tps, func(a, b registry.ThirdParty) int { return cmp.Compare(a.GLN, b.GLN) }) {
		t.Error("parties are not listed by GLN")
	}
}

// A caller that changes what it wrote or read changes nothing stored.
func partiesAreCopies(t *testing.T, reg Parties) {
	ctx := context.Background()
	tp := newThirdParty(t)
	tp.RedirectURIs = []string{"https://tp.example/callback"}
	if err := reg.RegisterThirdParty(ctx, tp); err != nil {
		t.Fatal(err)
	}
	tp.ClientIDs[0], tp.RedirectURIs[0] = "changed", "changed"
	got, _, _ := reg.ThirdParty(ctx, tp.GLN)
	if got.ClientIDs[0] == "changed" || got.RedirectURIs[0] == "changed" {
		t.Fatalf("the store shares the caller's slices: %+v", got)
	}
	got.ClientIDs[0] = "changed again"
	if again, _, _ := reg.ThirdParty(ctx, tp.GLN); again.ClientIDs[0] == "changed again" {
		t.Fatal("the store shares its slices with a reader")
	}
}

// RunMeteringPoints runs the contract of a MeteringPoints store.
func RunMeteringPoints(t *testing.T, newStore func(t *testing.T) MeteringPoints) {
	cases := []struct {
		name string
		run  func(t *testing.T, reg MeteringPoints)
	}{
		{"MeteringPointRoundTrip", meteringPointRoundTrip},
		{"ReplaceIsConditionalOnTheVersionRead", replaceIsConditional},
		{"TheSameMasterDataWritesNothing", sameMasterDataWritesNothing},
		{"MeteringPointsOfAnEndUser", meteringPointsOfAnEndUser},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.run(t, newStore(t)) })
	}
}

func meteringPointRoundTrip(t *testing.T, reg MeteringPoints) {
	ctx := context.Background()
	id, _ := fresh(t)
	want := registry.MeteringPoint{ID: id, AccountingPoint: true, Address: registry.Address{Street: "Storgata 1", Postcode: "0155", Municipality: "Oslo"},
		EstimatedAnnualConsumption: decimal.RequireFromString("12345.5"), Occupancies: []registry.Occupancy{
			{EndUser: "p1_new", MoveIn: registry.Date(2024, 6, 15)},
			{EndUser: "p1_old", MoveIn: registry.Date(2019, 1, 1), MoveOut: registry.Date(2024, 6, 15)},
		}}
	if wrote, err := reg.PutMeteringPoint(ctx, want); err != nil || !wrote {
		t.Fatalf("wrote=%v err=%v", wrote, err)
	}
	got, found, err := reg.MeteringPoint(ctx, id)
	if err != nil || !found {
		t.Fatalf("found=%v err=%v", found, err)
	}
	if !got.AccountingPoint || len(got.Occupancies) != 2 || got.Address.String() != "Storgata 1, 0155 Oslo" || got.Version != 1 ||
		!got.EstimatedAnnualConsumption.Equal(want.EstimatedAnnualConsumption) {
		t.Fatalf("got %+v", got)
	}
	if got.Occupancies[0].EndUser != "p1_old" {
		t.Errorf("occupancies are not by move-in: %+v", got.Occupancies)
	}
	if o, _ := got.EndUserAt(registry.Date(2025, 1, 1)); o.EndUser != "p1_new" {
		t.Errorf("current end user %q", o.EndUser)
	}
	missing, _ := fresh(t)
	if _, found, err := reg.MeteringPoint(ctx, missing); found || err != nil {
		t.Errorf("unregistered metering point: found=%v err=%v", found, err)
	}
}

func replaceIsConditional(t *testing.T, reg MeteringPoints) {
	ctx := context.Background()
	id, _ := fresh(t)
	first := registry.MeteringPoint{ID: id, AccountingPoint: true, GridArea: "50YNO1ELVIA0001K",
		Occupancies: []registry.Occupancy{{EndUser: "p1_a", MoveIn: registry.Date(2020, 1, 1)}}}
	if _, err := reg.ReplaceMeteringPoint(ctx, registry.MeteringPoint{ID: id}, first); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.ReplaceMeteringPoint(ctx, registry.MeteringPoint{ID: id}, first); !errors.Is(err, ingest.ErrConflict) {
		t.Fatalf("a second first write: %v", err)
	}
	read, _, _ := reg.MeteringPoint(ctx, id)
	moved := read
	moved.Occupancies = []registry.Occupancy{{EndUser: "p1_b", MoveIn: registry.Date(2025, 1, 1)}}
	if wrote, err := reg.ReplaceMeteringPoint(ctx, read, moved); err != nil || !wrote {
		t.Fatalf("wrote=%v err=%v", wrote, err)
	}
	stale := read
	stale.GridArea = "50YNO2ELVIA0002K"
	if _, err := reg.ReplaceMeteringPoint(ctx, read, stale); !errors.Is(err, ingest.ErrConflict) {
		t.Fatalf("a write on a stale read: %v", err)
	}
	got, _, _ := reg.MeteringPoint(ctx, id)
	if got.Version != 2 || len(got.Occupancies) != 1 || got.Occupancies[0].EndUser != "p1_b" || got.GridArea != first.GridArea {
		t.Fatalf("stored %+v", got)
	}
}

func sameMasterDataWritesNothing(t *testing.T, reg MeteringPoints) {
	ctx := context.Background()
	id, _ := fresh(t)
	mp := registry.MeteringPoint{ID: id, AccountingPoint: true, Occupancies: []registry.Occupancy{{EndUser: "p1_a", MoveIn: registry.Date(2020, 1, 1)}}}
	if _, err := reg.PutMeteringPoint(ctx, mp); err != nil {
		t.Fatal(err)
	}
	if wrote, err := reg.PutMeteringPoint(ctx, mp); wrote || err != nil {
		t.Fatalf("the same master data again: wrote=%v err=%v", wrote, err)
	}
	if got, _, _ := reg.MeteringPoint(ctx, id); got.Version != 1 {
		t.Fatalf("version %d after an unchanged write", got.Version)
	}
}

func meteringPointsOfAnEndUser(t *testing.T, reg MeteringPoints) {
	ctx := context.Background()
	a, _ := fresh(t)
	b, _ := fresh(t)
	user := "p1_user" + string(a)
	for _, mp := range []registry.MeteringPoint{
		{ID: a, Occupancies: []registry.Occupancy{{EndUser: "p1_before", MoveIn: registry.Date(2018, 1, 1), MoveOut: registry.Date(2020, 1, 1)}, {EndUser: pseudonymOf(user), MoveIn: registry.Date(2020, 1, 1)}}},
		{ID: b, Occupancies: []registry.Occupancy{{EndUser: pseudonymOf(user), MoveIn: registry.Date(2010, 1, 1), MoveOut: registry.Date(2019, 1, 1)}}},
	} {
		if _, err := reg.PutMeteringPoint(ctx, mp); err != nil {
			t.Fatal(err)
		}
	}
	got, err := reg.MeteringPointsOf(ctx, pseudonymOf(user))
	if err != nil || !slices.Equal(got, []ident.GSRN{a, b}) {
		t.Fatalf("metering points of the end user: %v %v", got, err)
	}
	if none, err := reg.MeteringPointsOf(ctx, pseudonymOf("p1_nobody"+string(a))); len(none) != 0 || err != nil {
		t.Fatalf("of nobody: %v %v", none, err)
	}
}
