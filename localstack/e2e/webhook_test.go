//go:build integration

package e2e_test

// Webhooks: the push service on moto with a real HTTP receiver, and a
// clock and queue the test drives, so three days of retries take a moment.

import (
	"container/heap"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tredjepart/tredjepart/localstack/harness/testenv"
	"github.com/tredjepart/tredjepart/shared/awsjson"
	"github.com/tredjepart/tredjepart/shared/delivery"
	"github.com/tredjepart/tredjepart/shared/dynamo"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/resources"
	"github.com/tredjepart/tredjepart/shared/seal"
	"github.com/tredjepart/tredjepart/shared/stdwebhook"
	"github.com/tredjepart/tredjepart/shared/webhook"
)

// manualClock is a clock the test moves.
type manualClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *manualClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *manualClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.now) {
		c.now = t
	}
}

// timedQueue is the push queue with its delays kept as due times.
type timedQueue struct {
	clock *manualClock
	items dueHeap
}

type due struct {
	at time.Time
	m  webhook.Message
}

type dueHeap []due

func (h dueHeap) Len() int           { return len(h) }
func (h dueHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h dueHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *dueHeap) Push(x any)        { *h = append(*h, x.(due)) }
func (h *dueHeap) Pop() any          { old := *h; x := old[len(old)-1]; *h = old[:len(old)-1]; return x }

func (q *timedQueue) Enqueue(_ context.Context, m webhook.Message, delay time.Duration) error {
	if delay > webhook.MaxDelay {
		return fmt.Errorf("delay %s is longer than SQS allows", delay)
	}
	heap.Push(&q.items, due{q.clock.Now().Add(delay), m})
	return nil
}

// run delivers queued messages in due order, moving the clock, until none is left.
func (q *timedQueue) run(t *testing.T, svc *webhook.Service) int {
	t.Helper()
	n := 0
	for q.items.Len() > 0 {
		next := heap.Pop(&q.items).(due)
		q.clock.set(next.at)
		if err := svc.Dispatch(context.Background(), next.m); err != nil {
			t.Fatal(err)
		}
		if n++; n > 10000 {
			t.Fatal("the queue never empties")
		}
	}
	return n
}

type webhookWorld struct {
	svc   *webhook.Service
	store *dynamo.Outbox
	queue *timedQueue
	clock *manualClock
	tp    ident.GLN
	docs  int
}

var nextWebhookParty int

func newWebhookWorld(t *testing.T) *webhookWorld {
	t.Helper()
	env := testenv.Get(t)
	nextWebhookParty++
	tp, err := ident.GLNWithCheckDigit(fmt.Sprintf("70900009%04d", nextWebhookParty))
	if err != nil {
		t.Fatal(err)
	}
	clk := &manualClock{now: time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)}
	stores := dynamo.Open(dynamodb.NewFromConfig(env.Config), env.Stack.Tables)
	queue := &timedQueue{clock: clk}
	policy := stdwebhook.Policy{AllowLoopback: true, AllowHTTP: true}
	box := seal.Box{Client: awsjson.New(env.Config, awsjson.KMS), KeyID: env.Stack.Keys[resources.WebhookSecretsKeyID]}
	svc := &webhook.Service{Store: stores.Webhooks, Documents: stores.Outbox, ThirdParties: stores.Parties, Secrets: box, Queue: queue, Policy: policy, Client: policy.Client(300 * time.Millisecond), Clock: clk, Logger: quiet}
	return &webhookWorld{svc: svc, store: stores.Outbox, queue: queue, clock: clk, tp: tp}
}

