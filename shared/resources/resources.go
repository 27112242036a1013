// Package resources is support: the one source of truth for Tredjepart's AWS resources:
// tables, keys, indexes, queues, the expiry state machine, functions and routes.
// The CDK app (infra/) and the local stack (localstack/) both build from these
// values, and a test in infra/ compares the synthesised template against them.
package resources

import (
	_ "embed"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tredjepart/tredjepart/shared/metrics"
)

// AttributeType is a DynamoDB key attribute type.
type AttributeType string

const (
	String AttributeType = "S"
	Number AttributeType = "N"
)

// Attribute names a key attribute and its type.
type Attribute struct {
	Name string
	Type AttributeType
}

// Index is a global secondary index projecting all attributes, or only the
// keys (the table's and its own) when KeysOnly.
type Index struct {
	Name         string
	PartitionKey Attribute
	SortKey      Attribute
	// KeysOnly: readers need nothing but the keys, so every write to the
	// index stays small.
	KeysOnly bool
	// Warm is the throughput the index serves from its first second.
	Warm WarmThroughput
}

// WarmThroughput is how many read and write units per second a table or an
// index serves at once, without first growing into them (DynamoDB's warm
// throughput; raising it is "pre-warming", a one-time charge). A zero figure
// is not set: a new on-demand table or index starts at 12,000 reads and 4,000
// writes a second and doubles its previous peak within about 30 minutes.
// DynamoDB never lowers warm throughput and refuses a request to, so a figure,
// once deployed, may only be raised. The local stack ignores it.
type WarmThroughput struct {
	ReadUnitsPerSecond  int
	WriteUnitsPerSecond int
}

// On-demand defaults and ceilings that warm throughput is measured against.
const (
	// A new on-demand table or index serves this much at once anyway.
	OnDemandDefaultReads  = 12_000
	OnDemandDefaultWrites = 4_000
	// The default per-table quota of an on-demand table (and of each of its
	// indexes): pre-warming above it fails until the quota is raised.
	OnDemandTableQuota = 40_000
)

// Key is a customer-managed symmetric KMS key. Its material rotates every
// year (KMS keeps the old material to decrypt what it encrypted), and it is
// kept when the stack is deleted: without it, nothing it encrypted reads.
type Key struct {
	ID          string // logical id in the CDK stack
	Alias       string // alias/<stack name>/<Alias> on AWS
	LocalAlias  string // its alias on the local stack, by which provisioning finds it again
	Description string
	// EnvVar carries the key's ARN to the functions that encrypt or decrypt
	// with it themselves; empty for a key only AWS services use.
	EnvVar string
}

// Table is an on-demand DynamoDB table with point-in-time recovery.
type Table struct {
	ID           string // logical id in the CDK stack
	LocalName    string // physical name on the local stack
	EnvVar       string // environment variable that carries the physical name to functions
	PartitionKey Attribute
	SortKey      Attribute
	Indexes      []Index
	TTLAttribute string // epoch seconds; items past it are deleted by DynamoDB
	// Stream, when set, keeps a DynamoDB stream of new and old images:
	// the changes function follows it.
	Stream bool
	// Warm is the throughput the table (not its indexes: each says its own)
	// serves from its first second.
	Warm WarmThroughput
	// Key is the ID of the Key DynamoDB encrypts the table (its indexes,
	// stream and backups) with at rest; empty is DynamoDB's AWS-owned key.
	Key string
}

// Queue is a standard SQS queue with a dead-letter queue.
type Queue struct {
	ID                string
	LocalName         string
	EnvVar            string // carries the queue URL
	VisibilityTimeout time.Duration
	Retention         time.Duration
	DeadLetter        DeadLetterQueue
}

// DeadLetterQueue receives messages that failed MaxReceiveCount times.
type DeadLetterQueue struct {
	ID              string
	LocalName       string
	MaxReceiveCount int
	Retention       time.Duration
}

// Substitution is what a ${Placeholder} in a state machine definition is
// replaced with: a table's name or a queue's URL.
type Substitution struct {
	TableName string // the ID of a Table
	QueueURL  string // the ID of a Queue
}

// Permission is one least-privilege grant of a state machine's role.
type Permission struct {
	Actions []string
	Table   string // the ID of a Table
	Queue   string // the ID of a Queue
	Key     string // the ID of a Key
}

// StateMachine is a Standard workflow whose ASL lives in this package.
type StateMachine struct {
	ID            string
	LocalName     string
	EnvVar        string // carries the state machine ARN
	Definition    string // ASL with ${Placeholder}s
	Substitutions map[string]Substitution
	Permissions   []Permission
}

// Function is one Lambda and what it may touch.
type Function struct {
	ID          string
	Dir         string   // folder under functions/ holding its main package
	Settings    []string // environment variables set per deployment (CDK context locally named the same)
	Secrets     []string // environment variables whose values come from SSM SecureString parameters: <NAME>_PARAM names the parameter
	ReadTables  []string // table IDs it reads
	WriteTables []string // table IDs it reads and writes
	SendQueues  []string // queue IDs it sends to
	// Redrives are queue IDs whose depths it reads, and whose dead-letter
	// queue it may move back to the queue: each must be in SendQueues too.
	Redrives      []string
	StateMachines []string // state machine IDs it starts and stops executions of
	Encrypts      []string // key IDs it encrypts with itself (kms:Encrypt)
	Decrypts      []string // key IDs it decrypts with itself (kms:Decrypt)
	Consumes      []Consumer
	Follows       []string      // table IDs whose streams invoke it, in order, with partial batch failures
	Timeout       time.Duration // 0 means DefaultTimeout
	Memory        int           // MB; 0 means DefaultMemory
	// Reserve, for a function that hands unfinished work on to a
	// continuation of itself, is how long before its timeout it stops and
	// does so. It must be well below the timeout (Validate): with too little
	// time left to do anything, each continuation would only hand on another.
	Reserve time.Duration
	// OnFailure, for a function invoked asynchronously, is the ID of a Queue
	// whose dead-letter queue receives an invocation that failed all of
	// Lambda's retries, so that it is seen rather than dropped.
	OnFailure string
	// FollowFailures, for a function that Follows streams, is the ID of a
	// Queue whose dead-letter queue receives the invocation record (the
	// shard and sequence numbers, not the records) of a batch the function
	// still failed when FollowRetry ran out; the shard then moves on.
	FollowFailures string
}

// StreamRetention is how long a DynamoDB stream keeps a record.
const StreamRetention = 24 * time.Hour

// StreamRetry is how a stream's event source mapping retries a batch its
// function failed before it hands the batch to the on-failure destination
// and reads on.
type StreamRetry struct {
	Attempts     int           // retries after the first invocation (Lambda's MaximumRetryAttempts)
	MaxRecordAge time.Duration // a record older than this is not retried again (MaximumRecordAge)
	Bisect       bool          // a batch that failed as a whole is split in two and each half retried
}

// FollowRetry bounds how long one bad record may hold up its shard. Without
// it Lambda retries until the stream drops the record (StreamRetention):
// every later change on the shard (late and corrected values, master data)
// waits a day behind it, and it is then lost without a trace. A record the
// function reports as failed (ReportBatchItemFailures) is retried from
// itself; a batch that failed as a whole (a crash, a timeout) is halved
// until the bad record is alone, so the records beside it go through. Ten
// retries ride out a brief outage of DynamoDB or KMS; six hours is a
// quarter of the stream's retention, so a batch given up on for its age can
// still be read from the stream for at least 18 hours after the alarm.
var FollowRetry = StreamRetry{Attempts: 10, MaxRecordAge: 6 * time.Hour, Bisect: true}

