//go:build integration

package dynamo_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tredjepart/tredjepart/localstack/harness/testenv"
	"github.com/tredjepart/tredjepart/shared/dynamo"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/resources"
	"github.com/tredjepart/tredjepart/shared/storetest"
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

func table(t *testing.T, id string) (dynamo.API, string) {
	env := testenv.Get(t)
	return dynamodb.NewFromConfig(env.Config), env.Stack.Tables[id]
}

func TestRequests(t *testing.T) {
	storetest.RunRequests(t, func(t *testing.T) storetest.Requests {
		client, name := table(t, resources.AccessTableID)
		return &dynamo.Requests{Client: client, Table: name}
	})
}

func TestParties(t *testing.T) {
	storetest.RunParties(t, func(t *testing.T) storetest.Parties {
		client, name := table(t, resources.RegistryTableID)
		return &dynamo.Registry{Client: client, Table: name}
	})
}

func TestMeteringPoints(t *testing.T) {
	storetest.RunMeteringPoints(t, func(t *testing.T) storetest.MeteringPoints {
		client, name := table(t, resources.RegistryTableID)
		return &dynamo.Registry{Client: client, Table: name}
	})
}

func TestOutbox(t *testing.T) {
	storetest.RunOutbox(t, func(t *testing.T) storetest.Outbox { return outbox(t) })
}

func TestMeterValues(t *testing.T) {
	storetest.RunMeterValues(t, func(t *testing.T) storetest.MeterValues {
		client, name := table(t, resources.MeterValuesTableID)
		return &dynamo.MeterValues{Client: client, Table: name}
	})
}

func TestReadLog(t *testing.T) {
	storetest.RunReadLog(t, func(t *testing.T) storetest.ReadLog {
		client, name := table(t, resources.AccessTableID)
		return &dynamo.ReadLog{Client: client, Table: name}
	})
}

func TestSessions(t *testing.T) {
	storetest.RunSessions(t, func(t *testing.T) websession.SessionStore {
		client, name := table(t, resources.AccessTableID)
		return &dynamo.Sessions{Client: client, Table: name}
	})
}

func TestDeliveryFacts(t *testing.T) {
	storetest.RunDeliveryFacts(t, func(t *testing.T) storetest.Delivery {
		env := testenv.Get(t)
		client := dynamodb.NewFromConfig(env.Config)
		tables := env.Stack.Tables
		return storetest.Delivery{
			Outbox: &dynamo.Outbox{Client: client, Table: tables[resources.OutboxTableID],
				Access: tables[resources.AccessTableID], Registry: tables[resources.RegistryTableID], MeterValue: tables[resources.MeterValuesTableID]},
			Requests:       &dynamo.Requests{Client: client, Table: tables[resources.AccessTableID]},
			MeteringPoints: &dynamo.Registry{Client: client, Table: tables[resources.RegistryTableID]},
			MeterValues:    &dynamo.MeterValues{Client: client, Table: tables[resources.MeterValuesTableID]},
		}
	})
}
