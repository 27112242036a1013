package adminapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/tredjepart/tredjepart/shared/adminapi"
	"github.com/tredjepart/tredjepart/shared/apigw"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/inmem"
	"github.com/tredjepart/tredjepart/shared/problem"
	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/resources"
)

// backend makes the handler a test calls.
type backend struct {
	name    string
	handler func(t *testing.T) *adminapi.Handler
}

// backends are the handler on the fakes, and under -tags integration the
// handler FromEnv builds on moto (moto_test.go).
var backends = []backend{{"inmem", func(*testing.T) *adminapi.Handler {
	return &adminapi.Handler{Service: &registry.Parties{Store: inmem.NewParties()}, Operators: []string{"operator", "second-operator"},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
}}}

// onEach runs test on each backend's handler.
func onEach(t *testing.T, test func(t *testing.T, h *adminapi.Handler)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { test(t, b.handler(t)) })
	}
}

var serial atomic.Int64

// freshParty returns a GLN, organisation number and client id no other test uses.
func freshParty(t *testing.T) (ident.GLN, ident.OrgNumber, string) {
	t.Helper()
	n := serial.Add(1)
	gln, err := ident.GLNWithCheckDigit(fmt.Sprintf("70800%07d", n))
	if err != nil {
		t.Fatal(err)
	}
	for i := n; ; i += 1000 {
		if org, err := ident.OrgNumberWithControlDigit(fmt.Sprintf("3%07d", i)); err == nil {
			return gln, org, fmt.Sprintf("admin-test-%d", n)
		}
	}
}

type answer struct {
	status  int
	headers map[string]string
	body    map[string]any
	problem problem.Document
}

func call(t *testing.T, h *adminapi.Handler, routeKey, gln, body string) answer {
	t.Helper()
	return callAs(t, h, "operator", routeKey, gln, body)
}

func callAs(t *testing.T, h *adminapi.Handler, client, routeKey, gln, body string) answer {
	t.Helper()
	method, path, _ := strings.Cut(routeKey, " ")
	ev := apigw.Request{RouteKey: routeKey, RawPath: strings.Replace(path, "{gln}", gln, 1), Body: body,
		Headers: map[string]string{"content-type": "application/json"}, PathParameters: map[string]string{"gln": gln}}
	ev.RequestContext.HTTP.Method = method
	ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
		JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: map[string]string{"client_id": client}}}
	res, err := h.Handle(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	a := answer{status: res.StatusCode, headers: res.Headers}
	_ = json.Unmarshal([]byte(res.Body), &a.body)
	if res.StatusCode >= 400 {
		if res.Headers["Content-Type"] != problem.ContentType {
			t.Errorf("%s: Content-Type %q", routeKey, res.Headers["Content-Type"])
		}
		_ = json.Unmarshal([]byte(res.Body), &a.problem)
	}
	return a
}

func (a answer) fields() []string {
	var names []string
	for _, f := range a.problem.Errors {
		names = append(names, f.Field)
	}
	return names
}

// The admin scope alone is not enough: the client must be one the
// deployment names as an operator's.
func TestOnlyTheOperatorsClientsMayCallTheAdminAPI(t *testing.T) {
	onEach(t, onlyTheOperatorsClientsMayCallTheAdminAPI)
}

func onlyTheOperatorsClientsMayCallTheAdminAPI(t *testing.T, h *adminapi.Handler) {
	for _, route := range []string{adminapi.RouteListThirdParties, adminapi.RouteRegisterDataProvider, adminapi.RouteDisableThirdParty} {
		a := callAs(t, h, "straumkompis", route, "7080000000010", `{}`)
		if a.status != http.StatusForbidden || !strings.Contains(a.problem.Detail, `"straumkompis"`) {
			t.Errorf("%s by a client that is not an operator's: %d %+v", route, a.status, a.problem)
		}
	}
	if a := callAs(t, h, "second-operator", adminapi.RouteListThirdParties, "", ""); a.status != http.StatusOK {
		t.Errorf("the second operator client: %d %+v", a.status, a.problem)
	}
	if a := callAs(t, h, "", adminapi.RouteListThirdParties, "", ""); a.status != http.StatusUnauthorized {
		t.Errorf("no client: %d %+v", a.status, a.problem)
	}
}

