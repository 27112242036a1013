// Package webhook is a rule: a third party's webhook endpoint: registering it,
// rotating its signing secret with an overlap (the secrets are stored
// sealed, see Sealer), and pushing each outbox
// document to it (Standard Webhooks, package webhook) with retries over
// about three days. The outbox always keeps the document, so a webhook that
// gives up loses nothing: the third party can still pull it.
package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/conflict"
	"github.com/tredjepart/tredjepart/shared/delivery"
	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/grant"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/metrics"
	"github.com/tredjepart/tredjepart/shared/oslo"
	"github.com/tredjepart/tredjepart/shared/readonce"
	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/stdwebhook"
	"github.com/tredjepart/tredjepart/shared/synthetic"
)

// Overlap is how long a rotated-out secret keeps signing beside the new one.
const Overlap = 24 * time.Hour

// MaxSigningSecrets is how many secrets sign at once: the newest and the two
// before it. Every push carries a signature for each, so rotating again and
// again must not make the header grow without end; a rotation beyond this
// ends the oldest at once.
const MaxSigningSecrets = 3

// Key is one signing secret and when it was made. Its Secret's Key, the
// clear key, is not kept: the Store stores Sealed, and a push opens it.
type Key struct {
	stdwebhook.Secret
	// Sealed is the key encrypted by the Sealer. It is empty only for a key
	// stored in clear before secrets were sealed: such a key, read back in
	// Secret.Key, still signs, and the next write of the endpoint seals it.
	Sealed    []byte
	CreatedAt time.Time
}

// ActiveAt reports whether the key may sign at now: it has a key, sealed or
// not, and has not passed its NotAfter.
func (k Key) ActiveAt(now time.Time) bool {
	return (len(k.Sealed) > 0 || len(k.Key) > 0) && (k.NotAfter.IsZero() || now.Before(k.NotAfter))
}

// Endpoint is a third party's registered webhook.
type Endpoint struct {
	ThirdParty     ident.GLN
	URL            string
	Keys           []Key // oldest first
	Enabled        bool
	DisabledReason string // why it was disabled, e.g. the endpoint answered 410
	ChangedAt      time.Time
	Version        int             // raised by every change; guards conditional writes
	Events         []delivery.Kind // the kinds of document pushed; nil for all
}

// Events are the kinds of document a webhook can be registered for, by
// the names of the feed's item types.
var Events = []delivery.Kind{delivery.DailySeries, delivery.Correction, delivery.MasterDataChange, delivery.Notice}

// Wants reports whether documents of kind k are pushed to the endpoint.
func (e Endpoint) Wants(k delivery.Kind) bool { return e.Events == nil || slices.Contains(e.Events, k) }

// Sealer encrypts signing keys before they are stored and decrypts them to
// sign (package seal, with the WebhookSecrets KMS key). KMS authenticates
// the encryption context with the ciphertext: a sealed key opens only for
// the third party it was made for.
type Sealer interface {
	Seal(ctx context.Context, plaintext []byte, encryptionContext map[string]string) ([]byte, error)
	Open(ctx context.Context, sealed []byte, encryptionContext map[string]string) ([]byte, error)
}

// sealedFor is the encryption context of a third party's signing keys: the
// identity of the item they are stored in.
func sealedFor(tp ident.GLN) map[string]string {
	return map[string]string{"purpose": "webhook-signing-secret", "thirdParty": string(tp)}
}

// Attempt is one push of one document, as logged.
type Attempt struct {
	ThirdParty ident.GLN
	DocumentID string
	Number     int // 1 for the first try
	At         time.Time
	Outcome    stdwebhook.Outcome
	Status     int
	Duration   time.Duration
	Error      string
	GaveUp     bool // no further attempt: the retry window is over, or the endpoint is gone
	// NextAttemptAt is when the retry of a failed attempt is queued for (at
	// the earliest); zero when there is none.
	NextAttemptAt time.Time
}

// Message asks for one push attempt of one document.
type Message struct {
	ThirdParty ident.GLN `json:"thirdPartyId"`
	DocumentID string    `json:"documentId"`
	Attempt    int       `json:"attempt"`
	FirstTry   time.Time `json:"firstTry"`
	NotBefore  time.Time `json:"notBefore"`
}

// ErrKeyNotSealed is an endpoint whose signing secret was not sealed: a
// store refuses it, for a secret is never written in clear.
var ErrKeyNotSealed = errors.New("webhook endpoint: a signing secret is not sealed; it is not stored in clear")

