package demo

import (
	"testing"

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
