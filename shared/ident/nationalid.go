package ident

import (
	"fmt"
	"io"
	"log/slog"
	"time"
)

// NationalID is a Norwegian national identity number: a fødselsnummer or a
// D-number, 11 digits DDMMYY + individual number (3) + two mod-11 control
// digits.
//
// It is personal data and must never reach logs. String, fmt (every verb,
// including %#v) and slog therefore show only a mask; the digits are
// available through Digits, for keyed hashing. fmt cannot call methods on
// unexported struct fields, so do not print structs that hold a NationalID
// in an unexported field.
type NationalID struct {
	digits string
}

const (
	nationalIDLength = 11
	nationalIDMask   = "***********"
)

var (
	controlDigit1Weights = []int{3, 7, 6, 1, 8, 9, 4, 5, 2}
	controlDigit2Weights = []int{5, 4, 3, 2, 7, 6, 5, 4, 3, 2}
)

// maxFirstControlRemainder is the largest remainder mod 11 that the first
// control digit may leave. Numbers issued before 1 January 2032 leave 0 (k1 =
// 11 − the remainder of the first nine digits); from then on Skatteetaten
// issues numbers that leave 0, 1, 2 or 3, so that a date of birth has four
// times as many numbers. Both series are valid side by side. The second
// control digit is computed as before, over the first ten digits.
const maxFirstControlRemainder = 3

// ParseNationalID returns s as a NationalID if it is 11 digits, starts with a
// possible date of birth and has correct control digits.
//
// Accepted date forms:
//   - fødselsnummer: DDMMYY;
//   - D-number: day + 40 (so the first digit is 4–7);
//   - synthetic test numbers from Skatteetaten's test environment (Tenor):
//     month + 80. They belong to no real person and are what test and demo
//     data use, so they must parse in every environment.
//
// Control digits are read by both rules: the one for numbers issued before
// 2032 and the one for numbers issued since (see maxFirstControlRemainder).
//
// Error reasons never contain s, nor the expected control digits: those
// would tell a user how to turn a mistyped number into a valid one that may
// belong to someone else.
func ParseNationalID(s string) (NationalID, error) {
	if err := checkDigits(kindNationalID, s, nationalIDLength); err != nil {
		return NationalID{}, err
	}
	if !hasValidBirthDate(s) {
		return NationalID{}, &Error{Kind: kindNationalID, Reason: "not a valid date of birth"}
	}
	if !hasValidControlDigits(s) {
		return NationalID{}, &Error{Kind: kindNationalID, Reason: "control digits do not match"}
	}
	return NationalID{digits: s}, nil
}

// hasValidControlDigits reports whether the 11 digits of s satisfy the
// control rule of either series: the first ten digits, k1 with weight 1,
// leave a remainder of at most maxFirstControlRemainder mod 11, and all
// eleven, k2 with weight 1, leave 0.
func hasValidControlDigits(s string) bool {
	r1 := (weightedSum(s, controlDigit1Weights) + digit(s, 9)) % 11
	r2 := (weightedSum(s, controlDigit2Weights) + digit(s, 10)) % 11
	return r1 <= maxFirstControlRemainder && r2 == 0
}

func weightedSum(s string, weights []int) int {
	sum := 0
	for i, w := range weights {
		sum += digit(s, i) * w
	}
	return sum
}

// NationalIDWithControlDigits appends the two control digits of the rule
// before 2032 to first9; for demo and test data. It fails when first9 has no
// valid date of birth or a control digit would be 10 (about one in six).
func NationalIDWithControlDigits(first9 string) (NationalID, error) {
	if err := checkDigitsWithout(kindNationalID, "control digits", first9, nationalIDLength-2); err != nil {
		return NationalID{}, err
	}
	k1, k2, ok := nationalIDControlDigits(first9)
	if !ok {
		return NationalID{}, &Error{Kind: kindNationalID, Reason: "no number of the series before 2032 starts with these 9 digits (a control digit would be 10)"}
	}
	return ParseNationalID(first9 + string(byte('0'+k1)) + string(byte('0'+k2)))
}

// nationalIDControlDigits computes k1 and k2 for the first 9 digits; ok is
// false if either would be 10.
func nationalIDControlDigits(first9 string) (k1, k2 int, ok bool) {
	k1, ok = mod11ControlDigit(first9, controlDigit1Weights)
	if !ok {
		return 0, 0, false
	}
	k2, ok = mod11ControlDigit(first9+string(byte('0'+k1)), controlDigit2Weights)
	return k1, k2, ok
}

// hasValidBirthDate reports whether s starts with a date that exists.
func hasValidBirthDate(s string) bool {
	day := digit(s, 0)*10 + digit(s, 1)
	month := digit(s, 2)*10 + digit(s, 3)
	yy := digit(s, 4)*10 + digit(s, 5)

	if day > 40 {
		day -= 40 // D-number
	}
	if month > 80 {
		month -= 80 // Tenor synthetic test number
	}
	if month < 1 || month > 12 || day < 1 {
		return false
	}
	// The century matters only for 29 February 00: 1900 was not a leap year,
	// 2000 was. Before 2032 the individual number told the century (000–499
	// the 1900s), but numbers issued since may have any individual number for
	// any year of birth, so 29 February 00 is someone's birthday whatever the
	// individual number: 2000's. For any other year, every century gives the
	// same answer.
	daysInMonth := time.Date(2000+yy, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
	return day <= daysInMonth
}

// IsDNumber reports whether n is a D-number, issued to people who are not
// registered as living in Norway (first digit 4–7: day of birth + 40).
func (n NationalID) IsDNumber() bool { return n.digits != "" && n.digits[0] >= '4' }

// Digits returns the clear 11 digits. Use it only as input to keyed hashing
// (package pseudonym); never store, log or return it.
func (n NationalID) Digits() string { return n.digits }

// IsZero reports whether n is the zero value, i.e. was not parsed.
func (n NationalID) IsZero() bool { return n.digits == "" }

// String returns a mask, or "" for the zero value.
func (n NationalID) String() string {
	if n.IsZero() {
		return ""
	}
	return nationalIDMask
}

// Format implements fmt.Formatter so that every verb, not only %v and %s
// (which would use String), prints the mask; %d or %#v would otherwise print
// the digits.
func (n NationalID) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, n.String()) }

// LogValue implements slog.LogValuer so that structured logs get the mask.
func (n NationalID) LogValue() slog.Value { return slog.StringValue(n.String()) }
