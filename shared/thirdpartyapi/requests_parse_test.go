package thirdpartyapi

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/apigw"
	"github.com/tredjepart/tredjepart/shared/fault"
)

func post(body string, headers map[string]string) events.APIGatewayV2HTTPRequest {
	h := map[string]string{"content-type": "application/json"}
	for k, v := range headers {
		h[k] = v
	}
	return events.APIGatewayV2HTTPRequest{RouteKey: RouteCreateRequest, Headers: h, Body: body}
}

func fieldReasons(t *testing.T, err error) map[string]string {
	t.Helper()
	var e *fault.Error
	if !errors.As(err, &e) || e.Kind != fault.Invalid {
		t.Fatalf("want an Invalid fault, got %v", err)
	}
	reasons := map[string]string{}
	for _, f := range e.Fields {
		reasons[f.Field] = f.Reason
	}
	return reasons
}

func TestParseCreateAcceptsValidBodies(t *testing.T) {
	cases := []struct {
		name string
		body string
		want accessrequest.Scope
	}{
		{"scope defaults to LIMITED", `{"meteringPointId":"707057500000001015"}`, accessrequest.Limited},
		{"FULL", `{"meteringPointId":"707057500000001015","scope":"FULL"}`, accessrequest.Full},
		{"with an agreement reference", `{"meteringPointId":"707057500000001015","agreementReference":"Avtale nr. 42 – Ærlig"}`, accessrequest.Limited},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in, err := parseCreate(post(c.body, nil))
			if err != nil {
				t.Fatal(err)
			}
			if in.MeteringPoint != "707057500000001015" || in.Scope != c.want {
				t.Fatalf("got %+v", in)
			}
		})
	}
}

func TestParseCreateNamesEveryBadField(t *testing.T) {
	cases := []struct {
		name    string
		body    string
		headers map[string]string
		want    map[string]string
	}{
		{"missing metering point", `{}`, nil, map[string]string{"meteringPointId": "is required"}},
		{"wrong check digit", `{"meteringPointId":"707057500000001016"}`, nil, map[string]string{"meteringPointId": "check digit should be 5"}},
		{"too short", `{"meteringPointId":"70705750000000101"}`, nil, map[string]string{"meteringPointId": "must be 18 digits, got 17"}},
		{"lower-case scope", `{"meteringPointId":"707057500000001015","scope":"full"}`, nil, map[string]string{"scope": "must be LIMITED or FULL"}},
		{"two bad fields at once", `{"meteringPointId":"x","scope":"ALL"}`, nil, map[string]string{"meteringPointId": "must contain only digits", "scope": "must be LIMITED or FULL"}},
		{"number instead of string", `{"meteringPointId":707057500000001015}`, nil, map[string]string{"meteringPointId": "must be a string"}},
		{"misspelt field", `{"meteringpointId":"707057500000001015"}`, nil, map[string]string{"meteringpointId": "is not a known field", "meteringPointId": "is required"}},
		{"every unknown field and the bad known ones", `{"meteringPointId":"1","b":1,"a":2,"scope":""}`, nil, map[string]string{"a": "is not a known field", "b": "is not a known field", "meteringPointId": "must be 18 digits, got 1", "scope": "must be LIMITED or FULL"}},
		{"array body", `[]`, nil, map[string]string{"body": "must be a JSON object"}},
		{"broken JSON", `{"meteringPointId":`, nil, map[string]string{"body": "is empty or cut short; send a JSON object"}},
		{"two objects", `{} {}`, nil, map[string]string{"body": "unexpected data after the JSON object"}},
		{"long agreement reference", `{"meteringPointId":"707057500000001015","agreementReference":"` + strings.Repeat("x", 101) + `"}`, nil, map[string]string{"agreementReference": "must be at most 100 characters"}},
		{"control character", `{"meteringPointId":"707057500000001015","agreementReference":"a\u0007b"}`, nil, map[string]string{"agreementReference": "must not contain control characters"}},
		{"idempotency key with a space", `{"meteringPointId":"707057500000001015"}`, map[string]string{"idempotency-key": "a b"}, map[string]string{"Idempotency-Key": "must be printable ASCII without spaces"}},
		{"empty idempotency key", `{"meteringPointId":"707057500000001015"}`, map[string]string{"idempotency-key": ""}, map[string]string{"Idempotency-Key": "must be 1 to 255 characters"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseCreate(post(c.body, c.headers))
			got := fieldReasons(t, err)
			if len(got) != len(c.want) {
				t.Fatalf("fields %v, want %v", got, c.want)
			}
			for field, reason := range c.want {
				if got[field] != reason {
					t.Errorf("%s: %q, want %q", field, got[field], reason)
				}
			}
		})
	}
}

