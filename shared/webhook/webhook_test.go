package webhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/delivery"
	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/grant"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/stdwebhook"
	"github.com/tredjepart/tredjepart/shared/webhook"
)

// store keeps one endpoint and the attempt log in memory.
type store struct {
	endpoint *webhook.Endpoint
	attempts []webhook.Attempt
}

func (s *store) Endpoint(context.Context, ident.GLN) (webhook.Endpoint, bool, error) {
	if s.endpoint == nil {
		return webhook.Endpoint{}, false, nil
	}
	return *s.endpoint, true, nil
}

func (s *store) PutEndpoint(_ context.Context, e webhook.Endpoint) error {
	s.endpoint = &e
	return nil
}

func (s *store) DeleteEndpoint(context.Context, webhook.Endpoint) error {
	s.endpoint = nil
	return nil
}

func (s *store) Document(context.Context, ident.GLN, string) (delivery.Document, time.Time, bool, error) {
	return delivery.Document{}, time.Time{}, false, nil
}

func (s *store) MarkPushed(context.Context, ident.GLN, string, time.Time) error { return nil }

func (s *store) LogAttempt(_ context.Context, a webhook.Attempt) error {
	s.attempts = append(s.attempts, a)
	return nil
}

func (s *store) Attempts(context.Context, ident.GLN, int) ([]webhook.Attempt, error) {
	return s.attempts, nil
}

const tp = ident.GLN("7090000000011")

// flipSealer stands in for KMS: it prefixes the third party and inverts
// every byte, and opens only what it sealed for the same third party.
type flipSealer struct{}

func flip(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		out[i] = ^c
	}
	return out
}

func (flipSealer) Seal(_ context.Context, plaintext []byte, ec map[string]string) ([]byte, error) {
	return append([]byte(ec["thirdParty"]+":"), flip(plaintext)...), nil
}

func (flipSealer) Open(_ context.Context, sealed []byte, ec map[string]string) ([]byte, error) {
	rest, ok := bytes.CutPrefix(sealed, []byte(ec["thirdParty"]+":"))
	if !ok {
		return nil, errors.New("sealed for another third party")
	}
	return flip(rest), nil
}

func service(st *store) *webhook.Service {
	policy := stdwebhook.Policy{AllowLoopback: true, AllowHTTP: true}
	return &webhook.Service{Store: st, Documents: st, Secrets: flipSealer{}, Policy: policy, Client: policy.Client(5 * time.Second), Clock: clock.System{},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

func TestSendTestPushesOneSignedEventAndLogsIt(t *testing.T) {
	var secret stdwebhook.Secret
	received := make(chan error, 1)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var event struct{ Type, ThirdPartyID string }
		err := stdwebhook.Verify(r.Header, body, []stdwebhook.Secret{secret}, time.Now(), time.Minute)
		if err == nil && (json.Unmarshal(body, &event) != nil || event.Type != webhook.TestEventType || event.ThirdPartyID != string(tp)) {
			err = fault.New(fault.Invalid, "unexpected event %s", body)
		}
		received <- err
	}))
	defer receiver.Close()

	st := &store{}
	svc := service(st)
	ctx := context.Background()
	if _, err := svc.SendTest(ctx, tp, webhook.TestEventType); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("a test without an endpoint: %v", err)
	}
	e, text, err := svc.Register(ctx, tp, receiver.URL)
	if err != nil {
		t.Fatal(err)
	}
	if secret, err = stdwebhook.ParseSecret(text); err != nil {
		t.Fatal(err)
	}
	a, err := svc.SendTest(ctx, tp, webhook.TestEventType)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-received; err != nil {
		t.Fatalf("the receiver: %v", err)
	}
	if a.Outcome != stdwebhook.Delivered || a.Status != http.StatusOK || len(st.attempts) != 1 || st.attempts[0].DocumentID != a.DocumentID {
		t.Fatalf("attempt %+v, log %+v", a, st.attempts)
	}
	if st.endpoint.Version != e.Version {
		t.Error("a delivered test changed the endpoint")
	}
}

