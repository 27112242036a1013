package openapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pb33f/go-yaml"
	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	"github.com/pb33f/libopenapi-validator/schema_validation"
	"github.com/pb33f/libopenapi/datamodel/high/base"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
	"github.com/pb33f/libopenapi/orderedmap"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/consent"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/inmem"
	"github.com/tredjepart/tredjepart/shared/notify"
	"github.com/tredjepart/tredjepart/shared/openapi"
	"github.com/tredjepart/tredjepart/shared/oslo"
	"github.com/tredjepart/tredjepart/shared/personaldata"
	"github.com/tredjepart/tredjepart/shared/problem"
	"github.com/tredjepart/tredjepart/shared/pseudonym"
	"github.com/tredjepart/tredjepart/shared/ratelimit"
	"github.com/tredjepart/tredjepart/shared/readlog"
	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/resources"
)

func load(t *testing.T) (libopenapi.Document, *v3.Document) {
	t.Helper()
	doc, err := libopenapi.NewDocument(openapi.Document())
	if err != nil {
		t.Fatal(err)
	}
	model, err := doc.BuildV3Model()
	if err != nil {
		t.Fatal(err)
	}
	return doc, &model.Model
}

// operation is one method on one path of the document.
type operation struct {
	key string // "POST /v1/access-requests", as resources.Route.Key
	op  *v3.Operation
}

func operations(m *v3.Document) []operation {
	var ops []operation
	for path, item := range m.Paths.PathItems.FromOldest() {
		for method, op := range item.GetOperations().FromOldest() {
			ops = append(ops, operation{strings.ToUpper(method) + " " + path, op})
		}
	}
	return ops
}

