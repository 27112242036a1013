package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// The return page shows what the redirect flow brought back, as a third
// party would receive it: the outcome, the scope given, the metering
// points and the state; what it shows is escaped.
func TestTheReturnPageShowsTheDecision(t *testing.T) {
	for _, c := range []struct {
		name  string
		query url.Values
		shows []string
	}{
		{"approved", url.Values{"request_id": {"r-1"}, "status": {"APPROVED"}, "granted_scope": {"Limited"},
			"metering_point_ids": {"707057500000001015"}, "state": {"st-42"}},
			[]string{"Approved", "Limited", "707057500000001015", "st-42", "r-1"}},
		{"declined", url.Values{"error": {"access_denied"}, "error_code": {"EH088"}, "error_description": {"The end user declined."}, "state": {"st-43"}},
			[]string{"Declined", "EH088", "The end user declined.", "st-43"}},
		{"not the end user's", url.Values{"error": {"access_denied"}, "error_code": {"EH106"}, "state": {"st-44"}},
			[]string{"Not approved", "EH106", "st-44"}},
		{"a bad scope", url.Values{"error": {"invalid_scope"}, "error_description": {"scope must be Full or Limited."}},
			[]string{"invalid_scope", "scope must be Full or Limited."}},
		{"escaped", url.Values{"status": {"APPROVED"}, "granted_scope": {"Full"}, "state": {`<script>alert(1)</script>`}},
			[]string{"&lt;script&gt;alert(1)&lt;/script&gt;"}},
		{"nothing", nil, []string{"No decision"}},
	} {
		srv := httptest.NewServer(returnPageHandler{})
		res, err := http.Get(srv.URL + "/local/return?" + c.query.Encode())
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		srv.Close()
		if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
			t.Errorf("%s: %d %s", c.name, res.StatusCode, res.Header.Get("Content-Type"))
		}
		for _, want := range c.shows {
			if !strings.Contains(string(body), want) {
				t.Errorf("%s: the page does not show %q:\n%s", c.name, want, body)
			}
		}
		if strings.Contains(string(body), "<script>") {
			t.Errorf("%s: the state is not escaped:\n%s", c.name, body)
		}
	}
}