// DefaultTimeout is a function's timeout unless it says otherwise: an API
// answer or a batch of messages takes well under it.
const DefaultTimeout = 10 * time.Second

// DefaultMemory is a function's memory in MB unless it says otherwise.
const DefaultMemory = 256

// ReservedConcurrency is how many of the account's concurrent executions
// only f may use, and at most it uses: an API function's share
// (apiConcurrency), which the 09:00 delivery cannot take. 0 reserves none:
// the function shares the unreserved rest.
func (f Function) ReservedConcurrency() int { return apiConcurrency[f.ID] }

// MaxDuration is how long one invocation may run.
func (f Function) MaxDuration() time.Duration {
	if f.Timeout == 0 {
		return DefaultTimeout
	}
	return f.Timeout
}

// MemoryMB is the function's memory in MB.
func (f Function) MemoryMB() int {
	if f.Memory == 0 {
		return DefaultMemory
	}
	return f.Memory
}

// Validate refuses settings no deployment may run: Lambda's limits, and a
// reserve that is not at most half the timeout.
func (f Function) Validate() error {
	switch {
	case f.MaxDuration() < time.Second || f.MaxDuration() > 15*time.Minute || f.MaxDuration()%time.Second != 0:
		return fmt.Errorf("resources: function %s has a timeout of %v, want whole seconds from 1 s to 15 min", f.ID, f.MaxDuration())
	case f.MemoryMB() < 128 || f.MemoryMB() > 10240:
		return fmt.Errorf("resources: function %s has %d MB, want 128 to 10,240", f.ID, f.MemoryMB())
	case f.Reserve < 0 || f.Reserve > f.MaxDuration()/2:
		return fmt.Errorf("resources: function %s keeps a reserve of %v of its %v timeout, want at most half", f.ID, f.Reserve, f.MaxDuration())
	}
	for _, q := range f.Redrives {
		if !slices.Contains(f.SendQueues, q) {
			return fmt.Errorf("resources: function %s redrives queue %s, which it does not send to", f.ID, q)
		}
	}
	return nil
}

// Deployment says what a function's environment variables hold where it
// runs: CDK tokens on AWS, the local stack's names and URLs on the emulator.
type Deployment interface {
	TableName(tableID string) string
	QueueURL(queueID string) string
	StateMachineARN(stateMachineID string) string
	Setting(name string) string
	KeyARN(keyID string) string
	// SecretParameter is the name of the SSM SecureString parameter that
	// holds the secret name (see SecretParameterName).
	SecretParameter(name string) string
}

// EnvVar is one environment variable of a function.
type EnvVar struct{ Name, Value string }

// LogLevelEnv is every function's log level.
const LogLevelEnv = "LOG_LEVEL"

// SecretParameterSuffix: a function with secret X gets X_PARAM, the name of
// the SSM parameter holding X.
const SecretParameterSuffix = "_PARAM"

// SecretParameterName is the SSM parameter that holds secret name under
// prefix: /tredjepart/cookie-keys for COOKIE_KEYS.
func SecretParameterName(prefix, name string) string {
	return prefix + "/" + strings.ReplaceAll(strings.ToLower(name), "_", "-")
}

// Environment is the whole environment f is given by its deployment (the
// Lambda runtime adds its own): its log level, settings, secrets' parameters,
// the names, URLs and ARNs of the tables, queues and state machines it uses,
// and the ARNs of the keys it encrypts or decrypts with. Both the CDK app and
// the local stack build a function's environment from this and nothing else.
// It panics if two sources claim one name or a source names a resource that
// does not exist.
func (f Function) Environment(d Deployment) []EnvVar {
	var env []EnvVar
	set := map[string]bool{}
	add := func(name, value string) {
		if set[name] {
			panic(fmt.Sprintf("resources: function %s sets environment variable %s twice", f.ID, name))
		}
		set[name] = true
		env = append(env, EnvVar{name, value})
	}
	add(LogLevelEnv, "INFO")
	for _, name := range f.Settings {
		add(name, d.Setting(name))
	}
	for _, name := range f.Secrets {
		add(name+SecretParameterSuffix, d.SecretParameter(name))
	}
	for _, id := range slices.Concat(f.ReadTables, f.WriteTables) {
		add(find(Tables, func(t Table) string { return t.ID }, id, f.ID).EnvVar, d.TableName(id))
	}
	for _, id := range f.SendQueues {
		add(find(Queues, func(q Queue) string { return q.ID }, id, f.ID).EnvVar, d.QueueURL(id))
	}
	for _, id := range f.StateMachines {
		add(find(StateMachines, func(m StateMachine) string { return m.ID }, id, f.ID).EnvVar, d.StateMachineARN(id))
	}
	for _, id := range f.Keys() {
		k := find(Keys, func(k Key) string { return k.ID }, id, f.ID)
		if k.EnvVar == "" {
			panic(fmt.Sprintf("resources: function %s uses key %s, which has no environment variable", f.ID, id))
		}
		add(k.EnvVar, d.KeyARN(id))
	}
	return env
}

// Keys are the IDs of the keys f encrypts or decrypts with, each once.
func (f Function) Keys() []string {
	keys := slices.Concat(f.Encrypts, f.Decrypts)
	slices.Sort(keys)
	return slices.Compact(keys)
}

// find returns the item of items with the ID id, which function fn names.
func find[T any](items []T, idOf func(T) string, id, fn string) T {
	for _, it := range items {
		if idOf(it) == id {
			return it
		}
	}
	panic(fmt.Sprintf("resources: function %s names unknown resource %q", fn, id))
}

// Consumer is a queue that invokes a function with batches of messages,
// reporting partial batch failures (failed messages return to the queue and
// end in its dead-letter queue after MaxReceiveCount receives).
type Consumer struct {
	Queue     string // the ID of a Queue
	BatchSize int
	// MaxConcurrency bounds the invocations the queue runs at once (2 to
	// 1,000; 0 is no bound but the account's), so that a full queue cannot
	// take the concurrency the APIs need.
	MaxConcurrency int
}

// deliveryConcurrency bounds the deliverers: 200 batches of 100 metering
// points, each well under a second on AWS, deliver 3 million points in
// about a minute (docs/scale.md) and leave 800 of the account's default
// 1,000 to everything else.
const deliveryConcurrency = 200

// Lambda's concurrency in an account and region.
const (
	// AccountConcurrency is Lambda's default quota. A new account may start
	// lower: the reservations below fail to deploy until it is raised.
	AccountConcurrency = 1000
	// MinUnreserved is what Lambda keeps unreserved whatever is reserved.
	MinUnreserved = 100
)

// apiConcurrency is the reserved concurrency of each function behind the
// API. An API call takes well under a second, so each figure serves at
// least that many calls a second, above the stage's throttle of a route
// (APIThrottle). The sum, 370, leaves 630 of the account's 1,000
// unreserved: the deliverers take at most 200 of them
// (deliveryConcurrency), and the fan-out, the webhook pushes, the notifier
// and the stream follower share the rest.
var apiConcurrency = map[string]int{
	IntakeFunctionID:  50,
	QueriesFunctionID: 100, // meter values: the heaviest reads
	ConsentFunctionID: 50,
	IngestFunctionID:  100, // grid companies send in bursts after each reading
	AdminFunctionID:   10,
	PortalFunctionID:  50,
	DocsFunctionID:    10, // a static page and its script, which browsers cache
}

// Throttle is the HTTP API stage's default throttling, for each route on
// its own: a steady rate of requests a second and a burst above it (API
// Gateway's token bucket). A request over it gets 429 Too Many Requests.
type Throttle struct {
	RatePerSecond float64
	Burst         int
}