func TestDocumentIsValidOpenAPI31(t *testing.T) {
	doc, _ := load(t)
	if info := doc.GetSpecInfo(); info.SpecType != "openapi" || info.Version != "3.1.0" {
		t.Fatalf("spec type %q version %q, want openapi 3.1.0", info.SpecType, info.Version)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if ok, problems := v.ValidateDocument(); !ok {
		for _, p := range problems {
			t.Errorf("%s: %s (line %d)", p.Message, p.Reason, p.SpecLine)
			for _, f := range p.SchemaValidationErrors {
				t.Errorf("  %s at %s", f.Reason, f.KeywordLocation)
			}
		}
	}
}

// allRoutes are the deployed routes and the sandbox's, which the document
// also describes (tagged Sandbox).
var allRoutes = append(slices.Clone(resources.Routes), resources.SandboxRoutes...)

// routeByKey finds a route of allRoutes by its key.
func routeByKey(key string) (resources.Route, bool) {
	i := slices.IndexFunc(allRoutes, func(r resources.Route) bool { return r.Key() == key })
	if i < 0 {
		return resources.Route{}, false
	}
	return allRoutes[i], true
}

// The document and resources.Routes name the same third-party routes, and
// each route's scopes are what the document's security requires for it. (The
// public routes are the end users' HTML pages, not part of this API.) The
// sandbox's routes are documented too, tagged Sandbox, and nothing else is.
func TestRoutesMatchResources(t *testing.T) {
	_, m := load(t)
	documented := map[string]*v3.Operation{}
	for _, o := range operations(m) {
		documented[o.key] = o.op
		sandbox := slices.ContainsFunc(resources.SandboxRoutes, func(r resources.Route) bool { return r.Key() == o.key })
		if slices.Contains(o.op.Tags, "Sandbox") != sandbox {
			t.Errorf("%s: tagged Sandbox %v, a sandbox route %v", o.key, !sandbox, sandbox)
		}
	}
	for _, r := range allRoutes {
		if r.Public && r.Function == resources.SandboxFunctionID {
			if op, ok := documented[r.Key()]; !ok || !public(op) {
				t.Errorf("the sandbox's public %s is not in the document with no security", r.Key())
			}
			delete(documented, r.Key())
			continue
		}
		if r.Public {
			op, ok := documented[r.Key()]
			switch feed := strings.HasPrefix(r.Path, "/v1/"); {
			case feed && !ok:
				t.Errorf("the end user's feed %s is not in the document", r.Key())
			case feed && !endUserSession(op):
				t.Errorf("%s: the document does not give the end user's session as its security", r.Key())
			case !feed && ok:
				t.Errorf("public page %s is in the third-party API document", r.Key())
			}
			delete(documented, r.Key())
			continue
		}
		op, ok := documented[r.Key()]
		if !ok {
			t.Errorf("route %s is not in the document", r.Key())
			continue
		}
		delete(documented, r.Key())
		security := op.Security
		if security == nil {
			security = m.Security
		}
		var scopes []string
		for _, req := range security {
			for _, s := range req.Requirements.FromOldest() {
				scopes = append(scopes, s...)
			}
		}
		slices.Sort(scopes)
		want := slices.Sorted(slices.Values(r.Scopes))
		if !slices.Equal(scopes, want) {
			t.Errorf("%s: document requires scopes %v, the route %v", r.Key(), scopes, want)
		}
	}
	for key := range documented {
		t.Errorf("%s is in the document but not in resources.Routes", key)
	}
}

// endUserSession: op's only security is the consent pages' login session,
// with no authorizer at the gateway.
func endUserSession(op *v3.Operation) bool {
	if len(op.Security) != 1 || op.Security[0].Requirements.Len() != 1 {
		return false
	}
	_, ok := op.Security[0].Requirements.Get("endUserSession")
	return ok
}

// public: op needs no token or session (its security is an empty list).
func public(op *v3.Operation) bool { return op.Security != nil && len(op.Security) == 0 }

// Every route is behind the API Gateway, so every operation documents what
// the gateway answers on its own, and what the service answers for any call.
// The end user's feeds have no authorizer: only the service answers 401,
// and nothing answers 403.
func TestEveryOperationDocumentsTheCommonAnswers(t *testing.T) {
	_, m := load(t)
	common := map[string][]string{
		"401": {"application/json", "application/problem+json"},
		"403": {"application/json", "application/problem+json"},
		"413": {"application/json", "application/problem+json"},
		"500": {"application/json", "application/problem+json"},
		"503": {"application/json"},
	}
	session := map[string][]string{
		"401": {"application/problem+json"},
		"413": common["413"], "500": common["500"], "503": common["503"],
	}
	for _, o := range operations(m) {
		answers := common
		if public(o.op) { // no authorizer, and the service asks for nothing
			answers = map[string][]string{"413": common["413"], "500": common["500"], "503": common["503"]}
			for _, code := range []string{"401", "403"} {
				if o.op.Responses.Codes.GetOrZero(code) != nil {
					t.Errorf("%s needs no token but documents a %s", o.key, code)
				}
			}
		}
		if endUserSession(o.op) {
			answers = session
			if o.op.Responses.Codes.GetOrZero("403") != nil {
				t.Errorf("%s documents a 403 that nothing answers", o.key)
			}
		}
		for code, mediaTypes := range answers {
			res := o.op.Responses.Codes.GetOrZero(code)
			if res == nil {
				t.Errorf("%s does not document %s", o.key, code)
				continue
			}
			got := slices.Sorted(res.Content.KeysFromOldest())
			if !slices.Equal(got, mediaTypes) {
				t.Errorf("%s %s: media types %v, want %v", o.key, code, got, mediaTypes)
			}
		}
	}
}

// Every request and every answer has examples, each valid against its
// schema: the bodies of the operations and of the webhook pushes, every
// parameter (path, query and header) and every response header.
func TestExamplesMatchTheirSchemas(t *testing.T) {
	_, m := load(t)
	sv := schema_validation.NewSchemaValidator(config.WithFormatAssertions())
	check := func(where string, content *orderedmap.Map[string, *v3.MediaType]) {
		for mediaType, mt := range content.FromOldest() {
			if orderedmap.Len(mt.Examples) == 0 {
				t.Errorf("%s %s has no examples", where, mediaType)
			}
			for name, ex := range mt.Examples.FromOldest() {
				checkExample(t, sv, fmt.Sprintf("%s %s example %q", where, mediaType, name), mt.Schema.Schema(), ex)
			}
		}
	}
	// examples checks the example or examples of a parameter or a header.
	examples := func(where string, schema *base.SchemaProxy, example *yaml.Node, named *orderedmap.Map[string, *base.Example]) {
		if example == nil && orderedmap.Len(named) == 0 {
			t.Errorf("%s has no example", where)
		}
		if example != nil {
			checkExample(t, sv, where+" example", schema.Schema(), &base.Example{Value: example})
		}
		for name, ex := range named.FromOldest() {
			checkExample(t, sv, fmt.Sprintf("%s example %q", where, name), schema.Schema(), ex)
		}
	}
	ops := operations(m)
	for name, item := range m.Webhooks.FromOldest() {
		for method, op := range item.GetOperations().FromOldest() {
			ops = append(ops, operation{"webhook " + name + " " + strings.ToUpper(method), op})
			for _, p := range item.Parameters {
				examples(fmt.Sprintf("webhook %s parameter %s", name, p.Name), p.Schema, p.Example, p.Examples)
			}
		}
	}
	if len(ops) == len(operations(m)) {
		t.Fatal("the document has no webhooks")
	}
	for path, item := range m.Paths.PathItems.FromOldest() {
		for method, op := range item.GetOperations().FromOldest() {
			for _, p := range slices.Concat(item.Parameters, op.Parameters) {
				examples(fmt.Sprintf("%s %s parameter %s", strings.ToUpper(method), path, p.Name), p.Schema, p.Example, p.Examples)
			}
		}
	}
	for _, o := range ops {
		if strings.HasPrefix(o.key, "webhook ") {
			for _, p := range o.op.Parameters {
				examples(o.key+" parameter "+p.Name, p.Schema, p.Example, p.Examples)
			}
		}
		if o.op.RequestBody != nil {
			check(o.key+" request body", o.op.RequestBody.Content)
		}
		for code, res := range o.op.Responses.Codes.FromOldest() {
			check(o.key+" "+code, res.Content)
			for name, h := range res.Headers.FromOldest() {
				examples(fmt.Sprintf("%s %s header %s", o.key, code, name), h.Schema, h.Example, h.Examples)
			}
		}
	}
}

// Each Elhub code the API answers with (a problem's code, a rejection's
// reasonCode) is explained where its field is described, and shown in an
// example whose summary names it.
func TestEveryElhubCodeHasItsMeaningAndAnExample(t *testing.T) {
	doc := rawDocument(t)
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	fields := map[string]map[string]any{ // where a code is answered: field name and its schema
		"code":       schemas["Problem"].(map[string]any)["properties"].(map[string]any)["code"].(map[string]any),
		"reasonCode": schemas["Notification"].(map[string]any)["properties"].(map[string]any)["reasonCode"].(map[string]any),
	}
	// Every example anywhere: its summary and the codes in its value.
	type shown struct{ summary, field, code string }
	var seen []shown
	var values func(summary string, v any)
	values = func(summary string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for field := range fields {
				if code, ok := v[field].(string); ok {
					seen = append(seen, shown{summary, field, code})
				}
			}
			for _, child := range v {
				values(summary, child)
			}
		case []any:
			for _, child := range v {
				values(summary, child)
			}
		}
	}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if exs, ok := v["examples"].(map[string]any); ok {
				for _, ex := range exs {
					ex := resolve(doc, ex.(map[string]any))
					summary, _ := ex["summary"].(string)
					values(summary, ex["value"])
				}
			}
			for _, child := range v {
				walk(child)
			}
		case []any:
			for _, child := range v {
				walk(child)
			}
		}
	}
	walk(doc)
	codes := 0
	for field, schema := range fields {
		description, _ := schema["description"].(string)
		for _, code := range schema["enum"].([]any) {
			code := code.(string)
			codes++
			if !strings.Contains(description, "`"+code+"`") {
				t.Errorf("%s: the description does not say what %s means: %q", field, code, description)
			}
			if !slices.ContainsFunc(seen, func(s shown) bool { return s.field == field && s.code == code && strings.Contains(s.summary, code) }) {
				t.Errorf("no example with %s %s says so in its summary", field, code)
			}
		}
	}
	if codes < 5 {
		t.Fatalf("found %d Elhub codes", codes)
	}
}

