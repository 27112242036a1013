package websession

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// cookieKey is base64 of 64 bytes of fill, a site's COOKIE_KEYS value.
func cookieKey(fill byte) string {
	return base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{fill}, 64))
}

// A rotation in three steps, COOKIE_KEYS "A" → "A,B" → "B,A" → "B", logs
// nobody out while instances of two neighbouring steps serve side by side:
// the first keys seal, every key opens.
func TestRotatingTheCookieKeysLogsNobodyOut(t *testing.T) {
	a, b := cookieKey('a'), cookieKey('b')
	steps := []string{a, a + "," + b, b + "," + a, b}
	cookies := make([]*Cookies, len(steps))
	for i, value := range steps {
		keys, err := ParseKeys(value)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if cookies[i], err = NewCookies(keys, "/", time.Hour, true); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	sealed := func(c *Cookies) *http.Cookie {
		rec := httptest.NewRecorder()
		if err := c.Set(rec, "s", "kari", time.Hour); err != nil {
			t.Fatal(err)
		}
		return rec.Result().Cookies()[0]
	}
	opens := func(c *Cookies, cookie *http.Cookie) bool {
		r := httptest.NewRequest("GET", "/", nil)
		r.AddCookie(cookie)
		var got string
		return c.Get(r, "s", &got) == nil && got == "kari"
	}
	for i := range len(steps) - 1 {
		older, newer := cookies[i], cookies[i+1]
		if !opens(newer, sealed(older)) || !opens(older, sealed(newer)) {
			t.Errorf("steps %d and %d do not open each other's cookies", i, i+1)
		}
	}
	if opens(cookies[3], sealed(cookies[0])) {
		t.Error("a cookie sealed with the retired keys still opens once the rotation is over")
	}
}

func TestCookieKeysAreOneOrMoreKeysOf64Bytes(t *testing.T) {
	legacy := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{'l'}, 96))
	for value, ok := range map[string]bool{
		cookieKey('a'): true, cookieKey('a') + "," + cookieKey('b'): true, cookieKey('a') + ", " + legacy: true,
		"": false, cookieKey('a') + ",": false, cookieKey('a') + ",not base64": false, base64.StdEncoding.EncodeToString([]byte("short")): false,
	} {
		_, err := ParseKeys(value)
		if (err == nil) != ok {
			t.Errorf("%.20q…: %v", value, err)
		}
		if err != nil && strings.Contains(err.Error(), value[:min(len(value), 10)]) && value != "" {
			t.Errorf("the error shows the secret: %v", err)
		}
	}
}
