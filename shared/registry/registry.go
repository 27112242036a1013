// Package registry is a rule: what Tredjepart knows about metering points (their
// master data, contract and end users over time) and the parties that use it.
package registry

import (
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/oslo"
	"github.com/tredjepart/tredjepart/shared/pseudonym"
)

// DateLayout is how civil dates (move-in, move-out) are written.
const DateLayout = time.DateOnly

// Occupancy is one end user's time on a metering point: from MoveIn up to,
// not including, MoveOut (zero while the end user still lives there).
type Occupancy struct {
	EndUser     pseudonym.EndUserID
	DisplayName string    // the name shown to the end user and, with full access, to a third party
	MoveIn      time.Time // midnight Europe/Oslo
	MoveOut     time.Time // midnight Europe/Oslo, or zero
}

// Covers reports whether the end user held the metering point at t.
func (o Occupancy) Covers(t time.Time) bool {
	return !t.Before(o.MoveIn) && (o.MoveOut.IsZero() || t.Before(o.MoveOut))
}

// Address is where a metering point is.
type Address struct {
	Street       string
	Postcode     string
	Municipality string
}

// String is the address on one line, e.g. "Storgata 1, 0155 Oslo".
func (a Address) String() string {
	if a.Street == "" {
		return a.Postcode + " " + a.Municipality
	}
	return a.Street + ", " + a.Postcode + " " + a.Municipality
}

// Type is what a metering point measures.
type Type string

const (
	Consumption Type = "consumption" // Elhub E17
	Production  Type = "production"  // Elhub E18
	Combined    Type = "combined"    // Elhub E20: consumption and production (a prosumer)
)

// Status is whether the metering point is connected to the grid.
type Status string

const (
	Connected    Status = "connected"
	Disconnected Status = "disconnected"
	New          Status = "new" // registered, not yet connected
)

// PriceArea is a Nordic bidding zone, NO1–NO5.
type PriceArea string

// Types, Statuses and PriceAreas list the valid values.
var (
	Types      = []Type{Consumption, Production, Combined}
	Statuses   = []Status{Connected, Disconnected, New}
	PriceAreas = []PriceArea{"NO1", "NO2", "NO3", "NO4", "NO5"}
)

// Contract is who supplies the energy at a metering point.
type Contract struct {
	BalanceSupplier ident.GLN
	Start           time.Time // midnight Europe/Oslo
}

// MeteringPoint is a metering point's master data and its end users over time.
type MeteringPoint struct {
	ID                         ident.GSRN
	Type                       Type
	AccountingPoint            bool // only accounting points can be subject to third-party access
	Status                     Status
	Address                    Address
	GridArea                   string // the grid area's EIC code
	PriceArea                  PriceArea
	MeterNumber                string
	Resolution                 metervalues.Resolution
	EstimatedAnnualConsumption decimal.Decimal // kWh
	Contract                   *Contract       // nil when no supplier is registered
	Occupancies                []Occupancy
	// Version is raised by every change to the master data and guards
	// conditional writes; zero before the first write.
	Version int
}

// OccupancyFrom returns the occupancy that began at moveIn: the one a grant
// made by that end user covers.
func (m MeteringPoint) OccupancyFrom(user pseudonym.EndUserID, moveIn time.Time) (Occupancy, bool) {
	for _, o := range m.Occupancies {
		if o.EndUser == user && o.MoveIn.Equal(moveIn) {
			return o, true
		}
	}
	return Occupancy{}, false
}

// EndUserAt returns the end user holding the metering point at t.
func (m MeteringPoint) EndUserAt(t time.Time) (Occupancy, bool) {
	for _, o := range m.Occupancies {
		if o.Covers(t) {
			return o, true
		}
	}
	return Occupancy{}, false
}

