package resources

import (
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/metrics"
	"github.com/tredjepart/tredjepart/shared/notify"
)

// idSet is the set of the IDs of items.
func idSet[T any](items []T, id func(T) string) map[string]bool {
	set := map[string]bool{}
	for _, it := range items {
		set[id(it)] = true
	}
	return set
}

func TestReferencesResolve(t *testing.T) {
	tables := idSet(Tables, func(tb Table) string { return tb.ID })
	queues := idSet(Queues, func(q Queue) string { return q.ID })
	functions := idSet(Functions, func(f Function) string { return f.ID })
	keys := idSet(Keys, func(k Key) string { return k.ID })
	for _, tb := range Tables {
		if tb.Key != "" && !keys[tb.Key] {
			t.Errorf("table %s is encrypted with unknown key %s", tb.ID, tb.Key)
		}
	}
	for _, f := range Functions {
		for _, id := range f.Keys() {
			if !keys[id] {
				t.Errorf("function %s names unknown key %s", f.ID, id)
			}
		}
		for _, id := range slices.Concat(f.ReadTables, f.WriteTables) {
			if !tables[id] {
				t.Errorf("function %s names unknown table %s", f.ID, id)
			}
		}
		if f.OnFailure != "" && !queues[f.OnFailure] {
			t.Errorf("function %s sends failed invocations to unknown queue %s", f.ID, f.OnFailure)
		}
		if f.FollowFailures != "" && !queues[f.FollowFailures] {
			t.Errorf("function %s sends failed stream records to unknown queue %s", f.ID, f.FollowFailures)
		}
	}
	for _, r := range Routes {
		if !functions[r.Function] {
			t.Errorf("route %s goes to unknown function %s", r.Key(), r.Function)
		}
	}
	for _, m := range StateMachines {
		for name, sub := range m.Substitutions {
			if (sub.TableName != "" && !tables[sub.TableName]) || (sub.QueueURL != "" && !queues[sub.QueueURL]) {
				t.Errorf("%s: ${%s} refers to nothing", m.ID, name)
			}
		}
	}
}

// The notifier tells an expiry from a decline by the reason the state
// machine sends (metrics.AccessRequests).
func TestExpiryNotifiesWithTheExpiredReason(t *testing.T) {
	for _, want := range []string{`"reason": ` + strconv.Quote(notify.ReasonExpired), `"rejectionReason": ` + strconv.Quote(accessrequest.RejectionExpired)} {
		if !strings.Contains(Expiry.Definition, want) {
			t.Errorf("the expiry's notification has no %s", want)
		}
	}
}

func TestExpiryDefinitionUsesExactlyItsSubstitutions(t *testing.T) {
	used := map[string]bool{}
	for _, m := range regexp.MustCompile(`\$\{(\w+)\}`).FindAllStringSubmatch(Expiry.Definition, -1) {
		used[m[1]] = true
	}
	for name := range Expiry.Substitutions {
		if !used[name] {
			t.Errorf("${%s} is substituted but not used", name)
		}
		delete(used, name)
	}
	for name := range used {
		t.Errorf("${%s} is used but never substituted", name)
	}
	values := map[string]string{"AccessTableName": "t", "NotificationQueueUrl": "http://q"}
	var asl map[string]any
	if err := json.Unmarshal([]byte(Substitute(Expiry.Definition, values)), &asl); err != nil {
		t.Fatalf("substituted ASL is not JSON: %v", err)
	}
	if asl["StartAt"] != "WaitUntilExpiry" {
		t.Fatalf("StartAt %v", asl["StartAt"])
	}
}

// Every queue's dead-letter queue has an alarm on its first message: a
// message there is work nobody does until an operator redrives it.
func TestEveryDeadLetterQueueHasAnAlarm(t *testing.T) {
	for _, q := range Queues {
		var found []Alarm
		for _, a := range Alarms {
			if a.Metric == DeadLetterMessages && a.Queue == q.ID {
				found = append(found, a)
			}
		}
		if len(found) != 1 {
			t.Errorf("%s: %d alarms on its dead-letter queue %s, want one", q.ID, len(found), q.DeadLetter.ID)
			continue
		}
		if a := found[0]; a.Threshold != 1 || a.Period <= 0 {
			t.Errorf("%s: alarm %s at %v per %v, want at the first message", q.ID, a.ID, a.Threshold, a.Period)
		}
	}
	// A queue added to Queues gets its alarm without anyone writing one.
	extra := Queue{ID: "Extra", DeadLetter: DeadLetterQueue{ID: "ExtraDLQ", MaxReceiveCount: 3}}
	alarms := deadLetterAlarms(append(slices.Clone(Queues), extra), Functions, Schedules)
	if !slices.ContainsFunc(alarms, func(a Alarm) bool { return a.Queue == "Extra" && a.Metric == DeadLetterMessages }) {
		t.Error("deadLetterAlarms leaves out a new queue")
	}
}

