package websession

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

type carried struct {
	ID      string
	Expires time.Time
}

// set is the cookie c writes for value under name.
func set(t *testing.T, c *Cookies, name string, value any) *http.Cookie {
	t.Helper()
	rec := httptest.NewRecorder()
	if err := c.Set(rec, name, value, time.Hour); err != nil {
		t.Fatal(err)
	}
	return rec.Result().Cookies()[0]
}

// read decodes cookie as c reads it under name.
func read(c *Cookies, name string, cookie *http.Cookie) (carried, error) {
	var got carried
	r := httptest.NewRequest("GET", "/", nil)
	cookie.Name = name
	r.AddCookie(cookie)
	return got, c.Get(r, name, &got)
}

// A cookie comes back as it was written, unreadable in the browser; one
// altered by a single character, written under another name, with other
// keys, or older than the cookies' age limit is no session.
func TestCookiesAreSealedAndOnlyTheirOwnAreRead(t *testing.T) {
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	keys := func(k string) *Cookies {
		c, err := NewCookies(Keys{Session: []byte(strings.Repeat(k, 32)), Encryption: []byte(strings.Repeat("e", 32))}, "/", time.Hour, true)
		if err != nil {
			t.Fatal(err)
		}
		c.now = func() time.Time { return now }
		return c
	}
	c := keys("k")
	value := carried{ID: "the-session-id", Expires: now.Add(time.Hour)}
	cookie := set(t, c, "s", value)
	if strings.Contains(cookie.Value, "the-session-id") || !cookie.HttpOnly || !cookie.Secure || cookie.SameSite != http.SameSiteLaxMode {
		t.Fatalf("cookie %+v", cookie)
	}
	if got, err := read(c, "s", cookie); err != nil || got != value {
		t.Fatalf("read back %+v, %v", got, err)
	}

	altered := *cookie
	last := altered.Value[len(altered.Value)-2]
	altered.Value = altered.Value[:len(altered.Value)-2] + string(map[bool]byte{true: 'A', false: 'B'}[last != 'A']) + altered.Value[len(altered.Value)-1:]
	renamed := *cookie
	for what, tc := range map[string]struct {
		cookies *Cookies
		name    string
		cookie  *http.Cookie
	}{
		"altered":    {c, "s", &altered},
		"renamed":    {c, "l", &renamed},
		"other keys": {keys("x"), "s", cookie},
		"not sealed": {c, "s", &http.Cookie{Value: "eyJJRCI6IngifQ"}},
	} {
		if got, err := read(tc.cookies, tc.name, tc.cookie); err != ErrNoSession {
			t.Errorf("%s: %+v, %v", what, got, err)
		}
	}

	now = now.Add(time.Hour - time.Second)
	if _, err := read(c, "s", cookie); err != nil {
		t.Errorf("within its age: %v", err)
	}
	now = now.Add(2 * time.Second)
	if got, err := read(c, "s", cookie); err != ErrNoSession {
		t.Errorf("older than its age: %+v, %v", got, err)
	}
}