// A test push is made once: one the endpoint did not take says it failed,
// not that it will be retried, in the answer and in the attempt log.
func TestATestPushTheEndpointRefusedFailedAndIsNotRetried(t *testing.T) {
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusUnauthorized) }))
	defer receiver.Close()
	st := &store{}
	svc := service(st)
	if _, _, err := svc.Register(context.Background(), tp, receiver.URL); err != nil {
		t.Fatal(err)
	}
	a, err := svc.SendTest(context.Background(), tp, webhook.TestEventType)
	if err != nil || a.Outcome != stdwebhook.Failed || a.Status != http.StatusUnauthorized || a.Error != "endpoint answered 401" || !a.NextAttemptAt.IsZero() {
		t.Fatalf("attempt %+v, %v; want failed, endpoint answered 401", a, err)
	}
	if len(st.attempts) != 1 || st.attempts[0].Outcome != stdwebhook.Failed {
		t.Fatalf("log %+v, want the failed test", st.attempts)
	}
}

func TestSendTestToAGoneEndpointDisablesIt(t *testing.T) {
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusGone) }))
	defer receiver.Close()
	st := &store{}
	svc := service(st)
	if _, _, err := svc.Register(context.Background(), tp, receiver.URL); err != nil {
		t.Fatal(err)
	}
	a, err := svc.SendTest(context.Background(), tp, webhook.TestEventType)
	if err != nil || a.Outcome != stdwebhook.Gone || !a.GaveUp {
		t.Fatalf("attempt %+v, %v", a, err)
	}
	if st.endpoint.Enabled || len(st.attempts) != 1 {
		t.Fatalf("endpoint %+v, log %+v", st.endpoint, st.attempts)
	}
}

func TestRegisterRefusesAPortOtherThan443(t *testing.T) {
	st := &store{}
	svc := service(st)
	svc.Policy = stdwebhook.Policy{} // production
	for _, url := range []string{"https://93.184.216.34:22/hook", "https://hooks.example.com:8443/hook", "https://hooks.example.com:25/"} {
		_, _, err := svc.Register(context.Background(), tp, url)
		e, ok := err.(*fault.Error)
		if !ok || e.Kind != fault.Invalid || len(e.Fields) != 1 || e.Fields[0].Field != "url" || !strings.Contains(e.Fields[0].Reason, "port") {
			t.Errorf("%s: %v, want a 400 on url naming the port", url, err)
		}
	}
	if st.endpoint != nil {
		t.Fatalf("a refused URL was stored: %+v", st.endpoint)
	}
	if _, _, err := svc.Register(context.Background(), tp, "https://93.184.216.34:443/hook"); err != nil {
		t.Errorf("port 443 was refused: %v", err)
	}
}

// The reason a URL is refused is one sentence, the policy's own, not the
// Go error chain behind it.
func TestRegisterSaysWhyAURLIsRefusedInOneSentence(t *testing.T) {
	svc := service(&store{})
	svc.Policy = stdwebhook.Policy{AllowLoopback: true, AllowHTTP: true} // the local stack's
	_, _, err := svc.Register(context.Background(), tp, "http://hooks.example.com:8080/hook")
	e, ok := err.(*fault.Error)
	if want := "An http URL must use port 80, not 8080."; !ok || len(e.Fields) != 1 || e.Fields[0].Reason != want {
		t.Fatalf("%v, want the field url refused with %q", err, want)
	}
}

func TestAThirdPartyCanReadItsSigningSecretsAgainNewestFirst(t *testing.T) {
	st := &store{}
	svc := service(st)
	ctx := context.Background()
	if _, err := svc.RevealSecrets(ctx, tp); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("without an endpoint: %v", err)
	}
	if _, first, err := svc.Register(ctx, tp, "http://127.0.0.1:9/hook"); err != nil {
		t.Fatal(err)
	} else if got, err := svc.RevealSecrets(ctx, tp); err != nil || len(got) != 1 || got[0].Text != first || !got[0].NotAfter.IsZero() || got[0].CreatedAt.IsZero() {
		t.Fatalf("after registering: %+v, %v; want the secret registering showed", got, err)
	}
	_, first, _ := svc.Register(ctx, tp, "http://127.0.0.1:9/hook") // the same state again: no new secret
	got, _ := svc.RevealSecrets(ctx, tp)
	_, rotated, err := svc.Rotate(ctx, tp)
	if err != nil || first != "" {
		t.Fatalf("rotate: %v; registering again showed %q", err, first)
	}
	after, err := svc.RevealSecrets(ctx, tp)
	if err != nil || len(after) != 2 || after[0].Text != rotated || after[1].Text != got[0].Text {
		t.Fatalf("after a rotation: %+v, %v; want the new secret, then the old", after, err)
	}
	if !after[0].NotAfter.IsZero() || after[1].NotAfter.IsZero() {
		t.Errorf("only the old secret ends: %+v", after)
	}
}

