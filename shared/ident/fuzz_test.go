package ident

import (
	"errors"
	"strings"
	"testing"
)

// The fuzz tests check properties that must hold for any input:
//   - parsing never panics;
//   - errors are *Error of the right kind;
//   - an accepted value round-trips and agrees with the *WithCheckDigit
//     constructor;
//   - changing any single digit of an accepted value makes it invalid
//     (GS1 mod-10 and the mod-11 schemes detect every single-digit error).

func FuzzParseGSRN(f *testing.F) {
	for _, seed := range []string{validGSRN, "707057500000000017", "123456789012345675", "", " 707057500000000018", "7070575000000000181"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		g, err := ParseGSRN(s)
		if err != nil {
			requireKind(t, err, kindGSRN)
			return
		}
		if g.String() != s {
			t.Fatalf("ParseGSRN(%q).String() = %q", s, g)
		}
		if built, err := GSRNWithCheckDigit(s[:17]); err != nil || built != g {
			t.Fatalf("GSRNWithCheckDigit(%q) = %q, %v; want %q", s[:17], built, err, g)
		}
		forEachSingleDigitChange(s, func(changed string) {
			if _, err := ParseGSRN(changed); err == nil {
				t.Fatalf("ParseGSRN accepted %q, a single-digit change of valid %q", changed, s)
			}
		})
	})
}

func FuzzParseGLN(f *testing.F) {
	for _, seed := range []string{validGLN, "7080005051287", "", "708000505128"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		g, err := ParseGLN(s)
		if err != nil {
			requireKind(t, err, kindGLN)
			return
		}
		if g.String() != s {
			t.Fatalf("ParseGLN(%q).String() = %q", s, g)
		}
		if built, err := GLNWithCheckDigit(s[:12]); err != nil || built != g {
			t.Fatalf("GLNWithCheckDigit(%q) = %q, %v; want %q", s[:12], built, err, g)
		}
		forEachSingleDigitChange(s, func(changed string) {
			if _, err := ParseGLN(changed); err == nil {
				t.Fatalf("ParseGLN accepted %q, a single-digit change of valid %q", changed, s)
			}
		})
	})
}

func FuzzParseOrgNumber(f *testing.F) {
	for _, seed := range []string{validOrgNumber, "974760770", "974760690", "974760674", "", "974 760 673"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		o, err := ParseOrgNumber(s)
		if err != nil {
			requireKind(t, err, kindOrgNumber)
			return
		}
		if o.String() != s {
			t.Fatalf("ParseOrgNumber(%q).String() = %q", s, o)
		}
		if built, err := OrgNumberWithControlDigit(s[:8]); err != nil || built != o {
			t.Fatalf("OrgNumberWithControlDigit(%q) = %q, %v; want %q", s[:8], built, err, o)
		}
		forEachSingleDigitChange(s, func(changed string) {
			if _, err := ParseOrgNumber(changed); err == nil {
				t.Fatalf("ParseOrgNumber accepted %q, a single-digit change of valid %q", changed, s)
			}
		})
	})
}

func FuzzParseNationalID(f *testing.F) {
	for _, seed := range []string{
		validFodselsnummer, validDNumber, validSynthetic, validSyntheticD,
		"29820051260", "29820012346", "31029951295", "15033951211", "15033950000",
		"15033951229", "15033951245", "55033951239", "15033950001", "15033951253",
		"", "1503395121", "150339512100", "15033951210 ",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseNationalID(s)
		if err != nil {
			requireKind(t, err, kindNationalID)
			requireNoDigitsOf(t, err, s)
			if !id.IsZero() {
				t.Fatalf("ParseNationalID returned a non-zero value with error %v", err)
			}
			return
		}
		if id.Digits() != s {
			t.Fatalf("ParseNationalID(%q).Digits() = %q", s, id.Digits())
		}
		if id.String() != nationalIDMask {
			t.Fatalf("ParseNationalID(%q).String() = %q, want the mask", s, id)
		}
		if again, err := ParseNationalID(id.Digits()); err != nil || again != id {
			t.Fatalf("re-parsing Digits() gave %v, %v", again, err)
		}
		// The constructor follows the rule before 2032; a number of the 2032
		// series that it does not build must leave a remainder of 1–3.
		if built, err := NationalIDWithControlDigits(s[:9]); err != nil || built != id {
			if r1 := (weightedSum(s, controlDigit1Weights) + digit(s, 9)) % 11; r1 == 0 {
				t.Fatalf("NationalIDWithControlDigits(%q) = %v, %v; want %q", s[:9], built.Digits(), err, s)
			}
		}
		if id.IsDNumber() != (s[0] >= '4') {
			t.Fatalf("IsDNumber() = %v for first digit %c", id.IsDNumber(), s[0])
		}
		forEachSingleDigitChange(s, func(changed string) {
			_, err := ParseNationalID(changed)
			if err == nil {
				t.Fatalf("ParseNationalID accepted a single-digit change of a valid number")
			}
			requireNoDigitsOf(t, err, changed)
		})
	})
}

// requireNoDigitsOf fails if err could reveal the national identity number s.
// Length errors name a digit count, which may coincide with a very short
// input, so the check for digits in general applies only to 11-digit inputs,
// whose errors (date, control digits) must contain no digit at all.
func requireNoDigitsOf(t *testing.T, err error, s string) {
	t.Helper()
	msg := err.Error()
	if len(s) >= 3 && strings.Contains(msg, s) {
		t.Fatalf("error %q contains the input", msg)
	}
	if len(s) == nationalIDLength && strings.ContainsAny(msg, "0123456789") {
		t.Fatalf("error %q for an 11-digit input contains digits", msg)
	}
}

func requireKind(t *testing.T, err error, kind string) {
	t.Helper()
	var identErr *Error
	if !errors.As(err, &identErr) {
		t.Fatalf("error %#v is not an *ident.Error", err)
	}
	if identErr.Kind != kind || identErr.Reason == "" {
		t.Fatalf("error = %+v, want kind %q and a reason", identErr, kind)
	}
}

// forEachSingleDigitChange calls fn with every string that differs from the
// all-digit s in exactly one position.
func forEachSingleDigitChange(s string, fn func(changed string)) {
	b := []byte(s)
	for i, original := range b {
		for d := byte('0'); d <= '9'; d++ {
			if d == original {
				continue
			}
			b[i] = d
			fn(string(b))
		}
		b[i] = original
	}
}
