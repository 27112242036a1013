package webhook_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/stdwebhook"
	"github.com/tredjepart/tredjepart/shared/webhook"
)

// A failed push that will be retried says when, the time the retry is
// queued for; the last one, given up, says nothing.
func TestAFailedAttemptSaysWhenTheNextIsDue(t *testing.T) {
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) }))
	defer receiver.Close()
	st := &store{}
	svc := service(st)
	q := &queued{}
	svc.Documents, svc.Queue = outbox{st}, q
	svc.ThirdParties = parties{tp: registry.ThirdParty{GLN: tp}}
	ctx := context.Background()
	if _, _, err := svc.Register(ctx, tp, receiver.URL); err != nil {
		t.Fatal(err)
	}
	firstTry := time.Now().Truncate(time.Second)
	if err := svc.Dispatch(ctx, webhook.Message{ThirdParty: tp, DocumentID: "doc-1", Attempt: 1, FirstTry: firstTry, NotBefore: firstTry}); err != nil {
		t.Fatal(err)
	}
	want, _ := stdwebhook.NextAttempt(1, firstTry)
	if len(st.attempts) != 1 || len(q.messages) != 1 || !st.attempts[0].NextAttemptAt.Equal(want) || !q.messages[0].NotBefore.Equal(want) {
		t.Fatalf("attempt %+v, queued %+v; want the next at %v", st.attempts, q.messages, want)
	}
	last := firstTry.Add(-stdwebhook.RetryWindow)
	if err := svc.Dispatch(ctx, webhook.Message{ThirdParty: tp, DocumentID: "doc-1", Attempt: 11, FirstTry: last, NotBefore: last}); err != nil {
		t.Fatal(err)
	}
	if a := st.attempts[1]; !a.GaveUp || !a.NextAttemptAt.IsZero() || len(q.messages) != 1 {
		t.Fatalf("the last attempt %+v, queued %d", a, len(q.messages))
	}
}