// APIThrottle keeps a flood on one route from taking its function's
// reserved concurrency from every other client, far below the 10,000
// requests a second API Gateway allows an account's HTTP APIs in a region.
var APIThrottle = Throttle{RatePerSecond: 100, Burst: 200}

// Schedule invokes a function on a cron expression in a time zone
// (EventBridge Scheduler), retrying and then handing the event to a
// dead-letter queue.
type Schedule struct {
	ID            string
	Expression    string // cron(…) in Timezone
	Timezone      string
	Function      string // the ID of a Function
	RetryAttempts int
	MaxEventAge   time.Duration
	DeadLetter    string // the ID of a Queue whose dead-letter queue receives what failed
}

// AlarmTopicID is the SNS topic every Alarm notifies: the operators'. On AWS
// an e-mail address can be subscribed to it from CDK context (alarmEmail).
const AlarmTopicID = "AlarmTopic"

// AlarmMetric is what an Alarm watches.
type AlarmMetric string

const (
	// DeadLetterMessages: messages visible on Queue's dead-letter queue
	// (ApproximateNumberOfMessagesVisible, maximum over the period).
	DeadLetterMessages AlarmMetric = "DeadLetterMessages"
	// OldestMessageAge: the age in seconds of the oldest message on Queue
	// (ApproximateAgeOfOldestMessage, maximum over the period).
	OldestMessageAge AlarmMetric = "OldestMessageAge"
	// FunctionErrors: invocations of Function that failed (Errors, sum over
	// the period).
	FunctionErrors AlarmMetric = "FunctionErrors"
	// ExecutionsFailed: executions of StateMachine that failed, timed out or
	// were aborted (sum over the period).
	ExecutionsFailed AlarmMetric = "ExecutionsFailed"
	// BusinessCount: the sum of BusinessMetric, one of package metrics',
	// over all its dimensions, in the period.
	BusinessCount AlarmMetric = "BusinessCount"
	// DeliveryOutstanding: the metering points the daily delivery made due
	// in the period and did not do in it (metrics.DeliveryPointsDue −
	// metrics.DeliveryPointsDone, sums over the period).
	DeliveryOutstanding AlarmMetric = "DeliveryOutstanding"
	// APILatencyP95: the 95th percentile, in milliseconds, of the time the
	// HTTP API took to answer (AWS/ApiGateway Latency, p95 over the period).
	APILatencyP95 AlarmMetric = "APILatencyP95"
	// APIServerErrorPercent: the share of the HTTP API's answers that were
	// 5xx, in per cent (AWS/ApiGateway 5xx / Count × 100 over the period).
	APIServerErrorPercent AlarmMetric = "APIServerErrorPercent"
)

// Alarm is a CloudWatch alarm that notifies AlarmTopic when its metric
// reaches Threshold in one Period. A period without data (a queue nobody
// used for hours, a function nobody invoked) is not a breach.
type Alarm struct {
	ID          string
	Description string // what it means and what to do: the operator reads it in the notification
	Metric      AlarmMetric
	Queue       string // the ID of a Queue (DeadLetterMessages, OldestMessageAge)
	Function    string // the ID of a Function (FunctionErrors)
	// StateMachine is the ID of a StateMachine (ExecutionsFailed).
	StateMachine string
	// BusinessMetric is a metric of package metrics (BusinessCount).
	BusinessMetric string
	Threshold      float64
	Period         time.Duration
}

// alarmPeriod is every alarm's period: SQS and Lambda publish a point a
// minute, and the delivery has five.
const alarmPeriod = time.Minute

// deadLetterAlarms gives every queue's dead-letter queue an alarm on its
// first message, so that a queue added to Queues is watched without anyone
// remembering to. The description names everything that sends there.
func deadLetterAlarms(queues []Queue, functions []Function, schedules []Schedule) []Alarm {
	alarms := make([]Alarm, 0, len(queues))
	for _, q := range queues {
		sources := []string{"messages that failed " + strconv.Itoa(q.DeadLetter.MaxReceiveCount) + " receives of " + q.ID}
		for _, f := range functions {
			if f.OnFailure == q.ID {
				sources = append(sources, "invocations of "+f.ID+" that failed Lambda's retries")
			}
		}
		for _, sc := range schedules {
			if sc.DeadLetter == q.ID {
				sources = append(sources, "events of schedule "+sc.ID+" it could not deliver")
			}
		}
		var followers []string
		for _, f := range functions {
			if f.FollowFailures == q.ID {
				followers = append(followers, f.ID)
				sources = append(sources, "batches of stream records of "+strings.Join(f.Follows, " and ")+" that "+f.ID+
					" failed "+strconv.Itoa(FollowRetry.Attempts)+" retries of, or that grew older than "+strconv.FormatFloat(FollowRetry.MaxRecordAge.Hours(), 'f', -1, 64)+" hours")
			}
		}
		todo := "then redrive " + q.DeadLetter.ID + " to " + q.ID + "."
		if len(sources) > 1 {
			// An invocation record, a schedule's event or a stream batch is
			// no message of q: redriven, it would fail again.
			todo = "then redrive the messages that came from " + q.ID + " back to it"
			if len(sources) > 1+len(followers) {
				todo += ", and for an invocation or event invoke the function again"
			}
			todo += "."
		}
		if len(followers) > 0 {
			// The message names records, not their content, and the stream
			// cannot be read again from an old sequence number for long.
			todo += " A batch of stream records cannot be replayed: its DDBStreamBatchInfo names the stream, shard, first and last " +
				"sequence numbers and arrival times; find in the logs of " + strings.Join(followers, " and ") + " at that time which " +
				"metering points and days they were (for 24 h after arrival the stream still holds them: GetShardIterator " +
				"AT_SEQUENCE_NUMBER), fix the cause, and re-drive the change: send again the master data or meter " +
				"values it made (ingest API). An identical resend is stored as unchanged and sets off nothing; then tell the third " +
				"parties concerned to read those days again. Delete the message when done."
		}
		alarms = append(alarms, Alarm{
			ID: q.DeadLetter.ID + "NotEmpty",
			Description: q.DeadLetter.ID + " has messages (" + strings.Join(sources, "; ") + "). Nothing handles " +
				"them until someone does: find the cause in the logs, fix it, " + todo,
			Metric:    DeadLetterMessages,
			Queue:     q.ID,
			Threshold: 1,
			Period:    alarmPeriod,
		})
	}
	return alarms
}

// DeliveryJobsStuck: jobs are due in the outbox by 09:05; a job still
// waiting after 15 minutes means the deliverers are failing, throttled or
// not running, while the third parties are waiting.
var DeliveryJobsStuck = Alarm{
	ID: "DeliveryJobsStuck",
	Description: "The oldest message on DeliveryJobs is at least 15 minutes old: the daily delivery is late. " +
		"Look at the Delivery function's errors, throttles and logs, and at the Outbox table's throttled writes.",
	Metric:    OldestMessageAge,
	Queue:     DeliveryJobsQueueID,
	Threshold: (15 * time.Minute).Seconds(),
	Period:    alarmPeriod,
}

// FanOutFailing: the coordinator of the daily delivery failed an
// invocation. Lambda retries it twice, so this may clear by itself, but if
// it does not, no third party gets anything today.
var FanOutFailing = Alarm{
	ID: "FanOutFailing",
	Description: "An invocation of FanOut, which starts the daily delivery, failed. Lambda retries it twice; " +
		"after that it lands in FanOutShardsDLQ. Read FanOut's logs; to deliver a day again, invoke FanOut " +
		`with {"day":"YYYY-MM-DD"}.`,
	Metric:    FunctionErrors,
	Function:  FanOutFunctionID,
	Threshold: 1,
	Period:    alarmPeriod,
}

