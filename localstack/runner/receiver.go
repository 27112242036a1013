package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/tredjepart/tredjepart/localstack/identity/issuer"
	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/resources"
	"github.com/tredjepart/tredjepart/shared/stdwebhook"
)

// receiver is a demo third party's webhook endpoint: it verifies each push
// the way a third party should and shows what arrived.
type receiver struct {
	mu       sync.Mutex
	clock    clock.Clock
	secrets  []stdwebhook.Secret
	received []arrival
}

type arrival struct {
	At       string `json:"at"`
	ID       string `json:"webhookId"`
	Verified bool   `json:"verified"`
	Problem  string `json:"problem,omitempty"`
	Bytes    int    `json:"bytes"`
}

// maxArrivals is how many arrivals the receiver keeps, newest first.
const maxArrivals = 100

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method == http.MethodGet {
		r.mu.Lock()
		defer r.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		received := r.received
		if received == nil {
			received = []arrival{} // [] in JSON, not null
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"received": received})
		return
	}
	body, _ := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	r.mu.Lock()
	defer r.mu.Unlock()
	a := arrival{At: time.Now().UTC().Format(time.RFC3339), ID: req.Header.Get(stdwebhook.HeaderID), Bytes: len(body)}
	if err := stdwebhook.Verify(req.Header, body, r.secrets, r.clock.Now(), 0); err != nil {
		a.Problem = err.Error()
		w.WriteHeader(http.StatusUnauthorized)
	} else {
		a.Verified = true
		w.WriteHeader(http.StatusNoContent)
	}
	r.received = append([]arrival{a}, r.received[:min(len(r.received), maxArrivals-1)]...)
}

// forget drops what arrived and the secrets: a reset registers the
// webhook again, with a new secret.
func (r *receiver) forget() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secrets, r.received = nil, nil
}

// registerWebhook registers the receiver as the third party's webhook
// through the API, as a third party would, and keeps the secret it gets.
func (s *stack) registerWebhook(iss *issuer.Issuer, tp registry.ThirdParty, r *receiver, url string) error {
	token, err := iss.Token(tp.ClientIDs[0], []string{resources.ThirdPartyScope}, Audience, time.Minute)
	if err != nil {
		return err
	}
	req, _ := http.NewRequest(http.MethodPut, fmt.Sprintf("http://127.0.0.1:%d/v1/webhook", s.opts.gatewayPort), strings.NewReader(fmt.Sprintf(`{"url":%q}`, url)))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("register the demo webhook: %w", err)
	}
	defer res.Body.Close()
	var body struct{ Secret string }
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil || res.StatusCode != http.StatusOK {
		return fmt.Errorf("register the demo webhook: %s", res.Status)
	}
	secret, err := stdwebhook.ParseSecret(body.Secret)
	if err != nil {
		return err
	}
	r.mu.Lock()
	r.secrets = append(r.secrets, secret)
	r.mu.Unlock()
	return nil
}