// ErrStale is a conditional write of the endpoint that lost to another
// change made since it was read. It is a conflict: the caller reads again.
var ErrStale = fault.New(fault.Conflict, "The webhook endpoint was changed by another request at the same time; read it again and repeat the change if it is still needed.")

// Store keeps the endpoints and the attempt log.
type Store interface {
	// Endpoint reports a removed endpoint as not found, with the version
	// its removal wrote, so that versions keep rising across removals.
	Endpoint(ctx context.Context, tp ident.GLN) (Endpoint, bool, error)
	// PutEndpoint writes e if the stored version is still e.Version-1 (or
	// none is stored when e.Version is 1), ErrStale otherwise.
	PutEndpoint(ctx context.Context, e Endpoint) error
	// DeleteEndpoint removes the endpoint and its secrets on the same
	// condition, keeping only its version.
	DeleteEndpoint(ctx context.Context, e Endpoint) error
	LogAttempt(ctx context.Context, a Attempt) error
	Attempts(ctx context.Context, tp ident.GLN, limit int) ([]Attempt, error)
}

// Documents is the outbox as a push reads and marks it.
type Documents interface {
	// Document reads an outbox document and when it was pushed (zero if not yet).
	Document(ctx context.Context, tp ident.GLN, id string) (delivery.Document, time.Time, bool, error)
	// MarkPushed records the successful push, once.
	MarkPushed(ctx context.Context, tp ident.GLN, id string, at time.Time) error
}

// Queue carries push attempts; delay is at most MaxDelay.
type Queue interface {
	Enqueue(ctx context.Context, m Message, delay time.Duration) error
}

// MaxDelay is the longest an SQS message can be delayed; longer waits are
// made of several.
const MaxDelay = 15 * time.Minute

// ThirdParties tells whether a third party is disabled.
type ThirdParties interface {
	ThirdParty(ctx context.Context, gln ident.GLN) (registry.ThirdParty, bool, error)
}

// Service manages endpoints and pushes documents.
type Service struct {
	Store     Store
	Documents Documents // pushed (Dispatch)
	// ThirdParties is read before every push (Dispatch).
	ThirdParties ThirdParties
	Grants       Grants // a sample document's metering point (SendTest)
	Secrets      Sealer
	Queue        Queue
	Policy       stdwebhook.Policy // production: https only, no private or loopback addresses
	Client       *http.Client      // from Policy.Client
	Clock        clock.Clock
	Logger       *slog.Logger
	Metrics      metrics.Sink // push outcomes
}

// FailingFor is how long every push of a document may fail before each
// further failure counts as metrics.WebhookFailingForAnHour: the endpoint
// has not taken it for that long.
const FailingFor = time.Hour

// ForBatch is the service for one batch of work, such as a delivery
// batch announcing many documents: it reads each third party's endpoint
// once. Endpoint changes made meanwhile are seen by the next batch.
func (s *Service) ForBatch() *Service {
	batch := *s
	batch.Store = &endpointsOnce{Store: s.Store, endpoints: readonce.New(s.Store.Endpoint)}
	return &batch
}

type endpointsOnce struct {
	Store
	endpoints *readonce.Cache[ident.GLN, Endpoint]
}

func (c *endpointsOnce) Endpoint(ctx context.Context, tp ident.GLN) (Endpoint, bool, error) {
	return c.endpoints.Get(ctx, tp)
}

// Register sets the third party's webhook URL, enabling it, and keeps the
// events it is registered for (every kind for a new one): saving a URL
// alone does not undo a filter set with RegisterFor. A first registration
// makes a signing secret and returns its text, the only time it is shown;
// a later one keeps the secrets. It sends a desired state, so a write that
// lost a race is made again on what won, and sending the state the
// endpoint already has writes nothing.
func (s *Service) Register(ctx context.Context, tp ident.GLN, url string) (Endpoint, string, error) {
	return s.register(ctx, tp, url, nil, true)
}

// RegisterFor is Register for the documents of the kinds in events only
// (nil for all of them): a document of another kind stays in the feed and
// is not pushed.
func (s *Service) RegisterFor(ctx context.Context, tp ident.GLN, url string, events []delivery.Kind) (Endpoint, string, error) {
	return s.register(ctx, tp, url, events, false)
}

