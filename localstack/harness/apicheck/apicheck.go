// Package apicheck is test harness: it holds end-to-end tests to the API's
// contract: it checks each request a test made and the response it got against
// the OpenAPI document (shared/openapi).
//
// A response must have a status the document lists for the operation, a
// Content-Type it lists for that status, a body valid against that media
// type's schema (the schemas forbid unknown fields, so the API cannot grow a
// field without the document), and the headers the document requires.
// Beyond what OpenAPI can say, the document also promises that a problem
// document's instance is the request's path and that the gateway's own 401
// and 403 carry a www-authenticate challenge; both are checked too.
//
// The request is checked against the document as well, but as evidence
// rather than as a rule: tests send invalid requests on purpose. A request
// the document calls invalid must get a 4xx (else the API accepted something
// the document forbids). A method and path the document does not describe
// must get the gateway's 404 {"message":"Not Found"}.
package apicheck

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	liberrors "github.com/pb33f/libopenapi-validator/errors"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"

	"github.com/tredjepart/tredjepart/shared/openapi"
)

// Validator checks requests and responses against the OpenAPI document.
// It is safe for concurrent use.
type Validator struct {
	mu sync.Mutex // the library's validators are not documented as safe for concurrent use
	// full checks request bodies; noBody is for requests whose body can no
	// longer be read (no GetBody), where only the rest is checked.
	full, noBody validator.Validator
	routes       []route         // the document's operations, matched as the gateway matches routes
	emptyOK      map[string]bool // query parameters with allowEmptyValue
}

// route is one operation: a method and a path template split into segments.
type route struct {
	method   string
	segments []string // literal, or "{name}"
}

// New loads openapi.Document().
func New() (*Validator, error) {
	full, err := newValidator()
	if err != nil {
		return nil, err
	}
	noBody, err := newValidator(config.WithoutRequestBodyValidation())
	if err != nil {
		return nil, err
	}
	v := &Validator{full: full, noBody: noBody, emptyOK: map[string]bool{}}
	doc, err := libopenapi.NewDocument(openapi.Document())
	if err != nil {
		return nil, fmt.Errorf("apicheck: load the OpenAPI document: %w", err)
	}
	model, err := doc.BuildV3Model()
	if err != nil {
		return nil, fmt.Errorf("apicheck: build the OpenAPI model: %w", err)
	}
	for path, item := range model.Model.Paths.PathItems.FromOldest() {
		v.noteEmptyOK(item.Parameters)
		for method, op := range item.GetOperations().FromOldest() {
			v.routes = append(v.routes, route{strings.ToUpper(method), strings.Split(strings.TrimPrefix(path, "/"), "/")})
			v.noteEmptyOK(op.Parameters)
		}
	}
	return v, nil
}

func (v *Validator) noteEmptyOK(params []*v3.Parameter) {
	for _, p := range params {
		if p.In == "query" && p.AllowEmptyValue {
			v.emptyOK[p.Name] = true
		}
	}
}

// documented reports whether the document has an operation for req, matching
// paths as API Gateway does: segment by segment, a {parameter} matching one
// non-empty segment, no trailing slash.
func (v *Validator) documented(req *http.Request) bool {
	parts := strings.Split(strings.TrimPrefix(req.URL.EscapedPath(), "/"), "/")
	for _, r := range v.routes {
		if r.method == req.Method && matches(r.segments, parts) {
			return true
		}
	}
	return false
}

func matches(template, parts []string) bool {
	if len(template) != len(parts) {
		return false
	}
	for i, seg := range template {
		part, err := url.PathUnescape(parts[i])
		switch {
		case err != nil:
			return false
		case strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}"):
			if part == "" {
				return false
			}
		case part != seg:
			return false
		}
	}
	return true
}

func newValidator(opts ...config.Option) (validator.Validator, error) {
	doc, err := libopenapi.NewDocument(openapi.Document())
	if err != nil {
		return nil, fmt.Errorf("apicheck: load the OpenAPI document: %w", err)
	}
	opts = append([]config.Option{
		config.WithFormatAssertions(),      // uuid, date-time, uri: the document means them
		config.WithoutSecurityValidation(), // tests call without tokens on purpose; the gateway judges tokens
	}, opts...)
	v, errs := validator.NewValidator(doc, opts...)
	if len(errs) > 0 {
		return nil, fmt.Errorf("apicheck: build the validator: %w", errors.Join(errs...))
	}
	return v, nil
}

// Error lists every way a request and its response disagree with the document.
type Error struct {
	Method, Path string // of the request
	Status       int    // of the response
	Problems     []string
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "apicheck: %s %s → %d disagrees with the OpenAPI document (%d):", e.Method, e.Path, e.Status, len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  - ")
		b.WriteString(strings.ReplaceAll(p, "\n", "\n    "))
	}
	return b.String()
}

