package pseudonym

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/tredjepart/tredjepart/shared/ident"
)

// Both numbers are born in 2039, so they belong to nobody.
const (
	fodselsnummer = "15033951210"
	dNumber       = "55033951204" // same date and individual number, day + 40
)

func testKey(first byte) []byte {
	key := make([]byte, 32)
	for i := range key {
		key[i] = first + byte(i)
	}
	return key
}

func mustNationalID(t *testing.T, s string) ident.NationalID {
	t.Helper()
	id, err := ident.ParseNationalID(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func mustNew(t *testing.T, key []byte) *Pseudonymizer {
	t.Helper()
	p, err := New(key)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPersonKnownAnswer pins the scheme: if this fails, every stored end-user
// id would silently stop matching. The expected values were computed
// independently with Python's hmac module:
//
//	"p1_" + urlsafe_b64encode(HMAC-SHA256(bytes(range(32)),
//	        b"tredjepart/pseudonym/v1/national-id\x00" + digits)).rstrip("=")
func TestPersonKnownAnswer(t *testing.T) {
	p := mustNew(t, testKey(0))
	tests := []struct {
		name   string
		digits string
		want   EndUserID
	}{
		{"fødselsnummer", fodselsnummer, "p1_VBO8fzCWz83fgU7-NTo1T1ttu-H69YRT-JLqp5jxIO4"},
		{"D-number", dNumber, "p1_4W39vTj-EX1RCEsK3_kO8-_3jn1j9ELFQc1M8-0_RkQ"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := p.Person(mustNationalID(t, tt.digits)); got != tt.want {
				t.Errorf("Person = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestPerson(t *testing.T) {
	key := testKey(0)
	p := mustNew(t, key)
	id := mustNationalID(t, fodselsnummer)
	got := p.Person(id)

	if again := mustNew(t, testKey(0)).Person(mustNationalID(t, fodselsnummer)); again != got {
		t.Errorf("same key and number gave %q and %q", got, again)
	}
	if other := mustNew(t, testKey(1)).Person(id); other == got {
		t.Errorf("different keys gave the same id %q", got)
	}
	if d := p.Person(mustNationalID(t, dNumber)); d == got {
		t.Errorf("fødselsnummer and D-number gave the same id %q", got)
	}
	if !strings.HasPrefix(string(got), "p1_") || len(got) != len("p1_")+43 {
		t.Errorf("id %q is not p1_ + 43 base64url characters", got)
	}
	if strings.Contains(string(got), fodselsnummer) || strings.Contains(string(got), fodselsnummer[:6]) {
		t.Errorf("id %q contains the number", got)
	}

	key[0] ^= 0xff // New must have copied the key
	if after := p.Person(id); after != got {
		t.Errorf("changing the caller's key slice changed the id from %q to %q", got, after)
	}
}

func TestPersonPanicsOnZeroNationalID(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Person(zero NationalID) did not panic")
		}
	}()
	mustNew(t, testKey(0)).Person(ident.NationalID{})
}

func TestOrganisation(t *testing.T) {
	o, err := ident.ParseOrgNumber("974760673")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := Organisation(o), EndUserID("org_974760673"); got != want {
		t.Errorf("Organisation = %q, want %q", got, want)
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		name    string
		key     []byte
		wantErr string
	}{
		{"32 bytes", testKey(0), ""},
		{"64 bytes", append(testKey(0), testKey(32)...), ""},
		{"31 bytes", testKey(0)[:31], "pseudonym key must be at least 32 bytes, got 31"},
		{"nil", nil, "pseudonym key must be at least 32 bytes, got 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := New(tt.key)
			checkConstructor(t, p, err, tt.wantErr)
		})
	}
}

func TestFromBase64(t *testing.T) {
	// testKey(0) is 00 01 … 1f; the second key has bytes that differ between
	// the standard (+/) and URL-safe (-_) alphabets.
	tests := []struct {
		name    string
		encoded string
		wantErr string
	}{
		{"standard, padded", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", ""},
		{"standard, unpadded", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", ""},
		{"standard with + and /", "+//7//v/+//7//v/+//7//v/+//7//v/+//7//v/+/8=", ""},
		{"URL-safe with - and _", "-__7__v_-__7__v_-__7__v_-__7__v_-__7__v_-_8=", ""},
		{"URL-safe, unpadded", "-__7__v_-__7__v_-__7__v_-__7__v_-__7__v_-_8", ""},
		{"trailing newline from a file", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", ""},
		{"empty", "", "pseudonym key is empty; generate one with GenerateKey and store it base64-encoded"},
		{"16 bytes", "AAECAwQFBgcICQoLDA0ODw==", "pseudonym key must be at least 32 bytes, got 16"},
		{"not base64", "this is not a key!", "pseudonym key is not valid base64 (standard or URL-safe alphabet)"},
		{"mixed alphabets", "+__7//v/+//7//v/+//7//v/+//7//v/+//7//v/+/8=", "pseudonym key is not valid base64 (standard or URL-safe alphabet)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := FromBase64(tt.encoded)
			checkConstructor(t, p, err, tt.wantErr)
		})
	}

	t.Run("same key as New", func(t *testing.T) {
		p, err := FromBase64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8")
		if err != nil {
			t.Fatal(err)
		}
		id := mustNationalID(t, fodselsnummer)
		if got, want := p.Person(id), mustNew(t, testKey(0)).Person(id); got != want {
			t.Errorf("FromBase64 key gave %q, New gave %q", got, want)
		}
	})
}

func checkConstructor(t *testing.T, p *Pseudonymizer, err error, wantErr string) {
	t.Helper()
	switch {
	case wantErr == "" && err != nil:
		t.Fatalf("unexpected error: %v", err)
	case wantErr == "" && p == nil:
		t.Fatal("nil Pseudonymizer without error")
	case wantErr != "" && (err == nil || err.Error() != wantErr):
		t.Fatalf("error = %v, want %q", err, wantErr)
	case wantErr != "" && p != nil:
		t.Fatal("non-nil Pseudonymizer with error")
	}
}

func TestGenerateKey(t *testing.T) {
	a, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	b, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != 32 {
		t.Errorf("key length %d, want 32", len(a))
	}
	if bytes.Equal(a, b) {
		t.Error("two generated keys are equal")
	}
	if _, err := New(a); err != nil {
		t.Errorf("New rejects a generated key: %v", err)
	}
}

func TestPseudonymizerDoesNotPrintKey(t *testing.T) {
	key := testKey(0x41) // "ABCD…", easy to spot
	p := mustNew(t, key)
	var log bytes.Buffer
	slog.New(slog.NewJSONHandler(&log, nil)).Info("started", "pseudonymizer", p)

	for name, out := range map[string]string{
		"%v":  fmt.Sprintf("%v", p),
		"%+v": fmt.Sprintf("%+v", p),
		"%#v": fmt.Sprintf("%#v", p),
		"%s":  fmt.Sprintf("%s", *p),
		"%x":  fmt.Sprintf("%x", p),
		"log": log.String(),
	} {
		// The key's first bytes as text, as decimal bytes and as hex.
		for _, keyForm := range []string{"ABCD", "65 66 67 68", "41424344", "0x41, 0x42"} {
			if strings.Contains(out, keyForm) {
				t.Errorf("%s shows the key: %s", name, out)
			}
		}
		if !strings.Contains(out, "REDACTED") {
			t.Errorf("%s = %s, want the redacted form", name, out)
		}
	}
}
