package dynamo

import "github.com/tredjepart/tredjepart/shared/resources"

// store is what every aggregate's store holds: the client, and the name of
// the table its items live in.
type store struct {
	client API
	table  string
}

// Stores are the aggregates' stores, each over the table that holds it;
// several share a table, and all share one client.
type Stores struct {
	Requests       *Requests
	Grants         *Grants
	MeteringPoints *MeteringPoints
	Parties        *Parties
	MeterValues    *MeterValues
	Outbox         *Outbox
	Webhooks       *Webhooks
	ReadLog        *ReadLog
	Sessions       *Sessions
	RateLimits     *RateLimits
}

// Open opens every aggregate's store over client, with the tables' names
// by table ID (as function.NeedTables gives them). A store whose table is
// not named fails on its first call, so a function names the tables of
// the stores it uses.
func Open(client API, tables map[string]string) Stores {
	on := func(id string) store { return store{client: client, table: tables[id]} }
	access, reg := on(resources.AccessTableID), on(resources.RegistryTableID)
	outbox := on(resources.OutboxTableID)
	return Stores{
		Requests:       &Requests{access},
		Grants:         &Grants{access},
		MeteringPoints: &MeteringPoints{reg},
		Parties:        &Parties{reg},
		MeterValues:    &MeterValues{on(resources.MeterValuesTableID)},
		Outbox: &Outbox{store: outbox, access: tables[resources.AccessTableID],
			registry: tables[resources.RegistryTableID], meterValues: tables[resources.MeterValuesTableID]},
		Webhooks:   &Webhooks{outbox},
		ReadLog:    &ReadLog{access},
		Sessions:   &Sessions{access},
		RateLimits: &RateLimits{on(resources.RateLimitsTableID)},
	}
}