func TestTheAdminFunctionNeedsItsOperators(t *testing.T) {
	functionEnv := map[string]string{resources.Registry.EnvVar: "tredjepart-registry"}
	for _, operators := range []string{"", " , "} {
		functionEnv[adminapi.OperatorClientsEnv] = operators
		if _, err := adminapi.FromEnv(aws.Config{}, func(k string) string { return functionEnv[k] }, slog.Default()); err == nil ||
			!strings.Contains(err.Error(), adminapi.OperatorClientsEnv) {
			t.Errorf("operators %q: %v", operators, err)
		}
	}
}

func TestThirdPartyLifecycle(t *testing.T) { onEach(t, thirdPartyLifecycle) }

func thirdPartyLifecycle(t *testing.T, h *adminapi.Handler) {
	gln, org, client := freshParty(t)
	body := fmt.Sprintf(`{"gln":%q,"name":"Varmepumpe AS","orgNumber":%q,"clientIds":[%q],
		"redirectUris":["https://varme.example/return","http://localhost:8080/cb"],"contact":{"name":"Ops","email":"ops@varme.example","phone":"+47 40000000"}}`, gln, org, client)

	created := call(t, h, adminapi.RouteRegisterThirdParty, "", body)
	if created.status != http.StatusCreated || created.headers["Location"] != adminapi.ThirdPartiesPath+"/"+string(gln) || created.body["disabled"] != false {
		t.Fatalf("register: %d %v %v", created.status, created.headers, created.body)
	}
	if again := call(t, h, adminapi.RouteRegisterThirdParty, "", body); again.status != http.StatusConflict {
		t.Fatalf("registering again: %d %+v", again.status, again.problem)
	}
	if got := call(t, h, adminapi.RouteGetThirdParty, string(gln), ""); got.status != http.StatusOK || got.body["name"] != "Varmepumpe AS" {
		t.Fatalf("get: %d %v", got.status, got.body)
	}
	for range 2 {
		disabled := call(t, h, adminapi.RouteDisableThirdParty, string(gln), "")
		if disabled.status != http.StatusOK || disabled.body["disabled"] != true {
			t.Fatalf("disable: %d %v", disabled.status, disabled.body)
		}
	}
	// A PUT replaces the record but keeps it disabled: only enable undoes that.
	updated := call(t, h, adminapi.RouteUpdateThirdParty, string(gln), fmt.Sprintf(`{"name":"Varme AS","orgNumber":%q,"clientIds":[%q]}`, org, client+"-2"))
	if updated.status != http.StatusOK || updated.body["name"] != "Varme AS" || updated.body["disabled"] != true ||
		len(updated.body["redirectUris"].([]any)) != 0 || updated.body["contact"].(map[string]any)["email"] != nil {
		t.Fatalf("update: %d %v", updated.status, updated.body)
	}
	for range 2 {
		if enabled := call(t, h, adminapi.RouteEnableThirdParty, string(gln), ""); enabled.status != http.StatusOK || enabled.body["disabled"] != false {
			t.Fatalf("enable: %d %v", enabled.status, enabled.body)
		}
	}
	list := call(t, h, adminapi.RouteListThirdParties, "", "")
	if list.status != http.StatusOK || !strings.Contains(fmt.Sprint(list.body["items"]), string(gln)) {
		t.Fatalf("list: %d %v", list.status, list.body)
	}
}

func TestDataProviderLifecycle(t *testing.T) { onEach(t, dataProviderLifecycle) }

