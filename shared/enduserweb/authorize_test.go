//go:build integration

package enduserweb

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A link to /authorize that is not valid, with no parameters at all or a
// company that is not registered, gets an error page all in the visitor's
// language.
func TestAnInvalidAuthorizeLinkIsRefusedInOneLanguage(t *testing.T) {
	_, h := testSite(t)
	for _, tt := range []struct{ query, want, foreign string }{
		{"", "Denne lenken er ikke gyldig", "This link is not valid"},
		{"?lang=en", "This link is not valid", "Denne lenken"},
		{"?client_id=7080000000017&redirect_uri=https://tp.example/back&request_id=r-1", "Noe gikk galt", "not registered"},
		{"?lang=en&client_id=7080000000017&redirect_uri=https://tp.example/back&request_id=r-1", "Something went wrong", "Noe gikk galt"},
	} {
		res := send(h, httptest.NewRequest(http.MethodGet, "https://tredjepart.example/authorize"+tt.query, nil))
		body := res.Body.String()
		if res.Code != http.StatusBadRequest || !strings.Contains(body, tt.want) || strings.Contains(body, tt.foreign) {
			t.Errorf("/authorize%s: %d, want %q and not %q:\n%s", tt.query, res.Code, tt.want, tt.foreign, body)
		}
	}
}
