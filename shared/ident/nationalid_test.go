package ident

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// Test numbers are either born in 2039 or synthetic (month + 80), so none
// can belong to a real person.
//
// validFodselsnummer is 15 March 2039, individual number 512. By hand:
// k1: 1·3+5·7+0·6+3·1+3·8+9·9+5·4+1·5+2·2 = 175; 175 mod 11 = 10; 11 − 10 = 1.
// k2: 1·5+5·4+0·3+3·2+3·7+9·6+5·5+1·4+2·3+1·2 = 143; 143 mod 11 = 0 → 0.
const (
	validFodselsnummer = "15033951210"
	validDNumber       = "55033951204" // same date, day + 40
	validSynthetic     = "15838551243" // Tenor: 15 March 1985, month + 80
	validSyntheticD    = "55838551237" // Tenor D-number: day + 40 and month + 80
)

func TestParseNationalID(t *testing.T) {
	tests := []struct {
		name        string
		input       string
		wantDNumber bool
		wantErr     string
	}{
		{"fødselsnummer", validFodselsnummer, false, ""},
		{"D-number", validDNumber, true, ""},
		{"D-number on day 31 (first digit 7)", "71013951300", true, ""},
		{"Tenor synthetic fødselsnummer", validSynthetic, false, ""},
		{"Tenor synthetic D-number", validSyntheticD, true, ""},
		{"29 February 2036 (leap year)", "29023651295", false, ""},
		{"29 February 2000: individual number 500+ means 2000s, a leap year", "29820051260", false, ""},
		{"29 February 00 with individual number below 500: since 2032 any individual number may be born in 2000", "29820012346", false, ""},

		// Numbers issued from 1 January 2032: the first ten digits may leave
		// a remainder of 1, 2 or 3 mod 11 as well as 0 (the same first nine
		// digits as validFodselsnummer, which leaves 0).
		{"2032 series, remainder 1", "15033951229", false, ""},
		{"2032 series, remainder 2", "15033951237", false, ""},
		{"2032 series, remainder 3", "15033951245", false, ""},
		{"2032 series D-number, remainder 3", "55033951239", true, ""},
		{"2032 series Tenor synthetic, remainder 1", "15838551251", false, ""},
		{"2032 series where the old rule's first control digit would be 10", "15033950001", false, ""},
		{"2032 series, remainder 4 is not issued", "15033951253", false, "national identity number: control digits do not match"},
		{"2032 series, right first control digit, wrong second", "15033951238", false, "national identity number: control digits do not match"},

		{"empty", "", false, "national identity number: is required"},
		{"ten digits", validFodselsnummer[:10], false, "national identity number: must be 11 digits, got 10"},
		{"twelve digits", validFodselsnummer + "0", false, "national identity number: must be 11 digits, got 12"},
		{"space after date", "150339 51210", false, "national identity number: must contain only digits"},
		{"trailing space", validFodselsnummer + " ", false, "national identity number: must contain only digits"},

		{"31 February", "31029951295", false, "national identity number: not a valid date of birth"},
		{"31 April", "31043951206", false, "national identity number: not a valid date of birth"},
		{"29 February 2039 (not a leap year)", "29023951248", false, "national identity number: not a valid date of birth"},
		{"day 00", "00013951284", false, "national identity number: not a valid date of birth"},
		{"day 32", "32013951275", false, "national identity number: not a valid date of birth"},
		{"D-number day 72", "72013951269", false, "national identity number: not a valid date of birth"},
		{"month 00", "01003951223", false, "national identity number: not a valid date of birth"},
		{"month 13", "01133951241", false, "national identity number: not a valid date of birth"},
		{"synthetic month 93", "01933951207", false, "national identity number: not a valid date of birth"},

		{"second control digit wrong", "15033951211", false, "national identity number: control digits do not match"},
		{"first control digit wrong", "15033951220", false, "national identity number: control digits do not match"},
		{"mistyped individual number", "15033951310", false, "national identity number: control digits do not match"},
		{"first control digit would be 10", "15033950000", false, "national identity number: control digits do not match"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseNationalID(tt.input)
			if !errorIs(t, err, tt.wantErr) {
				if !got.IsZero() {
					t.Errorf("rejected input returned non-zero NationalID")
				}
				return
			}
			if got.Digits() != tt.input {
				t.Errorf("Digits() = %q, want %q", got.Digits(), tt.input)
			}
			if got.IsDNumber() != tt.wantDNumber {
				t.Errorf("IsDNumber() = %v, want %v", got.IsDNumber(), tt.wantDNumber)
			}
			if got.IsZero() {
				t.Errorf("IsZero() = true for a parsed number")
			}
		})
	}
}

