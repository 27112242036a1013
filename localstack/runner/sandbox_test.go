//go:build integration

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tredjepart/tredjepart/localstack/emulate/moto"
	"github.com/tredjepart/tredjepart/localstack/harness/demo"
	"github.com/tredjepart/tredjepart/localstack/harness/testenv"
	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/dynamo"
	"github.com/tredjepart/tredjepart/shared/grant"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/oslo"
	"github.com/tredjepart/tredjepart/shared/pseudonym"
	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/resources"
)

// buildBootstraps builds every function's bootstrap for this machine, as
// `make build-local` does, into a folder of the test's.
func buildBootstraps(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, fn := range resources.Functions {
		build := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", filepath.Join(dir, fn.Dir, "bootstrap"), "../../functions/"+fn.Dir)
		build.Env = append(build.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("build %s: %v\n%s", fn.Dir, err, out)
		}
	}
	return dir
}

// The sandbox as a user drives it: the stack as `make up` starts it, every
// function under the Lambda emulator with its own settings; a grid company
// sends a day through the ingest API; `make deliver` delivers it; the third
// party finds one document per metering point it has access to in its feed
// and at its webhook. Then every command the banner and the README print
// is run against the same stack. Last, nothing the stack keeps or logs holds
// a national identity number in clear. All of it within the context's
// deadline.
//
// The clock is set to 07:00 Oslo time today, so that yesterday is not due
// until 09:00 and nothing but the delivery by hand delivers it.
func TestTheSandboxAsAUserDrivesIt(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	buildDir := buildBootstraps(t)
	today := metervalues.Date(time.Now())
	t.Setenv("NOW", time.Date(today.Year(), today.Month(), today.Day(), 7, 0, 0, 0, oslo.Oslo).Format(time.RFC3339))
	t.Setenv("AWS_ENDPOINT_URL", "")
	opts := options{gatewayPort: testenv.FreePort(t), issuerPort: testenv.FreePort(t), motoPort: testenv.FreePort(t), oidcPort: testenv.FreePort(t),
		stateDir: t.TempDir(), buildDir: buildDir}
	runnerLog, err := os.Create(filepath.Join(opts.stateDir, "runner.log")) // read for national ids at the end
	if err != nil {
		t.Fatal(err)
	}
	defer runnerLog.Close()
	s, err := start(ctx, opts, slog.New(slog.NewTextHandler(runnerLog, nil)))
	if s != nil {
		defer s.close()
	}
	if err != nil {
		t.Fatal(err)
	}
	u := user{t: t, ctx: ctx, s: s}
	t.Run("a day sent through the ingest API is delivered to the feed and the webhook", func(t *testing.T) {
		u.t = t
		u.deliverAnIngestedDay()
	})
	t.Run("every command the banner and the README print", func(t *testing.T) {
		u.t = t
		u.runPrintedCommands()
	})
	t.Run("the README's token request gives a token the API takes", func(t *testing.T) {
		u.t = t
		u.readmeTokenRequest()
	})
	t.Run("no national identity number in clear in the tables, streams, executions or logs", func(t *testing.T) {
		u.t = t
		leaks, read := u.clearNationalIDs()
		t.Logf("read %v", read)
		if read["table items"] == 0 || read["stream records"] == 0 || read["log lines"] == 0 {
			t.Fatalf("read too little to tell: %v", read)
		}
		if len(leaks) > 0 {
			t.Fatalf("%d national identity numbers in clear:\n%s", len(leaks), strings.Join(leaks, "\n"))
		}
	})
}

// user drives a running stack over HTTP, as a grid company, a third party
// and an operator would.
type user struct {
	t   *testing.T
	ctx context.Context
	s   *stack
}

func (u user) gateway(path string) string {
	return fmt.Sprintf("http://127.0.0.1:%d%s", u.s.opts.gatewayPort, path)
}

func (u user) issuer(path string) string {
	return fmt.Sprintf("http://127.0.0.1:%d%s", u.s.opts.issuerPort, path)
}

