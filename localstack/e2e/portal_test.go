//go:build integration

package e2e_test

// Third parties' staff on the portal, through the gateway, logged in on the
// development OpenID provider as Siri, who acts for Straumkompis.

import (
	"context"
	"encoding/csv"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/shopspring/decimal"

	"github.com/tredjepart/tredjepart/localstack/harness/demo"
	"github.com/tredjepart/tredjepart/localstack/harness/testenv"
	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/dynamo"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/registry"
)

var siri = "siri-" + string(demo.Siri.OrgNumber) // her login button on the development provider

var consentLink = regexp.MustCompile(`/consent/requests/([0-9a-f-]{36})`)

// badCheckDigit is a GSRN with its check digit changed.
func badCheckDigit(t *testing.T) string {
	id := string(freshGSRN(t))
	last := (id[17]-'0'+1)%10 + '0'
	return id[:17] + string(rune(last))
}

// resultRow is the row of one input on the new-request results.
func resultRow(t *testing.T, p page, input string) string {
	t.Helper()
	start := strings.Index(p.body, `data-testid="result-`+input+`"`)
	if start < 0 {
		t.Fatalf("no result for %s:\n%s", input, p.body)
	}
	row := p.body[start:]
	return row[:strings.Index(row, "</tr>")]
}

func TestPortalStaffRequestsAndWithdraws(t *testing.T) {
	w, store := consentWorld(t)
	ctx := context.Background()
	straumkompisTP := w.demo.ThirdParties[0]
	staff := newBrowser(t, w)
	overview := staff.logIn("/portal", siri)
	if overview.status != http.StatusOK || !strings.Contains(overview.body, "Siri Straum") || !strings.Contains(overview.body, "Straumkompis AS") {
		t.Fatalf("overview (%d at %s):\n%s", overview.status, overview.url, overview.body)
	}

	valid, bad := registerMeteringPoint(t), badCheckDigit(t)
	form := staff.get("/portal/requests/new")
	submit := url.Values{
		"submission":     {form.field(t, "submission")},
		"meteringPoints": {fmt.Sprintf("%s\n%s, %s", valid, w.demo.Unregistered, bad)}, "level": {"FULL"}, "agreementReference": {"Avtale 42"},
	}
	results := staff.post("/portal/requests", submit)
	if results.status != http.StatusOK {
		t.Fatalf("new requests: %d\n%s", results.status, results.body)
	}
	created := resultRow(t, results, string(valid))
	m := consentLink.FindStringSubmatch(created)
	if !strings.Contains(created, `data-outcome="created"`) || m == nil {
		t.Fatalf("the valid point was not requested:\n%s", created)
	}
	id := m[1]
	if !strings.Contains(created, w.api+"/consent/requests/"+id) {
		t.Errorf("the consent link is not absolute on the site's origin:\n%s", created)
	}
	redirect := w.api + "/authorize?" + url.Values{"client_id": {string(straumkompisTP.GLN)}, "request_id": {id}, "scope": {"Full"},
		"redirect_uri": {straumkompisTP.RedirectURIs[0]}}.Encode()
	if !strings.Contains(html.UnescapeString(created), redirect) {
		t.Errorf("the redirect URL is not %s:\n%s", redirect, created)
	}
	if row := resultRow(t, results, string(w.demo.Unregistered)); !strings.Contains(row, `data-outcome="rejected"`) || !strings.Contains(row, ">E10<") {
		t.Errorf("the unregistered point was not rejected with E10:\n%s", row)
	}
	if row := resultRow(t, results, bad); !strings.Contains(row, `data-outcome="invalid"`) || !strings.Contains(row, "kontrollsifferet skal være") {
		t.Errorf("the bad check digit was not named:\n%s", row)
	}
	r, err := store.Requests.Get(ctx, id)
	if err != nil || r.Status != accessrequest.Pending || r.Scope != accessrequest.Full || r.AgreementReference != "Avtale 42" || r.ThirdParty != straumkompisTP.GLN {
		t.Fatalf("stored request %+v, %v", r, err)
	}

	// A double submit of the same form creates nothing twice.
	again := staff.post("/portal/requests", submit)
	if m := consentLink.FindStringSubmatch(resultRow(t, again, string(valid))); m == nil || m[1] != id {
		t.Fatalf("the second submit answered with another request:\n%s", again.body)
	}

	list := staff.get("/portal/requests?status=PENDING")
	if !strings.Contains(list.body, `data-testid="request-`+id+`"`) {
		t.Fatalf("the pending list lacks the request:\n%s", list.body)
	}
	withdrawn := staff.post("/portal/requests/"+id+"/withdraw", nil)
	if withdrawn.status != http.StatusOK || !strings.Contains(withdrawn.body, `data-testid="done-withdrawn"`) {
		t.Fatalf("withdraw: %d at %s", withdrawn.status, withdrawn.url)
	}
	if r, _ := store.Requests.Get(ctx, id); r.Status != accessrequest.Withdrawn {
		t.Fatalf("after withdrawal: %+v", r)
	}
	if all := staff.get("/portal/requests"); !strings.Contains(all.body, `data-status="WITHDRAWN"`) {
		t.Errorf("the list does not show the withdrawal")
	}
}