// register sets the URL and, unless keepEvents, the events.
func (s *Service) register(ctx context.Context, tp ident.GLN, url string, events []delivery.Kind, keepEvents bool) (Endpoint, string, error) {
	var bad []fault.FieldError
	if err := s.Policy.CheckURL(url); err != nil {
		bad = append(bad, fault.FieldError{Field: "url", Reason: err.Error()}) // the policy's one sentence
	}
	bad = append(bad, checkEvents(events)...)
	if len(bad) > 0 {
		return Endpoint{}, "", fault.InvalidFields(bad...)
	}
	var (
		e    Endpoint
		text string
	)
	err := conflict.Retry(ErrStale, func() error {
		var found bool
		var err error
		if e, found, err = s.Store.Endpoint(ctx, tp); err != nil {
			return err
		}
		text = ""
		want := events
		if keepEvents && found {
			want = e.Events
		}
		if found && e.URL == url && e.Enabled && slices.Equal(e.Events, want) {
			return nil
		}
		now := s.Clock.Now()
		if !found {
			e = Endpoint{ThirdParty: tp, Version: e.Version}
			var secret stdwebhook.Secret
			if text, secret, err = stdwebhook.NewSecret(); err != nil {
				return err
			}
			e.Keys = []Key{{Secret: secret, CreatedAt: now}}
		}
		e.URL, e.Enabled, e.DisabledReason, e.ChangedAt, e.Events = url, true, "", now, want
		e.Version++
		return s.put(ctx, &e)
	})
	if err != nil {
		return Endpoint{}, "", err
	}
	return e, text, nil
}

// checkEvents names each entry of events that is not one of Events, and
// refuses a list without any: leaving it out (nil) means all of them.
func checkEvents(events []delivery.Kind) []fault.FieldError {
	if events != nil && len(events) == 0 {
		return []fault.FieldError{{Field: "events", Reason: "must name at least one event; leave it out for all of them"}}
	}
	known := make([]string, len(Events))
	for i, k := range Events {
		known[i] = string(k)
	}
	var bad []fault.FieldError
	for i, k := range events {
		if !slices.Contains(Events, k) {
			bad = append(bad, fault.FieldError{Field: fmt.Sprintf("events[%d]", i), Reason: "must be one of " + strings.Join(known, ", ")})
		}
	}
	return bad
}

// Rotate makes a new signing secret and returns its text. Older secrets
// keep signing for Overlap, so receivers can switch without losing a push.
// Each call is a rotation of its own, so one that lost a race to another
// change is not made again: it answers ErrStale, a conflict.
func (s *Service) Rotate(ctx context.Context, tp ident.GLN) (Endpoint, string, error) {
	e, err := s.Get(ctx, tp)
	if err != nil {
		return e, "", err
	}
	now := s.Clock.Now()
	text, secret, err := stdwebhook.NewSecret()
	if err != nil {
		return e, "", err
	}
	var keys []Key
	for _, k := range e.Keys {
		if k.ActiveAt(now) {
			if k.NotAfter.IsZero() || k.NotAfter.After(now.Add(Overlap)) {
				k.NotAfter = now.Add(Overlap)
			}
			keys = append(keys, k)
		}
	}
	if drop := len(keys) - (MaxSigningSecrets - 1); drop > 0 {
		keys = keys[drop:] // the oldest: e.Keys is in the order they were made
	}
	e.Keys = append(keys, Key{Secret: secret, CreatedAt: now})
	e.ChangedAt = now
	e.Version++
	return e, text, s.put(ctx, &e)
}

// put seals the keys not sealed yet (a new one, or one stored in clear
// before secrets were sealed), dropping their clear key, and writes the
// endpoint.
func (s *Service) put(ctx context.Context, e *Endpoint) error {
	e.Keys = slices.Clone(e.Keys) // the caller's endpoint may share them (ForBatch's cache)
	for i, k := range e.Keys {
		if len(k.Sealed) > 0 {
			continue
		}
		sealed, err := s.Secrets.Seal(ctx, k.Key, sealedFor(e.ThirdParty))
		if err != nil {
			return fmt.Errorf("seal the webhook secret of %s: %w", e.ThirdParty, err)
		}
		e.Keys[i].Sealed, e.Keys[i].Key = sealed, nil
	}
	return s.Store.PutEndpoint(ctx, *e)
}

// SigningSecrets opens the keys of the endpoint that sign at now.
func (s *Service) SigningSecrets(ctx context.Context, e Endpoint, now time.Time) ([]stdwebhook.Secret, error) {
	var secrets []stdwebhook.Secret
	for _, k := range e.Keys {
		if !k.ActiveAt(now) {
			continue
		}
		secret, err := s.open(ctx, e.ThirdParty, k)
		if err != nil {
			return nil, err
		}
		secrets = append(secrets, secret)
	}
	return secrets, nil
}

