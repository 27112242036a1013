package stdwebhook

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2027, 3, 24, 10, 0, 0, 0, time.UTC)

func mustSecret(t *testing.T) (string, Secret) {
	t.Helper()
	text, s, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	return text, s
}

func TestNewSecretRoundTrips(t *testing.T) {
	text, s := mustSecret(t)
	if !strings.HasPrefix(text, "whsec_") || len(s.Key) != 32 {
		t.Fatalf("got %q with %d-byte key", text, len(s.Key))
	}
	parsed, err := ParseSecret(text)
	if err != nil {
		t.Fatal(err)
	}
	if string(parsed.Key) != string(s.Key) || !parsed.NotAfter.IsZero() {
		t.Fatal("parsed secret differs")
	}
	for _, bad := range []string{"", "abc", "whsec_", "whsec_!!!", "whsec_YWJj", strings.TrimPrefix(text, "whsec_")} {
		if _, err := ParseSecret(bad); !errors.Is(err, ErrBadSecret) {
			t.Errorf("ParseSecret(%q) = %v, want ErrBadSecret", bad, err)
		}
	}
	if out := fmt.Sprintf("%v %+v %#v", s, s, s); strings.Contains(out, text[6:]) || strings.Contains(out, fmt.Sprint(s.Key[0], " ", s.Key[1])) {
		t.Fatalf("secret leaks when printed: %s", out)
	}
}

// A vector from the Standard Webhooks specification's test suite.
func TestSignMatchesSpecVector(t *testing.T) {
	s, err := ParseSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if err != nil {
		t.Fatal(err)
	}
	h := Sign("msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`), []Secret{s})
	if got, want := h.Get("webhook-signature"), "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Fatalf("signature %q, want %q", got, want)
	}
	if h.Get("webhook-timestamp") != "1614265330" || h.Get("webhook-id") != "msg_p5jXN8AQM9LWM0D4loKWxJek" {
		t.Fatalf("headers %v", h)
	}
}

func TestVerify(t *testing.T) {
	_, s := mustSecret(t)
	_, other := mustSecret(t)
	body := []byte(`{"meteringPoint":"707057500000000001","kWh":"1.25"}`)
	h := Sign("msg_1", t0, body, []Secret{s})

	if err := Verify(h, body, []Secret{s}, t0.Add(4*time.Minute), 0); err != nil {
		t.Fatalf("genuine request: %v", err)
	}
	cases := []struct {
		name    string
		headers http.Header
		body    []byte
		secrets []Secret
		now     time.Time
		want    error
	}{
		{"tampered body", h, []byte(`{"meteringPoint":"707057500000000001","kWh":"9.25"}`), []Secret{s}, t0, ErrNoMatch},
		{"old timestamp", h, body, []Secret{s}, t0.Add(6 * time.Minute), ErrStale},
		{"future timestamp", h, body, []Secret{s}, t0.Add(-6 * time.Minute), ErrStale},
		{"wrong secret", h, body, []Secret{other}, t0, ErrNoMatch},
		{"expired secret", h, body, []Secret{{Key: s.Key, NotAfter: t0}}, t0, ErrNoSecret},
		{"no headers", http.Header{}, body, []Secret{s}, t0, ErrMissingHeaders},
		{"other id", with(h, HeaderID, "msg_2"), body, []Secret{s}, t0, ErrNoMatch},
		{"timestamp moved", with(h, HeaderTimestamp, strconv.FormatInt(t0.Unix()+1, 10)), body, []Secret{s}, t0, ErrNoMatch},
		{"bad timestamp", with(h, HeaderTimestamp, "+"+strconv.FormatInt(t0.Unix(), 10)), body, []Secret{s}, t0, ErrBadTimestamp},
		{"v2 only", with(h, HeaderSignature, strings.Replace(h.Get(HeaderSignature), "v1,", "v2,", 1)), body, []Secret{s}, t0, ErrNoMatch},
	}
	for _, c := range cases {
		if err := Verify(c.headers, c.body, c.secrets, c.now, DefaultTolerance); !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
}

func with(h http.Header, k, v string) http.Header {
	c := h.Clone()
	c.Set(k, v)
	return c
}

func TestRotationSignsWithBothSecrets(t *testing.T) {
	_, old := mustSecret(t)
	_, fresh := mustSecret(t)
	old.NotAfter = t0.Add(24 * time.Hour)
	body := []byte(`{}`)

	h := Sign("msg_rot", t0, body, []Secret{old, fresh})
	sigs := strings.Fields(h.Get(HeaderSignature))
	if len(sigs) != 2 || sigs[0] == sigs[1] {
		t.Fatalf("want two distinct signatures, got %q", sigs)
	}
	for _, sig := range sigs {
		if !strings.HasPrefix(sig, "v1,") {
			t.Fatalf("signature %q lacks v1,", sig)
		}
	}
	// A receiver that knows only the old secret, and one that already has
	// only the new one, both accept.
	for name, receiver := range map[string]Secret{"old": {Key: old.Key}, "new": fresh} {
		if err := Verify(h, body, []Secret{receiver}, t0, 0); err != nil {
			t.Errorf("receiver with the %s secret: %v", name, err)
		}
	}
	// After the overlap only the new secret signs.
	later := t0.Add(25 * time.Hour)
	h = Sign("msg_rot2", later, body, []Secret{old, fresh})
	if n := len(strings.Fields(h.Get(HeaderSignature))); n != 1 {
		t.Fatalf("after overlap: %d signatures", n)
	}
	if err := Verify(h, body, []Secret{{Key: old.Key}}, later, 0); !errors.Is(err, ErrNoMatch) {
		t.Fatalf("old secret still verifies after overlap: %v", err)
	}
	if got := Active([]Secret{old, fresh, {}}, later); len(got) != 1 || string(got[0].Key) != string(fresh.Key) {
		t.Fatalf("Active = %v", got)
	}
}

func TestSignWithoutActiveSecretHasNoSignature(t *testing.T) {
	h := Sign("msg", t0, []byte(`{}`), []Secret{{Key: []byte("k"), NotAfter: t0}})
	if h.Get(HeaderSignature) != "" {
		t.Fatalf("signed with an expired secret: %v", h)
	}
}
