package sender

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/function"
	"github.com/tredjepart/tredjepart/shared/inmem"
	"github.com/tredjepart/tredjepart/shared/metrics"
	"github.com/tredjepart/tredjepart/shared/notify"
	"github.com/tredjepart/tredjepart/shared/tracing"
	"github.com/tredjepart/tredjepart/shared/webhook"
)

// Each notification filed counts once, and tells the access requests
// approved, declined and expired apart by the rejection's machine code (the
// reason's prose is for people and may be reworded); one filed again counts
// nothing.
func TestNotificationsAreCountedOnceWithTheDecisionTheyTell(t *testing.T) {
	const tp = "7080005051286"
	stores := inmem.Open()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	var counted metrics.Recorder
	h := &NotificationHandler{Outbox: stores.Outbox, Logger: logger, Metrics: &counted,
		Webhooks: &webhook.Service{Store: stores.Webhooks, Clock: clock.System{}, Logger: logger}}
	var batch events.SQSEvent
	for i, n := range []notify.Notification{
		{NotificationID: "r1:approved", Type: notify.RequestApproved},
		{NotificationID: "r2:rejected", Type: notify.RequestRejected, ReasonCode: "EH088", RejectionReason: accessrequest.RejectionDeclined, Reason: "Declined."},
		{NotificationID: "r3:rejected", Type: notify.RequestRejected, ReasonCode: "EH088", RejectionReason: accessrequest.RejectionExpired, Reason: "Expired."},
		{NotificationID: "g1:revoked", Type: notify.GrantRevoked},
	} {
		n.ThirdPartyID, n.MeteringPointID = tp, "707057500000001015"
		body, _ := json.Marshal(n)
		batch.Records = append(batch.Records, events.SQSMessage{MessageId: string(rune('a' + i)), Body: string(body)})
	}
	for range 2 {
		if res, err := h.Handle(context.Background(), batch); err != nil || len(res.BatchItemFailures) > 0 {
			t.Fatalf("%+v %v", res, err)
		}
	}
	if got, want := counted.Counts(metrics.DocumentsDelivered), map[string]int{"notification": 4}; !maps.Equal(got, want) {
		t.Errorf("documents %v, want %v", got, want)
	}
	if got, want := counted.Counts(metrics.AccessRequests), map[string]int{"approved": 1, "rejected": 1, "expired": 1}; !maps.Equal(got, want) {
		t.Errorf("access requests %v, want %v", got, want)
	}
}

// Each push and each notification is logged under its sender's trace.
func TestEachMessageIsLoggedUnderItsOwnTrace(t *testing.T) {
	t.Setenv("_X_AMZN_TRACE_ID", "")
	headers := []string{
		"Root=1-66666666-000000000000000000000001;Parent=1111111111111111;Sampled=1",
		"Root=1-66666666-000000000000000000000002;Parent=2222222222222222;Sampled=1",
	}
	var ev events.SQSEvent
	for i, h := range headers {
		ev.Records = append(ev.Records, events.SQSMessage{MessageId: string(rune('a' + i)), Body: "not a message",
			Attributes: map[string]string{tracing.SQSAttribute: h}})
	}
	stores := inmem.Open()
	var logs bytes.Buffer
	logger := function.NewLogger(&logs, slog.LevelInfo, "sender")
	hooks := &webhook.Service{Store: stores.Webhooks, Clock: clock.System{}, Logger: logger}
	if _, err := (&WebhookHandler{Webhooks: hooks, Logger: logger}).Handle(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	if _, err := (&NotificationHandler{Outbox: stores.Outbox, Webhooks: hooks, Logger: logger}).Handle(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	var got []string
	for line := range strings.Lines(logs.String()) {
		var l map[string]any
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatal(err)
		}
		id, _ := l[tracing.LogKey].(string)
		got = append(got, id)
	}
	want := "1-66666666-000000000000000000000001 1-66666666-000000000000000000000002"
	if strings.Join(got, " ") != want+" "+want {
		t.Errorf("lines under traces %v, want %s twice", got, want)
	}
}
