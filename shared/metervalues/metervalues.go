// Package metervalues is a rule: a metering point's meter values: one series per Oslo
// day, at 15- or 60-minute resolution, each quantity in kWh with a quality
// code. It validates submitted series and aggregates stored ones for queries.
// Quantities are decimals end to end: a float would not sum kWh exactly.
package metervalues

import (
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tredjepart/tredjepart/shared/fault"
)

// Resolution is the length of one position in a day series, as an ISO 8601
// duration.
type Resolution string

const (
	PT15M Resolution = "PT15M"
	PT60M Resolution = "PT60M"
)

// ParseResolution returns s as a Resolution, or a fault.InvalidFields error
// on field "resolution".
func ParseResolution(s string) (Resolution, error) {
	r := Resolution(s)
	if r.Step() == 0 {
		return "", fault.InvalidFields(fault.FieldError{Field: "resolution", Reason: resolutionReason})
	}
	return r, nil
}

const resolutionReason = `must be "PT15M" or "PT60M"`

// Step is the duration of one position: 15m or 60m, and 0 for an unknown
// resolution.
func (r Resolution) Step() time.Duration {
	switch r {
	case PT15M:
		return 15 * time.Minute
	case PT60M:
		return time.Hour
	}
	return 0
}

// Quality is an ENTSO-E / CIM quantity quality code, as the Nordic datahubs
// use them.
type Quality string

const (
	Adjusted     Quality = "A01"
	NotAvailable Quality = "A02"
	Estimated    Quality = "A03"
	Measured     Quality = "A04" // "as provided"
	Incomplete   Quality = "A05"
)

const qualityReason = "must be one of A01, A02, A03, A04, A05"

// ParseQuality returns s as a Quality, or a fault.InvalidFields error on
// field "quality".
func ParseQuality(s string) (Quality, error) {
	q := Quality(s)
	if q.rank() < 0 {
		return "", fault.InvalidFields(fault.FieldError{Field: "quality", Reason: qualityReason})
	}
	return q, nil
}

// rank orders qualities from best (0) to worst; -1 means unknown.
func (q Quality) rank() int {
	switch q {
	case Measured:
		return 0
	case Adjusted:
		return 1
	case Estimated:
		return 2
	case Incomplete:
		return 3
	case NotAvailable:
		return 4
	}
	return -1
}

// Worse returns the worse of two qualities for an aggregate:
// NotAvailable > Incomplete > Estimated > Adjusted > Measured. An unknown code
// counts as worst of all, so that bad data can never make a sum look better.
func Worse(a, b Quality) Quality {
	ra, rb := a.rank(), b.rank()
	switch {
	case ra < 0:
		return a
	case rb < 0:
		return b
	case rb > ra:
		return b
	}
	return a
}

// Unit is the unit of every quantity.
const Unit = "kWh"

// Decimals is the most decimals a quantity may have (watt-hours).
const Decimals = 3

// maxQuantity bounds one quantity: far above any real metering point, low
// enough to catch a unit mix-up. It has the quantities' exponent (-3), so
// comparing one with it needs no rescaling (a big.Int power each time).
var maxQuantity = decimal.New(1_000_000_000*1000, -Decimals)

// ParseQuantity reads a kWh quantity: plain decimal digits with an optional
// fraction ("12.5"), at most 3 decimals, not negative, at most 1e9. Trailing
// fraction zeros beyond the third decimal are allowed ("1.5000"), since they
// do not change the value. The error is a fault.InvalidFields on field
// "quantity". It never goes through float.
func ParseQuantity(s string) (decimal.Decimal, error) {
	d, reason := parseQuantity(s)
	if reason != "" {
		return decimal.Decimal{}, fault.InvalidFields(fault.FieldError{Field: "quantity", Reason: reason})
	}
	return d, nil
}

func parseQuantity(s string) (decimal.Decimal, string) {
	if s == "" {
		return decimal.Decimal{}, "is required"
	}
	if s[0] == '-' {
		return decimal.Decimal{}, "must not be negative"
	}
	intPart, frac, hasPoint := strings.Cut(s, ".")
	if intPart == "" || !allDigits(intPart) || (hasPoint && (frac == "" || !allDigits(frac))) {
		return decimal.Decimal{}, "must be a plain decimal number such as 12.5"
	}
	// Trim before parsing, so that a long run of zeros costs nothing.
	intPart = strings.TrimLeft(intPart, "0")
	frac = strings.TrimRight(frac, "0")
	if len(frac) > Decimals {
		return decimal.Decimal{}, fmt.Sprintf("must have at most %d decimals", Decimals)
	}
	if len(intPart) > len("1000000000") {
		return decimal.Decimal{}, "must be at most " + maxQuantity.String()
	}
	if intPart == "" {
		intPart = "0"
	}
	canonical := intPart
	if frac != "" {
		canonical += "." + frac
	}
	d, err := decimal.NewFromString(canonical)
	if err != nil {
		return decimal.Decimal{}, "must be a plain decimal number such as 12.5" // cannot happen: canonical is digits
	}
	if d.GreaterThan(maxQuantity) {
		return decimal.Decimal{}, "must be at most " + maxQuantity.String()
	}
	return d, ""
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// quantityReason is why an already-decoded quantity breaks the rules, or "".
func quantityReason(d decimal.Decimal) string {
	switch {
	case d.Sign() < 0:
		return "must not be negative"
	case !d.Equal(d.Truncate(Decimals)):
		return fmt.Sprintf("must have at most %d decimals", Decimals)
	case d.GreaterThan(maxQuantity):
		return "must be at most " + maxQuantity.String()
	}
	return ""
}

// FormatQuantity writes d with exactly 3 decimals: "0.500".
func FormatQuantity(d decimal.Decimal) string {
	return d.StringFixed(Decimals)
}

// Quantity is the value at one position and how it was obtained.
type Quantity struct {
	Value   decimal.Decimal
	Quality Quality
}