// call sends a request and decodes a 2xx JSON answer into out.
func (u user) call(method, url, token string, body any, out any) {
	u.t.Helper()
	var reader io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			u.t.Fatal(err)
		}
		reader = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(u.ctx, method, url, reader)
	if err != nil {
		u.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		u.t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode/100 != 2 {
		u.t.Fatalf("%s %s: %d %s", method, url, res.StatusCode, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			u.t.Fatalf("%s %s: %v in %s", method, url, err, raw)
		}
	}
}

func (u user) token(query string) string {
	u.t.Helper()
	req, _ := http.NewRequestWithContext(u.ctx, http.MethodGet, u.issuer("/local/token?"+query), nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		u.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		u.t.Fatalf("token %s: %d %s", query, res.StatusCode, raw)
	}
	return strings.TrimSpace(string(raw))
}

// ingestedPoints is how many new metering points the grid company sends:
// enough to fill several of the 16 delivery shards.
const ingestedPoints = 24

func (u user) deliverAnIngestedDay() {
	t := u.t
	tp := u.s.demo.ThirdParties[0]
	yesterday := metervalues.Date(u.s.clock.Now()).AddDate(0, 0, -1)
	day := yesterday.Format(metervalues.DayLayout)
	company, err := ident.OrgNumberWithControlDigit("93456789")
	if err != nil {
		t.Fatal(err)
	}

	// The grid company registers new metering points, and a company there
	// gives the demo third party access (here straight into the table: the
	// consent pages are a browser's).
	grid := u.token("ingest=true")
	var points []ident.GSRN
	var items []map[string]any
	for i := range ingestedPoints {
		mp, err := ident.GSRNWithCheckDigit(fmt.Sprintf("7070575000%07d", 3000+i))
		if err != nil {
			t.Fatal(err)
		}
		points = append(points, mp)
		items = append(items, map[string]any{
			"meteringPointId": mp, "type": "consumption", "accountingPoint": true, "status": "connected",
			"address":  map[string]string{"street": fmt.Sprintf("Verkstedveien %d", i+1), "postcode": "0277", "municipality": "Oslo"},
			"gridArea": demo.DemoGridArea, "priceArea": "NO1", "meterNumber": fmt.Sprintf("M-%d", i), "resolution": "PT60M",
			"estimatedAnnualConsumption": "42000.000",
			"endUsers":                   []map[string]string{{"organisationNumber": string(company), "name": "Verkstedet AS", "moveIn": "2024-01-01"}},
		})
	}
	var answer struct{ Accepted, Rejected int }
	u.call(http.MethodPost, u.gateway("/v1/ingest/master-data"), grid, map[string]any{"items": items}, &answer)
	if answer.Accepted != ingestedPoints || answer.Rejected != 0 {
		t.Fatalf("master data: %+v", answer)
	}
	grants := dynamo.Open(dynamodb.NewFromConfig(moto.Config(u.s.endpoint)), map[string]string{resources.AccessTableID: resources.Access.LocalName}).Grants
	for _, mp := range points {
		g := grant.New(tp.GLN, mp, accessrequest.Limited, pseudonym.Organisation(company), "", registry.Date(2024, 1, 1), u.s.clock.Now())
		if err := grants.PutGrant(u.ctx, g); err != nil {
			t.Fatal(err)
		}
	}

	// It sends yesterday's values for them.
	var series []map[string]any
	for i, mp := range points {
		var quantities []map[string]string
		for h := range metervalues.SlotsOn(yesterday, metervalues.PT60M) {
			quantities = append(quantities, map[string]string{"quantity": fmt.Sprintf("%d.%03d", 1+h%3, i), "quality": "A04"})
		}
		series = append(series, map[string]any{"meteringPointId": mp, "day": day, "resolution": "PT60M", "quantities": quantities})
	}
	u.call(http.MethodPost, u.gateway("/v1/ingest/meter-values"), grid, map[string]any{"series": series}, &answer)
	if answer.Accepted != ingestedPoints || answer.Rejected != 0 {
		t.Fatalf("meter values: %+v", answer)
	}

	// make deliver DAY=<yesterday>
	out, err := requestDelivery(u.ctx, u.s.opts.issuerPort, day, 3*time.Minute)
	if err != nil {
		t.Fatalf("deliver %s: %v", day, err)
	}
	var fanOut struct{ ThirdParties, Shards int }
	if err := json.Unmarshal([]byte(out), &fanOut); err != nil || fanOut.ThirdParties != len(u.s.demo.ThirdParties) {
		t.Fatalf("deliver %s answered %s", day, out)
	}

	// One document per metering point the third party has access to with
	// values that day: the new ones and the demo's granted one.
	want := map[ident.GSRN]string{u.s.demo.AlreadyGranted: ""}
	for _, mp := range points {
		want[mp] = ""
	}
	token := u.token("gln=" + string(tp.GLN))
	// A document shows in the feed once it is 5 s old: read until each has
	// come, or the test's deadline ends it.
	found, after := map[ident.GSRN][]string{}, ""
	for len(found) < len(want) {
		var page struct {
			Items []struct{ ID, Type, MeteringPointID, Day string }
			Next  string
		}
		u.call(http.MethodGet, u.gateway("/v1/deliveries?limit=100&after="+after), token, nil, &page)
		for _, d := range page.Items {
			if d.Type == "meter-values" && d.Day == day {
				found[ident.GSRN(d.MeteringPointID)] = append(found[ident.GSRN(d.MeteringPointID)], d.ID)
			}
		}
		after = page.Next
		if len(page.Items) == 0 {
			pause(u.ctx, t, time.Second)
		}
	}
	for mp, ids := range found {
		if _, granted := want[mp]; !granted || len(ids) != 1 {
			t.Errorf("%s: documents %v, want one if granted", mp, ids)
			continue
		}
		want[mp] = ids[0]
	}

	// The demo receiver, the third party's webhook, verified a push of each.
	for {
		var arrived struct{ Received []arrival }
		u.call(http.MethodGet, u.s.webhookURL, "", nil, &arrived)
		missing := 0
		for _, id := range want {
			if !slices.ContainsFunc(arrived.Received, func(a arrival) bool { return a.ID == id && a.Verified }) {
				missing++
			}
		}
		if missing == 0 {
			break
		}
		pause(u.ctx, t, time.Second)
	}
}

