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
	if _, err := svc.SendTest(ctx, tp); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("a test without an endpoint: %v", err)
	}
	e, text, err := svc.Register(ctx, tp, receiver.URL)
	if err != nil {
		t.Fatal(err)
	}
	if secret, err = stdwebhook.ParseSecret(text); err != nil {
		t.Fatal(err)
	}
	a, err := svc.SendTest(ctx, tp)
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

func TestSendTestToAGoneEndpointDisablesIt(t *testing.T) {
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusGone) }))
	defer receiver.Close()
	st := &store{}
	svc := service(st)
	if _, _, err := svc.Register(context.Background(), tp, receiver.URL); err != nil {
		t.Fatal(err)
	}
	a, err := svc.SendTest(context.Background(), tp)
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