// promisePeriod is the period of the alarms on what Tredjepart promises:
// five minutes, as the promises are stated.
const promisePeriod = 5 * time.Minute

// DeliveryIncomplete: the daily delivery runs from 09:00 Oslo and is due by
// 09:05. CloudWatch's five-minute periods begin on the hour's fifths, so the
// period from 09:00 holds the whole run when it is on time: every metering
// point made due in it is done in it. Points left over mean the day was not
// complete by 09:05. (A day replayed by hand may cross a period's end and
// alarm once; the runbook says so.)
var DeliveryIncomplete = Alarm{
	ID: "DeliveryIncomplete",
	Description: "Metering points the daily delivery made due were not all done within the same five minutes: " +
		"the day was not complete by 09:05 (or a replayed day crossed a five-minute boundary). Run tredjepart-admin status " +
		"for the day's due, written and pending jobs and the dead-letter queues; see docs/operations.md, DeliveryIncomplete.",
	Metric:    DeliveryOutstanding,
	Threshold: 1,
	Period:    promisePeriod,
}

// APISlow: Elhub's consent service promises a p95 of 500 ms; so do we.
var APISlow = Alarm{
	ID: "ApiSlow",
	Description: "The HTTP API's 95th percentile latency was 500 ms or more over five minutes. The dashboard's API widgets show " +
		"the routes; look at their functions' duration, throttles and cold starts, and at DynamoDB throttling. See docs/operations.md, ApiSlow.",
	Metric:    APILatencyP95,
	Threshold: 500,
	Period:    promisePeriod,
}

// APIServerErrors: 0.1 % of answers being 5xx spends a 99.9 % promise.
var APIServerErrors = Alarm{
	ID: "ApiServerErrors",
	Description: "At least 0.1 % of the HTTP API's answers were 5xx over five minutes. The access log (ApiAccessLogs) has each " +
		"one's request id and route; the function's log has its cause under the same request id. See docs/operations.md, ApiServerErrors.",
	Metric:    APIServerErrorPercent,
	Threshold: 0.1,
	Period:    promisePeriod,
}

// WebhookEndpointFailing: a document whose every push has failed for an
// hour: its endpoint is down, refusing us, or refused by our SSRF policy.
var WebhookEndpointFailing = Alarm{
	ID: "WebhookEndpointFailing",
	Description: "A webhook push failed for a document whose every push has failed for an hour or more. tredjepart-admin status " +
		"names the third parties whose last pushes failed; the documents stay in their outboxes and pushes go on for three days. " +
		"Tell the third party. See docs/operations.md, WebhookEndpointFailing.",
	Metric:         BusinessCount,
	BusinessMetric: metrics.WebhookFailingForAnHour,
	Threshold:      1,
	Period:         promisePeriod,
}

// ExpiryFailing: an expiry execution that failed leaves a request pending
// past its deadline, and its third party never told.
var ExpiryFailing = Alarm{
	ID: "ExpiryExecutionsFailing",
	Description: "An execution of AccessRequestExpiry failed, timed out or was aborted: a request may be pending past its " +
		"deadline and its third party not told. Read the execution's history in Step Functions and the state machine's log " +
		"group; see docs/operations.md, ExpiryExecutionsFailing.",
	Metric:       ExecutionsFailed,
	StateMachine: ExpiryStateMachineID,
	Threshold:    1,
	Period:       alarmPeriod,
}

// Route is one HTTP API route and the function behind it.
type Route struct {
	Method   string
	Path     string // API Gateway syntax: /v1/access-requests/{id}
	Function string // the ID of a Function
	Scopes   []string
	Public   bool // no JWT authorizer: browser pages whose function keeps its own session
	// MaxBody is the largest body, in bytes, the route takes; 0 is
	// DefaultMaxBody. The function refuses a larger one with 413.
	MaxBody int
}

// Key is the route key API Gateway puts in events: "POST /v1/access-requests".
func (r Route) Key() string { return r.Method + " " + r.Path }

// BodyLimit is MaxBody, or DefaultMaxBody when the route sets none.
func (r Route) BodyLimit() int {
	if r.MaxBody == 0 {
		return DefaultMaxBody
	}
	return r.MaxBody
}

// Body limits. Behind API Gateway's 10 MiB (10,485,760 bytes) for a whole
// HTTP API request, Lambda takes an event of at most 6 MiB (6,291,456
// bytes) for a synchronous invocation, body and envelope together, and an
// HTTP API passes a body that is not text (a form, among others) in base64,
// a third larger. A body over a route's limit is refused by the function; a
// body whose event Lambda would not take never reaches it (see
// localstack/emulate/gateway).
const (
	// DefaultMaxBody is far more than any single access request, webhook,
	// party or page form needs.
	DefaultMaxBody = 64 << 10
	// IngestMaxBody is what an ingest call may carry: 4 MiB is 5,592,408
	// bytes in base64, which leaves about 700 KB of the event to its
	// envelope (headers are at most 10,240 bytes).
	IngestMaxBody = 4 << 20
	// LambdaMaxRequest is the largest event Lambda takes synchronously.
	LambdaMaxRequest = 6 << 20
	// LambdaMaxResponse is the largest response it returns (100 bytes more).
	LambdaMaxResponse = 6<<20 + 100
	// GatewayMaxBody is an HTTP API's payload quota.
	GatewayMaxBody = 10 << 20
)

// RouteByKey finds a route by its key.
func RouteByKey(key string) (Route, bool) {
	for _, r := range Routes {
		if r.Key() == key {
			return r, true
		}
	}
	return Route{}, false
}

// OAuth scopes a token must carry: a third party's, a grid company's or
// metering system's to submit master data and meter values, and the
// operator's to register parties.
const (
	ThirdPartyScope = "tredjepart:thirdparty"
	IngestScope     = "tredjepart:ingest"
	AdminScope      = "tredjepart:admin"
)

// Key, table, queue, state machine and function IDs.
const (
	TableKeyID               = "TableKey"
	WebhookSecretsKeyID      = "WebhookSecretsKey"
	AccessTableID            = "Access"
	RegistryTableID          = "Registry"
	MeterValuesTableID       = "MeterValues"
	OutboxTableID            = "Outbox"
	RateLimitsTableID        = "RateLimits"
	DeliveryJobsQueueID      = "DeliveryJobs"
	FanOutShardsQueueID      = "FanOutShards"
	WebhookPushesQueueID     = "WebhookPushes"
	NotificationQueueID      = "Notifications"
	ExpiryStateMachineID     = "AccessRequestExpiry"
	IntakeFunctionID         = "Intake"
	ConsentFunctionID        = "Consent"
	QueriesFunctionID        = "Queries"
	IngestFunctionID         = "Ingest"
	FanOutFunctionID         = "FanOut"
	FanOutShardFunctionID    = "FanOutShard"
	DeliveryFunctionID       = "Delivery"
	WebhookFunctionID        = "Webhook"
	NotifierFunctionID       = "Notifier"
	ChangesFunctionID        = "Changes"
	AdminFunctionID          = "Admin"
	PortalFunctionID         = "Portal"
	DocsFunctionID           = "Docs"
	ByArrivalIndexName       = "byArrival"
	ByThirdPartyIndexName    = "byThirdParty"
	ByMeteringPointIndexName = "byMeteringPoint"
	ByEndUserIndexName       = "byEndUser"
	ByKindIndexName          = "byKind"
	ByDeliveryShardIndexName = "byDeliveryShard"
)

