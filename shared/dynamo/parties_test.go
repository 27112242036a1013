package dynamo_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/registry"
)

var orgSerial = 20000000

// freshOrg returns an organisation number no other test uses.
func freshOrg(t *testing.T) ident.OrgNumber {
	for {
		orgSerial++
		if org, err := ident.OrgNumberWithControlDigit(fmt.Sprint(orgSerial)); err == nil {
			return org
		}
	}
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

func TestRegisterThirdPartyOnce(t *testing.T) {
	ctx := context.Background()
	reg, _ := stores(t)
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
	got, found, err := reg.ThirdPartyByClient(ctx, tp.ClientIDs[0])
	if err != nil || !found || got.GLN != tp.GLN || got.Version != 1 {
		t.Fatalf("by client: %+v found=%v err=%v", got, found, err)
	}
}

func TestUpdateThirdPartyReleasesWhatItNoLongerNames(t *testing.T) {
	ctx := context.Background()
	reg, _ := stores(t)
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

func TestUpdateThirdPartyIsConditional(t *testing.T) {
	ctx := context.Background()
	reg, _ := stores(t)
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
}

func TestDataProvidersShareTheClientNamespace(t *testing.T) {
	ctx := context.Background()
	reg, _ := stores(t)
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

func TestUpdateDataProvider(t *testing.T) {
	ctx := context.Background()
	reg, _ := stores(t)
	dp := newDataProvider(t)
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
}