// A stream follower gives up on a record before the stream drops it (24 h),
// and hands its batch info to a dead-letter queue whose alarm tells the
// operator how to re-drive the change: a stream record cannot be replayed.
func TestStreamFollowersHandFailedRecordsToAnAlarmedQueue(t *testing.T) {
	followers := 0
	for _, f := range Functions {
		if len(f.Follows) == 0 {
			continue
		}
		followers++
		if f.FollowFailures == "" {
			t.Errorf("%s follows %v with no queue for the records it fails", f.ID, f.Follows)
			continue
		}
		i := slices.IndexFunc(Alarms, func(a Alarm) bool { return a.Metric == DeadLetterMessages && a.Queue == f.FollowFailures })
		if i < 0 {
			t.Errorf("%s: no alarm on the dead-letter queue of %s", f.ID, f.FollowFailures)
			continue
		}
		for _, want := range []string{"stream records", f.ID, "DDBStreamBatchInfo", "send again"} {
			if !strings.Contains(Alarms[i].Description, want) {
				t.Errorf("alarm %s says %q, nothing about %q", Alarms[i].ID, Alarms[i].Description, want)
			}
		}
	}
	if followers == 0 {
		t.Fatal("no function follows a stream: this test has nothing to check")
	}
	if FollowRetry.Attempts < 1 || FollowRetry.Attempts > 10_000 {
		t.Errorf("FollowRetry.Attempts = %d, want 1 to 10,000 (Lambda's range)", FollowRetry.Attempts)
	}
	if FollowRetry.MaxRecordAge < time.Minute || FollowRetry.MaxRecordAge >= StreamRetention/2 || FollowRetry.MaxRecordAge%time.Second != 0 {
		t.Errorf("FollowRetry.MaxRecordAge = %v, want whole seconds from 60 s to well under the stream's %v", FollowRetry.MaxRecordAge, StreamRetention)
	}
}

// The delivery is due at 09:05: a stuck DeliveryJobs queue must alarm, and
// so must a failing FanOut.
func TestDailyDeliveryIsWatched(t *testing.T) {
	if !slices.ContainsFunc(Alarms, func(a Alarm) bool {
		return a.Metric == OldestMessageAge && a.Queue == DeliveryJobsQueueID && a.Threshold > 0 && a.Threshold <= (15*time.Minute).Seconds()
	}) {
		t.Error("no alarm on the age of the oldest delivery job, at 15 minutes or less")
	}
	if !slices.ContainsFunc(Alarms, func(a Alarm) bool { return a.Metric == FunctionErrors && a.Function == FanOutFunctionID }) {
		t.Error("no alarm on FanOut's errors")
	}
}

// The promises the operators are asked about every morning each have an
// alarm: the day delivered by 09:05, the API's p95 under 500 ms and 5xx
// under 0.1 %, webhooks taking what is pushed, expiries running.
func TestThePromisesAreWatched(t *testing.T) {
	for _, c := range []struct {
		what string
		is   func(Alarm) bool
	}{
		{"the day's delivery not done in the five minutes from 09:00", func(a Alarm) bool {
			return a.Metric == DeliveryOutstanding && a.Period == 5*time.Minute && a.Threshold == 1
		}},
		{"API p95 of 500 ms over 5 minutes", func(a Alarm) bool {
			return a.Metric == APILatencyP95 && a.Period == 5*time.Minute && a.Threshold == 500
		}},
		{"API 5xx of 0.1 % over 5 minutes", func(a Alarm) bool {
			return a.Metric == APIServerErrorPercent && a.Period == 5*time.Minute && a.Threshold == 0.1
		}},
		{"a webhook failing every push for an hour", func(a Alarm) bool {
			return a.Metric == BusinessCount && a.BusinessMetric == metrics.WebhookFailingForAnHour && a.Threshold == 1
		}},
		{"expiry executions failing", func(a Alarm) bool {
			return a.Metric == ExecutionsFailed && a.StateMachine == ExpiryStateMachineID && a.Threshold == 1
		}},
	} {
		if !slices.ContainsFunc(Alarms, c.is) {
			t.Errorf("no alarm on %s", c.what)
		}
	}
}

