package demo

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/tredjepart/tredjepart/localstack/identity/oidcdev"

	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/pseudonym"
	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/synthetic"
)

type people struct{}

func (people) Person(ident.NationalID) pseudonym.EndUserID { return "p1_synthetic" }

// The demo grid company may send everything the data generator makes, and
// the demo's own metering points.
func TestGridCompanyCoversTheGeneratedGridAreas(t *testing.T) {
	if err := Fixed.GridCompany.Validate(); err != nil {
		t.Fatal(err)
	}
	o := synthetic.Options{Points: 3000, From: registry.Date(2026, 1, 1), To: registry.Date(2026, 1, 2), Seed: 1, CabinShare: 0.5}
	for i := range o.Points {
		if mp := synthetic.MeteringPoint(o, people{}, i); !Fixed.GridCompany.CoversGridArea(mp.GridArea) {
			t.Fatalf("grid area %s of a generated metering point is not the demo grid company's", mp.GridArea)
		}
	}
	for _, mp := range MeteringPoints(Fixed, "p1_a", "p1_b", "org_1") {
		if !Fixed.GridCompany.CoversGridArea(mp.GridArea) {
			t.Fatalf("grid area %s of demo metering point %s", mp.GridArea, mp.ID)
		}
	}
}

// The table says what the data holds: each answer follows from the master
// data and the seeded grants, and it names people by login only.
func TestTableIsTrueToTheData(t *testing.T) {
	now := registry.Date(2026, 12, 5)
	table := Table(Fixed, now)
	raw, err := json.Marshal(table)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range People {
		if strings.Contains(string(raw), u.NationalID.Digits()) {
			t.Errorf("the table holds %s's national identity number", u.Name)
		}
	}
	points := map[ident.GSRN]registry.MeteringPoint{}
	for _, mp := range MeteringPoints(Fixed, "p1_kari", "p1_ola", "org_bakery") {
		points[mp.ID] = mp
	}
	if len(table.MeteringPoints) != len(points)+1 {
		t.Fatalf("%d rows for %d registered points and one unregistered", len(table.MeteringPoints), len(points))
	}
	for _, p := range table.MeteringPoints {
		mp, registered := points[p.MeteringPointID]
		hasEndUser := slices.ContainsFunc(mp.Occupancies, func(o registry.Occupancy) bool { return o.Covers(now) })
		granted := slices.ContainsFunc(Grants(Fixed), func(g SeededGrant) bool {
			return g.MeteringPoint == p.MeteringPointID && g.ThirdParty == Fixed.ThirdParties[0].GLN
		})
		var want string
		switch {
		case !registered:
			want = "E10"
		case !mp.AccountingPoint:
			want = "EH010"
		case !hasEndUser:
			want = "EH016"
		case granted:
			want = "EH017"
		default:
			want = "ACCEPTED"
		}
		if p.Answer != want || p.Registered != registered {
			t.Errorf("%s: the table says %s (registered %v), the data gives %s", p.MeteringPointID, p.Answer, p.Registered, want)
		}
		if registered && (p.MeterValues == nil || p.MeterValues.To != "2026-12-05" || p.MeterValues.From != "2026-10-21") {
			t.Errorf("%s: meter values %+v, want the %d days before 2026-12-05", p.MeteringPointID, p.MeterValues, MeterValueDays)
		}
		for _, o := range p.EndUsers {
			if !slices.ContainsFunc(People, func(u oidcdev.User) bool { return u.Name == o.Login }) {
				t.Errorf("%s: end user %q is no demo login", p.MeteringPointID, o.Login)
			}
		}
	}
}

// A stack's return page becomes the first demo third party's first
// redirect URI, where its requests' authorize links send the end user; its
// other redirect URIs stay registered after it, and Fixed is not changed.
func TestWithReturnPageIsTheFirstRedirectURI(t *testing.T) {
	const page = "http://127.0.0.1:4011/local/return"
	before := slices.Clone(Fixed.ThirdParties[0].RedirectURIs)
	d := Fixed.WithReturnPage(page)
	straum := d.ThirdParties[0]
	if want := append([]string{page}, before...); !slices.Equal(straum.RedirectURIs, want) {
		t.Errorf("redirect URIs %q, want %q", straum.RedirectURIs, want)
	}
	if !slices.Contains(straum.RedirectURIs, "http://127.0.0.1:8765/return") {
		t.Errorf("the example third party's return URL is gone: %q", straum.RedirectURIs)
	}
	if err := straum.Validate(); err != nil {
		t.Errorf("not a third party the registry takes: %v", err)
	}
	if !slices.Equal(Fixed.ThirdParties[0].RedirectURIs, before) {
		t.Errorf("Fixed changed to %q", Fixed.ThirdParties[0].RedirectURIs)
	}
	for _, uri := range Fixed.ThirdParties[0].RedirectURIs {
		if !strings.HasPrefix(uri, "http://127.0.0.1:") {
			t.Errorf("the demo third party returns to %s, outside this machine", uri)
		}
	}
}
