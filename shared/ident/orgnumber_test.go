package ident

import "testing"

// Brønnøysundregistrene's own organisation number. By hand, weights
// 3,2,7,6,5,4,3,2 on 97476067: 27+14+28+42+30+0+18+14 = 173; 173 mod 11 = 8;
// 11 − 8 = 3.
const validOrgNumber = "974760673"

func TestParseOrgNumber(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		wantErr string
	}{
		{"Brønnøysundregistrene", validOrgNumber, ""},
		{"Statnett", "962986633", ""},
		{"remainder 0 gives control digit 0", "974760770", ""},
		{"empty", "", "organisation number: is required"},
		{"with spaces as printed on invoices", "974 760 673", "organisation number: must contain only digits"},
		{"with MVA suffix", "974760673MVA", "organisation number: must contain only digits"},
		{"one digit short", "97476067", "organisation number: must be 9 digits, got 8"},
		{"wrong control digit", "974760674", "organisation number: control digit should be 3"},
		{"control digit would be 10", "974760690", "organisation number: one of the first 8 digits is wrong (control digit would be 10)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseOrgNumber(tt.input)
			if !errorIs(t, err, tt.wantErr) {
				return
			}
			if got.String() != tt.input {
				t.Errorf("ParseOrgNumber(%q).String() = %q", tt.input, got)
			}
		})
	}
}

func TestOrgNumberWithControlDigit(t *testing.T) {
	tests := []struct {
		name    string
		first8  string
		want    OrgNumber
		wantErr string
	}{
		{"Brønnøysundregistrene", "97476067", validOrgNumber, ""},
		{"control digit would be 10", "97476069", "", "organisation number: no organisation number starts with these 8 digits (control digit would be 10)"},
		{"too short", "9747606", "", "organisation number: without control digit: must be 8 digits, got 7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := OrgNumberWithControlDigit(tt.first8)
			if errorIs(t, err, tt.wantErr) && got != tt.want {
				t.Errorf("OrgNumberWithControlDigit(%q) = %q, want %q", tt.first8, got, tt.want)
			}
		})
	}
}