// open is the key's secret with its clear key, opened if it is sealed.
func (s *Service) open(ctx context.Context, tp ident.GLN, k Key) (stdwebhook.Secret, error) {
	secret := k.Secret
	if len(k.Sealed) > 0 {
		key, err := s.Secrets.Open(ctx, k.Sealed, sealedFor(tp))
		if err != nil {
			return secret, fmt.Errorf("open the webhook secret of %s made %s: %w", tp, k.CreatedAt.UTC().Format(time.RFC3339), err)
		}
		secret.Key = key
	}
	return secret, nil
}

// Revealed is a signing secret as its third party may read it again.
type Revealed struct {
	Text      string // "whsec_…"
	CreatedAt time.Time
	NotAfter  time.Time // zero for the newest, which signs until the next rotation
}

// RevealSecrets opens the secrets that sign the third party's pushes now,
// newest first, for it to read. The signature is symmetric: its receiver
// holds the same secrets, so reading them again shows it nothing it could
// not be given at registration, and a secret is never lost to it. NotFound
// when no webhook is registered.
func (s *Service) RevealSecrets(ctx context.Context, tp ident.GLN) ([]Revealed, error) {
	e, err := s.Get(ctx, tp)
	if err != nil {
		return nil, err
	}
	revealed := make([]Revealed, 0, len(e.Keys))
	for _, k := range slices.Backward(e.Keys) { // e.Keys is oldest first
		secret, err := s.open(ctx, e.ThirdParty, k)
		if err != nil {
			return nil, err
		}
		revealed = append(revealed, Revealed{Text: secret.Text(), CreatedAt: k.CreatedAt, NotAfter: k.NotAfter})
	}
	return revealed, nil
}

// Get returns the third party's endpoint, without the secrets that have
// expired, or NotFound.
func (s *Service) Get(ctx context.Context, tp ident.GLN) (Endpoint, error) {
	e, found, err := s.Store.Endpoint(ctx, tp)
	if err == nil && !found {
		err = fault.New(fault.NotFound, "No webhook is registered; PUT /v1/webhook registers one.")
	}
	now := s.Clock.Now()
	e.Keys = slices.DeleteFunc(e.Keys, func(k Key) bool { return !k.ActiveAt(now) })
	return e, err
}

// Remove deletes the endpoint; documents stay in the outbox. Removing it
// again is harmless, and a removal that lost a race is made again.
func (s *Service) Remove(ctx context.Context, tp ident.GLN) error {
	return conflict.Retry(ErrStale, func() error {
		e, found, err := s.Store.Endpoint(ctx, tp)
		if err != nil || !found {
			return err
		}
		e.ChangedAt = s.Clock.Now()
		e.Version++
		return s.Store.DeleteEndpoint(ctx, e)
	})
}

// Attempts lists the latest push attempts, newest first.
func (s *Service) Attempts(ctx context.Context, tp ident.GLN, limit int) ([]Attempt, error) {
	return s.Store.Attempts(ctx, tp, limit)
}

// Announce queues the first push of outbox documents if the third party
// has an enabled endpoint. Announcing a document again is harmless: a push
// is not made once the document has been pushed.
func (s *Service) Announce(ctx context.Context, tp ident.GLN, documentIDs ...string) error {
	e, found, err := s.Store.Endpoint(ctx, tp)
	if err != nil || !found || !e.Enabled {
		return err
	}
	now := s.Clock.Now()
	for _, id := range documentIDs {
		if err := s.Queue.Enqueue(ctx, Message{ThirdParty: tp, DocumentID: id, Attempt: 1, FirstTry: now, NotBefore: now}, 0); err != nil {
			return err
		}
	}
	return nil
}

