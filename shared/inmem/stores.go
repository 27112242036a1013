package inmem

// Stores are the aggregates' in-memory stores, as dynamo.Open gives them
// over DynamoDB: the request and grant stores share one Access table, and
// the outbox reads a delivery job's facts from the grant, metering point
// and meter value stores.
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

// Open returns empty stores of every aggregate.
func Open() Stores {
	s := Stores{
		MeteringPoints: NewMeteringPoints(), Parties: NewParties(), MeterValues: NewMeterValues(),
		Outbox: NewOutbox(), Webhooks: NewWebhooks(), ReadLog: NewReadLog(), Sessions: NewSessions(),
		RateLimits: NewRateLimits(),
	}
	s.Requests, s.Grants = NewAccess()
	s.Outbox.Grants, s.Outbox.MeteringPoints, s.Outbox.MeterValues = s.Grants, s.MeteringPoints, s.MeterValues
	return s
}
