package consentweb

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tredjepart/tredjepart/shared/websession"
)

func cookieFrom(t *testing.T, c *websession.Cookies, s session) *http.Cookie {
	t.Helper()
	rec := httptest.NewRecorder()
	if err := c.Set(rec, sessionCookie, s, sessionTTL); err != nil {
		t.Fatal(err)
	}
	return rec.Result().Cookies()[0]
}

func TestSessionCookies(t *testing.T) {
	key := []byte(strings.Repeat("k", 32))
	c := newCookies(key, []byte(strings.Repeat("e", 32)), true)
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	good := cookieFrom(t, c, session{EndUser: "p1_x", Name: "Kari", Expires: now.Add(time.Minute)})
	if !good.HttpOnly || !good.Secure || good.SameSite != http.SameSiteLaxMode || strings.Contains(good.Value, "Kari") {
		t.Fatalf("cookie attributes or clear content: %+v", good)
	}
	read := func(cookie *http.Cookie, at time.Time) error {
		r := httptest.NewRequest("GET", "/consent", nil)
		r.AddCookie(cookie)
		_, err := readSession(c, r, at)
		return err
	}
	if err := read(good, now); err != nil {
		t.Fatalf("a fresh session was refused: %v", err)
	}
	if err := read(good, now.Add(time.Minute)); err == nil {
		t.Error("an expired session was accepted")
	}
	tampered := *good
	tampered.Value = good.Value[:len(good.Value)-3] + "abc"
	if err := read(&tampered, now); err == nil {
		t.Error("a tampered session was accepted")
	}
	other := newCookies([]byte(strings.Repeat("x", 32)), []byte(strings.Repeat("e", 32)), true)
	forged := cookieFrom(t, other, session{EndUser: "p1_x", Expires: now.Add(time.Hour)})
	if err := read(forged, now); err == nil {
		t.Error("a session signed with another key was accepted")
	}
}

func TestReturnAddressStaysOnThisSite(t *testing.T) {
	for in, want := range map[string]string{
		"/consent/requests/abc": "/consent/requests/abc", "/authorize?client_id=1": "/authorize?client_id=1",
		"https://evil.no/consent": "/consent", "//evil.no/consent": "/consent", "/consent//evil.no": "/consent",
		`/consent\evil`: "/consent", "": "/consent", "/login": "/consent",
	} {
		if got := safeReturn(in); got != want {
			t.Errorf("safeReturn(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDeadlineAtMidnightReadsAs2400TheDayBefore(t *testing.T) {
	tr := websession.NewTranslator(websession.Bokmal, messages)
	if got := tr.Deadline(time.Date(2026, 12, 2, 23, 0, 0, 0, time.UTC)); got != "02.12.2026 24:00" {
		t.Errorf("got %q", got)
	}
	if got := tr.Deadline(time.Date(2026, 12, 2, 13, 30, 0, 0, time.UTC)); got != "02.12.2026 14:30" {
		t.Errorf("got %q", got)
	}
}