// TableKey encrypts the tables that hold personal data. DynamoDB uses it on
// the caller's behalf, so every function that reads or writes such a table
// may use it through DynamoDB; no function uses it itself.
var TableKey = Key{
	ID:          TableKeyID,
	Alias:       "tables",
	LocalAlias:  "alias/tredjepart/tables",
	Description: "Tredjepart: encrypts the DynamoDB tables that hold personal data",
}

// WebhookSecrets encrypts the third parties' webhook signing secrets in the
// application before they are stored (package seal). It is a key of its
// own, not TableKey: every function with access to the Outbox table may use
// TableKey, and only the functions that make or sign with a secret may use
// this one.
var WebhookSecrets = Key{
	ID:          WebhookSecretsKeyID,
	Alias:       "webhook-secrets",
	LocalAlias:  "alias/tredjepart/webhook-secrets",
	Description: "Tredjepart: encrypts the webhook signing secrets",
	EnvVar:      "WEBHOOK_SECRETS_KEY_ARN",
}

// Access holds access requests, grants, idempotency records and the read log.
var Access = Table{
	ID:           AccessTableID,
	LocalName:    "tredjepart-access",
	EnvVar:       "ACCESS_TABLE",
	PartitionKey: Attribute{"pk", String},
	SortKey:      Attribute{"sk", String},
	Indexes: []Index{{
		Name:         ByThirdPartyIndexName,
		PartitionKey: Attribute{"gsi1pk", String},
		SortKey:      Attribute{"gsi1sk", String},
	}, {
		Name:         ByMeteringPointIndexName, // requests on a metering point, for its end user
		PartitionKey: Attribute{"gsi2pk", String},
		SortKey:      Attribute{"gsi2sk", String},
	}, {
		// Sparse: only active grants, one partition per third party and
		// delivery shard, for the daily fan-out's workers.
		Name:         ByDeliveryShardIndexName,
		PartitionKey: Attribute{"gsi3pk", String},
		SortKey:      Attribute{"gsi3sk", String},
		KeysOnly:     true,
	}},
	TTLAttribute: "ttl",
	Key:          TableKeyID, // requests, grants, sessions and the read log are personal data
}

// Registry holds metering points as item collections (one partition per
// metering point, one sort key per kind of fact), so master data can grow
// without a migration, and the registered parties.
var Registry = Table{
	ID:           RegistryTableID,
	LocalName:    "tredjepart-registry",
	EnvVar:       "REGISTRY_TABLE",
	PartitionKey: Attribute{"pk", String},
	SortKey:      Attribute{"sk", String},
	Indexes: []Index{{
		Name:         ByEndUserIndexName,
		PartitionKey: Attribute{"gsi1pk", String},
		SortKey:      Attribute{"gsi1sk", String},
	}, {
		Name:         ByKindIndexName, // sparse: the registered parties, by kind, without a scan
		PartitionKey: Attribute{"gsi2pk", String},
		SortKey:      Attribute{"gsi2sk", String},
	}},
	Stream: true,       // master-data changes reach the grant holders from here
	Key:    TableKeyID, // end users (pseudonymised) and addresses
}

// MeterValues holds one item per metering point per Oslo day: the whole
// day's series, so a delivery or a 3-year query reads days, not hours.
var MeterValues = Table{
	ID:           MeterValuesTableID,
	LocalName:    "tredjepart-meter-values",
	EnvVar:       "METER_VALUES_TABLE",
	PartitionKey: Attribute{"pk", String},
	SortKey:      Attribute{"sk", String},
	Stream:       true, // a day that arrives late, or is corrected, is delivered from here
	Key:          TableKeyID,
}

// The daily delivery's peak on the Outbox (docs/scale.md, "Per day, and per
// second inside the window"): 3 million metering points, one document each,
// written between 09:00 and 09:05 is 10,000 documents a second. A PT60M day's
// document item is under 1 KB (its JSON is stored gzipped), 1 WRU, and
// byArrival projects ALL, so the table and the index each take 1 WRU a
// document: 10,000 WRU/s each, two and a half times what a new on-demand table
// or index takes at once (4,000). The warm throughput is a quarter above that,
// so that the first national run starts warm instead of throttling and
// doubling its way up while 09:05 passes. PT15M documents (2 WRU) would need
// twice that, still under the 40,000 per-table quota.
const (
	nationalMeteringPoints = 3_000_000
	deliveryWindow         = 5 * time.Minute
	outboxDocumentWRU      = 1 // a PT60M day: about 750 B with its body gzipped
	// OutboxPeakWrites is the delivery's WRU/s on the Outbox table, and again on byArrival.
	OutboxPeakWrites = nationalMeteringPoints / int(deliveryWindow/time.Second) * outboxDocumentWRU
	// outboxWarmWrites is OutboxPeakWrites and a quarter: 12,500.
	outboxWarmWrites = OutboxPeakWrites * 5 / 4
)

// Outbox holds every document delivered to a third party, kept 30 days:
// one item per document, keyed by its deterministic id so that a second
// delivery of the same document is refused by a condition, and the
// byArrival index gives each third party its documents in the order they
// were written, for GET /v1/deliveries.
var Outbox = Table{
	ID:           OutboxTableID,
	LocalName:    "tredjepart-outbox",
	EnvVar:       "OUTBOX_TABLE",
	PartitionKey: Attribute{"pk", String},
	SortKey:      Attribute{"sk", String},
	Indexes: []Index{{
		Name:         ByArrivalIndexName,
		PartitionKey: Attribute{"gsi1pk", String},
		SortKey:      Attribute{"gsi1sk", String},
		Warm:         WarmThroughput{WriteUnitsPerSecond: outboxWarmWrites}, // every document is written here too
	}},
	TTLAttribute: "ttl",
	// Writes only: the feed's reads are far below the 12,000 a new table
	// serves, and so are the reads of MeterValues, Access and Registry at
	// 09:00 (5,000–5,500 RRU/s each, scale.md), which therefore set none.
	Warm: WarmThroughput{WriteUnitsPerSecond: outboxWarmWrites},
	Key:  TableKeyID, // documents carry master data and meter values
}

// RateLimits holds the API clients' call counts (package ratelimit): one
// item per client and window, one conditional UpdateItem per call, expired
// by TTL. A table of its own, so that the ingest function, which limits its
// callers too, needs no access to the Access table's grants and read log.
var RateLimits = Table{
	ID:           RateLimitsTableID,
	LocalName:    "tredjepart-rate-limits",
	EnvVar:       "RATE_LIMITS_TABLE",
	PartitionKey: Attribute{"pk", String},
	SortKey:      Attribute{"sk", String},
	TTLAttribute: "ttl",
	// Client ids and counts are no personal data, but one key for every
	// table keeps the functions' key grants as they are.
	Key: TableKeyID,
}

// RateLimitSetting is the policy of the API functions' limiter
// (ratelimit.ParsePolicy: "<calls>/<window>"), a deployment setting: CDK
// context on AWS (infra/cdk.json: 20/10s, 120 a minute), and on the local
// stack the runner's environment variable of the same name, or
// SandboxRateLimit.
const RateLimitSetting = "RATE_LIMIT"

// SandboxRateLimit is the local stack's policy: a real limit, answered as
// on AWS, but high enough for the contract run (schemathesis, one worker)
// and the benchmarks, which call far faster than an integration would.
const SandboxRateLimit = "1000/10s"