func checkExample(t *testing.T, sv schema_validation.SchemaValidator, where string, schema *base.Schema, ex *base.Example) {
	t.Helper()
	var value any
	if ex.Value == nil {
		t.Errorf("%s has no value", where)
		return
	}
	if err := ex.Value.Decode(&value); err != nil {
		t.Errorf("%s: %v", where, err)
		return
	}
	raw, err := json.Marshal(value)
	if err != nil {
		t.Errorf("%s: %v", where, err)
		return
	}
	if ok, errs := sv.ValidateSchemaBytesWithVersion(schema, raw, 3.1); !ok {
		for _, e := range errs {
			t.Errorf("%s: %s: %s", where, e.Message, e.Reason)
			for _, f := range e.SchemaValidationErrors {
				t.Errorf("  %s: %s", f.FieldPath, f.Reason)
			}
		}
	}
}

// The examples use real identifiers and follow the expiry rule: every GSRN
// and GLN has a correct check digit, expiresAt is what businessday computes
// from createdAt, and links.self is the request's path.
func TestExamplesAreTrueToTheCode(t *testing.T) {
	var doc struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Examples map[string]struct {
				Value json.RawMessage `json:"value"`
			} `json:"examples"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openapi.Document(), &doc); err != nil {
		t.Fatal(err)
	}
	// Requests, alone or in a list, anywhere among the examples.
	var requests []map[string]any
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if _, ok := v["expiresAt"]; ok {
				requests = append(requests, v)
			}
			for _, child := range v {
				walk(child)
			}
		case []any:
			for _, child := range v {
				walk(child)
			}
		}
	}
	everything := string(openapi.Document())
	for name, ex := range doc.Components.Examples {
		var v any
		if err := json.Unmarshal(ex.Value, &v); err != nil {
			t.Fatalf("example %s: %v", name, err)
		}
		walk(v)
	}
	if len(requests) < 4 {
		t.Fatalf("found %d access requests among the examples", len(requests))
	}
	for _, r := range requests {
		created, err := time.Parse(time.RFC3339, r["createdAt"].(string))
		if err != nil {
			t.Fatal(err)
		}
		if want := oslo.FormatUTC(accessrequest.ExpiresAt(created)); r["expiresAt"] != want {
			t.Errorf("request %s created %s: expiresAt %s, the rule says %s", r["id"], r["createdAt"], r["expiresAt"], want)
		}
		links, ok := r["links"].(map[string]any) // the API's requests have them; the end user's export has none
		if !ok {
			continue
		}
		if self := links["self"]; self != "/v1/access-requests/"+r["id"].(string) {
			t.Errorf("request %s: links.self %s", r["id"], self)
		}
		if consent, _ := links["consent"].(string); !strings.HasSuffix(consent, "/consent/requests/"+r["id"].(string)) {
			t.Errorf("request %s: links.consent %s", r["id"], consent)
		}
		if authorize, _ := links["authorize"].(string); !strings.Contains(authorize, "/authorize?") || !strings.Contains(authorize, "request_id="+r["id"].(string)) {
			t.Errorf("request %s: links.authorize %s", r["id"], authorize)
		}
	}
	for _, gsrn := range regexp.MustCompile(`\b7070575\d{11}\b`).FindAllString(everything, -1) {
		if _, err := ident.ParseGSRN(gsrn); err != nil {
			t.Errorf("GSRN %s in the document: %v", gsrn, err)
		}
	}
	for _, gln := range regexp.MustCompile(`"709\d{10}"`).FindAllString(everything, -1) {
		if _, err := ident.ParseGLN(strings.Trim(gln, `"`)); err != nil {
			t.Errorf("GLN %s in the document: %v", gln, err)
		}
	}
	// The worked example in the description.
	received := time.Date(2027, 3, 24, 10, 0, 0, 0, oslo.Oslo)
	if got := oslo.FormatUTC(accessrequest.ExpiresAt(received)); got != "2027-04-01T22:00:00Z" || !strings.Contains(everything, got) {
		t.Errorf("a request received %s expires %s", received, got)
	}
}

