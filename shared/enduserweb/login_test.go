package enduserweb

import (
	"testing"
	"time"

	"github.com/tredjepart/tredjepart/shared/websession"
)

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