func dataProviderLifecycle(t *testing.T, h *adminapi.Handler) {
	gln, org, client := freshParty(t)
	body := fmt.Sprintf(`{"gln":%q,"name":"Nett AS","orgNumber":%q,"role":"grid-company","clientIds":[%q],"gridAreas":["50YNO1ELVIA0001K"]}`, gln, org, client)
	if created := call(t, h, adminapi.RouteRegisterDataProvider, "", body); created.status != http.StatusCreated || created.body["role"] != "grid-company" {
		t.Fatalf("register: %d %v", created.status, created.body)
	}
	// The client is taken now, for third parties too.
	otherGLN, otherOrg, _ := freshParty(t)
	tp := fmt.Sprintf(`{"gln":%q,"name":"X","orgNumber":%q,"clientIds":[%q]}`, otherGLN, otherOrg, client)
	if clash := call(t, h, adminapi.RouteRegisterThirdParty, "", tp); clash.status != http.StatusConflict || !slices.Contains(clash.fields(), "clientIds") {
		t.Fatalf("a taken client: %d %+v", clash.status, clash.problem)
	}
	updated := call(t, h, adminapi.RouteUpdateDataProvider, string(gln),
		fmt.Sprintf(`{"gln":%q,"name":"Nett AS","orgNumber":%q,"role":"metering-system","clientIds":[%q],"gridAreas":["50YNO1ELVIA0001K","50YELVIA-OSLO--A"]}`, gln, org, client))
	if updated.status != http.StatusOK || updated.body["role"] != "metering-system" || len(updated.body["gridAreas"].([]any)) != 2 {
		t.Fatalf("update: %d %v", updated.status, updated.body)
	}
	for range 2 {
		if d := call(t, h, adminapi.RouteDisableDataProvider, string(gln), ""); d.status != http.StatusOK || d.body["disabled"] != true {
			t.Fatalf("disable: %d %v", d.status, d.body)
		}
	}
	if list := call(t, h, adminapi.RouteListDataProviders, "", ""); list.status != http.StatusOK || !strings.Contains(fmt.Sprint(list.body["items"]), string(gln)) {
		t.Fatalf("list: %d %v", list.status, list.body)
	}
}

func TestRefusals(t *testing.T) { onEach(t, refusals) }

func refusals(t *testing.T, h *adminapi.Handler) {
	gln, org, client := freshParty(t)
	cases := []struct {
		name, route, gln, body string
		status                 int
		fields                 []string
	}{
		{"every bad field is named", adminapi.RouteRegisterThirdParty, "",
			`{"gln":"7080000000010","name":"","orgNumber":"123456789","clientIds":["has space"],"redirectUris":["http://evil.example/cb","https://ok.example/#frag"],"contact":{"email":"nope","fax":"1"}}`,
			http.StatusBadRequest, []string{"contact.fax", "gln", "name", "orgNumber", "clientIds[0]", "redirectUris[0]", "redirectUris[1]", "contact.email"}},
		{"unknown and read-only fields", adminapi.RouteRegisterThirdParty, "",
			fmt.Sprintf(`{"gln":%q,"name":"A","orgNumber":%q,"clientIds":[%q],"disabled":true,"Name":"B"}`, gln, org, client),
			http.StatusBadRequest, []string{"Name", "disabled"}},
		{"a data provider needs a role and grid areas", adminapi.RouteRegisterDataProvider, "",
			fmt.Sprintf(`{"gln":%q,"name":"A","orgNumber":%q,"clientIds":[%q],"gridAreas":[]}`, gln, org, client),
			http.StatusBadRequest, []string{"role", "gridAreas"}},
		{"a grid area is an EIC code", adminapi.RouteRegisterDataProvider, "",
			fmt.Sprintf(`{"gln":%q,"name":"A","orgNumber":%q,"role":"grid-company","clientIds":[%q],"gridAreas":["Oslo"]}`, gln, org, client),
			http.StatusBadRequest, []string{"gridAreas[0]"}},
		{"the body may not change the GLN", adminapi.RouteUpdateThirdParty, string(gln),
			fmt.Sprintf(`{"gln":"7080000000010","name":"A","orgNumber":%q,"clientIds":[%q]}`, org, client),
			http.StatusBadRequest, []string{"gln"}},
		{"a bad GLN in the path", adminapi.RouteGetThirdParty, "7080000000011", "", http.StatusBadRequest, []string{"gln"}},
		{"a missing third party", adminapi.RouteGetThirdParty, string(gln), "", http.StatusNotFound, nil},
		{"updating a missing third party", adminapi.RouteUpdateThirdParty, string(gln),
			fmt.Sprintf(`{"name":"A","orgNumber":%q,"clientIds":[%q]}`, org, client), http.StatusNotFound, nil},
		{"disabling a missing data provider", adminapi.RouteDisableDataProvider, string(gln), "", http.StatusNotFound, nil},
		{"not JSON", adminapi.RouteRegisterThirdParty, "", `{"gln":`, http.StatusBadRequest, []string{"body"}},
		{"a version is 1 or more", adminapi.RouteUpdateThirdParty, string(gln),
			fmt.Sprintf(`{"name":"A","orgNumber":%q,"clientIds":[%q],"version":0}`, org, client), http.StatusBadRequest, []string{"version"}},
		{"a field of the wrong type is named as sent", adminapi.RouteRegisterThirdParty, "",
			fmt.Sprintf(`{"gln":%q,"name":5,"orgNumber":%q,"clientIds":[%q]}`, gln, org, client), http.StatusBadRequest, []string{"name"}},
		{"a version is a whole number", adminapi.RouteUpdateThirdParty, string(gln),
			fmt.Sprintf(`{"name":"A","orgNumber":%q,"clientIds":[%q],"version":1.5}`, org, client), http.StatusBadRequest, []string{"version"}},
		{"a version is 1 or more, for a data provider too", adminapi.RouteUpdateDataProvider, string(gln),
			fmt.Sprintf(`{"name":"A","orgNumber":%q,"role":"grid-company","clientIds":[%q],"gridAreas":["10YNO-1--------2"],"version":-3}`, org, client),
			http.StatusBadRequest, []string{"version"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := call(t, h, c.route, c.gln, c.body)
			if a.status != c.status {
				t.Fatalf("status %d, want %d: %+v", a.status, c.status, a.problem)
			}
			if got := a.fields(); strings.Join(sorted(got), ",") != strings.Join(sorted(c.fields), ",") {
				t.Errorf("fields %v, want %v", got, c.fields)
			}
		})
	}
}

