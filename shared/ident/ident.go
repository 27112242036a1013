// Package ident is a rule: it parses the identifiers Tredjepart receives from outside —
// metering point ids (GSRN), actor ids (GLN), national identity numbers and
// organisation numbers — into types that can only hold valid values.
//
// Parsing never trims or otherwise repairs input: a stray space is as much a
// typing error as a wrong digit, and silently accepting it would hide bugs in
// the caller.
package ident

import "fmt"

// Error is returned by every Parse function. Reason is written so that the
// person or system that supplied the value can correct it.
type Error struct {
	Kind   string // "GSRN", "GLN", "national identity number", "organisation number"
	Reason string // e.g. "must be 18 digits, got 17"; never contains a national identity number
}

func (e *Error) Error() string { return e.Kind + ": " + e.Reason }

const (
	kindGSRN       = "GSRN"
	kindGLN        = "GLN"
	kindNationalID = "national identity number"
	kindOrgNumber  = "organisation number"
)

// checkDigits reports why s is not exactly want ASCII digits, or nil.
// The reasons never echo s, so they are safe for national identity numbers.
func checkDigits(kind, s string, want int) *Error {
	if s == "" {
		return &Error{Kind: kind, Reason: "is required"}
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return &Error{Kind: kind, Reason: "must contain only digits"}
		}
	}
	if len(s) != want {
		return &Error{Kind: kind, Reason: fmt.Sprintf("must be %d digits, got %d", want, len(s))}
	}
	return nil
}

// checkDigitsWithout is checkDigits for the *WithCheckDigit constructors,
// whose input lacks the trailing check digit(s); the prefix says so, since
// "GSRN: must be 17 digits" alone would contradict the 18-digit format.
func checkDigitsWithout(kind, what, s string, want int) *Error {
	err := checkDigits(kind, s, want)
	if err != nil {
		err.Reason = "without " + what + ": " + err.Reason
	}
	return err
}

// digit returns the value of the ASCII digit s[i].
func digit(s string, i int) int { return int(s[i] - '0') }

// mod11ControlDigit returns the mod-11 control digit of digits under weights
// (used by national identity and organisation numbers). ok is false when the
// digit would be 10: no such number is ever issued.
func mod11ControlDigit(digits string, weights []int) (d int, ok bool) {
	sum := 0
	for i, w := range weights {
		sum += digit(digits, i) * w
	}
	switch r := sum % 11; r {
	case 0:
		return 0, true
	case 1:
		return 0, false
	default:
		return 11 - r, true
	}
}