// Dispatch makes the attempt a message asks for, when it is due: it pushes
// the document, logs the attempt, and queues the next one on failure until
// the retry window is over. A 410 disables the endpoint.
//
// A disabled third party is pushed nothing: every push passes here (daily
// delivery, late days, corrections, master-data changes, notifications), so
// all of them still reach its outbox, where it reads them once enabled
// again, and none leaves.
func (s *Service) Dispatch(ctx context.Context, m Message) error {
	now := s.Clock.Now()
	if wait := m.NotBefore.Sub(now); wait > 0 {
		return s.Queue.Enqueue(ctx, m, min(wait, MaxDelay))
	}
	if s.ThirdParties == nil {
		return errors.New("webhook: the service has no ThirdParties to check before a push")
	}
	tp, _, err := s.ThirdParties.ThirdParty(ctx, m.ThirdParty)
	if err != nil {
		return err
	}
	if tp.Disabled {
		s.Logger.WarnContext(ctx, "third party disabled: not pushed, kept in the outbox", "thirdParty", string(m.ThirdParty), "documentId", m.DocumentID)
		return nil
	}
	e, found, err := s.Store.Endpoint(ctx, m.ThirdParty)
	if err != nil || !found || !e.Enabled {
		return err // removed or disabled since: the outbox keeps the document
	}
	doc, pushedAt, found, err := s.Documents.Document(ctx, m.ThirdParty, m.DocumentID)
	if err != nil || !found || !pushedAt.IsZero() {
		return err // expired, or already pushed by an earlier attempt
	}
	if !e.Wants(doc.Kind) {
		return nil // not an event the webhook is registered for: the feed has it
	}
	a, err := s.push(ctx, e, doc.ID, doc.Body, m.Attempt, now)
	if err != nil {
		return err
	}
	var next time.Time
	switch a.Outcome {
	case stdwebhook.Delivered:
		err = s.Documents.MarkPushed(ctx, m.ThirdParty, m.DocumentID, now)
	case stdwebhook.Gone:
		a.GaveUp = true
		err = s.disable(ctx, e, goneReason(a, now))
	default:
		var more bool
		if next, more = stdwebhook.NextAttempt(m.Attempt, m.FirstTry); !more {
			a.GaveUp = true
		} else if a.NextAttemptAt = next; next.Before(now) {
			a.NextAttemptAt = now // a late run retries at once
		}
		if now.Sub(m.FirstTry) >= FailingFor {
			metrics.Or(s.Metrics).Add(metrics.WebhookFailingForAnHour, 1)
		}
	}
	if err != nil {
		return err
	}
	if err := s.logAttempt(ctx, a); err != nil {
		return err
	}
	if next.IsZero() {
		return nil
	}
	m.Attempt, m.NotBefore = m.Attempt+1, next
	return s.Queue.Enqueue(ctx, m, min(next.Sub(now), MaxDelay))
}

// push makes one signed push of a document to the endpoint, as the
// attempt the log records. Without its secrets it makes none: a secret
// that does not open is an error of ours, not an attempt.
func (s *Service) push(ctx context.Context, e Endpoint, documentID string, body []byte, number int, now time.Time) (Attempt, error) {
	secrets, err := s.SigningSecrets(ctx, e, now)
	if err != nil {
		return Attempt{}, err
	}
	result := stdwebhook.Push(ctx, s.Client, e.URL, documentID, body, secrets, now)
	metrics.Or(s.Metrics).Add(metrics.WebhookPushes, 1, metrics.Outcome(pushOutcome(result)))
	return Attempt{ThirdParty: e.ThirdParty, DocumentID: documentID, Number: number, At: now,
		Outcome: result.Outcome, Status: result.Status, Duration: result.Duration, Error: result.Err}, nil
}

// pushOutcome is the value of the Outcome dimension of metrics.WebhookPushes.
func pushOutcome(a stdwebhook.Attempt) string {
	switch {
	case a.Refused:
		return metrics.PushRefused
	case a.TimedOut:
		return metrics.PushTimeout
	case a.Status == http.StatusGone:
		return metrics.Push410
	case a.Status >= 200 && a.Status < 300:
		return metrics.Push2xx
	case a.Status >= 500:
		return metrics.Push5xx
	case a.Status >= 300: // a redirect, not followed, is the endpoint's error too
		return metrics.Push4xx
	}
	return metrics.PushError
}

func (s *Service) logAttempt(ctx context.Context, a Attempt) error {
	if err := s.Store.LogAttempt(ctx, a); err != nil {
		return err
	}
	s.Logger.InfoContext(ctx, "webhook attempt", "thirdParty", string(a.ThirdParty), "document", a.DocumentID, "attempt", a.Number,
		"outcome", a.Outcome.String(), "status", a.Status, "error", a.Error, "gaveUp", a.GaveUp)
	return nil
}

// TestEventType is the type of the plain test event SendTest pushes.
const TestEventType = "webhook.test"