func TestParseCreateWantsJSON(t *testing.T) {
	for _, ct := range []string{"", "text/plain", "application/x-www-form-urlencoded"} {
		_, err := parseCreate(post(`{}`, map[string]string{"content-type": ct}))
		if fault.KindOf(err) != fault.UnsupportedMediaType {
			t.Errorf("Content-Type %q: %v", ct, err)
		}
	}
	ev := post(base64.StdEncoding.EncodeToString([]byte(`{"meteringPointId":"707057500000001015"}`)), map[string]string{"content-type": "application/merge-patch+json"})
	ev.IsBase64Encoded = true
	if _, err := parseCreate(ev); err != nil {
		t.Fatalf("base64 body with a +json type: %v", err)
	}
}

func TestParseListChecksItsParameters(t *testing.T) {
	q, err := parseList(map[string]string{})
	if err != nil || q.Limit != 25 || q.Status != "" {
		t.Fatalf("defaults: %+v %v", q, err)
	}
	got := fieldReasons(t, func() error { _, err := parseList(map[string]string{"status": "EXPIRED", "limit": "1000"}); return err }())
	if got["status"] == "" || got["limit"] != "must be a whole number from 1 to 100" {
		t.Fatalf("got %v", got)
	}
}

func TestParseIDWantsACanonicalUUID(t *testing.T) {
	for _, ok := range []string{"3f2b8c1e-9d4a-4f6e-8b7a-2c1d0e9f8a7b", "3F2B8C1E-9D4A-4F6E-8B7A-2C1D0E9F8A7B"} {
		if id, err := parseID(ok); err != nil || id != strings.ToLower(ok) {
			t.Errorf("%s: %q %v", ok, id, err)
		}
	}
	for _, bad := range []string{"", "42", "{3f2b8c1e-9d4a-4f6e-8b7a-2c1d0e9f8a7b}", "urn:uuid:3f2b8c1e-9d4a-4f6e-8b7a-2c1d0e9f8a7b", "3f2b8c1e9d4a4f6e8b7a2c1d0e9f8a7b"} {
		if _, err := parseID(bad); fault.KindOf(err) != fault.Invalid {
			t.Errorf("%q accepted", bad)
		}
	}
}

// Whatever arrives, parsing either yields a valid input or an Invalid /
// UnsupportedMediaType fault naming at least one field; it never panics.
func FuzzParseCreate(f *testing.F) {
	f.Add(`{"meteringPointId":"707057500000001015","scope":"FULL"}`, "application/json", "key-1")
	f.Add(`{"meteringPointId":"7070575000000010150"}`, "application/json", "")
	f.Add(`{"scope":null}`, "text/json", " ")
	f.Add("\xff", "application/json; charset=latin1", "\x00")
	f.Fuzz(func(t *testing.T, body, contentType, key string) {
		in, err := parseCreate(post(body, map[string]string{"content-type": contentType, "idempotency-key": key}))
		if err == nil {
			if in.MeteringPoint == "" || (in.Scope != accessrequest.Limited && in.Scope != accessrequest.Full) {
				t.Fatalf("accepted an incomplete input %+v from %q", in, body)
			}
			return
		}
		var e *fault.Error
		if !errors.As(err, &e) {
			t.Fatalf("not a domain error: %v", err)
		}
		if e.Kind == fault.Invalid && len(e.Fields) == 0 {
			t.Fatalf("invalid without naming a field: %v", err)
		}
		if e.Kind != fault.Invalid && e.Kind != fault.UnsupportedMediaType {
			t.Fatalf("unexpected kind %v", e.Kind)
		}
	})
}

func FuzzParseList(f *testing.F) {
	f.Add("PENDING", "10", "abc")
	f.Add("", "-1", "")
	f.Fuzz(func(t *testing.T, status, limit, cursor string) {
		q, err := parseList(map[string]string{"status": status, "limit": limit, "cursor": cursor})
		if err == nil && (q.Limit < 1 || q.Limit > apigw.MaxPageSize) {
			t.Fatalf("accepted limit %d", q.Limit)
		}
		if err != nil && fault.KindOf(err) != fault.Invalid {
			t.Fatalf("unexpected error %v", err)
		}
	})
}
