package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/tredjepart/tredjepart/client"
)

// registerWebhook points our webhook at url and returns what verifies its
// pushes. The first registration answers with the signing secret; a later
// PUT (a new URL, enabling it again, or a webhook registered before: in the
// portal, or anew by a restarted sandbox) answers without one, and then we
// read the secrets that sign now with GET /v1/webhook/secret. We keep no
// copy of a secret: one kept from an earlier run can be stale.
func (a *app) registerWebhook(ctx context.Context, url string) (verifier, error) {
	res, err := a.api.RegisterWebhookWithResponse(ctx, client.WebhookRegistration{Url: url})
	if err != nil {
		return nil, fmt.Errorf("register the webhook: %w", err)
	}
	if res.JSON200.Secret != nil {
		a.say("webhook registered at %s", url)
		return newVerifier(*res.JSON200.Secret)
	}
	secrets, err := a.api.GetWebhookSecretsWithResponse(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the webhook's secrets: %w", err)
	}
	texts := make([]string, len(secrets.JSON200.Secrets))
	for i, s := range secrets.JSON200.Secrets {
		texts[i] = s.Secret
	}
	a.say("webhook was registered already; now at %s, %d signing secret(s) read with GET /v1/webhook/secret", url, len(texts))
	return newVerifier(texts...)
}

// verifier checks pushes against every secret that signs them: for 24
// hours after a rotation the old and the new both do, and a push carries a
// signature for each.
type verifier []*standardwebhooks.Webhook

func newVerifier(secrets ...string) (verifier, error) {
	if len(secrets) == 0 {
		return nil, errors.New("the webhook has no signing secret")
	}
	v := make(verifier, len(secrets))
	for i, secret := range secrets {
		var err error
		// The Standard Webhooks library takes the "whsec_…" text as it is.
		if v[i], err = standardwebhooks.NewWebhook(secret); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// Verify accepts a push that verifies with any of the secrets, and
// otherwise says why it does not with the newest.
func (v verifier) Verify(body []byte, header http.Header) error {
	var first error
	for _, w := range v {
		err := w.Verify(body, header)
		if err == nil {
			return nil
		}
		if first == nil {
			first = err
		}
	}
	return first
}

// maxPush bounds what we read of a push: a day of quarter-hours is ~10 KiB.
const maxPush = 1 << 20

// receivePush is the webhook endpoint: POST /webhook.
func (a *app) receivePush(w http.ResponseWriter, r *http.Request) {
	// Verify the body exactly as received, before parsing it.
	body, err := io.ReadAll(io.LimitReader(r.Body, maxPush))
	if err != nil {
		http.Error(w, "cannot read the body", http.StatusBadRequest)
		return
	}
	id := r.Header.Get(standardwebhooks.HeaderWebhookID)
	// Verify checks the signature with our secrets and refuses a
	// webhook-timestamp more than 5 minutes from our clock (a replay).
	if err := a.webhook.Verify(body, r.Header); err != nil {
		a.say("push %s refused: %v", id, err)
		http.Error(w, "signature does not verify", http.StatusUnauthorized) // not 410: that would disable the webhook
		return
	}
	isNew, err := a.state.claim(id)
	if err != nil {
		a.say("push %s: cannot record it: %v", id, err)
		http.Error(w, "try again", http.StatusServiceUnavailable) // a 5xx is retried
		return
	}
	if !isNew {
		// Pushes can come more than once, and a document read from the feed
		// can be pushed after. Answer 2xx so that it is not tried again.
		a.say("push %s verified; already handled, dropped", id)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	a.say("push %s verified", id)
	a.handle(id, body)
	// Answer within 5 seconds: the slow work (reading meter values) runs on
	// its own in handle.
	w.WriteHeader(http.StatusNoContent)
}

// document holds the fields of the three kinds of document we use. A push's
// body and a feed item's "document" are the same document.
type document struct {
	Test            bool   `json:"test"`           // from POST /v1/webhook/test: not real data
	DocumentID      string `json:"documentId"`     // a day's meter values (BRS-NO-313)
	NotificationID  string `json:"notificationId"` // a notification
	AccessLevel     string `json:"accessLevel"`    // changed master data
	Type            string `json:"type"`
	MeteringPointID string `json:"meteringPointId"`
	Revision        int    `json:"revision"`
	Late            bool   `json:"late"`
	Period          struct {
		Start string `json:"start"`
	} `json:"period"`
	Points []json.RawMessage `json:"points"`
	Status string            `json:"status"`
	Level  string            `json:"level"`
}

// handle acts on a document we have not handled before, however it came.
func (a *app) handle(id string, raw []byte) {
	var doc document
	if err := json.Unmarshal(raw, &doc); err != nil {
		a.say("%s: not a document we know: %v", id, err)
		return
	}
	switch {
	case doc.Test:
		a.say("  test event (%s)", doc.Type)
	case doc.DocumentID != "":
		day := doc.Period.Start
		if len(day) >= len("2006-01-02") {
			day = day[:len("2006-01-02")]
		}
		a.say("  %s of %s for %s: %d positions, revision %d, late %t", doc.Type, doc.MeteringPointID, day, len(doc.Points), doc.Revision, doc.Late)
	case doc.NotificationID != "":
		a.say("  notification %s for %s: %s %s", doc.Type, doc.MeteringPointID, doc.Status, doc.Level)
		// Access has just begun: read the last month, without holding up
		// the push's answer.
		if doc.Type == "access-request.approved" || doc.Type == "grant.created" {
			go a.printMonthOrSay(doc.MeteringPointID)
		}
	case doc.AccessLevel != "":
		a.say("  master data of %s changed", doc.MeteringPointID)
	default:
		a.say("  %s: a kind of document we do not use", doc.Type)
	}
}

func (a *app) printMonthOrSay(meteringPoint string) {
	if err := a.printMonth(a.ctx, meteringPoint); err != nil && !errors.Is(err, context.Canceled) {
		a.say("%v", err)
	}
}