// TestTypes are the events SendTest can push: the plain test event, and a
// sample of the daily document (delivery.SampleDocument).
var TestTypes = []string{TestEventType, string(delivery.DailySeries)}

type testEvent struct {
	Type         string `json:"type"`
	DocumentID   string `json:"documentId"`
	ThirdPartyID string `json:"thirdPartyId"`
	CreatedAt    string `json:"createdAt"`
	Test         bool   `json:"test"`
}

// SampleMeteringPoint is the metering point of a sample daily document for
// a third party with access to none: made up, all nines after the
// 7070575 prefix, outside the demo's and the synthetic data's 7070575000….
const SampleMeteringPoint ident.GSRN = "707057599999999991"

// Grants finds a metering point the third party has access to, for a
// sample document.
type Grants interface {
	ActiveGrantsOf(ctx context.Context, tp ident.GLN, cursor string, limit int) ([]grant.Grant, string, error)
}

// SendTest pushes one signed event of type eventType (one of TestTypes) to
// the registered endpoint at once, so a third party can check its
// receiver, and logs the attempt like any other. It is not retried (one
// the endpoint did not take is Failed, not Retry) and is not kept in the
// outbox; an endpoint that answers 410 Gone is disabled, as
// for any push. Its id is its own: a receiver that drops duplicates by
// webhook-id never drops a real document for it.
func (s *Service) SendTest(ctx context.Context, tp ident.GLN, eventType string) (Attempt, error) {
	if !slices.Contains(TestTypes, eventType) {
		return Attempt{}, fault.InvalidFields(fault.FieldError{Field: "type", Reason: "must be one of " + strings.Join(TestTypes, ", ")})
	}
	e, err := s.Get(ctx, tp)
	if err != nil {
		return Attempt{}, err
	}
	now := s.Clock.Now()
	var (
		id   string
		body []byte
	)
	switch eventType {
	case TestEventType:
		id = TestEventType + ":" + uuid.NewString()
		body, err = json.Marshal(testEvent{Type: TestEventType, DocumentID: id, ThirdPartyID: string(tp), CreatedAt: oslo.FormatUTC(now), Test: true})
	default: // the sample daily document
		id = eventType + ".test:" + uuid.NewString()
		body, err = s.sampleDocument(ctx, tp, id, now)
	}
	if err != nil {
		return Attempt{}, err
	}
	a, err := s.push(ctx, e, id, body, 1, now)
	if err != nil {
		return Attempt{}, err
	}
	if a.Outcome == stdwebhook.Retry {
		a.Outcome = stdwebhook.Failed
	}
	if a.Outcome == stdwebhook.Gone {
		a.GaveUp = true
		if err := s.disable(ctx, e, goneReason(a, now)); err != nil {
			return a, err
		}
	}
	return a, s.logAttempt(ctx, a)
}

// sampleDocument is yesterday's daily document, its values made up, for a
// metering point the third party has access to, or SampleMeteringPoint.
// Nothing of the metering point is read but its id, so the sample shows
// nothing of anyone's consumption.
func (s *Service) sampleDocument(ctx context.Context, tp ident.GLN, id string, now time.Time) ([]byte, error) {
	if s.Grants == nil {
		return nil, errors.New("webhook: the service has no Grants to pick a sample's metering point")
	}
	grants, _, err := s.Grants.ActiveGrantsOf(ctx, tp, "", 1)
	if err != nil {
		return nil, err
	}
	mp := registry.MeteringPoint{ID: SampleMeteringPoint, Resolution: metervalues.PT60M,
		Occupancies: []registry.Occupancy{{EndUser: "sample", MoveIn: registry.Date(2020, 1, 1)}}}
	if len(grants) > 0 {
		mp.ID = grants[0].MeteringPoint
	}
	series := synthetic.Day(synthetic.Options{Seed: 1}, mp, delivery.PreviousDay(now), 1)
	return delivery.SampleDocument(tp, series, id, now).Body, nil
}

func goneReason(a Attempt, now time.Time) string {
	return fmt.Sprintf("the endpoint answered %d Gone at %s", a.Status, now.UTC().Format(time.RFC3339))
}

func (s *Service) disable(ctx context.Context, e Endpoint, reason string) error {
	e.Enabled, e.DisabledReason, e.ChangedAt = false, reason, s.Clock.Now()
	e.Version++
	err := s.put(ctx, &e)
	if errors.Is(err, ErrStale) {
		return nil // changed meanwhile (re-registered, say): that change stands
	}
	return err
}
