// Package metrics is an adapter: Tredjepart's business metrics as CloudWatch
// Embedded Metric Format (EMF), one JSON line on the function's log per
// event, which CloudWatch Logs turns into metrics in Namespace. No library
// and no API call: the line is the metric.
//
// Domain code takes a Sink and counts what happened where it happens; the
// names below are the catalogue the dashboard and the alarms (infra/) read.
// Dimensions are small fixed sets of words: never a metering point, a party
// or a person.
package metrics

import (
	"context"
	"log/slog"
	"maps"
	"sync"
	"time"
)

// Namespace is the CloudWatch namespace of every metric here.
const Namespace = "Tredjepart"

// Unit is CloudWatch's unit of a metric.
type Unit string

// Count is every metric's unit here: events counted.
const Count Unit = "Count"

// The metrics and their dimensions. Each is also written without its
// dimensions, so its total over every value needs no metric math.
const (
	// DocumentsDelivered: documents written to a third party's outbox, by Kind.
	DocumentsDelivered = "DocumentsDelivered"
	// DeliveryPointsDue: metering points the daily delivery put in jobs for a day.
	DeliveryPointsDue = "DeliveryPointsDue"
	// DeliveryPointsDone: metering points of those jobs done, by Outcome
	// (DueWritten, DueAlreadyWritten, DueAwaited, DueNoAccess,
	// DueOutsideWindow). The day is complete when as many are done as were
	// put in jobs; of those, DueOutsideWindow had nothing due (the fan-out
	// reads only the delivery index, which does not know a move-out).
	DeliveryPointsDone = "DeliveryPointsDone"
	// WebhookPushes: push attempts, by Outcome (Push2xx … PushError).
	WebhookPushes = "WebhookPushes"
	// WebhookFailingForAnHour: failed attempts at a document whose every
	// push has failed for an hour or more.
	WebhookFailingForAnHour = "WebhookFailingForAnHour"
	// AccessRequests: access requests created and ended, by Outcome.
	AccessRequests = "AccessRequests"
	// IngestItems: master data and meter values submitted, by Kind and
	// Outcome (Accepted, or the reason an item was rejected).
	IngestItems = "IngestItems"
	// ReadsLogged: entries appended to end users' read logs, by Kind.
	ReadsLogged = "ReadsLogged"
)

// Dimension names.
const (
	KindDimension    = "Kind"
	OutcomeDimension = "Outcome"
)

// Values of the Kind dimension of DocumentsDelivered.
const (
	KindDaily        = "daily"
	KindLate         = "late"
	KindCorrection   = "correction"
	KindMasterData   = "master-data"
	KindNotification = "notification"
	KindMeterValues  = "meter-values" // IngestItems, ReadsLogged
)

// Values of the Outcome dimension.
const (
	DueWritten        = "written"
	DueAlreadyWritten = "already-written"
	DueAwaited        = "awaited" // the day's values had not arrived: delivered late when they do
	DueNoAccess       = "no-access"
	DueOutsideWindow  = "outside-window" // active access whose giver had moved out before the day: nothing due

	Push2xx     = "2xx"
	Push4xx     = "4xx"
	Push410     = "410"
	Push5xx     = "5xx"
	PushTimeout = "timeout"
	PushRefused = "refused" // by the SSRF policy: a private, loopback or otherwise forbidden address
	PushError   = "error"   // no answer for another reason: connection refused, TLS, DNS

	RequestCreated   = "created"
	RequestApproved  = "approved"
	RequestRejected  = "rejected"
	RequestExpired   = "expired"
	RequestWithdrawn = "withdrawn"

	Accepted = "accepted"
)

// Dimension is one dimension's value.
type Dimension struct{ Name, Value string }

// Kind and Outcome are the two dimensions in use.
func Kind(v string) Dimension    { return Dimension{KindDimension, v} }
func Outcome(v string) Dimension { return Dimension{OutcomeDimension, v} }

// Sink counts events. Implementations are safe for concurrent use.
type Sink interface {
	// Add counts n events of the metric name under the dimensions given.
	Add(name string, n int, dims ...Dimension)
}

// Or is s, or a Sink that counts nothing when s is nil: a service built
// without metrics (a test, a tool) runs the same.
func Or(s Sink) Sink {
	if s == nil {
		return discard{}
	}
	return s
}

type discard struct{}

func (discard) Add(string, int, ...Dimension) {}

// EMF writes each count as one line of Embedded Metric Format through the
// function's JSON logger, at INFO: the logger's own members (time, level,
// msg, function) are members EMF ignores. A function logging above INFO
// (LOG_LEVEL) therefore writes no metrics; the stack runs at INFO.
type EMF struct {
	Logger *slog.Logger
	Now    func() time.Time // time.Now when nil
}

// Add writes the line; a count of zero or less writes nothing.
func (e *EMF) Add(name string, n int, dims ...Dimension) {
	if n <= 0 {
		return
	}
	now := time.Now
	if e.Now != nil {
		now = e.Now
	}
	attrs := make([]slog.Attr, 0, 2+len(dims))
	keys := make([]string, 0, len(dims))
	for _, d := range dims {
		attrs = append(attrs, slog.String(d.Name, d.Value))
		keys = append(keys, d.Name)
	}
	sets := [][]string{{}} // the total, without dimensions
	if len(keys) > 0 {
		sets = append(sets, keys)
	}
	attrs = append(attrs, slog.Int(name, n), slog.Any("_aws", map[string]any{
		"Timestamp": now().UnixMilli(),
		"CloudWatchMetrics": []map[string]any{{
			"Namespace":  Namespace,
			"Dimensions": sets,
			"Metrics":    []map[string]string{{"Name": name, "Unit": string(Count)}},
		}},
	}))
	e.Logger.LogAttrs(context.Background(), slog.LevelInfo, "metric", attrs...)
}

// Recorder is a Sink that keeps the counts, for tests: Counts[name][value
// of each dimension, joined by "/"] is the sum.
type Recorder struct {
	mu     sync.Mutex
	counts map[string]map[string]int
}

// Add keeps the count.
func (r *Recorder) Add(name string, n int, dims ...Dimension) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.counts == nil {
		r.counts = map[string]map[string]int{}
	}
	if r.counts[name] == nil {
		r.counts[name] = map[string]int{}
	}
	var key string
	for i, d := range dims {
		if i > 0 {
			key += "/"
		}
		key += d.Value
	}
	r.counts[name][key] += n
}

// Counts is a copy of the counts of one metric, by dimension values.
func (r *Recorder) Counts(name string) map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.counts[name])
}
