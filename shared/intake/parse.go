package intake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/uuid"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/ident"
)

// Limits on outside input.
const (
	maxAgreementReference = 100
	maxIdempotencyKey     = 255
	defaultPageSize       = 25
	maxPageSize           = 100
)

type createBody struct {
	MeteringPointID    *string `json:"meteringPointId"`
	Scope              *string `json:"scope"`
	AgreementReference *string `json:"agreementReference"`
}

// parseCreate validates a POST body and headers, naming every bad field.
func parseCreate(ev events.APIGatewayV2HTTPRequest) (accessrequest.CreateInput, error) {
	var in accessrequest.CreateInput
	if err := requireJSON(ev.Headers["content-type"]); err != nil {
		return in, err
	}
	raw, err := decodeBody(ev)
	if err != nil {
		return in, err
	}
	var body createBody
	bad, err := decodeStrict(raw, &body, "meteringPointId", "scope", "agreementReference")
	if err != nil {
		return in, err
	}
	if body.MeteringPointID == nil {
		bad = append(bad, fault.FieldError{Field: "meteringPointId", Reason: "is required"})
	} else if in.MeteringPoint, err = ident.ParseGSRN(*body.MeteringPointID); err != nil {
		bad = append(bad, fault.FieldError{Field: "meteringPointId", Reason: reason(err)})
	}
	in.Scope = accessrequest.DefaultScope
	if body.Scope != nil {
		if in.Scope, err = accessrequest.ParseScope(*body.Scope); err != nil {
			bad = append(bad, fault.FieldError{Field: "scope", Reason: err.Error()})
		}
	}
	if body.AgreementReference != nil {
		in.AgreementReference = *body.AgreementReference
		if r := checkText(in.AgreementReference, maxAgreementReference); r != "" {
			bad = append(bad, fault.FieldError{Field: "agreementReference", Reason: r})
		}
	}
	if key, present := ev.Headers["idempotency-key"]; present {
		in.IdempotencyKey = key
		if r := checkIdempotencyKey(key); r != "" {
			bad = append(bad, fault.FieldError{Field: "Idempotency-Key", Reason: r})
		}
	}
	if len(bad) > 0 {
		return in, fault.InvalidFields(bad...)
	}
	return in, nil
}

func reason(err error) string {
	var e *ident.Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return err.Error()
}

func requireJSON(contentType string) error {
	media, _, err := mime.ParseMediaType(contentType)
	if err == nil && (media == "application/json" || strings.HasSuffix(media, "+json")) {
		return nil
	}
	return fault.New(fault.UnsupportedMediaType, "Send the body as application/json (Content-Type was %q).", contentType)
}

// decodeStrict reads exactly one JSON object into into. Field names must be
// in known, matched exactly (encoding/json alone ignores unknown fields and
// matches names case-insensitively, which would hide a caller's typo); each
// unknown one is returned as a field error, so that the caller can report it
// with the other bad fields. A body that is not one JSON object, or a known
// field of the wrong type, is an error of its own.
func decodeStrict(raw []byte, into any, known ...string) ([]fault.FieldError, error) {
	var fields map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(raw))
	err := dec.Decode(&fields)
	if err == nil && dec.Decode(new(json.RawMessage)) != io.EOF {
		err = errors.New("unexpected data after the JSON object")
	}
	if err == nil && fields == nil {
		err = &json.UnmarshalTypeError{Value: "null"}
	}
	var unknown []fault.FieldError
	if err == nil {
		for _, name := range slices.Sorted(maps.Keys(fields)) {
			if !slices.Contains(known, name) {
				unknown = append(unknown, fault.FieldError{Field: name, Reason: "is not a known field"})
				delete(fields, name) // or encoding/json would match it case-insensitively
			}
		}
		exact, _ := json.Marshal(fields) // raw messages that just decoded
		err = json.Unmarshal(exact, into)
	}
	if err == nil {
		return unknown, nil
	}
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return nil, fault.InvalidFields(fault.FieldError{Field: typeErr.Field, Reason: "must be a " + jsonType(typeErr.Type.Kind().String())})
	case errors.As(err, &typeErr):
		return nil, fault.InvalidFields(fault.FieldError{Field: "body", Reason: "must be a JSON object"})
	case errors.As(err, &syntaxErr):
		return nil, fault.InvalidFields(fault.FieldError{Field: "body", Reason: fmt.Sprintf("is not valid JSON (at byte %d)", syntaxErr.Offset)})
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return nil, fault.InvalidFields(fault.FieldError{Field: "body", Reason: "is empty or cut short; send a JSON object"})
	}
	return nil, fault.InvalidFields(fault.FieldError{Field: "body", Reason: err.Error()})
}

func jsonType(goKind string) string {
	if goKind == "ptr" || goKind == "string" {
		return "string"
	}
	return goKind
}

func checkText(s string, max int) string {
	switch {
	case utf8.RuneCountInString(s) > max:
		return fmt.Sprintf("must be at most %d characters", max)
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return "must not contain control characters"
	}
	return ""
}

func checkIdempotencyKey(k string) string {
	if k == "" || len(k) > maxIdempotencyKey {
		return fmt.Sprintf("must be 1 to %d characters", maxIdempotencyKey)
	}
	for _, c := range k {
		if c < 0x21 || c > 0x7e {
			return "must be printable ASCII without spaces"
		}
	}
	return ""
}

func parseID(s string) (string, error) {
	id, err := uuid.Parse(s)
	if err != nil || id.String() != strings.ToLower(s) {
		return "", fault.InvalidFields(fault.FieldError{Field: "id", Reason: "must be a UUID such as 3f2b8c1e-9d4a-4f6e-8b7a-2c1d0e9f8a7b"})
	}
	return id.String(), nil
}

func parseList(params map[string]string) (accessrequest.ListQuery, error) {
	q := accessrequest.ListQuery{Cursor: params["cursor"]}
	var bad []fault.FieldError
	if s := params["status"]; s != "" {
		st, err := accessrequest.ParseStatus(s)
		if err != nil {
			bad = append(bad, fault.FieldError{Field: "status", Reason: err.Error()})
		}
		q.Status = st
	}
	limit, err := atoiOr(params["limit"], defaultPageSize)
	if err != nil || limit < 1 || limit > maxPageSize {
		bad = append(bad, fault.FieldError{Field: "limit", Reason: fmt.Sprintf("must be a whole number from 1 to %d", maxPageSize)})
	}
	q.Limit = limit
	if len(bad) > 0 {
		return q, fault.InvalidFields(bad...)
	}
	return q, nil
}
