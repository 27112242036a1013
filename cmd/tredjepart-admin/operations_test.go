package main

import (
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