// DeliveryJobs carries the daily delivery's jobs: one third party, one day,
// up to ten metering points each.
var DeliveryJobs = Queue{
	ID:                DeliveryJobsQueueID,
	LocalName:         "tredjepart-delivery-jobs",
	EnvVar:            "DELIVERY_JOBS_QUEUE_URL",
	VisibilityTimeout: 60 * time.Second,
	Retention:         4 * 24 * time.Hour,
	DeadLetter: DeadLetterQueue{
		ID:              "DeliveryJobsDLQ",
		LocalName:       "tredjepart-delivery-jobs-dlq",
		MaxReceiveCount: 5,
		Retention:       14 * 24 * time.Hour,
	},
}

// FanOutShards carries the daily fan-out's shards: one third party, one
// day, one delivery shard of its active grants, and where in the shard to
// go on from when an earlier worker ran out of time.
var FanOutShards = Queue{
	ID:        FanOutShardsQueueID,
	LocalName: "tredjepart-fan-out-shards",
	EnvVar:    "FAN_OUT_SHARDS_QUEUE_URL",
	// Six times the worker's timeout, as AWS advises for a queue that
	// invokes a function, so retries of a throttled invocation do not
	// make the message visible again while it is still being worked on.
	VisibilityTimeout: 6 * fanOutShardTimeout,
	Retention:         4 * 24 * time.Hour,
	DeadLetter: DeadLetterQueue{
		ID:              "FanOutShardsDLQ",
		LocalName:       "tredjepart-fan-out-shards-dlq",
		MaxReceiveCount: 5,
		Retention:       14 * 24 * time.Hour,
	},
}

// WebhookPushes carries one push attempt of one outbox document each;
// a failed push is queued again, delayed, until the retry window is over.
var WebhookPushes = Queue{
	ID:                WebhookPushesQueueID,
	LocalName:         "tredjepart-webhook-pushes",
	EnvVar:            "WEBHOOK_PUSHES_QUEUE_URL",
	VisibilityTimeout: 60 * time.Second,
	Retention:         4 * 24 * time.Hour,
	DeadLetter: DeadLetterQueue{
		ID:              "WebhookPushesDLQ",
		LocalName:       "tredjepart-webhook-pushes-dlq",
		MaxReceiveCount: 5,
		Retention:       14 * 24 * time.Hour,
	},
}

// Notifications carries notifications for third parties.
var Notifications = Queue{
	ID:                NotificationQueueID,
	LocalName:         "tredjepart-notifications",
	EnvVar:            "NOTIFICATION_QUEUE_URL",
	VisibilityTimeout: 30 * time.Second,
	Retention:         14 * 24 * time.Hour,
	DeadLetter: DeadLetterQueue{
		ID:              "NotificationsDLQ",
		LocalName:       "tredjepart-notifications-dlq",
		MaxReceiveCount: 5,
		Retention:       14 * 24 * time.Hour,
	},
}

//go:embed expiry.asl.json
var expiryDefinition string

// Expiry waits until a request's expiresAt and then rejects it with EH088 if
// it is still pending, notifying the third party.
var Expiry = StateMachine{
	ID:         ExpiryStateMachineID,
	LocalName:  "tredjepart-access-request-expiry",
	EnvVar:     "EXPIRY_STATE_MACHINE_ARN",
	Definition: expiryDefinition,
	Substitutions: map[string]Substitution{
		"AccessTableName":      {TableName: AccessTableID},
		"NotificationQueueUrl": {QueueURL: NotificationQueueID},
	},
	Permissions: []Permission{
		{Actions: []string{"dynamodb:UpdateItem"}, Table: AccessTableID},
		// DynamoDB uses the Access table's key on the caller's behalf.
		{Actions: []string{"kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"}, Key: TableKeyID},
		{Actions: []string{"sqs:SendMessage"}, Queue: NotificationQueueID},
	},
}

// Intake is the third-party API for access requests.
var Intake = Function{
	ID:            IntakeFunctionID,
	Dir:           "intake",
	ReadTables:    []string{RegistryTableID},
	WriteTables:   []string{AccessTableID, RateLimitsTableID},
	StateMachines: []string{ExpiryStateMachineID},
	// The consent site's login callback, as Consent has it: a request's
	// answer links to the consent page and the redirect flow at its origin.
	Settings: []string{RateLimitSetting, "OIDC_REDIRECT_URL"},
}

// Consent is the end user's pages: log in, decide requests, change access.
var Consent = Function{
	ID:            ConsentFunctionID,
	Dir:           "consent",
	ReadTables:    []string{RegistryTableID},
	WriteTables:   []string{AccessTableID},
	SendQueues:    []string{NotificationQueueID},
	StateMachines: []string{ExpiryStateMachineID},
	Settings:      []string{"OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_REDIRECT_URL"},
	Secrets:       []string{"OIDC_CLIENT_SECRET", "PSEUDONYM_KEY", "COOKIE_KEYS"},
}

// Queries is the third-party API for master data (BRS-NO-303), meter
// values (BRS-NO-315) and the outbox; it appends every read of metering data
// to the end user's read log.
var Queries = Function{
	ID:          QueriesFunctionID,
	Dir:         "queries",
	ReadTables:  []string{RegistryTableID, MeterValuesTableID},
	WriteTables: []string{AccessTableID, OutboxTableID, RateLimitsTableID}, // the outbox for webhook settings
	SendQueues:  []string{WebhookPushesQueueID},
	Encrypts:    []string{WebhookSecretsKeyID}, // a new secret, and one stored in clear before secrets were sealed
	Settings:    []string{RateLimitSetting},
	Decrypts:    []string{WebhookSecretsKeyID}, // the secrets read again (GET /v1/webhook/secret) and the test push
}

// FanOut starts the daily delivery (BRS-NO-313): for every enabled third
// party it puts one message per delivery shard on FanOutShards; FanOutShard
// turns each into jobs for the previous Oslo day. See docs/scale.md.
var FanOut = Function{
	ID:         FanOutFunctionID,
	Dir:        "fanout",
	ReadTables: []string{RegistryTableID},
	SendQueues: []string{FanOutShardsQueueID},
	Timeout:    time.Minute, // 1,000 third parties are 1,600 batch sends
	OnFailure:  FanOutShardsQueueID,
}

// fanOutShardTimeout bounds one shard worker; a shard it cannot finish in
// time goes on in a continuation message.
const fanOutShardTimeout = 2 * time.Minute

// FanOutShard puts the jobs of one delivery shard of one third party's
// active grants on DeliveryJobs.
var FanOutShard = Function{
	ID:         FanOutShardFunctionID,
	Dir:        "fanoutshard",
	ReadTables: []string{AccessTableID, RegistryTableID},
	SendQueues: []string{DeliveryJobsQueueID, FanOutShardsQueueID},
	Consumes:   []Consumer{{Queue: FanOutShardsQueueID, BatchSize: 1}},
	Timeout:    fanOutShardTimeout,
	// A page of grants and its hundred jobs take well under a second; 20 s
	// leave time for a slow one and for sending the continuation.
	Reserve: 20 * time.Second,
}

// Delivery builds the documents of each job and writes them to the outbox.
var Delivery = Function{
	ID:          DeliveryFunctionID,
	Dir:         "delivery",
	ReadTables:  []string{AccessTableID, RegistryTableID, MeterValuesTableID},
	WriteTables: []string{OutboxTableID},
	SendQueues:  []string{WebhookPushesQueueID},
	Consumes:    []Consumer{{Queue: DeliveryJobsQueueID, BatchSize: 10, MaxConcurrency: deliveryConcurrency}},
}