func TestDocumentReturnsACopy(t *testing.T) {
	a := openapi.Document()
	a[0] = 'x'
	if openapi.Document()[0] != '{' {
		t.Fatal("Document shares its bytes")
	}
}

// Each operation's 413 names the body limit of its route, as the function
// enforces it (resources.Route.BodyLimit).
func TestPayloadTooLargeNamesTheRoutesLimit(t *testing.T) {
	_, m := load(t)
	for _, o := range operations(m) {
		route, ok := routeByKey(o.key)
		if !ok {
			t.Errorf("%s is no route", o.key)
			continue
		}
		res := o.op.Responses.Codes.GetOrZero("413")
		if limit := fmt.Sprintf("%s bytes", humanize(route.BodyLimit())); res == nil || !strings.Contains(res.Description, limit) {
			t.Errorf("%s: the 413 does not say %q", o.key, limit)
		}
	}
}

// rawDocument is the document as plain JSON, for walks that libopenapi's
// model makes long-winded.
func rawDocument(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(openapi.Document(), &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// resolve follows a local $ref ("#/components/…") until it reaches a value.
func resolve(doc map[string]any, v map[string]any) map[string]any {
	for {
		ref, ok := v["$ref"].(string)
		if !ok {
			return v
		}
		var node any = doc
		for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			node = node.(map[string]any)[part]
		}
		v = node.(map[string]any)
	}
}

// Every path and query parameter says its shape (a pattern, an enum, a
// format or a number type), so that what a client may send is in the
// contract and not only in the server: a bare string says nothing.
func TestEveryParameterSaysItsShape(t *testing.T) {
	doc := rawDocument(t)
	for path, item := range doc["paths"].(map[string]any) {
		item := item.(map[string]any)
		params, _ := item["parameters"].([]any)
		for method, op := range item {
			if op, ok := op.(map[string]any); ok && method != "parameters" {
				more, _ := op["parameters"].([]any)
				params = append(params, more...)
			}
		}
		for _, p := range params {
			p := resolve(doc, p.(map[string]any))
			if in := p["in"]; in != "path" && in != "query" {
				continue
			}
			s := resolve(doc, p["schema"].(map[string]any))
			_, pattern := s["pattern"]
			_, enum := s["enum"]
			_, format := s["format"]
			if !pattern && !enum && !format && s["type"] != "integer" {
				t.Errorf("%s: parameter %s is a bare %v", path, p["name"], s["type"])
			}
		}
	}
}

// humanize writes n with thousands separators: 65,536.
func humanize(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// An identifier with a check digit carries a format naming it besides its
// pattern, since JSON Schema cannot say a check digit; the contract test's
// schemathesis hooks (localstack/runner/testdata/contract_formats.py) make
// values of these formats.
func TestCheckDigitIdentifiersCarryTheirFormat(t *testing.T) {
	doc := rawDocument(t)
	want := map[string]string{"^[0-9]{18}$": "gsrn", "^[0-9]{13}$": "gln", "^[0-9]{9}$": "no-orgnr"}
	found := 0
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if p, ok := v["pattern"].(string); ok && want[p] != "" {
				found++
				if v["format"] != want[p] {
					t.Errorf("%s: pattern %s without format %q", path, p, want[p])
				}
			}
			for k, child := range v {
				walk(path+"/"+k, child)
			}
		case []any:
			for i, child := range v {
				walk(fmt.Sprintf("%s/%d", path, i), child)
			}
		}
	}
	walk("#", doc)
	if found < 10 {
		t.Fatalf("only %d identifiers with check digits found", found)
	}
}