func TestPortalConsumptionCSVMatchesTheAPI(t *testing.T) {
	w := newDeliveryWorld(t)
	mp := w.grantedPoints(t, 1, map[string]int{"2026-10-25": 25})[0]
	staff := newBrowser(t, w.world)
	staff.logIn("/portal/metering-points", siri)

	chart := staff.get(fmt.Sprintf("/portal/metering-points/%s/consumption?view=day&date=2026-10-25", mp))
	if chart.status != http.StatusOK || !strings.Contains(chart.body, "<svg") || !strings.Contains(chart.body, `data-testid="total"`) {
		t.Fatalf("consumption page (%d):\n%s", chart.status, chart.body)
	}
	download := staff.get(fmt.Sprintf("/portal/metering-points/%s/consumption?view=day&date=2026-10-25&format=csv", mp))
	lines, err := csv.NewReader(strings.NewReader(download.body)).ReadAll()
	if download.status != http.StatusOK || err != nil || len(lines) != 26 {
		t.Fatalf("CSV (%d, %v, %d lines):\n%s", download.status, err, len(lines), download.body)
	}
	fromCSV := decimal.Zero
	for _, line := range lines[1:] {
		fromCSV = fromCSV.Add(decimal.RequireFromString(line[3]))
	}
	fromAPI := decimal.Zero
	for _, p := range periods(t, w.values(t, straumkompis, mp, "from=2026-10-25&to=2026-10-26&aggregation=PT1H", http.StatusOK)).Periods {
		for _, pt := range p.Points {
			fromAPI = fromAPI.Add(decimal.RequireFromString(pt.Quantity))
		}
	}
	if !fromCSV.Equal(fromAPI) || fromAPI.IsZero() {
		t.Fatalf("the CSV sums to %s, the API to %s", fromCSV, fromAPI)
	}

	outside := staff.get(fmt.Sprintf("/portal/metering-points/%s/consumption?view=day&date=2019-01-01", mp))
	if outside.status != http.StatusUnprocessableEntity || !strings.Contains(outside.body, "Perioden ligger utenfor tiden tilgangen gir data for.") {
		t.Errorf("a day outside the data window (%d):\n%s", outside.status, outside.body)
	}
}

func TestPortalRefusesAbuse(t *testing.T) {
	w := newMeteringWorld(t)
	ctx := context.Background()

	if p := newBrowser(t, w.world).get("/portal/requests"); !strings.Contains(p.body, "login_request") {
		t.Fatalf("without a session the portal did not send to the login (%d at %s)", p.status, p.url)
	}
	for who, want := range map[string]string{"ola": "privatperson", "per-" + string(demo.Baker.OrgNumber): "ikke registrert som tredjepart"} {
		if p := newBrowser(t, w.world).logIn("/portal", who); p.status != http.StatusForbidden || !strings.Contains(p.body, want) {
			t.Errorf("%s's login: %d\n%s", who, p.status, p.body)
		}
	}

	staff := newBrowser(t, w.world)
	staff.logIn("/portal", siri)
	for _, from := range []string{"cross-site", "same-site", ""} {
		if p := staff.postFrom(from, "/portal/requests", url.Values{"meteringPoints": {string(registerMeteringPoint(t))}, "level": {"LIMITED"}}); p.status != http.StatusForbidden {
			t.Fatalf("a post from another origin (Sec-Fetch-Site %q): %d", from, p.status)
		}
	}

	// Ladeklar's request and metering point look exactly like unknown ones.
	theirs := registerMeteringPoint(t)
	theirRequest := w.call(t, ladeklar, "POST", "/v1/access-requests", fmt.Sprintf(`{"meteringPointId":%q}`, theirs)).expect(t, http.StatusAccepted).str("id")
	granted := freshGSRN(t)
	owner := person(t)
	w.register(t, granted, "PT60M", endUser{id: owner, name: "Testesen", moveIn: "2024-01-01"})
	w.grant(t, ladeklar, granted, accessrequest.Full, owner, registry.Date(2024, 1, 1))
	for _, p := range []page{
		staff.post("/portal/requests/"+theirRequest+"/withdraw", nil),
		staff.post("/portal/requests/00000000-0000-4000-8000-000000000000/withdraw", nil),
		staff.get("/portal/metering-points/" + string(granted)),
		staff.get("/portal/metering-points/" + string(granted) + "/consumption?view=day&date=2026-01-01"),
		staff.get("/portal/metering-points/" + string(freshGSRN(t))),
	} {
		if p.status != http.StatusNotFound || strings.Contains(p.body, string(granted)) || strings.Contains(p.body, string(theirs)) {
			t.Errorf("%s: %d\n%s", p.url, p.status, p.body)
		}
	}
	if r, _ := w.stores.Requests.Get(ctx, theirRequest); r.Status != accessrequest.Pending {
		t.Fatalf("Ladeklar's request changed: %+v", r)
	}

	// Disabling the third party stops the portal at the next request.
	setDisabled(t, w.demo.ThirdParties[0].GLN, true)
	t.Cleanup(func() { setDisabled(t, w.demo.ThirdParties[0].GLN, false) })
	if p := staff.get("/portal"); p.status != http.StatusForbidden || !strings.Contains(p.body, "stengt") {
		t.Fatalf("a disabled third party's staff: %d\n%s", p.status, p.body)
	}
}

func setDisabled(t *testing.T, gln ident.GLN, disabled bool) {
	t.Helper()
	env := testenv.Get(t)
	reg := dynamo.Open(dynamodb.NewFromConfig(env.Config), env.Stack.Tables).Parties
	tp, found, err := reg.ThirdParty(context.Background(), gln)
	if err != nil || !found {
		t.Fatalf("third party %s: %v", gln, err)
	}
	tp.Disabled = disabled
	if err := reg.UpdateThirdParty(context.Background(), tp); err != nil {
		t.Fatal(err)
	}
}
