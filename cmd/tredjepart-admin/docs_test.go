package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
)

// documented are the documents whose shell blocks show tredjepart-admin
// commands; localstack/runner's TestTheSandboxAsAUserDrivesIt runs them on
// a stack, and this test checks each is a command the tool has.
var documented = []string{"../../docs/operations.md", "../../README.md"}

// docCommand is one tredjepart-admin command a document shows.
type docCommand struct {
	source, line string
	args         []string
}

// adminCommandLine is a shell line running the tool, its arguments in group 1.
var adminCommandLine = regexp.MustCompile(`^(?:go run \./cmd/)?tredjepart-admin(?:\s+(.*))?$`)

// docCommands are the tredjepart-admin commands of text's ```sh blocks,
// continued lines joined, split into arguments as a shell would.
func docCommands(source, text string) ([]docCommand, error) {
	var out []docCommand
	for _, block := range regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(text, -1) {
		joined := strings.ReplaceAll(block[1], "\\\n", " ")
		for line := range strings.Lines(joined) {
			line = strings.TrimSpace(line)
			m := adminCommandLine.FindStringSubmatch(line)
			if m == nil {
				if strings.Contains(line, "tredjepart-admin") && !strings.HasPrefix(line, "#") {
					return nil, fmt.Errorf("%s: %q runs tredjepart-admin in a way this test cannot check", source, line)
				}
				continue
			}
			args, err := shellWords(m[1])
			if err != nil {
				return nil, fmt.Errorf("%s: %q: %v", source, line, err)
			}
			out = append(out, docCommand{source, line, args})
		}
	}
	return out, nil
}

// shellWords splits a command's arguments at spaces, with single and double
// quotes; anything a shell would expand or redirect is refused.
func shellWords(s string) ([]string, error) {
	var words []string
	var word strings.Builder
	inWord := false
	var quote rune
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			word.WriteRune(r)
		case r == '"' || r == '\'':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, word.String())
				word.Reset()
				inWord = false
			}
		case strings.ContainsRune("$`|&;<>(){}\\*?#", r):
			return nil, fmt.Errorf("%q is shell syntax this test does not follow", r)
		default:
			word.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unclosed %c", quote)
	}
	if inWord {
		words = append(words, word.String())
	}
	return words, nil
}

// parses reports why args are not a command the tool runs, or "": a
// command it runs gets past its flags and calls the API, which here
// answers every call 503, so it exits 1 having made a call; a subcommand,
// flag or argument it does not know exits 2 before any.
func parses(args []string) string {
	code, calls, stderr := runAgainstUnavailableAPI(args)
	if code != 1 || calls == 0 {
		first, _, _ := strings.Cut(stderr, "\n")
		return fmt.Sprintf("exit %d after %d calls to the API: %s", code, calls, first)
	}
	return ""
}

// runAgainstUnavailableAPI runs the tool against an API that answers every
// call 503, and returns its exit status, the calls it made and its stderr.
func runAgainstUnavailableAPI(args []string) (code int, calls int32, stderr string) {
	var called atomic.Int32
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		called.Add(1)
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`{"title":"Service Unavailable","status":503}`))
	}))
	defer api.Close()
	var stdout, errOut bytes.Buffer
	env := map[string]string{APIEnv: api.URL, TokenEnv: "admin-token"}
	code = run(context.Background(), args, func(k string) string { return env[k] }, &stdout, &errOut)
	return code, called.Load(), errOut.String()
}

// Every tredjepart-admin command the runbook and the README show is one the
// tool has, with flags it takes.
func TestTheDocumentedCommandsAreTheToolsOwn(t *testing.T) {
	seen := map[string]int{}
	for _, source := range documented {
		raw, err := os.ReadFile(source)
		if err != nil {
			t.Fatal(err)
		}
		cmds, err := docCommands(source, string(raw))
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cmds {
			seen[c.args[0]]++
			if why := parses(c.args); why != "" {
				t.Errorf("%s shows %q, which the tool does not run: %s", c.source, c.line, why)
			}
		}
	}
	// The runbook's procedures: each verb it documents is shown at least once.
	for _, verb := range []string{"status", "deliver", "redrive", "third-party", "data-provider"} {
		if seen[verb] == 0 {
			t.Errorf("no document shows tredjepart-admin %s", verb)
		}
	}
}

// The check refuses what the tool does not have: a subcommand, a flag, a
// missing argument; and takes what it has.
func TestTheCheckOfDocumentedCommandsCanFail(t *testing.T) {
	doc := "```sh\n" + `go run ./cmd/tredjepart-admin status -day 2026-12-04
go run ./cmd/tredjepart-admin statuses -day 2026-12-04
go run ./cmd/tredjepart-admin deliver -days 2026-12-04
go run ./cmd/tredjepart-admin redrive -dry-run
go run ./cmd/tredjepart-admin third-party suspend 7070000000013
go run ./cmd/tredjepart-admin third-party register -gln 7070000000013 -name "Varme AS" \
  -client-id varme -colour blue
tredjepart-admin data-provider disable 7090000000042
` + "```\n"
	cmds, err := docCommands("doc", doc)
	if err != nil {
		t.Fatal(err)
	}
	var refused []bool
	for _, c := range cmds {
		refused = append(refused, parses(c.args) != "")
	}
	if want := []bool{false, true, true, true, true, true, false}; fmt.Sprint(refused) != fmt.Sprint(want) {
		t.Errorf("refused %v, want %v", refused, want)
	}
	if got := cmds[5].args; len(got) != 10 || got[5] != "Varme AS" {
		t.Errorf("a continued, quoted command split into %q", got)
	}
	if _, err := docCommands("doc", "```sh\ngo run ./cmd/tredjepart-admin status -day $(date +%F)\n```\n"); err == nil {
		t.Error("a command with a substitution was taken as checked")
	}
}
