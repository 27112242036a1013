package inmem_test

import (
	"testing"

	"github.com/tredjepart/tredjepart/shared/inmem"
	"github.com/tredjepart/tredjepart/shared/ratelimit"
	"github.com/tredjepart/tredjepart/shared/storetest"
	"github.com/tredjepart/tredjepart/shared/webhook"
	"github.com/tredjepart/tredjepart/shared/websession"
)

func TestRequests(t *testing.T) {
	storetest.RunRequests(t, func(*testing.T) storetest.Requests { return inmem.Open().Requests })
}

func TestGrants(t *testing.T) {
	storetest.RunGrants(t, func(*testing.T) storetest.Grants { return inmem.Open().Grants })
}

func TestApproval(t *testing.T) {
	storetest.RunApproval(t, func(*testing.T) storetest.Access {
		requests, grants := inmem.NewAccess()
		return storetest.Access{Requests: requests, Grants: grants}
	})
}

func TestParties(t *testing.T) {
	storetest.RunParties(t, func(*testing.T) storetest.Parties { return inmem.NewParties() })
}

func TestMeteringPoints(t *testing.T) {
	storetest.RunMeteringPoints(t, func(*testing.T) storetest.MeteringPoints { return inmem.NewMeteringPoints() })
}

func TestOutbox(t *testing.T) {
	storetest.RunOutbox(t, func(*testing.T) storetest.Outbox { return inmem.NewOutbox() })
}

func TestWebhooks(t *testing.T) {
	storetest.RunWebhooks(t, func(*testing.T) webhook.Store { return inmem.NewWebhooks() })
}

func TestMeterValues(t *testing.T) {
	storetest.RunMeterValues(t, func(*testing.T) storetest.MeterValues { return inmem.NewMeterValues() })
}

func TestReadLog(t *testing.T) {
	storetest.RunReadLog(t, func(*testing.T) storetest.ReadLog { return inmem.NewReadLog() })
}

func TestSessions(t *testing.T) {
	storetest.RunSessions(t, func(*testing.T) websession.SessionStore { return inmem.NewSessions() })
}

func TestDeliveryFacts(t *testing.T) {
	storetest.RunDeliveryFacts(t, func(*testing.T) storetest.Delivery {
		s := inmem.Open()
		return storetest.Delivery{Outbox: s.Outbox, Grants: s.Grants, MeteringPoints: s.MeteringPoints, MeterValues: s.MeterValues}
	})
}

func TestRateLimits(t *testing.T) {
	storetest.RunRateLimits(t, func(*testing.T) ratelimit.Counter { return inmem.NewRateLimits() })
}