// The export's schema in the document is the JSON Schema published with
// package personaldata, word for word.
func TestTheExportSchemaIsTheOnePublished(t *testing.T) {
	var published map[string]any
	if err := json.Unmarshal(personaldata.Schema, &published); err != nil {
		t.Fatal(err)
	}
	delete(published, "$schema")
	delete(published, "$id")
	documented := rawDocument(t)["components"].(map[string]any)["schemas"].(map[string]any)["PersonalDataExport"]
	a, _ := json.Marshal(published)
	b, _ := json.Marshal(documented)
	if string(a) != string(b) {
		t.Errorf("PersonalDataExport in the document:\n%s\nshared/personaldata/export.schema.json:\n%s", b, a)
	}
}

// An export as the code makes it, of an end user with a request, a grant
// changed and removed, and reads, is valid against the document's schema.
func TestAnExportMatchesItsSchema(t *testing.T) {
	ctx := context.Background()
	s := inmem.Open()
	const kari, tp, mp = pseudonym.EndUserID("p1_kari"), ident.GLN("7090000000011"), ident.GSRN("707057500000001015")
	now := time.Date(2027, 3, 24, 9, 0, 0, 0, time.UTC)
	at := clock.ByOffset(time.Until(now))
	if err := s.Parties.RegisterThirdParty(ctx, registry.ThirdParty{GLN: tp, Name: "Straumkompis AS"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.MeteringPoints.PutMeteringPoint(ctx, registry.MeteringPoint{ID: mp, AccountingPoint: true,
		Address:     registry.Address{Street: "Storgata 1", Postcode: "0155", Municipality: "Oslo"},
		Occupancies: []registry.Occupancy{{EndUser: kari, MoveIn: registry.Date(2024, 6, 15)}}}); err != nil {
		t.Fatal(err)
	}
	r := accessrequest.Request{ID: "3f2b8c1e-9d4a-4f6e-8b7a-2c1d0e9f8a7b", ThirdParty: tp, MeteringPoint: mp, Scope: accessrequest.Full,
		AgreementReference: "AVT-1", Status: accessrequest.Pending, CreatedAt: at.Now(), ExpiresAt: accessrequest.ExpiresAt(at.Now()), Version: 1}
	if err := s.Requests.Create(ctx, r, "", accessrequest.Idempotency{}); err != nil {
		t.Fatal(err)
	}
	svc := &consent.Service{Requests: s.Requests, Grants: s.Grants, MeteringPoints: s.MeteringPoints, ThirdParties: s.Parties,
		Expiry: noTimers{}, Notifier: quiet{}, Clock: at}
	if _, err := svc.Approve(ctx, kari, r.ID, accessrequest.Limited); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ChangeLevel(ctx, kari, tp, mp, accessrequest.Full); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Revoke(ctx, kari, tp, mp); err != nil {
		t.Fatal(err)
	}
	for _, e := range []readlog.Entry{
		{ID: "r1", EndUser: kari, ThirdParty: tp, MeteringPoint: mp, What: readlog.MasterData, At: at.Now()},
		{ID: "r2", EndUser: kari, ThirdParty: tp, MeteringPoint: mp, What: readlog.MeterValues, At: at.Now(),
			From: registry.Date(2027, 3, 1), To: registry.Date(2027, 3, 24)},
	} {
		if err := s.ReadLog.Append(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	x, err := (&personaldata.Service{Requests: s.Requests, Grants: s.Grants, MeteringPoints: s.MeteringPoints, ReadLog: s.ReadLog,
		ThirdParties: s.Parties, Clock: at}).Export(ctx, kari)
	if err != nil {
		t.Fatal(err)
	}
	if len(x.AccessRequests) != 1 || len(x.Grants) != 1 || len(x.Grants[0].Changes) != 3 || len(x.Reads) != 3 {
		t.Fatalf("the export lacks what the test made: %+v", x)
	}
	var raw bytes.Buffer
	if err := x.WriteJSON(&raw); err != nil {
		t.Fatal(err)
	}
	_, m := load(t)
	schema := m.Components.Schemas.GetOrZero("PersonalDataExport").Schema()
	sv := schema_validation.NewSchemaValidator(config.WithFormatAssertions())
	if ok, errs := sv.ValidateSchemaBytesWithVersion(schema, raw.Bytes(), 3.1); !ok {
		for _, e := range errs {
			t.Errorf("%s: %s", e.Message, e.Reason)
			for _, f := range e.SchemaValidationErrors {
				t.Errorf("  %s: %s", f.FieldPath, f.Reason)
			}
		}
	}
}

type noTimers struct{}

func (noTimers) Schedule(context.Context, accessrequest.Request) error { return nil }
func (noTimers) Cancel(context.Context, accessrequest.Request) error   { return nil }

type quiet struct{}

func (quiet) Notify(context.Context, notify.Notification) error { return nil }

// A push carries the document of a feed item, under the item's id as
// webhook-id: each push example is the document of a feed example's item,
// and its summary names that id.
func TestPushExamplesAreFeedDocuments(t *testing.T) {
	var doc struct {
		Webhooks map[string]map[string]struct {
			RequestBody struct {
				Content map[string]struct {
					Examples map[string]struct {
						Summary string `json:"summary"`
						Value   any    `json:"value"`
					} `json:"examples"`
				} `json:"content"`
			} `json:"requestBody"`
		} `json:"webhooks"`
		Components struct {
			Examples map[string]struct {
				Value json.RawMessage `json:"value"`
			} `json:"examples"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openapi.Document(), &doc); err != nil {
		t.Fatal(err)
	}
	pushes := doc.Webhooks["documentDelivered"]["post"].RequestBody.Content["application/json"].Examples
	if len(pushes) < 3 {
		t.Fatalf("%d push examples, want one of each kind of document", len(pushes))
	}
	for name, push := range pushes {
		found := false
		for _, example := range doc.Components.Examples {
			var feed struct {
				Items []struct {
					ID       string `json:"id"`
					Document any    `json:"document"`
				} `json:"items"`
			}
			if json.Unmarshal(example.Value, &feed) != nil {
				continue // not a page of a feed (a zip's bytes, say)
			}
			for _, item := range feed.Items {
				if reflect.DeepEqual(item.Document, push.Value) {
					found = true
					if !strings.Contains(push.Summary, "webhook-id "+item.ID) {
						t.Errorf("push example %q: the summary does not name webhook-id %s: %q", name, item.ID, push.Summary)
					}
				}
			}
		}
		if !found {
			t.Errorf("push example %q is no feed item's document", name)
		}
	}
}

// Every operation of a function that limits its clients (the RATE_LIMIT
// setting) documents the service's and the gateway's 429 with Retry-After
// and the RateLimit fields, and the fields on each success; the service's
// example is the document the limiter's refusal becomes.
func TestRateLimitedOperationsDocumentThe429AndTheirFields(t *testing.T) {
	_, m := load(t)
	limited := 0
	for _, o := range operations(m) {
		route, ok := resources.RouteByKey(o.key)
		if !ok {
			continue
		}
		fn := slices.IndexFunc(resources.Functions, func(f resources.Function) bool { return f.ID == route.Function })
		if !slices.Contains(resources.Functions[fn].Settings, resources.RateLimitSetting) {
			continue
		}
		limited++
		res := o.op.Responses.Codes.GetOrZero("429")
		if res == nil {
			t.Errorf("%s does not document 429", o.key)
			continue
		}
		if got := slices.Sorted(res.Content.KeysFromOldest()); !slices.Equal(got, []string{"application/json", "application/problem+json"}) {
			t.Errorf("%s 429: media types %v", o.key, got)
		}
		for _, h := range []string{"Retry-After", "RateLimit-Policy", "RateLimit"} {
			if res.Headers.GetOrZero(h) == nil {
				t.Errorf("%s 429 does not document %s", o.key, h)
			}
		}
		for code, r := range o.op.Responses.Codes.FromOldest() {
			if strings.HasPrefix(code, "2") && (r.Headers.GetOrZero("RateLimit-Policy") == nil || r.Headers.GetOrZero("RateLimit") == nil) {
				t.Errorf("%s %s does not document RateLimit-Policy and RateLimit", o.key, code)
			}
		}
	}
	if limited < 15 {
		t.Errorf("%d operations are rate limited, want the 13 third-party and 2 ingest ones", limited)
	}

	var doc struct {
		Components struct {
			Examples struct {
				TooManyRequests struct {
					Value problem.Document `json:"value"`
				} `json:"ProblemTooManyRequests"`
			} `json:"examples"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openapi.Document(), &doc); err != nil {
		t.Fatal(err)
	}
	refusal := ratelimit.Decision{Policy: ratelimit.Policy{Limit: 20, Window: 10 * time.Second}, Reset: 6 * time.Second}
	want := problem.From(context.Background(), slog.New(slog.DiscardHandler), refusal.Err(), "/v1/access-requests")
	want.RetryAfter = 0 // a header, not in the body
	if got := doc.Components.Examples.TooManyRequests.Value; !reflect.DeepEqual(got, want) {
		t.Errorf("the 429 example is\n%+v\nthe limiter answers\n%+v", got, want)
	}
}
