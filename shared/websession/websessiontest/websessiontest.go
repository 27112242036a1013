// Package websessiontest is test harness: what tests of a site built on websession
// need around it.
package websessiontest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
)

// Provider is an OpenID provider that answers discovery, all that building a
// site asks of it; it returns the issuer URL and stops when t ends.
func Provider(t testing.TB) string {
	t.Helper()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = fmt.Fprintf(w, `{"issuer":%q,"authorization_endpoint":"%[1]s/auth","token_endpoint":"%[1]s/token","jwks_uri":"%[1]s/jwks"}`, srv.URL)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}
