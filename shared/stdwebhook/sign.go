package stdwebhook

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// The Standard Webhooks headers.
const (
	HeaderID        = standardwebhooks.HeaderWebhookID
	HeaderTimestamp = standardwebhooks.HeaderWebhookTimestamp
	HeaderSignature = standardwebhooks.HeaderWebhookSignature
)

// DefaultTolerance is how far a receiver accepts webhook-timestamp from its
// own clock, in either direction.
const DefaultTolerance = 5 * time.Minute

// Errors returned by Verify.
var (
	ErrMissingHeaders = errors.New("webhook: missing webhook-id, webhook-timestamp or webhook-signature")
	ErrBadTimestamp   = errors.New("webhook: malformed webhook-timestamp")
	ErrStale          = errors.New("webhook: webhook-timestamp outside tolerance")
	ErrNoSecret       = errors.New("webhook: no active secret")
	ErrNoMatch        = errors.New("webhook: no matching signature")
)

// The HMAC itself comes from the official Standard Webhooks Go library
// (github.com/standard-webhooks/standard-webhooks/libraries/go). It holds one
// key per Webhook value and its Verify reads time.Now against a fixed
// tolerance, so rotation (several keys) and the injectable clock are done
// here: one library Webhook per active secret, and the timestamp window is
// checked before the library's VerifyIgnoringTimestamp. The library compares
// signatures with hmac.Equal (constant time).

// Sign returns the Standard Webhooks headers for body: webhook-id, the
// webhook-timestamp at, and one "v1,…" signature per secret active at at
// (during a rotation overlap both the old and the new secret sign). If no
// secret is active the webhook-signature header is absent; Push refuses to
// send such a request.
//
// id must stay the same across retries of one document: receivers use it to
// drop duplicates.
func Sign(id string, at time.Time, body []byte, secrets []Secret) http.Header {
	h := http.Header{}
	h.Set(HeaderID, id)
	h.Set(HeaderTimestamp, strconv.FormatInt(at.Unix(), 10))
	var sigs []string
	for _, s := range Active(secrets, at) {
		wh, err := standardwebhooks.NewWebhookRaw(s.Key)
		if err != nil {
			continue // the library never fails here
		}
		sig, err := wh.Sign(id, at, body)
		if err != nil {
			continue // nor here
		}
		sigs = append(sigs, sig)
	}
	if len(sigs) > 0 {
		h.Set(HeaderSignature, strings.Join(sigs, " "))
	}
	return h
}

// Verify checks a received request as a Standard Webhooks receiver would: the
// three headers are present, webhook-timestamp is within tolerance of now
// (DefaultTolerance if tolerance <= 0), and at least one v1 signature matches
// a secret active at now. Because the timestamp is signed, a captured request
// can be replayed only inside the tolerance window; receivers that must be
// strictly once also remember webhook-id for that long.
func Verify(headers http.Header, body []byte, secrets []Secret, now time.Time, tolerance time.Duration) error {
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	id, ts, sig := headers.Get(HeaderID), headers.Get(HeaderTimestamp), headers.Get(HeaderSignature)
	if id == "" || ts == "" || sig == "" {
		return ErrMissingHeaders
	}
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || ts[0] == '+' || ts[0] == '-' {
		return ErrBadTimestamp
	}
	at := time.Unix(unix, 0)
	if d := now.Sub(at); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: %s off", ErrStale, d.Round(time.Second))
	}
	active := Active(secrets, now)
	if len(active) == 0 {
		return ErrNoSecret
	}
	for _, s := range active {
		wh, err := standardwebhooks.NewWebhookRaw(s.Key)
		if err != nil {
			continue
		}
		if wh.VerifyIgnoringTimestamp(body, headers) == nil {
			return nil
		}
	}
	return ErrNoMatch
}