func TestNationalIDWithControlDigits(t *testing.T) {
	tests := []struct {
		name    string
		first9  string
		want    string
		wantErr string
	}{
		{"fødselsnummer", "150339512", validFodselsnummer, ""},
		{"D-number", "550339512", validDNumber, ""},
		{"Tenor synthetic", "158385512", validSynthetic, ""},
		{"first control digit would be 10", "150339500", "", "national identity number: no number of the series before 2032 starts with these 9 digits (a control digit would be 10)"},
		{"second control digit would be 10", "150339507", "", "national identity number: no number of the series before 2032 starts with these 9 digits (a control digit would be 10)"},
		{"not a date", "310299512", "", "national identity number: not a valid date of birth"},
		{"with control digits already", validFodselsnummer, "", "national identity number: without control digits: must be 9 digits, got 11"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NationalIDWithControlDigits(tt.first9)
			if errorIs(t, err, tt.wantErr) && got.Digits() != tt.want {
				t.Errorf("NationalIDWithControlDigits(%q).Digits() = %q, want %q", tt.first9, got.Digits(), tt.want)
			}
		})
	}
}

func TestNationalIDIsMaskedWhenPrinted(t *testing.T) {
	id, err := ParseNationalID(validFodselsnummer)
	if err != nil {
		t.Fatal(err)
	}
	var jsonLog, textLog bytes.Buffer
	slog.New(slog.NewJSONHandler(&jsonLog, nil)).Info("consent", "endUser", id, slog.Any("pointer", &id))
	slog.New(slog.NewTextHandler(&textLog, nil)).Info("consent", "endUser", id)

	type request struct{ EndUser NationalID }
	outputs := map[string]string{
		"String":              id.String(),
		"fmt.Sprint":          fmt.Sprint(id),
		"%v":                  fmt.Sprintf("%v", id),
		"%+v":                 fmt.Sprintf("%+v", id),
		"%#v":                 fmt.Sprintf("%#v", id),
		"%s":                  fmt.Sprintf("%s", id),
		"%q":                  fmt.Sprintf("%q", id),
		"%d":                  fmt.Sprintf("%d", id),
		"%x":                  fmt.Sprintf("%x", id),
		"pointer %v":          fmt.Sprintf("%v", &id),
		"in struct %+v":       fmt.Sprintf("%+v", request{id}),
		"in struct %#v":       fmt.Sprintf("%#v", request{id}),
		"in slice %v":         fmt.Sprintf("%v", []NationalID{id}),
		"in error %v":         fmt.Errorf("lookup %v: %w", id, errTest).Error(),
		"slog JSON handler":   jsonLog.String(),
		"slog text handler":   textLog.String(),
		"slog LogValue":       id.LogValue().String(),
		"slog Any resolution": slog.AnyValue(id).Resolve().String(),
	}
	for name, out := range outputs {
		if strings.Contains(out, validFodselsnummer) || strings.Contains(out, validFodselsnummer[:6]) {
			t.Errorf("%s leaks the number: %s", name, out)
		}
		if !strings.Contains(out, nationalIDMask) {
			t.Errorf("%s does not show the mask: %s", name, out)
		}
	}
}

var errTest = fmt.Errorf("not found")

func TestZeroNationalID(t *testing.T) {
	var zero NationalID
	if !zero.IsZero() || zero.IsDNumber() || zero.Digits() != "" || zero.String() != "" {
		t.Errorf("zero NationalID: IsZero=%v IsDNumber=%v Digits=%q String=%q",
			zero.IsZero(), zero.IsDNumber(), zero.Digits(), zero.String())
	}
}