// grantsOf stands in for the grants store: the third party's active grants.
type grantsOf []grant.Grant

func (g grantsOf) ActiveGrantsOf(context.Context, ident.GLN, string, int) ([]grant.Grant, string, error) {
	return g, "", nil
}

func TestSendTestPushesASampleDailyDocumentMarkedAsATest(t *testing.T) {
	type pushed struct {
		id   string
		body []byte
		err  error
	}
	var secret stdwebhook.Secret
	received := make(chan pushed, 1)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		received <- pushed{r.Header.Get(stdwebhook.HeaderID), body, stdwebhook.Verify(r.Header, body, []stdwebhook.Secret{secret}, time.Now(), time.Minute)}
	}))
	defer receiver.Close()
	const granted ident.GSRN = "707057500000001015"
	for name, grants := range map[string]grantsOf{"with access": {{ThirdParty: tp, MeteringPoint: granted}}, "without access": nil} {
		t.Run(name, func(t *testing.T) {
			st := &store{}
			svc := service(st)
			svc.Grants = grants
			_, text, err := svc.Register(context.Background(), tp, receiver.URL)
			if err != nil {
				t.Fatal(err)
			}
			if secret, err = stdwebhook.ParseSecret(text); err != nil {
				t.Fatal(err)
			}
			a, err := svc.SendTest(context.Background(), tp, "meter-values")
			if err != nil || a.Outcome != stdwebhook.Delivered || len(st.attempts) != 1 {
				t.Fatalf("attempt %+v, %v; log %+v", a, err, st.attempts)
			}
			got := <-received
			if got.err != nil {
				t.Fatalf("the signature: %v", got.err)
			}
			var doc struct {
				DocumentID, Type, ThirdPartyID, MeteringPointID, Resolution, Unit string
				Test                                                              bool
				Revision                                                          int
				Points                                                            []struct {
					Position          int
					Quantity, Quality string
				}
			}
			if err := json.Unmarshal(got.body, &doc); err != nil {
				t.Fatal(err)
			}
			wantPoint := webhook.SampleMeteringPoint
			if len(grants) > 0 {
				wantPoint = granted
			}
			if doc.Type != "meter-values" || !doc.Test || doc.ThirdPartyID != string(tp) || doc.MeteringPointID != string(wantPoint) ||
				doc.Resolution != "PT60M" || doc.Unit != "kWh" || doc.Revision != 1 || len(doc.Points) < 23 || len(doc.Points) > 25 {
				t.Fatalf("sample %s", got.body)
			}
			if doc.DocumentID != got.id || a.DocumentID != got.id || strings.HasPrefix(got.id, "meter-values:") {
				t.Errorf("webhook-id %q, documentId %q, attempt's %q: want one id of its own, never a delivered document's", got.id, doc.DocumentID, a.DocumentID)
			}
		})
	}
	if _, err := ident.ParseGSRN(string(webhook.SampleMeteringPoint)); err != nil {
		t.Errorf("the sample metering point %s: %v", webhook.SampleMeteringPoint, err)
	}
}

func TestSendTestRefusesAnUnknownTypeNamingTheKnownOnes(t *testing.T) {
	st := &store{}
	svc := service(st)
	if _, _, err := svc.Register(context.Background(), tp, "http://127.0.0.1:9/hook"); err != nil {
		t.Fatal(err)
	}
	_, err := svc.SendTest(context.Background(), tp, "meter-values-correction")
	var e *fault.Error
	if !errors.As(err, &e) || e.Kind != fault.Invalid || len(e.Fields) != 1 || e.Fields[0].Field != "type" ||
		!strings.Contains(e.Fields[0].Reason, "webhook.test") || !strings.Contains(e.Fields[0].Reason, "meter-values") {
		t.Fatalf("%v; want a 400 on type naming webhook.test and meter-values", err)
	}
	if len(st.attempts) != 0 {
		t.Errorf("a refused test was pushed: %+v", st.attempts)
	}
}
