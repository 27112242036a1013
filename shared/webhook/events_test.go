package webhook_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tredjepart/tredjepart/shared/delivery"
	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/webhook"
)

// kinds is an outbox whose documents are of the kind their id begins with.
type kinds struct{ *store }

func (kinds) Document(_ context.Context, gln ident.GLN, id string) (delivery.Document, time.Time, bool, error) {
	kind, _, _ := strings.Cut(id, ":")
	return delivery.Document{ID: id, ThirdParty: gln, Kind: delivery.Kind(kind), Body: []byte(`{}`)}, time.Time{}, true, nil
}

// A webhook registered for some events is pushed those only; the others
// stay in the feed. Its URL saved again alone (Register, as the portal's
// URL field did) keeps that list; registered with none (nil), it is pushed
// everything.
func TestAWebhookIsPushedTheEventsItWasRegisteredFor(t *testing.T) {
	var pushed []string
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pushed = append(pushed, r.Header.Get("webhook-id"))
	}))
	defer receiver.Close()
	st := &store{}
	svc := service(st)
	svc.Documents, svc.Queue = kinds{st}, &queued{}
	svc.ThirdParties = parties{tp: registry.ThirdParty{GLN: tp}}
	ctx := context.Background()
	if _, _, err := svc.RegisterFor(ctx, tp, receiver.URL, []delivery.Kind{delivery.Notice}); err != nil {
		t.Fatal(err)
	}
	dispatch := func(ids ...string) {
		for _, id := range ids {
			if err := svc.Dispatch(ctx, webhook.Message{ThirdParty: tp, DocumentID: id, Attempt: 1, FirstTry: time.Now(), NotBefore: time.Now()}); err != nil {
				t.Fatal(err)
			}
		}
	}
	dispatch("meter-values:1", "notification:1", "master-data-change:1")
	if !slices.Equal(pushed, []string{"notification:1"}) || len(st.attempts) != 1 {
		t.Fatalf("pushed %v, %d attempts logged", pushed, len(st.attempts))
	}
	if e, _, err := svc.Register(ctx, tp, receiver.URL+"/moved"); err != nil || e.URL != receiver.URL+"/moved" || !slices.Equal(e.Events, []delivery.Kind{delivery.Notice}) {
		t.Fatalf("the URL saved again alone: %+v %v, want the list kept", e, err)
	}
	dispatch("meter-values:2", "notification:2")
	if !slices.Equal(pushed, []string{"notification:1", "notification:2"}) {
		t.Fatalf("the URL saved again alone: pushed %v", pushed)
	}
	if _, _, err := svc.RegisterFor(ctx, tp, receiver.URL, nil); err != nil {
		t.Fatal(err)
	}
	dispatch("meter-values:3")
	if !slices.Equal(pushed, []string{"notification:1", "notification:2", "meter-values:3"}) {
		t.Fatalf("registered again for every event: pushed %v", pushed)
	}
	_, _, err := svc.RegisterFor(ctx, tp, receiver.URL, []delivery.Kind{"meter-value"})
	var e *fault.Error
	if !errors.As(err, &e) || e.Kind != fault.Invalid || len(e.Fields) != 1 || e.Fields[0].Field != "events[0]" ||
		!strings.Contains(e.Fields[0].Reason, "meter-values-correction") {
		t.Fatalf("an unknown event: %v", err)
	}
}