// pause waits, or fails the test once its deadline has passed.
func pause(ctx context.Context, t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case <-ctx.Done():
		t.Fatalf("not done within the test's deadline: %v", ctx.Err())
	case <-time.After(d):
	}
}

// personsShell is env as in a person's shell: without the Go toolchain that
// make exports for this test (GOTOOLCHAIN, and the toolchain's bin folder
// the go command puts first on PATH when it switches), so a printed go
// command works only if the printed commands select the toolchain.
func personsShell(env []string) []string {
	env = slices.DeleteFunc(slices.Clone(env), func(v string) bool { return strings.HasPrefix(v, "GOTOOLCHAIN=") })
	for i, v := range env {
		if path, ok := strings.CutPrefix(v, "PATH="); ok {
			dirs := strings.Split(path, string(os.PathListSeparator))
			dirs = slices.DeleteFunc(dirs, func(d string) bool { return strings.Contains(d, "golang.org/toolchain") })
			env[i] = "PATH=" + strings.Join(dirs, string(os.PathListSeparator))
		}
	}
	return env
}

// printedCommand is one shell command the banner or the README prints, as
// run here: make targets as the runner commands they stand for, the ports
// and state folder this stack's.
type printedCommand struct {
	source, printed, run string
}

// commandLine is the start of a command in the banner (two spaces in) or a
// README shell block.
var commandLine = regexp.MustCompile(`^ *(curl |make |go run |export |[A-Z]+=\$\()`)

