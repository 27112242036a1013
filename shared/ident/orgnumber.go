package ident

import "fmt"

// OrgNumber is a Norwegian organisation number (organisasjonsnummer) from
// Enhetsregisteret: 9 digits, the last a mod-11 control digit. Organisation
// numbers are public, so unlike national identity numbers they may be logged.
type OrgNumber string

const orgNumberLength = 9

var orgNumberWeights = []int{3, 2, 7, 6, 5, 4, 3, 2}

// ParseOrgNumber returns s as an OrgNumber if it is 9 digits with a correct
// control digit.
func ParseOrgNumber(s string) (OrgNumber, error) {
	if err := checkDigits(kindOrgNumber, s, orgNumberLength); err != nil {
		return "", err
	}
	want, ok := mod11ControlDigit(s, orgNumberWeights)
	if !ok {
		return "", &Error{Kind: kindOrgNumber, Reason: "one of the first 8 digits is wrong (control digit would be 10)"}
	}
	if digit(s, orgNumberLength-1) != want {
		return "", &Error{Kind: kindOrgNumber, Reason: fmt.Sprintf("control digit should be %d", want)}
	}
	return OrgNumber(s), nil
}

// OrgNumberWithControlDigit appends the control digit to first8; for demo and
// test data. It fails for the first8 whose control digit would be 10.
func OrgNumberWithControlDigit(first8 string) (OrgNumber, error) {
	if err := checkDigitsWithout(kindOrgNumber, "control digit", first8, orgNumberLength-1); err != nil {
		return "", err
	}
	d, ok := mod11ControlDigit(first8, orgNumberWeights)
	if !ok {
		return "", &Error{Kind: kindOrgNumber, Reason: "no organisation number starts with these 8 digits (control digit would be 10)"}
	}
	return OrgNumber(first8 + string(byte('0'+d))), nil
}

func (o OrgNumber) String() string { return string(o) }
