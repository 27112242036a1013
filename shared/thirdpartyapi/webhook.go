package thirdpartyapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/tredjepart/tredjepart/shared/apigw"
	"github.com/tredjepart/tredjepart/shared/delivery"
	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/oslo"
	"github.com/tredjepart/tredjepart/shared/webhook"
)

// Webhook route keys.
const (
	RouteWebhookGet      = "GET /v1/webhook"
	RouteWebhookPut      = "PUT /v1/webhook"
	RouteWebhookDelete   = "DELETE /v1/webhook"
	RouteWebhookRotate   = "POST /v1/webhook/rotate"
	RouteWebhookAttempts = "GET /v1/webhook/attempts"
	RouteWebhookSecret   = "GET /v1/webhook/secret"
	RouteWebhookTest     = "POST /v1/webhook/test"
)

type endpointView struct {
	URL            string    `json:"url"`
	Enabled        bool      `json:"enabled"`
	DisabledReason string    `json:"disabledReason,omitempty"`
	Secret         string    `json:"secret,omitempty"` // only when just made; GET /v1/webhook/secret shows it again
	Secrets        []keyView `json:"secrets"`
	ChangedAt      string    `json:"changedAt"`
	Events         []string  `json:"events,omitempty"` // absent: all of them
}

type keyView struct {
	CreatedAt string `json:"createdAt"`
	ExpiresAt string `json:"expiresAt,omitempty"`
}

func viewEndpoint(e webhook.Endpoint, secret string) endpointView {
	v := endpointView{URL: e.URL, Enabled: e.Enabled, DisabledReason: e.DisabledReason, Secret: secret,
		Secrets: make([]keyView, 0, len(e.Keys)), ChangedAt: oslo.FormatUTC(e.ChangedAt)}
	for _, k := range e.Events {
		v.Events = append(v.Events, string(k))
	}
	for _, k := range e.Keys {
		kv := keyView{CreatedAt: oslo.FormatUTC(k.CreatedAt)}
		if !k.NotAfter.IsZero() {
			kv.ExpiresAt = oslo.FormatUTC(k.NotAfter)
		}
		v.Secrets = append(v.Secrets, kv)
	}
	return v
}

// secretView is a signing secret as GET /v1/webhook/secret shows it.
type secretView struct {
	Secret    string `json:"secret"`
	CreatedAt string `json:"createdAt"`
	ExpiresAt string `json:"expiresAt,omitempty"`
}

type attemptView struct {
	At         string `json:"at"`
	DocumentID string `json:"documentId"`
	Attempt    int    `json:"attempt"`
	Outcome    string `json:"outcome"`
	Status     int    `json:"status,omitempty"`
	DurationMS int64  `json:"durationMs"`
	Error      string `json:"error,omitempty"`
	GaveUp     bool   `json:"gaveUp,omitempty"`
	NextAt     string `json:"nextAttemptAt,omitempty"` // when a failed attempt is retried
}

