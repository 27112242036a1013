package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/tredjepart/tredjepart/localstack/harness/demo"
	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/metervalues"
)

// banner tells a newcomer where everything is and what to type first. How
// to stop the stack comes after it: foregroundBanner, backgroundBanner.
func (s *stack) banner() string {
	var b strings.Builder
	gw := fmt.Sprintf("http://127.0.0.1:%d", s.opts.gatewayPort)
	iss := fmt.Sprintf("http://127.0.0.1:%d", s.opts.issuerPort)
	clockNote := "real time"
	if s.clockSet {
		clockNote = "set by NOW; it runs on from there"
	}
	tp, other := s.demo.ThirdParties[0], s.demo.ThirdParties[1]
	today := metervalues.Date(s.clock.Now())
	day := func(offset int) string { return today.AddDate(0, 0, offset).Format(metervalues.DayLayout) }
	var points strings.Builder
	for _, p := range demo.Table(s.demo, time.Time{}).MeteringPoints {
		answer := p.Answer
		if answer == "ACCEPTED" {
			answer = "a request is accepted"
		}
		fmt.Fprintf(&points, "  %s  %s: %s\n", p.MeteringPointID, p.Meaning, answer)
	}
	fmt.Fprintf(&b, `
Tredjepart is running locally.

  API gateway   %s   (functions: %s; OpenAPI document at /openapi.json,
                API reference at /docs)
  Token issuer  %s   (OpenID configuration: %s/.well-known/openid-configuration)
  AWS emulator  %s
  Dev login     %s   (the development OpenID provider where end users and
                the portal's users log in, as ID-porten and Ansattporten)
  Clock         %s (%s)

Demo third parties (OAuth client id → GLN):
  %-13s %s  %s
  %-13s %s  %s

Demo metering points (who lives where, who has access and the days of meter
values are in GET /v1/sandbox/test-data, and in the README; no token needed):
%s
  curl -s %s/v1/sandbox/test-data

Try it (in another terminal, from this folder):

  TOKEN=$(make -s token GLN=%s)

  curl -si -X POST %s/v1/access-requests \
    -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -H 'Idempotency-Key: my-first-request' \
    -d '{"meteringPointId":"%s","scope":"FULL"}'

  curl -s %s/v1/access-requests -H "Authorization: Bearer $TOKEN"

  curl -s -X POST %s/v1/access-requests -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' -d '{"meteringPointId":"%s"}'

  curl -s -X DELETE %s/v1/access-requests/<id> -H "Authorization: Bearer $TOKEN"

Query data: %s has LIMITED access to %s.

  curl -s %s/v1/metering-points -H "Authorization: Bearer $TOKEN"
  curl -s %s/v1/metering-points/%s -H "Authorization: Bearer $TOKEN"
  curl -s '%s/v1/metering-points/%s/meter-values?from=%s&to=%s' \
    -H "Authorization: Bearer $TOKEN"
  curl -s '%s/v1/metering-points/%s/meter-values?from=%s&to=%s&aggregation=P1D' \
    -H "Authorization: Bearer $TOKEN"

Send data as the demo grid company (this resends yesterday with other values:
a correction, so its revision goes up):

  GRID=$(make -s token INGEST=1)
  curl -s -X POST %s/v1/ingest/meter-values -H "Authorization: Bearer $GRID" \
    -H 'Content-Type: application/json' -d @%s

More synthetic data, while the stack runs:

  make datagen POINTS=100 DAYS=30

Daily delivery (BRS-NO-313): at 09:00 Oslo time on the stack's clock the
previous day goes to every third party's outbox; by hand for a day (it
fails if the jobs are not done within TIMEOUT, 5m unless you say). The feed
shows a document once it is 5 seconds old:

  make deliver DAY=%s
  curl -s '%s/v1/deliveries?limit=10' -H "Authorization: Bearer $TOKEN"

%s's webhook is a demo receiver that verifies each signed push; what
arrived (settings: GET /v1/webhook, its secret: GET /v1/webhook/secret,
attempts: GET /v1/webhook/attempts; a test push or a sample daily document:
POST /v1/webhook/test with {"type":"webhook.test"} or {"type":"meter-values"}):

  curl -s %s

A request expires, REJECTED with EH088, at 24:00 Oslo time on the third
business day after it arrived.

As the end user: open the consent link for a pending demo request from %s,
  %s
and log in on the development provider (%s) as %s. All requests:
%s/consent, and access given: %s/consent/access, with every read of
your data (log in as %s to see %s's reads). The authorize link
(links.authorize) of a request from %s brings you back after deciding to
  %s
which shows the decision it received (add &state=… to the link to see it
come back).

The API reference, every operation with its examples, in a browser:
%s/docs (drawn by Redoc from /openapi.json; nothing is loaded from
outside this machine, as its Content-Security-Policy says):

  curl -s -D - -o /dev/null %s/docs

The third-party portal (Aktørportal): %s/portal
  log in on the development provider as %s, who acts for %s:
  requests (one or many GSRNs at once), metering points with access,
  consumption charts with CSV/JSON downloads, deliveries and the webhook.

Register parties as the operator (tredjepart-admin calls the admin API):

  export GOTOOLCHAIN=go1.27.3 TREDJEPART_API=%s TREDJEPART_TOKEN=$(make -s token ADMIN=1)
  go run ./cmd/tredjepart-admin third-party list
  go run ./cmd/tredjepart-admin data-provider list
  go run ./cmd/tredjepart-admin third-party disable %s
  go run ./cmd/tredjepart-admin third-party enable %s

Back to the seeded state, the stack still running (every request, grant,
delivery, webhook, read log entry, session and party as at start; the grid
company's data stays; a new consent link for the pending demo request):

  make reset
`,
		gw, s.functionMode, iss, iss, s.endpoint, s.oidcIssuer,
		s.clock.Now().Format(time.RFC3339), clockNote,
		tp.ClientIDs[0], tp.GLN, tp.Name, other.ClientIDs[0], other.GLN, other.Name,
		points.String(), gw,
		tp.GLN, gw, s.demo.Requestable, gw, gw, s.demo.AlreadyGranted, gw,
		tp.Name, s.demo.AlreadyGranted,
		gw, gw, s.demo.AlreadyGranted,
		gw, s.demo.AlreadyGranted, day(-2), day(0),
		gw, s.demo.AlreadyGranted, day(-30), day(0),
		gw, filepath.Join(s.opts.stateDir, ingestExampleFile),
		day(-1), gw, tp.Name, s.webhookURL,
		other.Name, accessrequest.ConsentURL(gw, s.demoRequest), s.oidcIssuer, demo.Kari.Name, gw, gw, demo.Ola.Name, tp.Name,
		tp.Name, s.returnPage(),
		gw, gw,
		gw, demo.Siri.Name, demo.Siri.OrgName, gw, other.GLN, other.GLN)
	return b.String()
}

// foregroundBanner is the banner as make run prints it: the stack runs
// until the runner is interrupted.
func foregroundBanner(banner string) string {
	return banner + "\nCtrl-C stops everything.\n"
}

// backgroundBanner is the banner as make up prints it: the stack goes on
// running in the background, where Ctrl-C does not reach it.
func backgroundBanner(banner, logPath string) string {
	return banner + fmt.Sprintf("\nRunning in the background (log: %s). `make down` stops it.\n", logPath)
}