// commands splits text into the commands it prints: each starts on a line
// commandLine matches and goes on while lines end in a backslash.
func commands(source, text string) []printedCommand {
	var out []printedCommand
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		if !commandLine.MatchString(lines[i]) || strings.HasPrefix(strings.TrimSpace(lines[i]), "make run") {
			continue
		}
		command := strings.TrimSpace(lines[i])
		for strings.HasSuffix(command, `\`) && i+1 < len(lines) {
			i++
			command += "\n" + lines[i]
		}
		out = append(out, printedCommand{source: source, printed: command})
	}
	return out
}

// readmeCommands are the commands of the shell blocks of the README and
// of the runbook (docs/operations.md) that talk to the running stack.
func readmeCommands(t *testing.T) []printedCommand {
	var out []printedCommand
	for _, source := range []string{"README.md", "docs/operations.md"} {
		raw, err := os.ReadFile("../../" + source)
		if err != nil {
			t.Fatal(err)
		}
		blocks := regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(string(raw), -1)
		for _, b := range blocks {
			if regexp.MustCompile(`127\.0\.0\.1:401|make -s token|make deliver|make reset|tredjepart-admin`).MatchString(b[1]) {
				out = append(out, commands(source, b[1])...)
			}
		}
	}
	return out
}

func (u user) runPrintedCommands() {
	t := u.t
	runner := filepath.Join(t.TempDir(), "runner")
	if out, err := exec.Command("go", "build", "-o", runner, ".").CombinedOutput(); err != nil {
		t.Fatalf("build the runner: %v\n%s", err, out)
	}
	printed := append(commands("banner", u.s.banner()), readmeCommands(t)...)
	issuerPort := fmt.Sprint(u.s.opts.issuerPort)
	rewrites := strings.NewReplacer(
		"make -s token GLN=", runner+" token -issuer-port "+issuerPort+" -gln ",
		"make -s token INGEST=1", runner+" token -issuer-port "+issuerPort+" -ingest",
		"make -s token ADMIN=1", runner+" token -issuer-port "+issuerPort+" -admin",
		"make deliver DAY=", runner+" deliver -issuer-port "+issuerPort+" -day ",
		"make reset", fmt.Sprintf("%s reset -issuer-port %s -gateway-port %d", runner, issuerPort, u.s.opts.gatewayPort),
		// The Makefile's datagen recipe (make exports GOTOOLCHAIN), on this stack, and small.
		"make datagen POINTS=100 DAYS=30", fmt.Sprintf("GOTOOLCHAIN=%s AWS_ENDPOINT_URL=%s AWS_REGION=%s AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local "+
			"REGISTRY_TABLE=%s METER_VALUES_TABLE=%s PSEUDONYM_KEY=\"$(cat %s)\" go run ./localstack/tools/datagen -points 3 -days 2",
			os.Getenv("GOTOOLCHAIN"), u.s.endpoint, moto.Region, resources.Registry.LocalName, resources.MeterValues.LocalName, filepath.Join(u.s.opts.stateDir, "pseudonym.key")),
	)
	// The README's and the runbook's commands are for the default ports and state folder.
	readmeRewrites := strings.NewReplacer(
		"127.0.0.1:4010/", fmt.Sprintf("127.0.0.1:%d/", u.s.opts.gatewayPort),
		"127.0.0.1:4010 ", fmt.Sprintf("127.0.0.1:%d ", u.s.opts.gatewayPort),
		"127.0.0.1:4011/", fmt.Sprintf("127.0.0.1:%d/", u.s.opts.issuerPort),
		"@.local/", "@"+u.s.opts.stateDir+"/",
	)
	if len(printed) < 30 {
		t.Fatalf("found only %d printed commands", len(printed))
	}
	t.Logf("%d printed commands", len(printed))
	firstRequest := slices.IndexFunc(printed, func(c printedCommand) bool {
		return strings.Contains(c.printed, "-X POST") && strings.Contains(c.printed, "/v1/access-requests")
	})
	dir := t.TempDir() // each command's output and status
	var script strings.Builder
	script.WriteString("cd ../..\n")
	for i, c := range printed {
		run := rewrites.Replace(c.printed)
		if c.source != "banner" {
			run = readmeRewrites.Replace(run)
		}
		if strings.HasPrefix(run, "curl ") {
			run += ` -w '\nstatus %{http_code}\n'`
		}
		// An export's status says nothing of the command in it: check each
		// variable an assignment sets got a value.
		if m := regexp.MustCompile(`^(?:export )?(.*)$`).FindStringSubmatch(strings.SplitN(run, "\n", 2)[0]); strings.HasPrefix(run, "export ") || regexp.MustCompile(`^[A-Z]+=\$\(`).MatchString(run) {
			for _, v := range regexp.MustCompile(`(?:^| )([A-Z_]+)=`).FindAllStringSubmatch(m[1], -1) {
				run += fmt.Sprintf(` && test -n "$%s"`, v[1])
			}
		}
		if regexp.MustCompile(`:401[0-3]\b|(^|\$\()make `).MatchString(run) {
			t.Fatalf("%s: %s still names a fixed port, or make, after the rewrites: %s", c.source, c.printed, run)
		}
		printed[i].run = run
		// <id> is the request the banner's first POST of an access request made.
		run = strings.ReplaceAll(run, "<id>", fmt.Sprintf(`$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' %q | head -1)`, filepath.Join(dir, fmt.Sprintf("out.%d", firstRequest))))
		fmt.Fprintf(&script, "{ %s\n} > %q 2>&1; echo $? > %q\n", run, filepath.Join(dir, fmt.Sprintf("out.%d", i)), filepath.Join(dir, fmt.Sprintf("rc.%d", i)))
	}
	shell := exec.CommandContext(u.ctx, "bash", "-c", script.String())
	shell.Env = personsShell(os.Environ())
	if out, err := shell.CombinedOutput(); err != nil {
		t.Fatalf("the commands: %v\n%s", err, out)
	}
	for i, c := range printed {
		rc, _ := os.ReadFile(filepath.Join(dir, fmt.Sprintf("rc.%d", i)))
		out, _ := os.ReadFile(filepath.Join(dir, fmt.Sprintf("out.%d", i)))
		if strings.TrimSpace(string(rc)) != "0" {
			t.Errorf("%s: %s\nexited %s:\n%s", c.source, c.printed, strings.TrimSpace(string(rc)), out)
			continue
		}
		if !strings.HasPrefix(c.run, "curl ") {
			continue
		}
		status := regexp.MustCompile(`status (\d{3})\s*$`).FindStringSubmatch(string(out))
		want := "2"
		if strings.Contains(c.printed, string(u.s.demo.AlreadyGranted)) && strings.Contains(c.printed, "-X POST") {
			want = "409" // the banner shows EH017 on purpose
		}
		if status == nil || !strings.HasPrefix(status[1], want) {
			t.Errorf("%s: %s\nanswered, want %sxx:\n%s", c.source, c.printed, want, out)
		}
	}
}

// readmeTokenRequest posts the README's token request, its form exactly as
// printed, to this stack's issuer, checks the lifetime the README gives,
// and lists access requests with the token (call fails on any but 2xx).
func (u user) readmeTokenRequest() {
	t := u.t
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	form := regexp.MustCompile(`curl -s http://127\.0\.0\.1:4011/token -d '([^']*)'`).FindSubmatch(readme)
	lifetime := regexp.MustCompile("`expires_in: (\\d+)`").FindSubmatch(readme)
	if form == nil || lifetime == nil {
		t.Fatal("the README prints no token request, or not how long its token lives")
	}
	req, _ := http.NewRequestWithContext(u.ctx, http.MethodPost, u.issuer("/token"), bytes.NewReader(form[1]))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var token struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	if err := json.NewDecoder(res.Body).Decode(&token); err != nil || res.StatusCode != http.StatusOK || token.AccessToken == "" {
		t.Fatalf("the README's token request %s answered %d (%v)", form[1], res.StatusCode, err)
	}
	if fmt.Sprint(token.ExpiresIn) != string(lifetime[1]) {
		t.Errorf("expires_in %d, the README says %s", token.ExpiresIn, lifetime[1])
	}
	var list struct{ Items []json.RawMessage }
	u.call(http.MethodGet, u.gateway("/v1/access-requests"), token.AccessToken, nil, &list)
}