// documents puts n documents in the outbox and announces them.
func (w *webhookWorld) documents(t *testing.T, n int) []string {
	t.Helper()
	var ids []string
	for range n {
		w.docs++
		id := fmt.Sprintf("meter-values:test-%s:%d:r1", w.tp, w.docs)
		if _, err := w.store.Put(context.Background(), delivery.Document{ID: id, ThirdParty: w.tp, Kind: delivery.DailySeries,
			CreatedAt: w.clock.Now(), Body: []byte(fmt.Sprintf(`{"documentId":%q}`, id))}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := w.svc.Announce(context.Background(), w.tp, ids...); err != nil {
		t.Fatal(err)
	}
	return ids
}

// receiver verifies every push and answers with respond(n), n counting its requests.
type receiver struct {
	mu       sync.Mutex
	secrets  []stdwebhook.Secret
	clock    *manualClock
	requests int
	accepted map[string]int // by webhook-id
	bodies   map[string]string
	bad      []string
}

func newReceiver(t *testing.T, clock *manualClock, respond func(n int, w http.ResponseWriter)) (*receiver, string) {
	r := &receiver{clock: clock, accepted: map[string]int{}, bodies: map[string]string{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.requests++
		n := r.requests
		if err := stdwebhook.Verify(req.Header, body, r.secrets, r.clock.Now(), 0); err != nil {
			r.bad = append(r.bad, err.Error())
		}
		id := req.Header.Get(stdwebhook.HeaderID)
		if !strings.Contains(string(body), id) {
			r.bad = append(r.bad, "webhook-id "+id+" is not the document's id")
		}
		r.mu.Unlock()
		rec := httptest.NewRecorder()
		respond(n, rec)
		if rec.Code/100 == 2 {
			r.mu.Lock()
			r.accepted[id]++
			r.bodies[id] = string(body)
			r.mu.Unlock()
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
	}))
	t.Cleanup(srv.Close)
	return r, srv.URL + "/hooks/tredjepart"
}

func (w *webhookWorld) register(t *testing.T, r *receiver, url string) {
	t.Helper()
	_, text, err := w.svc.Register(context.Background(), w.tp, url)
	if err != nil {
		t.Fatal(err)
	}
	secret, err := stdwebhook.ParseSecret(text)
	if err != nil {
		t.Fatal(err)
	}
	r.secrets = append(r.secrets, secret)
}

func TestAFlakyWebhookGetsEveryDocumentOnce(t *testing.T) {
	w := newWebhookWorld(t)
	// Half the requests fail: every other one answers 500, every fourth
	// is too slow (the push times out, the receiver then answers 500).
	r, url := newReceiver(t, w.clock, func(n int, rw http.ResponseWriter) {
		switch {
		case n%4 == 0:
			time.Sleep(400 * time.Millisecond)
			rw.WriteHeader(http.StatusInternalServerError)
		case n%2 == 0:
			rw.WriteHeader(http.StatusInternalServerError)
		default:
			rw.WriteHeader(http.StatusNoContent)
		}
	})
	w.register(t, r, url)
	ids := w.documents(t, 12)
	w.queue.run(t, w.svc)

	if len(r.bad) > 0 {
		t.Fatalf("the receiver refused: %v", r.bad)
	}
	for _, id := range ids {
		if r.accepted[id] != 1 {
			t.Errorf("document %s accepted %d times", id, r.accepted[id])
		}
		if _, pushedAt, _, err := w.store.Document(context.Background(), w.tp, id); err != nil || pushedAt.IsZero() {
			t.Errorf("document %s is not marked pushed: %v", id, err)
		}
	}
	log, err := w.svc.Attempts(context.Background(), w.tp, 100)
	if err != nil || len(log) != r.requests || len(log) < 2*len(ids)-2 {
		t.Fatalf("attempt log has %d entries for %d requests and %d documents (half of them fail): %v", len(log), r.requests, len(ids), err)
	}
	timeouts := 0
	for _, a := range log {
		if a.Error == "timed out" {
			timeouts++
		}
	}
	if timeouts == 0 {
		t.Error("no attempt was logged as a timeout")
	}
}

func TestAWebhookThatNeverAnswersIsTriedForThreeDaysThenLeftToTheOutbox(t *testing.T) {
	w := newWebhookWorld(t)
	r, url := newReceiver(t, w.clock, func(_ int, rw http.ResponseWriter) { rw.WriteHeader(http.StatusBadGateway) })
	w.register(t, r, url)
	start := w.clock.Now()
	w.documents(t, 1)
	w.queue.run(t, w.svc)
	took := w.clock.Now().Sub(start)
	if took < 70*time.Hour || took > stdwebhook.RetryWindow+time.Hour || r.requests < 8 {
		t.Fatalf("%d attempts over %s", r.requests, took)
	}
	log, _ := w.svc.Attempts(context.Background(), w.tp, 1)
	if len(log) != 1 || !log[0].GaveUp {
		t.Fatalf("the last attempt does not say it gave up: %+v", log)
	}
}

func TestA410DisablesTheWebhook(t *testing.T) {
	w := newWebhookWorld(t)
	r, url := newReceiver(t, w.clock, func(_ int, rw http.ResponseWriter) { rw.WriteHeader(http.StatusGone) })
	w.register(t, r, url)
	w.documents(t, 1)
	if w.queue.run(t, w.svc); r.requests != 1 {
		t.Fatalf("%d attempts after a 410", r.requests)
	}
	e, _ := w.svc.Get(context.Background(), w.tp)
	if e.Enabled || !strings.Contains(e.DisabledReason, "410") {
		t.Fatalf("endpoint after a 410: %+v", e)
	}
	w.documents(t, 1)
	if w.queue.items.Len() != 0 {
		t.Fatal("a disabled webhook is still pushed to")
	}
	// Registering again enables it.
	if e, _, err := w.svc.Register(context.Background(), w.tp, url); err != nil || !e.Enabled || len(e.Keys) != 1 {
		t.Fatalf("re-registered: %+v %v", e, err)
	}
}

func TestRotationSignsWithBothSecretsDuringTheOverlap(t *testing.T) {
	w := newWebhookWorld(t)
	var headers []http.Header
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, req *http.Request) {
		mu.Lock()
		headers = append(headers, req.Header.Clone())
		mu.Unlock()
		rw.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	if _, _, err := w.svc.Register(context.Background(), w.tp, srv.URL); err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.svc.Rotate(context.Background(), w.tp); err != nil {
		t.Fatal(err)
	}
	w.documents(t, 1)
	w.queue.run(t, w.svc)
	w.clock.set(w.clock.Now().Add(webhook.Overlap + time.Minute))
	w.documents(t, 1)
	w.queue.run(t, w.svc)
	if len(headers) != 2 {
		t.Fatalf("%d pushes", len(headers))
	}
	during, after := strings.Fields(headers[0].Get(stdwebhook.HeaderSignature)), strings.Fields(headers[1].Get(stdwebhook.HeaderSignature))
	if len(during) != 2 || len(after) != 1 {
		t.Fatalf("signatures during the overlap %v, after it %v", during, after)
	}
}

func TestWebhookURLsArePolicedAtRegistration(t *testing.T) {
	w := newWebhookWorld(t)
	w.svc.Policy = stdwebhook.Policy{} // production
	for _, url := range []string{"http://example.com/hook", "https://10.0.0.8/hook", "https://169.254.169.254/latest", "https://[::1]/hook", "https://user:pw@example.com/"} {
		if _, _, err := w.svc.Register(context.Background(), w.tp, url); err == nil {
			t.Errorf("%s was accepted", url)
		}
	}
	if _, _, err := w.svc.Register(context.Background(), w.tp, "https://hooks.example.com/tredjepart"); err != nil {
		t.Errorf("a public https URL was refused: %v", err)
	}
}