func TestAlarmsAreWellFormed(t *testing.T) {
	queues := idSet(Queues, func(q Queue) string { return q.ID })
	functions := idSet(Functions, func(f Function) string { return f.ID })
	stateMachines := idSet(StateMachines, func(m StateMachine) string { return m.ID })
	ids := map[string]bool{}
	for _, a := range Alarms {
		if ids[a.ID] || a.ID == "" {
			t.Errorf("alarm id %q is empty or not unique", a.ID)
		}
		ids[a.ID] = true
		switch a.Metric {
		case DeadLetterMessages, OldestMessageAge:
			if !queues[a.Queue] || a.Function != "" {
				t.Errorf("%s watches queue %q (function %q), want a known queue only", a.ID, a.Queue, a.Function)
			}
		case FunctionErrors:
			if !functions[a.Function] || a.Queue != "" {
				t.Errorf("%s watches function %q (queue %q), want a known function only", a.ID, a.Function, a.Queue)
			}
		case ExecutionsFailed:
			if !stateMachines[a.StateMachine] || a.Queue != "" || a.Function != "" {
				t.Errorf("%s watches state machine %q (queue %q, function %q), want a known state machine only", a.ID, a.StateMachine, a.Queue, a.Function)
			}
		case BusinessCount:
			if a.BusinessMetric == "" || a.Queue != "" || a.Function != "" || a.StateMachine != "" {
				t.Errorf("%s watches business metric %q, and nothing else", a.ID, a.BusinessMetric)
			}
		case DeliveryOutstanding, APILatencyP95, APIServerErrorPercent:
			if a.Queue != "" || a.Function != "" || a.StateMachine != "" || a.BusinessMetric != "" {
				t.Errorf("%s watches %s and names a resource too", a.ID, a.Metric)
			}
		default:
			t.Errorf("%s watches %q, which the stack cannot build", a.ID, a.Metric)
		}
		// CloudWatch: periods of 10 s, 30 s or a multiple of 60 s; descriptions up to 1,024 characters.
		if a.Period != 10*time.Second && a.Period != 30*time.Second && (a.Period <= 0 || a.Period%time.Minute != 0) {
			t.Errorf("%s: period %v", a.ID, a.Period)
		}
		if a.Threshold <= 0 || a.Description == "" || len(a.Description) > 1024 {
			t.Errorf("%s: threshold %v, description of %d characters", a.ID, a.Threshold, len(a.Description))
		}
	}
}

// Warm throughput is either unset or above what a new on-demand table serves
// anyway (DynamoDB refuses less), and within the table quota; the Outbox and
// byArrival are warm enough for the national 09:00 peak.
func TestWarmThroughput(t *testing.T) {
	check := func(what string, w WarmThroughput) {
		if r := w.ReadUnitsPerSecond; r != 0 && (r < OnDemandDefaultReads || r > OnDemandTableQuota) {
			t.Errorf("%s: %d warm reads, want 0 or %d to %d", what, r, OnDemandDefaultReads, OnDemandTableQuota)
		}
		if w := w.WriteUnitsPerSecond; w != 0 && (w < OnDemandDefaultWrites || w > OnDemandTableQuota) {
			t.Errorf("%s: %d warm writes, want 0 or %d to %d", what, w, OnDemandDefaultWrites, OnDemandTableQuota)
		}
	}
	for _, tb := range Tables {
		check(tb.ID, tb.Warm)
		for _, ix := range tb.Indexes {
			check(tb.ID+"."+ix.Name, ix.Warm)
		}
	}
	if OutboxPeakWrites != 10_000 {
		t.Errorf("Outbox peak = %d WRU/s, docs/scale.md says 10,000 (PT60M, gzipped bodies)", OutboxPeakWrites)
	}
	if w := Outbox.Warm.WriteUnitsPerSecond; w < OutboxPeakWrites {
		t.Errorf("Outbox warm writes %d, below the peak %d", w, OutboxPeakWrites)
	}
	for _, ix := range Outbox.Indexes {
		if w := ix.Warm.WriteUnitsPerSecond; ix.Name == ByArrivalIndexName && w < OutboxPeakWrites {
			t.Errorf("byArrival warm writes %d, below the peak %d: a GSI that throttles throttles the table", w, OutboxPeakWrites)
		}
	}
}

