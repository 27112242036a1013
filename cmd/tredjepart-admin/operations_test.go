package main

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// Each of the morning's verbs takes only its own flags and arguments: one
// another verb has (or none has) is a usage error naming it, made before
// any call to the API, not taken and ignored.
func TestTheMorningsVerbsTakeOnlyTheirOwnFlags(t *testing.T) {
	for _, args := range [][]string{
		{"status"}, {"status", "-day", "2026-12-04", "-json"},
		{"deliver", "-day", "2026-12-04"},
		{"redrive", "DeliveryJobs"}, {"redrive", "DeliveryJobs", "-dry-run", "-max", "5"}, {"redrive", "-max", "5", "DeliveryJobs"}, {"redrive", "-max", "5", "DeliveryJobs", "-dry-run"},
	} {
		if why := parses(args); why != "" {
			t.Errorf("%q is refused: %s", args, why)
		}
	}
	for _, c := range []struct {
		args  []string
		named string
	}{
		{[]string{"status", "-max", "5"}, "-max"},
		{[]string{"status", "-dry-run"}, "-dry-run"},
		{[]string{"status", "2026-12-04"}, "2026-12-04"},
		{[]string{"deliver", "-day", "2026-12-04", "-max", "5"}, "-max"},
		{[]string{"deliver", "-day", "2026-12-04", "-dry-run"}, "-dry-run"},
		{[]string{"deliver", "-day", "2026-12-04", "-json"}, "-json"},
		{[]string{"deliver", "2026-12-04"}, "2026-12-04"},
		{[]string{"redrive", "DeliveryJobs", "-day", "2026-12-04"}, "-day"},
		{[]string{"redrive", "DeliveryJobs", "-json"}, "-json"},
		{[]string{"redrive", "DeliveryJobs", "WebhookPushes"}, "WebhookPushes"},
	} {
		code, calls, stderr := runAgainstUnavailableAPI(c.args)
		if code != 2 || calls != 0 || !strings.Contains(stderr, c.named) {
			t.Errorf("%q: exit %d after %d calls, stderr %q; want a usage error (2) naming %s, before any call", c.args, code, calls, stderr, c.named)
		}
	}
}

// redrive's queue may stand before, among or after its flags, and a flag
// after it counts: a -dry-run there is not dropped into a real redrive.
func TestRedriveReadsItsFlagsAroundTheQueue(t *testing.T) {
	var asked []string
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked = append(asked, r.URL.RequestURI())
		_, _ = w.Write([]byte(`{}`))
	}))
	defer api.Close()
	c := cli{t, map[string]string{APIEnv: api.URL, TokenEnv: "admin-token"}}
	for _, args := range [][]string{
		{"redrive", "DeliveryJobs", "-max", "5", "-dry-run"},
		{"redrive", "-max", "5", "DeliveryJobs", "-dry-run"},
		{"redrive", "-max", "5", "-dry-run", "DeliveryJobs"},
	} {
		asked = nil
		if code, _, errOut := c.run(args...); code != 0 {
			t.Errorf("%q: exit %d %s", args, code, errOut)
		}
		if want := []string{"/v1/admin/queues/DeliveryJobs/redrive?dryRun=true&max=5"}; !slices.Equal(asked, want) {
			t.Errorf("%q asked %q, want %q", args, asked, want)
		}
	}
}
