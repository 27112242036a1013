// Package problem is an adapter: the one place that maps domain errors to HTTP: RFC 9457
// problem documents (application/problem+json) with Elhub codes where they
// exist. Callers see "internal error" for anything unexpected; the log sees
// the cause.
package problem

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/tredjepart/tredjepart/shared/fault"
)

// ContentType is the media type of a problem document.
const ContentType = "application/problem+json"

// Document is an RFC 9457 problem document with Tredjepart's extensions.
type Document struct {
	Type     string             `json:"type"`
	Title    string             `json:"title"`
	Status   int                `json:"status"`
	Detail   string             `json:"detail,omitempty"`
	Instance string             `json:"instance,omitempty"`
	Code     string             `json:"code,omitempty"`   // Elhub code, e.g. EH017, or our own name
	Errors   []fault.FieldError `json:"errors,omitempty"` // one entry per bad field
	Links    map[string]string  `json:"links,omitempty"`  // what the problem is about, by relation
	// RequestID is API Gateway's id of the request (its access log's
	// requestId, the Apigw-Requestid header), for the caller to quote.
	RequestID string `json:"requestId,omitempty"`
	// RetryAfter is the Retry-After header's value in whole seconds, at
	// least 1, for a 429; 0 (no header) otherwise.
	RetryAfter int `json:"-"`
}

var statusOf = map[fault.Kind]int{
	fault.Internal:             http.StatusInternalServerError,
	fault.Invalid:              http.StatusBadRequest,
	fault.Unprocessable:        http.StatusUnprocessableEntity,
	fault.NotFound:             http.StatusNotFound,
	fault.Conflict:             http.StatusConflict,
	fault.Unauthenticated:      http.StatusUnauthorized,
	fault.Forbidden:            http.StatusForbidden,
	fault.UnsupportedMediaType: http.StatusUnsupportedMediaType,
	fault.TooLarge:             http.StatusRequestEntityTooLarge,
	fault.TooManyRequests:      http.StatusTooManyRequests,
}

var slugOf = map[fault.Kind]string{
	fault.Internal:             "internal-error",
	fault.Invalid:              "invalid-request",
	fault.Unprocessable:        "rejected",
	fault.NotFound:             "not-found",
	fault.Conflict:             "conflict",
	fault.Unauthenticated:      "unauthenticated",
	fault.Forbidden:            "forbidden",
	fault.UnsupportedMediaType: "unsupported-media-type",
	fault.TooLarge:             "payload-too-large",
	fault.TooManyRequests:      "too-many-requests",
}

// typePrefix begins every problem type.
const typePrefix = "urn:tredjepart:problem:"

// TypeURI names a problem type: by its code (Elhub's, or our own name) when
// there is one.
func TypeURI(kind fault.Kind, code string) string {
	if code != "" {
		return typePrefix + code
	}
	return typePrefix + slugOf[kind]
}

// From turns err into a problem document. Errors outside the domain become a
// bare 500 and are logged with their cause.
func From(ctx context.Context, logger *slog.Logger, err error, instance string) Document {
	var e *fault.Error
	if !errors.As(err, &e) || e.Kind == fault.Internal {
		logger.ErrorContext(ctx, "internal error", "error", err)
		return Document{
			Type:     TypeURI(fault.Internal, ""),
			Title:    http.StatusText(http.StatusInternalServerError),
			Status:   http.StatusInternalServerError,
			Detail:   "An internal error occurred. It has been logged; retrying is safe.",
			Instance: instance,
		}
	}
	status := statusOf[e.Kind]
	doc := Document{
		Type:     TypeURI(e.Kind, e.Code),
		Title:    http.StatusText(status),
		Status:   status,
		Detail:   e.Detail,
		Instance: instance,
		Code:     e.Code,
		Errors:   e.Fields,
		Links:    e.Links,
	}
	if e.Kind == fault.TooManyRequests {
		doc.RetryAfter = RetryAfterSeconds(e.RetryAfter)
	}
	return doc
}

// RetryAfterSeconds is a wait in the whole seconds of a Retry-After field:
// rounded up, so that a client that waits them finds the window free, and
// at least 1.
func RetryAfterSeconds(wait time.Duration) int { return max(1, int((wait+time.Second-1)/time.Second)) }

// Name is the problem type's last part, an Elhub code or a word such as
// invalid-request: one of a small fixed set, fit for a metric dimension.
func (d Document) Name() string { return strings.TrimPrefix(d.Type, typePrefix) }

// JSON renders the document.
func (d Document) JSON() []byte {
	body, _ := json.Marshal(d) // a Document always marshals
	return body
}