// Check validates req and the response res it got. body is the response
// body, which the caller has usually read already; res.Body is not read.
// The request body is read through req.GetBody when there is one (as
// http.NewRequest sets for in-memory bodies); without it the request body is
// not checked. Check returns nil or an *Error.
func (v *Validator) Check(req *http.Request, res *http.Response, body []byte) error {
	if req == nil || res == nil {
		return errors.New("apicheck: Check needs the request and the response")
	}
	e := &Error{Method: req.Method, Path: req.URL.RequestURI(), Status: res.StatusCode}
	if !v.documented(req) {
		// Not an operation of the document: the gateway answers 404 itself.
		if res.StatusCode != http.StatusNotFound || mediaType(res.Header) != "application/json" || !jsonEqual(body, `{"message":"Not Found"}`) {
			e.Problems = append(e.Problems, fmt.Sprintf(
				"%s %s is not an operation of the document, so the answer must be the gateway's 404 application/json {\"message\":\"Not Found\"}; got %d %q %s",
				req.Method, req.URL.Path, res.StatusCode, res.Header.Get("Content-Type"), abbreviate(body)))
		}
		return e.orNil()
	}

	request, readable := v.requestCopy(req)
	response := responseCopy(res, request, body)
	checker := v.full
	if !readable {
		checker = v.noBody
	}
	v.mu.Lock()
	_, responseErrs := checker.ValidateHttpResponse(request, response)
	request, _ = v.requestCopy(req)
	_, requestErrs := checker.ValidateHttpRequest(request)
	v.mu.Unlock()

	for _, ve := range responseErrs {
		e.Problems = append(e.Problems, "response: "+describe(ve))
	}
	if len(requestErrs) > 0 && res.StatusCode < 400 {
		for _, ve := range requestErrs {
			e.Problems = append(e.Problems, fmt.Sprintf("request (invalid by the document, yet answered %d): %s", res.StatusCode, describe(ve)))
		}
	}
	e.Problems = append(e.Problems, promises(req, res, body)...)
	return e.orNil()
}

func (e *Error) orNil() error {
	if len(e.Problems) == 0 {
		return nil
	}
	return e
}

// promises checks what the document says in words rather than in schemas.
func promises(req *http.Request, res *http.Response, body []byte) []string {
	var problems []string
	switch mediaType(res.Header) {
	case "application/problem+json":
		var doc struct {
			Instance *string `json:"instance"`
		}
		if json.Unmarshal(body, &doc) == nil && doc.Instance != nil && *doc.Instance != req.URL.EscapedPath() {
			problems = append(problems, fmt.Sprintf("problem instance %q is not the request's path %q", *doc.Instance, req.URL.EscapedPath()))
		}
	case "application/json":
		if (res.StatusCode == http.StatusUnauthorized || res.StatusCode == http.StatusForbidden) && !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer ") {
			problems = append(problems, fmt.Sprintf("the gateway's %d has no www-authenticate Bearer challenge", res.StatusCode))
		}
	}
	return problems
}

// requestCopy returns a copy of req whose body can be read, and whether
// it could be recovered. Query parameters the document allows empty and that
// are empty are left out, which is what allowEmptyValue means (the library
// does not implement it).
func (v *Validator) requestCopy(req *http.Request) (*http.Request, bool) {
	c := req.Clone(req.Context())
	if c.URL.RawQuery != "" {
		q := c.URL.Query()
		for name, values := range q {
			if v.emptyOK[name] && strings.Join(values, "") == "" {
				q.Del(name)
			}
		}
		c.URL.RawQuery = q.Encode()
	}
	switch {
	case req.Body == nil || req.Body == http.NoBody:
		c.Body = http.NoBody
		return c, true
	case req.GetBody != nil:
		if b, err := req.GetBody(); err == nil {
			c.Body = b
			return c, true
		}
	}
	c.Body = http.NoBody
	return c, false
}

func responseCopy(res *http.Response, req *http.Request, body []byte) *http.Response {
	c := *res
	c.Header = res.Header.Clone()
	if c.Header == nil {
		c.Header = http.Header{}
	}
	c.Body = io.NopCloser(bytes.NewReader(body))
	c.ContentLength = int64(len(body))
	c.Request = req
	return &c
}

// describe renders one library error with each schema failure on its own line.
func describe(e *liberrors.ValidationError) string {
	var b strings.Builder
	b.WriteString(e.Message)
	if e.Reason != "" && e.Reason != e.Message {
		b.WriteString(": ")
		b.WriteString(e.Reason)
	}
	for _, f := range e.SchemaValidationErrors {
		where := f.FieldPath
		if where == "" {
			where = "$"
		}
		fmt.Fprintf(&b, "\n%s: %s", where, f.Reason)
		if f.KeywordLocation != "" {
			fmt.Fprintf(&b, " (schema %s)", f.KeywordLocation)
		}
	}
	return b.String()
}

func mediaType(h http.Header) string {
	mt, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	return mt
}

func jsonEqual(body []byte, want string) bool {
	var a, b any
	if json.Unmarshal(body, &a) != nil || json.Unmarshal([]byte(want), &b) != nil {
		return false
	}
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

func abbreviate(body []byte) string {
	const max = 200
	if len(body) > max {
		return fmt.Sprintf("%q…", body[:max])
	}
	return fmt.Sprintf("%q", body)
}