// Webhook pushes outbox documents to third parties' webhooks, one per
// invocation so that a slow endpoint holds up nothing else.
var Webhook = Function{
	ID:          WebhookFunctionID,
	Dir:         "webhook",
	ReadTables:  []string{RegistryTableID}, // no push for a disabled third party
	WriteTables: []string{OutboxTableID},
	SendQueues:  []string{WebhookPushesQueueID},
	Consumes:    []Consumer{{Queue: WebhookPushesQueueID, BatchSize: 1}},
	Decrypts:    []string{WebhookSecretsKeyID}, // to sign
	// Disabling an endpoint that answered 410 rewrites it, sealing a secret
	// stored in clear before secrets were sealed.
	Encrypts: []string{WebhookSecretsKeyID},
}

// DailyDelivery starts the fan-out at 09:00 Oslo time, every day.
var DailyDelivery = Schedule{
	ID:            "DailyDelivery",
	Expression:    "cron(0 9 * * ? *)",
	Timezone:      "Europe/Oslo",
	Function:      FanOutFunctionID,
	RetryAttempts: 5,
	MaxEventAge:   2 * time.Hour,
	DeadLetter:    FanOutShardsQueueID,
}

// Ingest takes master data and meter values from grid companies and metering systems.
var Ingest = Function{
	ID:          IngestFunctionID,
	Dir:         "ingest",
	WriteTables: []string{RegistryTableID, MeterValuesTableID, RateLimitsTableID},
	Secrets:     []string{"PSEUDONYM_KEY"},
	Settings:    []string{RateLimitSetting},
}

// Notifier files the notifications about requests and grants in each third
// party's outbox, beside its deliveries, and announces them to its webhook.
var Notifier = Function{
	ID:          NotifierFunctionID,
	Dir:         "notifier",
	WriteTables: []string{OutboxTableID},
	SendQueues:  []string{WebhookPushesQueueID},
	Consumes:    []Consumer{{Queue: NotificationQueueID, BatchSize: 10}},
}

// Changes follows the MeterValues and Registry streams: a day whose values
// arrive after its delivery goes to the third parties it was due to, marked
// late; a corrected day goes again, as a correction, to every third party
// with access; changed master data goes to every third party whose level
// shows the change.
var Changes = Function{
	ID:          ChangesFunctionID,
	Dir:         "changes",
	ReadTables:  []string{AccessTableID, RegistryTableID},
	WriteTables: []string{OutboxTableID},
	SendQueues:  []string{WebhookPushesQueueID},
	Follows:     []string{MeterValuesTableID, RegistryTableID},
	// Its output's queue: the alarm on WebhookPushesDLQ tells the operator
	// what to do with such a batch.
	FollowFailures: WebhookPushesQueueID,
}

// Admin is the operator's API: register, list, update, disable and enable
// third parties and data providers (grid companies, metering systems); a
// day's delivery status, replaying a day, and redriving dead-letter queues.
var Admin = Function{
	ID:  AdminFunctionID,
	Dir: "admin",
	// The day's status: grants by delivery shard (Access) and their facts
	// as a delivery job reads them (Access, Registry, MeterValues),
	// documents written and webhook attempts (Outbox).
	ReadTables:  []string{AccessTableID, OutboxTableID, MeterValuesTableID},
	WriteTables: []string{RegistryTableID},
	// A day replayed goes to FanOutShards; a redrive sends each queue's
	// dead letters back to it.
	SendQueues: []string{FanOutShardsQueueID, DeliveryJobsQueueID, WebhookPushesQueueID, NotificationQueueID},
	Redrives:   []string{FanOutShardsQueueID, DeliveryJobsQueueID, WebhookPushesQueueID, NotificationQueueID},
	Settings:   []string{"ADMIN_OPERATOR_CLIENTS"}, // the operator's OAuth clients: no other client may call it
	// A status reads every enabled third party's grants and the day's
	// documents: more than an answer of the other APIs, within API
	// Gateway's 30 s.
	Timeout: 29 * time.Second,
}

// Portal is the third parties' web pages (Elhub's Aktørportal): staff log
// in for their organisation, ask for access, follow requests, see
// consumption and manage deliveries, through the same domain code as the API.
var Portal = Function{
	ID:            PortalFunctionID,
	Dir:           "portal",
	ReadTables:    []string{RegistryTableID, MeterValuesTableID},
	WriteTables:   []string{AccessTableID, OutboxTableID}, // requests and the read log; webhook settings
	SendQueues:    []string{WebhookPushesQueueID},
	StateMachines: []string{ExpiryStateMachineID},
	Settings:      []string{"PORTAL_OIDC_ISSUER", "PORTAL_OIDC_CLIENT_ID", "PORTAL_OIDC_REDIRECT_URL"},
	Secrets:       []string{"PORTAL_OIDC_CLIENT_SECRET", "COOKIE_KEYS"},
	Encrypts:      []string{WebhookSecretsKeyID}, // register and rotate
	Decrypts:      []string{WebhookSecretsKeyID}, // the test push
}

// Docs serves the API reference page (/docs), drawn in the browser by
// Redoc from the OpenAPI document, which it serves too (/openapi.json). It
// touches no table: its code is the bootstrap and Redoc's bundle beside it.
var Docs = Function{
	ID:  DocsFunctionID,
	Dir: "docs",
}