// Every function's settings are ones a deployment can run, and a reserve
// of more than half the timeout — FanOutShard's 20 s under the 10 s the
// Lambda emulator once gave every function — is refused.
func TestFunctionsAreValidAndATooLargeReserveIsRefused(t *testing.T) {
	for _, f := range Functions {
		if err := f.Validate(); err != nil {
			t.Error(err)
		}
		if f.Reserve > f.MaxDuration()/2 {
			t.Errorf("%s: reserve %v of a %v timeout", f.ID, f.Reserve, f.MaxDuration())
		}
	}
	if FanOutShard.Reserve <= 0 {
		t.Error("FanOutShard keeps no reserve: a large shard would be cut off by its timeout")
	}
	for _, bad := range []Function{
		{ID: "ShortTimeout", Timeout: 10 * time.Second, Reserve: 20 * time.Second},
		{ID: "HalfAndMore", Timeout: time.Minute, Reserve: 31 * time.Second},
		{ID: "Negative", Reserve: -time.Second},
		{ID: "TooLong", Timeout: 16 * time.Minute},
		{ID: "TooSmall", Memory: 64},
		{ID: "RedrivesWithoutSending", Redrives: []string{DeliveryJobsQueueID}},
	} {
		if err := bad.Validate(); err == nil {
			t.Errorf("%+v is accepted", bad)
		}
	}
	if err := (Function{ID: "Half", Timeout: time.Minute, Reserve: 30 * time.Second}).Validate(); err != nil {
		t.Errorf("a reserve of half the timeout: %v", err)
	}
}

// naming is a Deployment whose every value says where it came from.
type naming struct{}

func (naming) TableName(id string) string       { return "table " + id }
func (naming) QueueURL(id string) string        { return "queue " + id }
func (naming) StateMachineARN(id string) string { return "state machine " + id }
func (naming) Setting(name string) string       { return "setting " + name }
func (naming) KeyARN(id string) string          { return "key " + id }
func (naming) SecretParameter(name string) string {
	return SecretParameterName("/prefix", name)
}

func TestEnvironmentIsAFunctionsOwnResourcesAndSettings(t *testing.T) {
	envOf := func(f Function) map[string]string {
		env := map[string]string{}
		for _, v := range f.Environment(naming{}) { // panics on a name set twice
			env[v.Name] = v.Value
		}
		return env
	}
	for _, f := range Functions {
		env := envOf(f)
		if env[LogLevelEnv] != "INFO" {
			t.Errorf("%s: LOG_LEVEL %q", f.ID, env[LogLevelEnv])
		}
		if want := 1 + len(f.Settings) + len(f.Secrets) + len(f.ReadTables) + len(f.WriteTables) + len(f.SendQueues) + len(f.StateMachines) + len(f.Keys()); len(env) != want {
			t.Errorf("%s: %d variables, want %d: %v", f.ID, len(env), want, env)
		}
	}
	want := map[string]string{
		LogLevelEnv:         "INFO",
		Access.EnvVar:       "table Access",
		Registry.EnvVar:     "table Registry",
		DeliveryJobs.EnvVar: "queue DeliveryJobs",
		FanOutShards.EnvVar: "queue FanOutShards",
	}
	if got := envOf(FanOutShard); !maps.Equal(got, want) {
		t.Errorf("FanOutShard: %v, want %v", got, want)
	}
	consent := envOf(Consent)
	if consent["OIDC_ISSUER"] != "setting OIDC_ISSUER" || consent["COOKIE_KEYS_PARAM"] != "/prefix/cookie-keys" ||
		consent[Expiry.EnvVar] != "state machine "+ExpiryStateMachineID || consent["COOKIE_KEYS"] != "" {
		t.Errorf("Consent: %v", consent)
	}
	// A key used to encrypt and to decrypt is one variable.
	if portal := envOf(Portal); portal[WebhookSecrets.EnvVar] != "key "+WebhookSecretsKeyID {
		t.Errorf("Portal: %v", portal)
	}
}
