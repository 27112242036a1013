package ident

import "fmt"

// GSRN (Global Service Relation Number) identifies a metering point: 18
// digits ending in a GS1 mod-10 check digit. Norwegian metering points start
// with 7070575000, but any valid GS1 number is accepted so that foreign or
// test ranges do not need special handling.
type GSRN string

const gsrnLength = 18

// ParseGSRN returns s as a GSRN if it is 18 digits with a correct check digit.
func ParseGSRN(s string) (GSRN, error) {
	if err := checkGS1(kindGSRN, s, gsrnLength); err != nil {
		return "", err
	}
	return GSRN(s), nil
}

// GSRNWithCheckDigit appends the check digit to first17; for demo and test data.
func GSRNWithCheckDigit(first17 string) (GSRN, error) {
	if err := checkDigitsWithout(kindGSRN, "check digit", first17, gsrnLength-1); err != nil {
		return "", err
	}
	return GSRN(first17 + string(byte('0'+gs1CheckDigit(first17)))), nil
}

func (g GSRN) String() string { return string(g) }

// GLN (Global Location Number) identifies a market actor such as a grid
// company or a third party: 13 digits ending in a GS1 mod-10 check digit.
type GLN string

const glnLength = 13

// ParseGLN returns s as a GLN if it is 13 digits with a correct check digit.
func ParseGLN(s string) (GLN, error) {
	if err := checkGS1(kindGLN, s, glnLength); err != nil {
		return "", err
	}
	return GLN(s), nil
}

// GLNWithCheckDigit appends the check digit to first12; for demo and test data.
func GLNWithCheckDigit(first12 string) (GLN, error) {
	if err := checkDigitsWithout(kindGLN, "check digit", first12, glnLength-1); err != nil {
		return "", err
	}
	return GLN(first12 + string(byte('0'+gs1CheckDigit(first12)))), nil
}

func (g GLN) String() string { return string(g) }

// checkGS1 returns nil if s is length digits ending in a correct check digit.
// The expected digit is in the reason: GSRNs and GLNs are not personal data.
func checkGS1(kind, s string, length int) error {
	if err := checkDigits(kind, s, length); err != nil {
		return err
	}
	if want := gs1CheckDigit(s[:length-1]); digit(s, length-1) != want {
		return &Error{Kind: kind, Reason: fmt.Sprintf("check digit should be %d", want)}
	}
	return nil
}

// gs1CheckDigit computes the GS1 mod-10 check digit: weights 3,1,3,1,…
// counted from the rightmost digit. Because 3 and 10 are coprime, every
// single-digit error changes the result.
func gs1CheckDigit(digits string) int {
	sum := 0
	for i := 0; i < len(digits); i++ {
		d := digit(digits, len(digits)-1-i)
		if i%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return (10 - sum%10) % 10
}
