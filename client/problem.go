package client

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
)

// ProblemError is an answer with a status of 400 or more, as an error: the RFC
// 9457 problem document the service sends, or, for the gateway's
// {"message": …} answers (a bad token, a missing scope, a body too large, a
// gateway failure), a problem of type "about:blank" with the message as
// its detail and, on 401 and 403, the WWW-Authenticate header after it.
type ProblemError struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	// Code is Elhub's code where one applies (E10, EH010, EH016, EH017, …),
	// or ours (pending-request-other-scope).
	Code     string       `json:"code,omitempty"`
	Instance string       `json:"instance,omitempty"`
	Errors   []FieldError `json:"errors,omitempty"`
	// Links name what the problem is about: "pendingRequest", the path of
	// the request already pending with the other scope.
	Links map[string]string `json:"links,omitempty"`
	// RequestID is the gateway's id of the request (its Apigw-Requestid
	// header), for asking the operator about it.
	RequestID string `json:"-"`
}

func (p *ProblemError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s", p.Status, p.Title)
	if p.Code != "" {
		fmt.Fprintf(&b, " (%s)", p.Code)
	}
	if p.Detail != "" {
		fmt.Fprintf(&b, ": %s", p.Detail)
	}
	for _, e := range p.Errors {
		fmt.Fprintf(&b, "; %s %s", e.Field, e.Reason)
	}
	if p.Type != "" && p.Type != "about:blank" {
		fmt.Fprintf(&b, " [%s]", p.Type)
	}
	return b.String()
}

// ProblemErrors wraps doer so that an answer with a status of 400 or more
// comes back as a *ProblemError error instead of a response. The generated
// client returns that error unchanged, so errors.As finds it.
func ProblemErrors(doer HttpRequestDoer) HttpRequestDoer {
	return problemDoer{doer}
}

type problemDoer struct{ next HttpRequestDoer }

// maxProblem bounds how much of an error answer is read.
const maxProblem = 1 << 20

func (d problemDoer) Do(req *http.Request) (*http.Response, error) {
	res, err := d.next.Do(req)
	if err != nil || res.StatusCode < 400 {
		return res, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, maxProblem))
	if err != nil {
		return nil, fmt.Errorf("%s %s answered %s, and reading it failed: %w", req.Method, req.URL.Redacted(), res.Status, err)
	}
	return nil, problemOf(res, raw)
}

func problemOf(res *http.Response, raw []byte) *ProblemError {
	p := &ProblemError{RequestID: res.Header.Get("Apigw-Requestid")}
	mediaType, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type"))
	if mediaType == "application/problem+json" && json.Unmarshal(raw, p) == nil && p.Status != 0 {
		return p
	}
	*p = ProblemError{Type: "about:blank", Title: http.StatusText(res.StatusCode), Status: res.StatusCode, RequestID: p.RequestID}
	var gateway struct{ Message string }
	if json.Unmarshal(raw, &gateway) == nil && gateway.Message != "" {
		p.Detail = gateway.Message
	} else {
		p.Detail = string(bytes.TrimSpace(raw))
	}
	if challenge := res.Header.Get("WWW-Authenticate"); challenge != "" {
		p.Detail += " (" + challenge + ")"
	}
	return p
}
