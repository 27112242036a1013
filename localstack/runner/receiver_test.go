package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tredjepart/tredjepart/shared/clock"
)

// The demo receiver shows what arrived as a list, also before anything
// has, and again after a reset has made it forget.
func TestTheReceiverShowsAnEmptyListWhenNothingArrived(t *testing.T) {
	r := &receiver{clock: clock.Shifted{}}
	for _, when := range []string{"at start", "after forget"} {
		if when == "after forget" {
			r.forget()
		}
		res := httptest.NewRecorder()
		r.ServeHTTP(res, httptest.NewRequest(http.MethodGet, "/", nil))
		body, _ := io.ReadAll(res.Result().Body)
		if got := strings.TrimSpace(string(body)); res.Code != http.StatusOK || got != `{"received":[]}` {
			t.Errorf("%s: GET answers %d %s, want 200 {\"received\":[]}", when, res.Code, got)
		}
	}
}
