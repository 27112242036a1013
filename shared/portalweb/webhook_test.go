//go:build integration

package portalweb

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/delivery"
	"github.com/tredjepart/tredjepart/shared/inmem"
	"github.com/tredjepart/tredjepart/shared/stdwebhook"
	"github.com/tredjepart/tredjepart/shared/webhook"
)

// clearSealer keeps secrets as they are: the portal's tests need no KMS.
type clearSealer struct{}

func (clearSealer) Seal(_ context.Context, plaintext []byte, _ map[string]string) ([]byte, error) {
	return plaintext, nil
}

func (clearSealer) Open(_ context.Context, sealed []byte, _ map[string]string) ([]byte, error) {
	return sealed, nil
}

// withWebhooks gives the site a webhook service and an outbox on the fakes.
func withWebhooks(s *site) *webhook.Service {
	stores := inmem.Open()
	policy := stdwebhook.Policy{AllowLoopback: true, AllowHTTP: true}
	s.webhooks = &webhook.Service{Store: stores.Webhooks, Documents: stores.Outbox, Secrets: clearSealer{}, Policy: policy,
		Client: policy.Client(time.Second), Clock: clock.System{}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	s.outbox = stores.Outbox
	return s.webhooks
}

// The webhook form saves the URL with the events ticked: a filter set
// through the API stays unless the boxes change it, every box is every
// kind (no list), and no box is refused in the page's language.
func TestTheWebhookFormSavesTheEventsTicked(t *testing.T) {
	s, h := testSite(t)
	hooks := withWebhooks(s)
	ctx := context.Background()
	if _, _, err := hooks.RegisterFor(ctx, ours, "http://127.0.0.1:9/hook", []delivery.Kind{delivery.Notice, delivery.Correction}); err != nil {
		t.Fatal(err)
	}
	save := func(query string, events ...delivery.Kind) (*httptest.ResponseRecorder, webhook.Endpoint) {
		t.Helper()
		form := url.Values{"url": {"http://127.0.0.1:9/moved"}}
		for _, k := range events {
			form.Add("events", string(k))
		}
		res := request(t, s, h, fromOurPage(httptest.NewRequest("POST", "https://tredjepart.example/portal/webhook"+query, strings.NewReader(form.Encode()))), ours)
		e, err := hooks.Get(ctx, ours)
		if err != nil {
			t.Fatal(err)
		}
		return res, e
	}

	// The page shows the filter the API set.
	page := request(t, s, h, httptest.NewRequest("GET", "https://tredjepart.example/portal/deliveries", nil), ours).Body.String()
	for _, k := range webhook.Events {
		ticked := strings.Contains(page, `value="`+string(k)+`" checked`)
		if want := k == delivery.Notice || k == delivery.Correction; ticked != want {
			t.Errorf("the page shows %s ticked %v, want %v", k, ticked, want)
		}
	}
	// Saved as shown, it keeps the filter.
	if res, e := save("", delivery.Correction, delivery.Notice); res.Code != http.StatusOK || e.URL != "http://127.0.0.1:9/moved" ||
		!slices.Equal(e.Events, []delivery.Kind{delivery.Correction, delivery.Notice}) {
		t.Errorf("saved as shown: %d, endpoint %s %v", res.Code, e.URL, e.Events)
	}
	if res, e := save("", delivery.Notice); res.Code != http.StatusOK || !slices.Equal(e.Events, []delivery.Kind{delivery.Notice}) {
		t.Errorf("one box: %d, events %v", res.Code, e.Events)
	}
	if res, e := save("", webhook.Events...); res.Code != http.StatusOK || e.Events != nil {
		t.Errorf("every box: %d, events %v, want none listed (every kind)", res.Code, e.Events)
	}
	for query, words := range map[string]string{"": "Velg minst én", "?lang=en": "Choose at least one"} {
		res, e := save(query)
		if body := res.Body.String(); res.Code != http.StatusUnprocessableEntity || !strings.Contains(body, `data-testid="form-error">`+words) {
			t.Errorf("no box (%q): %d\n%s", query, res.Code, body)
		}
		if e.Events != nil {
			t.Errorf("no box (%q) changed the events to %v", query, e.Events)
		}
	}
}
