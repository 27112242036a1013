package ident

import (
	"errors"
	"testing"
)

// validGSRN is GSRNWithCheckDigit("70705750000000001"). By hand, weights
// 3,1,3,… from the left (17 digits, so the rightmost also has weight 3):
// 7·3 + 7·3 + 5·3 + 7·1 + 5·3 + 1·3 = 82, and 10 − 82 mod 10 = 8.
const validGSRN = "707057500000000018"

// validGLN is GLNWithCheckDigit("708000505128"). By hand, weights 1,3,1,…
// from the left (12 digits, so the rightmost has weight 3):
// 7 + 8 + 5 + 5 + 1·3 + 2 + 8·3 = 54, and 10 − 54 mod 10 = 6.
const validGLN = "7080005051286"

func TestParseGSRN(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		wantErr string
	}{
		{"Norwegian metering point", validGSRN, ""},
		{"foreign GS1 prefix", "123456789012345675", ""},
		{"check digit 0", "707057500000000100", ""},
		{"empty", "", "GSRN: is required"},
		{"one digit short", validGSRN[:17], "GSRN: must be 18 digits, got 17"},
		{"one digit too many", validGSRN + "0", "GSRN: must be 18 digits, got 19"},
		{"leading space", " " + validGSRN, "GSRN: must contain only digits"},
		{"trailing newline", validGSRN + "\n", "GSRN: must contain only digits"},
		{"letter", "70705750000000001X", "GSRN: must contain only digits"},
		{"non-ASCII digit", "70705750000000001٨", "GSRN: must contain only digits"},
		{"wrong check digit", "707057500000000017", "GSRN: check digit should be 8"},
		{"mistyped body", "707057500000000028", "GSRN: check digit should be 5"},
		{"swapped neighbours", "707057500000000108", "GSRN: check digit should be 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseGSRN(tt.input)
			if !errorIs(t, err, tt.wantErr) {
				return
			}
			if got.String() != tt.input {
				t.Errorf("ParseGSRN(%q).String() = %q", tt.input, got)
			}
		})
	}
}

func TestGSRNWithCheckDigit(t *testing.T) {
	tests := []struct {
		name    string
		first17 string
		want    GSRN
		wantErr string
	}{
		{"Norwegian metering point", "70705750000000001", validGSRN, ""},
		{"check digit 0", "70705750000000010", "707057500000000100", ""},
		{"too long", validGSRN, "", "GSRN: without check digit: must be 17 digits, got 18"},
		{"empty", "", "", "GSRN: without check digit: is required"},
		{"not digits", "7070575000000000a", "", "GSRN: without check digit: must contain only digits"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := GSRNWithCheckDigit(tt.first17)
			if errorIs(t, err, tt.wantErr) && got != tt.want {
				t.Errorf("GSRNWithCheckDigit(%q) = %q, want %q", tt.first17, got, tt.want)
			}
		})
	}
}

func TestParseGLN(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		wantErr string
	}{
		{"valid", validGLN, ""},
		{"empty", "", "GLN: is required"},
		{"GSRN instead of GLN", validGSRN, "GLN: must be 13 digits, got 18"},
		{"one digit short", validGLN[:12], "GLN: must be 13 digits, got 12"},
		{"dash", "7080005-051286", "GLN: must contain only digits"},
		{"wrong check digit", "7080005051287", "GLN: check digit should be 6"},
		{"mistyped body", "7080005051296", "GLN: check digit should be 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseGLN(tt.input)
			if !errorIs(t, err, tt.wantErr) {
				return
			}
			if got.String() != tt.input {
				t.Errorf("ParseGLN(%q).String() = %q", tt.input, got)
			}
		})
	}
}

func TestGLNWithCheckDigit(t *testing.T) {
	tests := []struct {
		name    string
		first12 string
		want    GLN
		wantErr string
	}{
		{"valid", "708000505128", validGLN, ""},
		{"with check digit already", validGLN, "", "GLN: without check digit: must be 12 digits, got 13"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := GLNWithCheckDigit(tt.first12)
			if errorIs(t, err, tt.wantErr) && got != tt.want {
				t.Errorf("GLNWithCheckDigit(%q) = %q, want %q", tt.first12, got, tt.want)
			}
		})
	}
}

// errorIs checks that err is nil when wantErr is empty, and otherwise an
// *Error whose message is wantErr. It reports whether err was nil.
func errorIs(t *testing.T, err error, wantErr string) bool {
	t.Helper()
	if wantErr == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return true
	}
	var identErr *Error
	if !errors.As(err, &identErr) {
		t.Fatalf("error = %#v, want *ident.Error %q", err, wantErr)
	}
	if err.Error() != wantErr {
		t.Errorf("error = %q, want %q", err, wantErr)
	}
	return false
}
