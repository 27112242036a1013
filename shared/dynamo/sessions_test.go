package dynamo_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/google/uuid"

	"github.com/tredjepart/tredjepart/localstack/harness/testenv"
	"github.com/tredjepart/tredjepart/shared/dynamo"
	"github.com/tredjepart/tredjepart/shared/resources"
)

func sessions(t *testing.T) *dynamo.Sessions {
	env := testenv.Get(t)
	return &dynamo.Sessions{Client: dynamodb.NewFromConfig(env.Config), Table: env.Stack.Tables[resources.AccessTableID]}
}

func TestASessionStandsFromStartToEnd(t *testing.T) {
	ctx := context.Background()
	store := sessions(t)
	id, now := uuid.NewString(), time.Now()
	stands := func(site, subject string, at time.Time) bool {
		t.Helper()
		ok, err := store.Stands(ctx, id, site, subject, at)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if stands("tp_session", "p1_abc", now) {
		t.Fatal("a session that was never started stands")
	}
	for range 2 { // a retried start is harmless
		if err := store.Start(ctx, id, "tp_session", "p1_abc", now.Add(30*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	if !stands("tp_session", "p1_abc", now) {
		t.Fatal("a started session does not stand")
	}
	if stands("tp_portal_session", "p1_abc", now) || stands("tp_session", "p1_other", now) {
		t.Error("a session stands for another site or subject")
	}
	if stands("tp_session", "p1_abc", now.Add(31*time.Minute)) {
		t.Error("a session stands after it expired")
	}
	if err := store.Start(ctx, id, "tp_session", "p1_other", now.Add(time.Hour)); err == nil {
		t.Error("another subject took over the session's id")
	}
	for range 2 { // a repeated logout is harmless
		if err := store.End(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if stands("tp_session", "p1_abc", now) {
		t.Fatal("an ended session stands")
	}
}
