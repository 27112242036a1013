package inmem_test

import (
	"testing"

	"github.com/tredjepart/tredjepart/shared/inmem"
	"github.com/tredjepart/tredjepart/shared/storetest"
	"github.com/tredjepart/tredjepart/shared/websession"
)

func TestRequests(t *testing.T) {
	storetest.RunRequests(t, func(*testing.T) storetest.Requests { return inmem.NewRequests() })
}

func TestParties(t *testing.T) {
	storetest.RunParties(t, func(*testing.T) storetest.Parties { return inmem.NewRegistry() })
}

func TestMeteringPoints(t *testing.T) {
	storetest.RunMeteringPoints(t, func(*testing.T) storetest.MeteringPoints { return inmem.NewRegistry() })
}

func TestOutbox(t *testing.T) {
	storetest.RunOutbox(t, func(*testing.T) storetest.Outbox { return inmem.NewOutbox() })
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
		outbox, requests, reg, values := inmem.NewOutbox(), inmem.NewRequests(), inmem.NewRegistry(), inmem.NewMeterValues()
		outbox.Access, outbox.Registry, outbox.MeterValues = requests, reg, values
		return storetest.Delivery{Outbox: outbox, Requests: requests, MeteringPoints: reg, MeterValues: values}
	})
}
