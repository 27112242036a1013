package apigw

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/tredjepart/tredjepart/shared/problem"
	"github.com/tredjepart/tredjepart/shared/resources"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// handleBody runs Handle on routeKey with body, as API Gateway sends it:
// JSON as text, anything else in base64. It reports whether the route ran.
func handleBody(t *testing.T, routeKey string, body []byte, base64Encoded bool) (Response, bool) {
	t.Helper()
	ev := Request{RouteKey: routeKey, RawPath: "/x", Body: string(body), IsBase64Encoded: base64Encoded}
	if base64Encoded {
		ev.Body = base64.StdEncoding.EncodeToString(body)
	}
	ran := false
	res, err := Handle(context.Background(), ev, quiet, func(context.Context, Request) (Response, error) {
		ran = true
		return JSON(http.StatusOK, []byte(`{}`), "application/json"), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return res, ran
}

func TestEachRouteRefusesABodyOverItsLimit(t *testing.T) {
	cases := []struct {
		route string
		limit int
	}{
		{"POST /v1/access-requests", resources.DefaultMaxBody},
		{"PUT /v1/webhook", resources.DefaultMaxBody},
		{"POST /v1/admin/third-parties", resources.DefaultMaxBody},
		{"POST /v1/ingest/meter-values", resources.IngestMaxBody},
		{"POST /v1/ingest/master-data", resources.IngestMaxBody},
		{"POST /no/such/route", resources.DefaultMaxBody},
	}
	for _, c := range cases {
		for _, base64Encoded := range []bool{false, true} {
			if res, ran := handleBody(t, c.route, []byte(strings.Repeat("a", c.limit)), base64Encoded); !ran || res.StatusCode != http.StatusOK {
				t.Errorf("%s, base64 %v: a body of exactly %d bytes was refused: %d %s", c.route, base64Encoded, c.limit, res.StatusCode, res.Body)
			}
			res, ran := handleBody(t, c.route, []byte(strings.Repeat("a", c.limit+1)), base64Encoded)
			if ran {
				t.Errorf("%s, base64 %v: the route read a body over its limit", c.route, base64Encoded)
			}
			var doc problem.Document
			_ = json.Unmarshal([]byte(res.Body), &doc)
			if res.StatusCode != http.StatusRequestEntityTooLarge || res.Headers["Content-Type"] != problem.ContentType ||
				doc.Type != "urn:tredjepart:problem:payload-too-large" || !strings.Contains(doc.Detail, "at most") {
				t.Errorf("%s, base64 %v: %d %v %s", c.route, base64Encoded, res.StatusCode, res.Headers, res.Body)
			}
		}
	}
}

// Every route's limit, in base64 and with room for the event's envelope,
// fits in what Lambda takes, so the function answers before Lambda refuses.
func TestEveryBodyLimitFitsInALambdaEvent(t *testing.T) {
	const envelope = 64 << 10 // headers (at most 10,240 bytes) and the request context, generously
	for _, r := range resources.Routes {
		if size := base64.StdEncoding.EncodedLen(r.BodyLimit()) + envelope; size > resources.LambdaMaxRequest {
			t.Errorf("%s: a body at its limit is an event of up to %d bytes, over Lambda's %d", r.Key(), size, resources.LambdaMaxRequest)
		}
	}
}