func (h *QueriesHandler) webhook(ctx context.Context, caller ident.GLN, ev apigw.Request) (apigw.Response, error) {
	if bad := apigw.KnownParams(ev.QueryStringParameters, "limit"); len(bad) > 0 {
		return apigw.Response{}, fault.InvalidFields(bad...)
	}
	ok := func(e webhook.Endpoint, secret string, err error) (apigw.Response, error) {
		if err != nil {
			return apigw.Response{}, err
		}
		return apigw.JSON(http.StatusOK, apigw.MustJSON(viewEndpoint(e, secret)), "application/json"), nil
	}
	switch ev.RouteKey {
	case RouteWebhookGet:
		e, err := h.Webhooks.Get(ctx, caller)
		return ok(e, "", err)
	case RouteWebhookPut:
		raw, err := apigw.JSONBody(ev)
		if err != nil {
			return apigw.Response{}, err
		}
		var body struct {
			URL    *string         `json:"url"`
			Events []delivery.Kind `json:"events"`
		}
		bad, err := apigw.DecodeStrict(raw, &body, "url", "events")
		if err != nil {
			return apigw.Response{}, err
		}
		if body.URL == nil {
			bad = append(bad, fault.FieldError{Field: "url", Reason: "is required"})
		}
		if body.Events == nil && givenNull(raw, "events") {
			bad = append(bad, fault.FieldError{Field: "events", Reason: "must be a list of events; leave it out for all of them"})
		}
		if len(bad) > 0 {
			return apigw.Response{}, fault.InvalidFields(bad...)
		}
		return ok(h.Webhooks.RegisterFor(ctx, caller, *body.URL, body.Events))
	case RouteWebhookRotate:
		return ok(h.Webhooks.Rotate(ctx, caller))
	case RouteWebhookDelete:
		if err := h.Webhooks.Remove(ctx, caller); err != nil {
			return apigw.Response{}, err
		}
		return apigw.Response{StatusCode: http.StatusNoContent, Headers: map[string]string{"Cache-Control": "no-store"}}, nil
	case RouteWebhookSecret:
		return h.webhookSecrets(ctx, caller)
	case RouteWebhookTest:
		return h.webhookTest(ctx, caller, ev)
	}
	limit, badLimit := apigw.PageLimit(ev.QueryStringParameters)
	if badLimit != nil {
		return apigw.Response{}, fault.InvalidFields(*badLimit)
	}
	attempts, err := h.Webhooks.Attempts(ctx, caller, limit)
	if err != nil {
		return apigw.Response{}, err
	}
	items := make([]attemptView, 0, len(attempts))
	for _, a := range attempts {
		items = append(items, viewAttempt(a))
	}
	return apigw.JSON(http.StatusOK, apigw.MustJSON(map[string]any{"items": items}), "application/json"), nil
}

// givenNull reports whether the JSON object raw has the member name, null.
func givenNull(raw []byte, name string) bool {
	var members map[string]json.RawMessage
	return json.Unmarshal(raw, &members) == nil && string(members[name]) == "null"
}

func viewAttempt(a webhook.Attempt) attemptView {
	v := attemptView{At: oslo.FormatUTC(a.At), DocumentID: a.DocumentID, Attempt: a.Number, Outcome: a.Outcome.String(),
		Status: a.Status, DurationMS: a.Duration.Milliseconds(), Error: a.Error, GaveUp: a.GaveUp}
	if !a.NextAttemptAt.IsZero() {
		v.NextAt = oslo.FormatUTC(a.NextAttemptAt)
	}
	return v
}

// webhookSecrets shows the secrets that sign the third party's pushes,
// newest first: they are its own, and its receiver must hold them.
func (h *QueriesHandler) webhookSecrets(ctx context.Context, caller ident.GLN) (apigw.Response, error) {
	secrets, err := h.Webhooks.RevealSecrets(ctx, caller)
	if err != nil {
		return apigw.Response{}, err
	}
	items := make([]secretView, 0, len(secrets))
	for _, s := range secrets {
		v := secretView{Secret: s.Text, CreatedAt: oslo.FormatUTC(s.CreatedAt)}
		if !s.NotAfter.IsZero() {
			v.ExpiresAt = oslo.FormatUTC(s.NotAfter)
		}
		items = append(items, v)
	}
	return apigw.JSON(http.StatusOK, apigw.MustJSON(map[string]any{"secrets": items}), "application/json"), nil
}

// webhookTest pushes a test event, or a sample daily document, at once, and
// answers with the attempt.
func (h *QueriesHandler) webhookTest(ctx context.Context, caller ident.GLN, ev apigw.Request) (apigw.Response, error) {
	raw, err := apigw.JSONBody(ev)
	if err != nil {
		return apigw.Response{}, err
	}
	var body struct {
		Type *string `json:"type"`
	}
	bad, err := apigw.DecodeStrict(raw, &body, "type")
	if err != nil {
		return apigw.Response{}, err
	}
	if body.Type == nil {
		bad = append(bad, fault.FieldError{Field: "type", Reason: "is required: one of " + strings.Join(webhook.TestTypes, ", ")})
	}
	if len(bad) > 0 {
		return apigw.Response{}, fault.InvalidFields(bad...)
	}
	a, err := h.Webhooks.SendTest(ctx, caller, *body.Type)
	if err != nil {
		return apigw.Response{}, err
	}
	return apigw.JSON(http.StatusOK, apigw.MustJSON(viewAttempt(a)), "application/json"), nil
}
