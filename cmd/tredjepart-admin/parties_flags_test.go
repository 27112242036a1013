package main

import (
	"strings"
	"testing"

	"github.com/tredjepart/tredjepart/shared/ident"
)

// Each party verb takes only its own flags, before or after the GLN: a flag
// another verb or the other kind of party has (or none has), or an argument
// too many, is a usage error naming it, made before any call to the API, not
// taken and ignored.
func TestThePartyVerbsTakeOnlyTheirOwnFlags(t *testing.T) {
	tp, dp := "7070000000013", "7090000000042"
	for _, args := range [][]string{
		{"third-party", "register", "-gln", tp, "-name", "Varme AS", "-org", "911222337", "-client-id", "varme", "-redirect-uri", "https://varme.example/return"},
		{"third-party", "register", "-name", "Varme AS", tp, "-org", "911222337", "-client-id", "varme"},
		{"third-party", "list"}, {"third-party", "list", "-json"},
		{"third-party", "show", tp}, {"third-party", "show", "-gln", tp},
		{"third-party", "update", tp, "-name", "Varme Norge AS", "-contact-email", "ops@varme.example"},
		{"third-party", "disable", tp}, {"third-party", "enable", "-gln", tp},
		{"data-provider", "register", "-gln", dp, "-name", "Nett AS", "-org", "911222337", "-client-id", "nett", "-role", "grid-company", "-grid-area", "50YNO1ELVIA0001K"},
		{"data-provider", "update", "-grid-area", "50YNO1ELVIA0001K", dp},
		{"data-provider", "list", "-json"}, {"data-provider", "show", dp}, {"data-provider", "disable", dp},
	} {
		if why := parses(args); why != "" {
			t.Errorf("%q is refused: %s", args, why)
		}
	}
	for _, c := range []struct {
		args  []string
		named string
	}{
		{[]string{"third-party", "disable", "-name", "X", tp}, "-name"},
		{[]string{"third-party", "disable", tp, "-name", "X"}, "-name"},
		{[]string{"third-party", "enable", tp, "-json"}, "-json"},
		{[]string{"third-party", "show", "-json", tp}, "-json"},
		{[]string{"third-party", "show", tp, "-redirect-uri", "https://varme.example/return"}, "-redirect-uri"},
		{[]string{"third-party", "list", "-gln", tp}, "-gln"},
		{[]string{"third-party", "list", "-name", "X"}, "-name"},
		{[]string{"third-party", "list", tp}, tp},
		{[]string{"third-party", "show", tp, dp}, dp},
		{[]string{"third-party", "show", "-gln", tp, dp}, dp},
		{[]string{"third-party", "register", "-gln", tp, "-name", "Varme AS", "-org", "911222337", "-client-id", "varme", "-role", "grid-company"}, "-role"},
		{[]string{"third-party", "register", "-gln", tp, "-name", "Varme AS", "-org", "911222337", "-client-id", "varme", "-json"}, "-json"},
		{[]string{"third-party", "update", tp, "-grid-area", "50YNO1ELVIA0001K"}, "-grid-area"},
		{[]string{"data-provider", "register", "-gln", dp, "-name", "Nett AS", "-org", "911222337", "-client-id", "nett", "-role", "grid-company", "-redirect-uri", "https://nett.example"}, "-redirect-uri"},
		{[]string{"data-provider", "enable", dp, "-grid-area", "50YNO1ELVIA0001K"}, "-grid-area"},
		{[]string{"data-provider", "frobnicate", dp}, "frobnicate"},
	} {
		code, calls, stderr := runAgainstUnavailableAPI(c.args)
		if code != 2 || calls != 0 || !strings.Contains(stderr, c.named) {
			t.Errorf("%q: exit %d after %d calls, stderr %q; want a usage error (2) naming %s, before any call", c.args, code, calls, stderr, c.named)
		}
	}
}

// The GLN may stand before, among or after a verb's flags, and a flag after
// it counts: it is not dropped from what is registered or updated.
func TestPartyVerbsReadTheirFlagsAroundTheGLN(t *testing.T) {
	onEach(t, func(t *testing.T, api string) {
		c := cli{t, map[string]string{APIEnv: api, TokenEnv: "admin-token"}}
		tp := gln(t, "707000000003")
		org, err := ident.OrgNumberWithControlDigit("91234571")
		if err != nil {
			t.Fatal(err)
		}
		code, out, errOut := c.run("third-party", "register", "-name", "Varme AS", tp, "-org", string(org), "-client-id", "cli-around",
			"-redirect-uri", "https://varme.example/back")
		if code != 0 || !strings.Contains(out, `"orgNumber": "`+string(org)+`"`) || !strings.Contains(out, "cli-around") {
			t.Fatalf("register: %d %s %s", code, out, errOut)
		}
		code, out, errOut = c.run("third-party", "update", tp, "-name", "Varme Norge AS", "-contact-email", "ops@varme.example")
		if code != 0 || !strings.Contains(out, "Varme Norge AS") || !strings.Contains(out, "ops@varme.example") {
			t.Fatalf("update: %d %s %s", code, out, errOut)
		}
	})
}
