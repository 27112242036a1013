package problem

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/tredjepart/tredjepart/shared/fault"
)

func TestEveryKindHasAStatusAndAType(t *testing.T) {
	for kind := fault.Internal; kind <= fault.TooManyRequests; kind++ {
		if statusOf[kind] == 0 || slugOf[kind] == "" {
			t.Errorf("kind %d has no status or slug", kind)
		}
	}
}

func TestDomainErrorsBecomeProblemDocuments(t *testing.T) {
	cases := []struct {
		err    error
		status int
		typ    string
	}{
		{fault.Coded(fault.Unprocessable, "E10", "Metering point 1 is not registered."), 422, "urn:tredjepart:problem:E10"},
		{fault.Coded(fault.Conflict, "EH017", "You already have access."), 409, "urn:tredjepart:problem:EH017"},
		{fault.New(fault.NotFound, "Access request x was not found."), 404, "urn:tredjepart:problem:not-found"},
		{fault.InvalidFields(fault.FieldError{Field: "scope", Reason: "must be LIMITED or FULL"}), 400, "urn:tredjepart:problem:invalid-request"},
		{fault.New(fault.TooLarge, "The body is 70000 bytes; this route takes at most 65536."), 413, "urn:tredjepart:problem:payload-too-large"},
	}
	for _, c := range cases {
		doc := From(context.Background(), slog.Default(), c.err, "/v1/x")
		if doc.Status != c.status || doc.Type != c.typ || doc.Detail == "" || doc.Instance != "/v1/x" {
			t.Errorf("%v: %+v", c.err, doc)
		}
	}
	doc := From(context.Background(), slog.Default(), fault.InvalidFields(fault.FieldError{Field: "scope", Reason: "must be LIMITED or FULL"}), "")
	var decoded map[string]any
	if err := json.Unmarshal(doc.JSON(), &decoded); err != nil || decoded["errors"] == nil {
		t.Fatalf("%s", doc.JSON())
	}
}

func TestUnexpectedErrorsAreLoggedButNotShown(t *testing.T) {
	var log bytes.Buffer
	cause := errors.New("dial tcp 10.0.0.7:443: connection refused")
	doc := From(context.Background(), slog.New(slog.NewTextHandler(&log, nil)), cause, "/v1/x")
	if doc.Status != 500 || strings.Contains(string(doc.JSON()), "10.0.0.7") {
		t.Fatalf("the cause reached the caller: %s", doc.JSON())
	}
	if !strings.Contains(log.String(), "10.0.0.7") {
		t.Fatalf("the cause was not logged: %s", log.String())
	}
}

func TestTooManyRequestsSaysWhenToRetryInWholeSeconds(t *testing.T) {
	for _, c := range []struct {
		wait    time.Duration
		seconds int
	}{{7 * time.Second, 7}, {6200 * time.Millisecond, 7}, {time.Millisecond, 1}, {0, 1}} {
		err := &fault.Error{Kind: fault.TooManyRequests, Detail: "Over the limit.", RetryAfter: c.wait}
		doc := From(context.Background(), slog.Default(), err, "/v1/x")
		if doc.Status != 429 || doc.Type != "urn:tredjepart:problem:too-many-requests" || doc.RetryAfter != c.seconds {
			t.Errorf("wait %v: %+v, want 429 too-many-requests retrying after %d s", c.wait, doc, c.seconds)
		}
		if strings.Contains(string(doc.JSON()), "etry") {
			t.Errorf("the wait is a header, not a member of the document: %s", doc.JSON())
		}
	}
	if doc := From(context.Background(), slog.Default(), fault.New(fault.Conflict, "x"), ""); doc.RetryAfter != 0 {
		t.Errorf("a conflict says when to retry: %+v", doc)
	}
}

func TestAProblemLinksWhatItIsAbout(t *testing.T) {
	err := fault.Coded(fault.Conflict, "pending-request-other-scope", "Your request r-1 is pending with scope FULL.")
	err.Links = map[string]string{"pendingRequest": "/v1/access-requests/r-1"}
	var doc map[string]any
	if e := json.Unmarshal(From(context.Background(), slog.Default(), err, "/v1/access-requests").JSON(), &doc); e != nil {
		t.Fatal(e)
	}
	if links, _ := doc["links"].(map[string]any); doc["type"] != "urn:tredjepart:problem:pending-request-other-scope" || links["pendingRequest"] != "/v1/access-requests/r-1" {
		t.Errorf("%v", doc)
	}
	if plain := From(context.Background(), slog.Default(), fault.New(fault.NotFound, "No."), "/x").JSON(); strings.Contains(string(plain), "links") {
		t.Errorf("a problem without links: %s", plain)
	}
}