func sorted(s []string) []string { return slices.Sorted(slices.Values(s)) }

// An update sent with the version that was read is refused once someone
// else has changed the party since: their change is not lost unseen.
func TestAnUpdateOnAStaleVersionIsRefused(t *testing.T) { onEach(t, anUpdateOnAStaleVersionIsRefused) }

func anUpdateOnAStaleVersionIsRefused(t *testing.T, h *adminapi.Handler) {
	gln, org, client := freshParty(t)
	created := call(t, h, adminapi.RouteRegisterThirdParty, "", fmt.Sprintf(`{"gln":%q,"name":"Først AS","orgNumber":%q,"clientIds":[%q]}`, gln, org, client))
	read, ok := created.body["version"].(float64)
	if created.status != http.StatusCreated || !ok || read < 1 {
		t.Fatalf("register: %d %v", created.status, created.body)
	}
	update := func(name string, version float64) answer {
		return call(t, h, adminapi.RouteUpdateThirdParty, string(gln), fmt.Sprintf(`{"name":%q,"orgNumber":%q,"clientIds":[%q],"version":%v}`, name, org, client, version))
	}
	// JSON Schema's integers include 2.0: a version written so is the same version.
	first := call(t, h, adminapi.RouteUpdateThirdParty, string(gln), fmt.Sprintf(`{"name":"Andre AS","orgNumber":%q,"clientIds":[%q],"version":%.1f}`, org, client, read))
	if first.status != http.StatusOK || first.body["version"].(float64) != read+1 {
		t.Fatalf("an update on the version read: %d %v", first.status, first.body)
	}
	if stale := update("Tredje AS", read); stale.status != http.StatusConflict || !strings.Contains(stale.problem.Detail, "changed since") {
		t.Fatalf("an update on a stale version: %d %+v", stale.status, stale.problem)
	}
	if got := call(t, h, adminapi.RouteGetThirdParty, string(gln), ""); got.body["name"] != "Andre AS" {
		t.Fatalf("after the refused update the name is %v", got.body["name"])
	}
}
