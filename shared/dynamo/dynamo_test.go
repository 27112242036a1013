//go:build integration

package dynamo_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tredjepart/tredjepart/localstack/harness/testenv"
	"github.com/tredjepart/tredjepart/shared/dynamo"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/ratelimit"
	"github.com/tredjepart/tredjepart/shared/storetest"
	"github.com/tredjepart/tredjepart/shared/webhook"
	"github.com/tredjepart/tredjepart/shared/websession"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

var serial = 1000

// fresh returns a GSRN and GLN no other test uses.
func fresh(t *testing.T) (ident.GSRN, ident.GLN) {
	serial++
	mp, err := ident.GSRNWithCheckDigit(fmt.Sprintf("70705750000%06d", serial))
	if err != nil {
		t.Fatal(err)
	}
	tp, err := ident.GLNWithCheckDigit(fmt.Sprintf("70900%07d", serial))
	if err != nil {
		t.Fatal(err)
	}
	return mp, tp
}

// The contract every store implementation keeps (package storetest), here
// on moto's tables; package inmem's tests run it on the fakes.

func stores(t *testing.T) dynamo.Stores {
	env := testenv.Get(t)
	return dynamo.Open(dynamodb.NewFromConfig(env.Config), env.Stack.Tables)
}

func TestRequests(t *testing.T) {
	storetest.RunRequests(t, func(t *testing.T) storetest.Requests { return stores(t).Requests })
}

func TestGrants(t *testing.T) {
	storetest.RunGrants(t, func(t *testing.T) storetest.Grants { return stores(t).Grants })
}

func TestApproval(t *testing.T) {
	storetest.RunApproval(t, func(t *testing.T) storetest.Access {
		s := stores(t)
		return storetest.Access{Requests: s.Requests, Grants: s.Grants}
	})
}

func TestParties(t *testing.T) {
	storetest.RunParties(t, func(t *testing.T) storetest.Parties { return stores(t).Parties })
}

func TestMeteringPoints(t *testing.T) {
	storetest.RunMeteringPoints(t, func(t *testing.T) storetest.MeteringPoints { return stores(t).MeteringPoints })
}

func TestOutbox(t *testing.T) {
	storetest.RunOutbox(t, func(t *testing.T) storetest.Outbox { return stores(t).Outbox })
}

func TestWebhooks(t *testing.T) {
	storetest.RunWebhooks(t, func(t *testing.T) webhook.Store { return stores(t).Webhooks })
}

func TestMeterValues(t *testing.T) {
	storetest.RunMeterValues(t, func(t *testing.T) storetest.MeterValues { return stores(t).MeterValues })
}

func TestReadLog(t *testing.T) {
	storetest.RunReadLog(t, func(t *testing.T) storetest.ReadLog { return stores(t).ReadLog })
}

func TestSessions(t *testing.T) {
	storetest.RunSessions(t, func(t *testing.T) websession.SessionStore { return stores(t).Sessions })
}

func TestDeliveryFacts(t *testing.T) {
	storetest.RunDeliveryFacts(t, func(t *testing.T) storetest.Delivery {
		s := stores(t)
		return storetest.Delivery{Outbox: s.Outbox, Grants: s.Grants, MeteringPoints: s.MeteringPoints, MeterValues: s.MeterValues}
	})
}

func TestRateLimits(t *testing.T) {
	storetest.RunRateLimits(t, func(t *testing.T) ratelimit.Counter { return stores(t).RateLimits })
}

// BenchmarkRateLimitsTake measures the one call the rate limit adds to each
// API call: a conditional UpdateItem on moto, under the limit.
func BenchmarkRateLimitsTake(b *testing.B) {
	env := testenv.Get(b)
	counter := dynamo.Open(dynamodb.NewFromConfig(env.Config), env.Stack.Tables).RateLimits
	window := time.Unix(1_800_000_000, 0)
	for b.Loop() {
		if _, taken, err := counter.Take(context.Background(), "CLIENT#bench", window, window.Add(time.Hour), math.MaxInt32); err != nil || !taken {
			b.Fatal(taken, err)
		}
	}
}