// Keys, Tables, Queues, StateMachines, Functions, Schedules, Alarms and
// Routes list everything the stack has.
var (
	Keys          = []Key{TableKey, WebhookSecrets}
	Tables        = []Table{Access, Registry, MeterValues, Outbox, RateLimits}
	Queues        = []Queue{Notifications, FanOutShards, DeliveryJobs, WebhookPushes}
	StateMachines = []StateMachine{Expiry}
	Functions     = []Function{Intake, Consent, Queries, Ingest, FanOut, FanOutShard, Delivery, Webhook, Notifier, Changes, Admin, Portal, Docs}
	Schedules     = []Schedule{DailyDelivery}
	// Alarms: one per dead-letter queue, derived from Queues, and the rest.
	Alarms = append(deadLetterAlarms(Queues, Functions, Schedules), DeliveryJobsStuck, FanOutFailing,
		DeliveryIncomplete, APISlow, APIServerErrors, WebhookEndpointFailing, ExpiryFailing)
	Routes = []Route{
		{Method: "POST", Path: "/v1/access-requests", Function: IntakeFunctionID, Scopes: []string{ThirdPartyScope}},
		{Method: "GET", Path: "/v1/access-requests", Function: IntakeFunctionID, Scopes: []string{ThirdPartyScope}},
		{Method: "GET", Path: "/v1/access-requests/{id}", Function: IntakeFunctionID, Scopes: []string{ThirdPartyScope}},
		{Method: "DELETE", Path: "/v1/access-requests/{id}", Function: IntakeFunctionID, Scopes: []string{ThirdPartyScope}},
		{Method: "GET", Path: "/v1/metering-points", Function: QueriesFunctionID, Scopes: []string{ThirdPartyScope}},
		{Method: "GET", Path: "/v1/metering-points/{id}", Function: QueriesFunctionID, Scopes: []string{ThirdPartyScope}},
		{Method: "GET", Path: "/v1/metering-points/{id}/meter-values", Function: QueriesFunctionID, Scopes: []string{ThirdPartyScope}},
		{Method: "GET", Path: "/v1/deliveries", Function: QueriesFunctionID, Scopes: []string{ThirdPartyScope}},
		{Method: "GET", Path: "/v1/webhook", Function: QueriesFunctionID, Scopes: []string{ThirdPartyScope}},
		{Method: "PUT", Path: "/v1/webhook", Function: QueriesFunctionID, Scopes: []string{ThirdPartyScope}},
		{Method: "DELETE", Path: "/v1/webhook", Function: QueriesFunctionID, Scopes: []string{ThirdPartyScope}},
		{Method: "POST", Path: "/v1/webhook/rotate", Function: QueriesFunctionID, Scopes: []string{ThirdPartyScope}},
		{Method: "GET", Path: "/v1/webhook/attempts", Function: QueriesFunctionID, Scopes: []string{ThirdPartyScope}},
		{Method: "GET", Path: "/v1/webhook/secret", Function: QueriesFunctionID, Scopes: []string{ThirdPartyScope}},
		{Method: "POST", Path: "/v1/webhook/test", Function: QueriesFunctionID, Scopes: []string{ThirdPartyScope}},
		{Method: "POST", Path: "/v1/ingest/master-data", Function: IngestFunctionID, Scopes: []string{IngestScope}, MaxBody: IngestMaxBody},
		{Method: "POST", Path: "/v1/ingest/meter-values", Function: IngestFunctionID, Scopes: []string{IngestScope}, MaxBody: IngestMaxBody},
		{Method: "GET", Path: "/v1/me/access-log", Function: ConsentFunctionID, Public: true},
		{Method: "GET", Path: "/v1/me/export", Function: ConsentFunctionID, Public: true},
		{Method: "GET", Path: "/login", Function: ConsentFunctionID, Public: true},
		{Method: "GET", Path: "/login/callback", Function: ConsentFunctionID, Public: true},
		{Method: "POST", Path: "/logout", Function: ConsentFunctionID, Public: true},
		{Method: "GET", Path: "/consent", Function: ConsentFunctionID, Public: true},
		{Method: "GET", Path: "/consent/logged-out", Function: ConsentFunctionID, Public: true},
		{Method: "GET", Path: "/consent/assets/{file}", Function: ConsentFunctionID, Public: true},
		{Method: "GET", Path: "/consent/requests/{id}", Function: ConsentFunctionID, Public: true},
		{Method: "POST", Path: "/consent/decisions", Function: ConsentFunctionID, Public: true},
		{Method: "GET", Path: "/consent/access", Function: ConsentFunctionID, Public: true},
		{Method: "POST", Path: "/consent/access", Function: ConsentFunctionID, Public: true},
		{Method: "GET", Path: "/authorize", Function: ConsentFunctionID, Public: true},
		{Method: "POST", Path: "/authorize", Function: ConsentFunctionID, Public: true},
		{Method: "GET", Path: "/v1/admin/third-parties", Function: AdminFunctionID, Scopes: []string{AdminScope}},
		{Method: "POST", Path: "/v1/admin/third-parties", Function: AdminFunctionID, Scopes: []string{AdminScope}},
		{Method: "GET", Path: "/v1/admin/third-parties/{gln}", Function: AdminFunctionID, Scopes: []string{AdminScope}},
		{Method: "PUT", Path: "/v1/admin/third-parties/{gln}", Function: AdminFunctionID, Scopes: []string{AdminScope}},
		{Method: "POST", Path: "/v1/admin/third-parties/{gln}/disable", Function: AdminFunctionID, Scopes: []string{AdminScope}},
		{Method: "POST", Path: "/v1/admin/third-parties/{gln}/enable", Function: AdminFunctionID, Scopes: []string{AdminScope}},
		{Method: "GET", Path: "/v1/admin/data-providers", Function: AdminFunctionID, Scopes: []string{AdminScope}},
		{Method: "POST", Path: "/v1/admin/data-providers", Function: AdminFunctionID, Scopes: []string{AdminScope}},
		{Method: "GET", Path: "/v1/admin/data-providers/{gln}", Function: AdminFunctionID, Scopes: []string{AdminScope}},
		{Method: "PUT", Path: "/v1/admin/data-providers/{gln}", Function: AdminFunctionID, Scopes: []string{AdminScope}},
		{Method: "POST", Path: "/v1/admin/data-providers/{gln}/disable", Function: AdminFunctionID, Scopes: []string{AdminScope}},
		{Method: "POST", Path: "/v1/admin/data-providers/{gln}/enable", Function: AdminFunctionID, Scopes: []string{AdminScope}},
		{Method: "GET", Path: "/v1/admin/deliveries/{day}", Function: AdminFunctionID, Scopes: []string{AdminScope}},
		{Method: "POST", Path: "/v1/admin/deliveries/{day}", Function: AdminFunctionID, Scopes: []string{AdminScope}},
		{Method: "POST", Path: "/v1/admin/queues/{queue}/redrive", Function: AdminFunctionID, Scopes: []string{AdminScope}},
		{Method: "GET", Path: "/portal", Function: PortalFunctionID, Public: true},
		{Method: "GET", Path: "/portal/login", Function: PortalFunctionID, Public: true},
		{Method: "GET", Path: "/portal/login/callback", Function: PortalFunctionID, Public: true},
		{Method: "POST", Path: "/portal/logout", Function: PortalFunctionID, Public: true},
		{Method: "GET", Path: "/portal/logged-out", Function: PortalFunctionID, Public: true},
		{Method: "GET", Path: "/portal/assets/{file}", Function: PortalFunctionID, Public: true},
		{Method: "GET", Path: "/portal/requests", Function: PortalFunctionID, Public: true},
		{Method: "POST", Path: "/portal/requests", Function: PortalFunctionID, Public: true},
		{Method: "GET", Path: "/portal/requests/new", Function: PortalFunctionID, Public: true},
		{Method: "POST", Path: "/portal/requests/{id}/withdraw", Function: PortalFunctionID, Public: true},
		{Method: "GET", Path: "/portal/metering-points", Function: PortalFunctionID, Public: true},
		{Method: "GET", Path: "/portal/metering-points/{id}", Function: PortalFunctionID, Public: true},
		{Method: "GET", Path: "/portal/metering-points/{id}/consumption", Function: PortalFunctionID, Public: true},
		{Method: "GET", Path: "/portal/deliveries", Function: PortalFunctionID, Public: true},
		{Method: "POST", Path: "/portal/webhook", Function: PortalFunctionID, Public: true},
		{Method: "POST", Path: "/portal/webhook/rotate", Function: PortalFunctionID, Public: true},
		{Method: "POST", Path: "/portal/webhook/delete", Function: PortalFunctionID, Public: true},
		{Method: "POST", Path: "/portal/webhook/test", Function: PortalFunctionID, Public: true},
		{Method: "GET", Path: "/docs", Function: DocsFunctionID, Public: true},
		{Method: "GET", Path: "/docs/{file}", Function: DocsFunctionID, Public: true},
		{Method: "GET", Path: "/openapi.json", Function: DocsFunctionID, Public: true},
	}
)

// SandboxFunctionID names what serves SandboxRoutes: the local runner
// itself, not a Lambda function.
const SandboxFunctionID = "Sandbox"

// SandboxRoutes exist only on the local stack (the sandbox), behind its
// gateway: the demo data's meaning, and putting the demo data back. The CDK
// app reads Routes, never these, so they are not deployed to AWS.
var SandboxRoutes = []Route{
	{Method: "GET", Path: "/v1/sandbox/test-data", Function: SandboxFunctionID, Public: true},
	{Method: "POST", Path: "/v1/sandbox/reset", Function: SandboxFunctionID, Scopes: []string{ThirdPartyScope, AdminScope}},
}

// Substitute replaces each ${Name} in an ASL definition with values[Name].
func Substitute(definition string, values map[string]string) string {
	pairs := make([]string, 0, 2*len(values))
	for name, value := range values {
		pairs = append(pairs, "${"+name+"}", value)
	}
	return strings.NewReplacer(pairs...).Replace(definition)
}