// ThirdParty is a registered third party (Elhub role AG).
type ThirdParty struct {
	GLN       ident.GLN
	Name      string
	OrgNumber ident.OrgNumber
	ClientIDs []string // OAuth client ids whose tokens act for this third party
	// RedirectURIs are where the end user's browser may be sent back after
	// deciding (BRS-NO-624); a redirect_uri must match one exactly.
	RedirectURIs []string
	Contact      Contact
	// Disabled stops the third party's API calls, portal logins and
	// deliveries at once; its grants and outbox are kept.
	Disabled bool
	// Version is raised by every change and guards conditional writes;
	// zero before the first write.
	Version int
}

// Contact is whom the operator reaches at a registered party.
type Contact struct {
	Name, Email, Phone string
}

// AllowsRedirect reports whether uri is registered, compared exactly: no
// prefix, pattern or normalisation, so look-alikes never match.
func (tp ThirdParty) AllowsRedirect(uri string) bool {
	return uri != "" && slices.Contains(tp.RedirectURIs, uri)
}

// Date returns midnight Europe/Oslo on the given calendar day.
func Date(year int, month time.Month, day int) time.Time {
	return time.Date(year, month, day, 0, 0, 0, 0, oslo.Oslo)
}

// ParseDate reads a civil date as midnight Europe/Oslo.
func ParseDate(s string) (time.Time, error) {
	return time.ParseInLocation(DateLayout, s, oslo.Oslo)
}

// Validate checks master data from a grid company, naming every bad field.
func (m MeteringPoint) Validate() error {
	var bad []fault.FieldError
	add := func(field, reason string) { bad = append(bad, fault.FieldError{Field: field, Reason: reason}) }
	if !slices.Contains(Types, m.Type) {
		add("type", fmt.Sprintf("must be one of %v", Types))
	}
	if !slices.Contains(Statuses, m.Status) {
		add("status", fmt.Sprintf("must be one of %v", Statuses))
	}
	if !slices.Contains(PriceAreas, m.PriceArea) {
		add("priceArea", fmt.Sprintf("must be one of %v", PriceAreas))
	}
	if m.Resolution != metervalues.PT15M && m.Resolution != metervalues.PT60M {
		add("resolution", "must be PT15M or PT60M")
	}
	if m.Address.Postcode != "" && !postcode.MatchString(m.Address.Postcode) {
		add("address.postcode", "must be four digits")
	}
	if m.Address.Municipality == "" {
		add("address.municipality", "is required")
	}
	if m.GridArea == "" {
		add("gridArea", "is required")
	}
	if m.EstimatedAnnualConsumption.IsNegative() || m.EstimatedAnnualConsumption.Exponent() < -metervalues.Decimals {
		add("estimatedAnnualConsumption", "must be kWh, not negative, with at most 3 decimals")
	}
	// Field names count end users in the order sent; overlaps are found in move-in order.
	order := make([]int, len(m.Occupancies))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return m.Occupancies[a].MoveIn.Compare(m.Occupancies[b].MoveIn) })
	for n, i := range order {
		o, field := m.Occupancies[i], fmt.Sprintf("endUsers[%d]", i)
		if o.EndUser == "" {
			add(field, "names no end user")
		}
		if o.MoveIn.IsZero() {
			add(field+".moveIn", "is required")
		}
		if !o.MoveOut.IsZero() && !o.MoveOut.After(o.MoveIn) {
			add(field+".moveOut", "must be after moveIn")
		}
		if n > 0 {
			if prev := m.Occupancies[order[n-1]]; prev.MoveOut.IsZero() || prev.MoveOut.After(o.MoveIn) {
				add(field+".moveIn", fmt.Sprintf("overlaps endUsers[%d], who has not moved out by then", order[n-1]))
			}
		}
	}
	if c := m.Contract; c != nil && (c.BalanceSupplier == "" || c.Start.IsZero()) {
		add("contract", "needs balanceSupplier and start")
	}
	if len(bad) > 0 {
		return fault.InvalidFields(bad...)
	}
	return nil
}

var postcode = regexp.MustCompile(`^[0-9]{4}$`)
