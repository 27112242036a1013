package thirdpartyapi

import (
	"fmt"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/uuid"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/apigw"
	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/ident"
)

// Limits on outside input.
const (
	maxAgreementReference = 100
	maxIdempotencyKey     = 255
)

type createBody struct {
	MeteringPointID    *string `json:"meteringPointId"`
	Scope              *string `json:"scope"`
	AgreementReference *string `json:"agreementReference"`
}

// parseCreate validates a POST body and headers, naming every bad field.
func parseCreate(ev events.APIGatewayV2HTTPRequest) (accessrequest.CreateInput, error) {
	var in accessrequest.CreateInput
	raw, err := apigw.JSONBody(ev)
	if err != nil {
		return in, err
	}
	var body createBody
	bad, err := apigw.DecodeStrict(raw, &body, "meteringPointId", "scope", "agreementReference")
	if err != nil {
		return in, err
	}
	if body.MeteringPointID == nil {
		bad = append(bad, fault.FieldError{Field: "meteringPointId", Reason: "is required"})
	} else if in.MeteringPoint, err = ident.ParseGSRN(*body.MeteringPointID); err != nil {
		bad = append(bad, fault.FieldError{Field: "meteringPointId", Reason: apigw.Reason(err)})
	}
	in.Scope = accessrequest.DefaultScope
	if body.Scope != nil {
		if in.Scope, err = accessrequest.ParseScope(*body.Scope); err != nil {
			bad = append(bad, fault.FieldError{Field: "scope", Reason: err.Error()})
		}
	}
	if body.AgreementReference != nil {
		in.AgreementReference = *body.AgreementReference
		if r := apigw.CheckText(in.AgreementReference, maxAgreementReference); r != "" {
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
	limit, badLimit := apigw.PageLimit(params)
	if badLimit != nil {
		bad = append(bad, *badLimit)
	}
	q.Limit = limit
	if len(bad) > 0 {
		return q, fault.InvalidFields(bad...)
	}
	return q, nil
}
