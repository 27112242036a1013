package webhook_test

import (
	"context"
	"maps"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/tredjepart/tredjepart/shared/delivery"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/metrics"
	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/stdwebhook"
	"github.com/tredjepart/tredjepart/shared/webhook"
)

// Each push counts once, by the class of what the endpoint did.
func TestPushesAreCountedByOutcome(t *testing.T) {
	status := http.StatusOK
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(status) }))
	defer receiver.Close()
	st := &store{}
	svc := service(st)
	var counted metrics.Recorder
	svc.Metrics = &counted
	ctx := context.Background()
	for _, s := range []int{200, 204, 404, 308, 503, 410} {
		if _, _, err := svc.Register(ctx, tp, receiver.URL); err != nil { // again after the 410 disabled it
			t.Fatal(err)
		}
		status = s
		if _, err := svc.SendTest(ctx, tp, webhook.TestEventType); err != nil {
			t.Fatal(err)
		}
	}
	// The production policy refuses the loopback address without a request.
	svc.Policy = stdwebhook.Policy{}
	svc.Client = svc.Policy.Client(time.Second)
	if _, err := svc.SendTest(ctx, tp, webhook.TestEventType); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"2xx": 2, "4xx": 2, "5xx": 1, "410": 1, "refused": 1}
	if got := counted.Counts(metrics.WebhookPushes); !maps.Equal(got, want) {
		t.Errorf("counts %v, want %v", got, want)
	}
}

// outbox is one document not yet pushed, for Dispatch.
type outbox struct{ *store }

func (outbox) Document(_ context.Context, gln ident.GLN, id string) (delivery.Document, time.Time, bool, error) {
	return delivery.Document{ID: id, ThirdParty: gln, Body: []byte(`{}`)}, time.Time{}, true, nil
}

type queued struct{ messages []webhook.Message }

func (q *queued) Enqueue(_ context.Context, m webhook.Message, _ time.Duration) error {
	q.messages = append(q.messages, m)
	return nil
}

// A failed push of a document first tried an hour or more ago counts as
// failing for an hour; one tried less long ago does not.
func TestAPushFailingForAnHourIsCounted(t *testing.T) {
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) }))
	defer receiver.Close()
	st := &store{}
	svc := service(st)
	svc.Documents, svc.Queue = outbox{st}, &queued{}
	svc.ThirdParties = parties{tp: registry.ThirdParty{GLN: tp}}
	var counted metrics.Recorder
	svc.Metrics = &counted
	ctx := context.Background()
	if _, _, err := svc.Register(ctx, tp, receiver.URL); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, firstTry := range []time.Time{now.Add(-59 * time.Minute), now.Add(-61 * time.Minute), now.Add(-3 * time.Hour)} {
		m := webhook.Message{ThirdParty: tp, DocumentID: "doc-1", Attempt: 4, FirstTry: firstTry, NotBefore: firstTry}
		if err := svc.Dispatch(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if got := counted.Counts(metrics.WebhookFailingForAnHour)[""]; got != 2 {
		t.Errorf("failing for an hour: %d, want 2", got)
	}
	if got := counted.Counts(metrics.WebhookPushes)["5xx"]; got != 3 {
		t.Errorf("5xx pushes: %d, want 3", got)
	}
}
