// Package registry is what Tredjepart knows about metering points and the
// parties that use it. It is minimal now (enough to apply the access rules)
// and stored so that full master data can be added beside it later.
package registry

import (
	"slices"
	"time"

	"github.com/tredjepart/tredjepart/shared/businessday"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/pseudonym"
)

// DateLayout is how civil dates (move-in, move-out) are written.
const DateLayout = time.DateOnly

// Occupancy is one end user's time on a metering point: from MoveIn up to,
// not including, MoveOut (zero while the end user still lives there).
type Occupancy struct {
	EndUser pseudonym.EndUserID
	MoveIn  time.Time // midnight Europe/Oslo
	MoveOut time.Time // midnight Europe/Oslo, or zero
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

// MeteringPoint is a metering point and its end users over time.
type MeteringPoint struct {
	ID              ident.GSRN
	AccountingPoint bool // only accounting points can be subject to third-party access
	Address         Address
	Occupancies     []Occupancy
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
}

// AllowsRedirect reports whether uri is registered, compared exactly: no
// prefix, pattern or normalisation, so look-alikes never match.
func (tp ThirdParty) AllowsRedirect(uri string) bool {
	return uri != "" && slices.Contains(tp.RedirectURIs, uri)
}

// Date returns midnight Europe/Oslo on the given calendar day.
func Date(year int, month time.Month, day int) time.Time {
	return time.Date(year, month, day, 0, 0, 0, 0, businessday.Oslo)
}

// ParseDate reads a civil date as midnight Europe/Oslo.
func ParseDate(s string) (time.Time, error) {
	return time.ParseInLocation(DateLayout, s, businessday.Oslo)
}
