// Package fault is a rule: the domain's errors: what went wrong in terms a caller
// can act on, free of HTTP. Package problem maps them to responses.
package fault

import (
	"errors"
	"fmt"
	"time"
)

// Kind classifies an error by what the caller can do about it.
type Kind int

const (
	Internal             Kind = iota // our fault; the caller may retry
	Invalid                          // the input is malformed
	Unprocessable                    // well-formed, but the business rules say no
	NotFound                         // no such thing, or not yours
	Conflict                         // the current state forbids it
	Unauthenticated                  // who are you?
	Forbidden                        // known caller, not allowed
	UnsupportedMediaType             // the body is not in a format we read
	TooLarge                         // the body is over what the route takes
	TooManyRequests                  // the caller is over its rate limit; RetryAfter says for how long
)

// FieldError names one bad field of the input and why it is bad.
type FieldError struct {
	Field  string `json:"field"`  // JSON pointer style path, e.g. "meteringPointId"
	Reason string `json:"reason"` // e.g. "check digit should be 7"
}

// Error is a domain error.
type Error struct {
	Kind   Kind
	Code   string // Elhub code where one exists (E10, EH010, …), else empty
	Detail string // for the caller; never personal data
	Fields []FieldError
	// RetryAfter is how long the caller should wait before trying again
	// (TooManyRequests); zero when it does not say.
	RetryAfter time.Duration
	// Links name what the error is about, by relation: the paths of the
	// API's resources, such as the request that is already pending.
	Links map[string]string
}

func (e *Error) Error() string {
	if e.Code != "" {
		return e.Code + ": " + e.Detail
	}
	return e.Detail
}

// New returns an error of kind with a formatted detail.
func New(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Detail: fmt.Sprintf(format, args...)}
}

// Coded returns an error carrying an Elhub code.
func Coded(kind Kind, code, detail string) *Error {
	return &Error{Kind: kind, Code: code, Detail: detail}
}

// InvalidFields returns an Invalid error naming each bad field.
func InvalidFields(fields ...FieldError) *Error {
	detail := "The request has invalid fields."
	if len(fields) == 1 {
		detail = fmt.Sprintf("%s: %s", fields[0].Field, fields[0].Reason)
	}
	return &Error{Kind: Invalid, Detail: detail, Fields: fields}
}

// KindOf returns the kind of err, Internal for errors outside the domain.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}
