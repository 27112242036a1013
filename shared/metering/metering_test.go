package metering

import (
	"testing"
	"time"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/grant"
	"github.com/tredjepart/tredjepart/shared/registry"
)

func TestDataWindow(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	mp := registry.MeteringPoint{Occupancies: []registry.Occupancy{
		{EndUser: "p1_old", MoveIn: registry.Date(2018, 5, 1), MoveOut: registry.Date(2025, 3, 1)},
		{EndUser: "p1_new", MoveIn: registry.Date(2025, 3, 1)},
	}}
	for _, tc := range []struct {
		name     string
		grant    grant.Grant
		from, to time.Time
	}{
		{"the current end user: from move-in to the end of today", grant.Grant{EndUser: "p1_new", DataFrom: registry.Date(2025, 3, 1)},
			registry.Date(2025, 3, 1), registry.Date(2026, 11, 29)},
		{"moved out: up to the move-out, and never more than three years back", grant.Grant{EndUser: "p1_old", DataFrom: registry.Date(2018, 5, 1)},
			registry.Date(2023, 11, 28), registry.Date(2025, 3, 1)},
		{"an end user the registry no longer shows opens nothing", grant.Grant{EndUser: "p1_gone", DataFrom: registry.Date(2020, 1, 1)},
			registry.Date(2023, 11, 28), registry.Date(2023, 11, 28)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, w := DataWindow(tc.grant, mp, now)
			if !w.From.Equal(tc.from) || !w.To.Equal(tc.to) {
				t.Fatalf("window %s–%s, want %s–%s", day(w.From), day(w.To), day(tc.from), day(tc.to))
			}
		})
	}
}

func TestVisibleKeepsLimitedToTheMinimumSet(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	holder := registry.Occupancy{EndUser: "p1_new", DisplayName: "Kari", MoveIn: registry.Date(2025, 3, 1)}
	mp := registry.MeteringPoint{
		ID: "707057500000001015", Type: registry.Consumption, AccountingPoint: true, Status: registry.Connected,
		Address: registry.Address{Street: "Storgata 1", Postcode: "0155", Municipality: "Oslo"}, GridArea: "50Y", PriceArea: "NO1",
		MeterNumber: "M-1", Resolution: "PT60M", Contract: &registry.Contract{BalanceSupplier: "7090000000035", Start: registry.Date(2025, 3, 1)},
		Occupancies: []registry.Occupancy{{EndUser: "p1_old", DisplayName: "Ola", MoveIn: registry.Date(2018, 5, 1), MoveOut: registry.Date(2025, 3, 1)}, holder},
	}
	limited := Visible(Access{Grant: grant.Grant{Level: accessrequest.Limited}, MeteringPoint: mp, Holder: holder}, now)
	if limited.Full != nil || limited.ID != mp.ID || limited.Address != mp.Address || limited.PriceArea != "NO1" || limited.Resolution != "PT60M" || limited.Type != registry.Consumption {
		t.Fatalf("limited: %+v", limited)
	}
	full := Visible(Access{Grant: grant.Grant{Level: accessrequest.Full}, MeteringPoint: mp, Holder: holder}, now)
	if full.Full == nil || full.Full.Contract == nil || full.Full.EndUser == nil || full.Full.EndUser.DisplayName != "Kari" || full.Full.GridArea != "50Y" {
		t.Fatalf("full: %+v", full.Full)
	}
	movedOut := mp.Occupancies[0]
	old := Visible(Access{Grant: grant.Grant{Level: accessrequest.Full}, MeteringPoint: mp, Holder: movedOut}, now)
	if old.Full.Contract != nil || old.Full.EndUser.DisplayName != "Ola" {
		t.Fatalf("after move-out the contract is the next occupant's: %+v", old.Full)
	}
}
