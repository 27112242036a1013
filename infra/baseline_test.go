package main

import (
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/tredjepart/tredjepart/shared/resources"
)

// The security baseline (issue 12): what cdk-nag and checkov ask for that
// is real, as the template has it.

// No table can be deleted by accident, and every table can be restored to
// any second of the last 35 days.
func TestTablesHaveDeletionProtectionAndPointInTimeRecovery(t *testing.T) {
	s, tpl := synth(t)
	for _, spec := range resources.Tables {
		p := properties[struct {
			Replicas []struct {
				DeletionProtectionEnabled        bool
				PointInTimeRecoverySpecification struct{ PointInTimeRecoveryEnabled bool }
			}
		}](t, tpl, s.logicalID(s.tables[spec.ID].construct), "AWS::DynamoDB::GlobalTable")
		if len(p.Replicas) == 0 {
			t.Errorf("%s has no replica", spec.ID)
		}
		for _, r := range p.Replicas {
			if !r.DeletionProtectionEnabled {
				t.Errorf("%s: deletion protection is off", spec.ID)
			}
			if !r.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled {
				t.Errorf("%s: point-in-time recovery is off", spec.ID)
			}
		}
	}
}

// Every log group keeps its events for a bounded time: none forever.
func TestEveryLogGroupHasRetention(t *testing.T) {
	_, tpl := synth(t)
	groups := tpl.ids("AWS::Logs::LogGroup")
	// A function's, the state machine's and the API's access log.
	if want := len(resources.Functions) + len(resources.StateMachines) + 1; len(groups) != want {
		t.Errorf("%d log groups, want %d", len(groups), want)
	}
	for _, id := range groups {
		if p := properties[struct{ RetentionInDays int }](t, tpl, id, "AWS::Logs::LogGroup"); p.RetentionInDays <= 0 {
			t.Errorf("log group %s keeps its events forever", id)
		}
	}
}

// Each function behind the API has its reserved concurrency, so that the
// 09:00 delivery cannot starve it; the reservations leave Lambda's
// minimum and the deliverers' bound unreserved. Other functions reserve
// none.
func TestAPIFunctionsHaveReservedConcurrency(t *testing.T) {
	s, tpl := synth(t)
	behindAPI := map[string]bool{}
	for _, r := range resources.Routes {
		behindAPI[r.Function] = true
	}
	reserved, delivery := 0, 0
	for _, spec := range resources.Functions {
		p := properties[struct{ ReservedConcurrentExecutions *int }](t, tpl, s.logicalID(s.functions[spec.ID]), "AWS::Lambda::Function")
		switch {
		case behindAPI[spec.ID] && (p.ReservedConcurrentExecutions == nil || *p.ReservedConcurrentExecutions < 1):
			t.Errorf("%s is behind the API and reserves no concurrency", spec.ID)
		case behindAPI[spec.ID] && *p.ReservedConcurrentExecutions != spec.ReservedConcurrency():
			t.Errorf("%s reserves %d, resources says %d", spec.ID, *p.ReservedConcurrentExecutions, spec.ReservedConcurrency())
		case !behindAPI[spec.ID] && p.ReservedConcurrentExecutions != nil:
			t.Errorf("%s is not behind the API and reserves %d", spec.ID, *p.ReservedConcurrentExecutions)
		}
		if p.ReservedConcurrentExecutions != nil {
			reserved += *p.ReservedConcurrentExecutions
		}
		for _, c := range spec.Consumes {
			delivery += c.MaxConcurrency
		}
	}
	if left := resources.AccountConcurrency - reserved; left < resources.MinUnreserved+delivery {
		t.Errorf("%d reserved leave %d of %d, want at least %d (Lambda's minimum) + %d (the bounded consumers)",
			reserved, left, resources.AccountConcurrency, resources.MinUnreserved, delivery)
	}
}

// The stage throttles every route by default and logs every request,
// without the path (it holds metering point and request ids).
func TestStageThrottlesAndLogsEveryRoute(t *testing.T) {
	_, tpl := synth(t)
	stages := tpl.ids("AWS::ApiGatewayV2::Stage")
	if len(stages) != 1 {
		t.Fatalf("stages %v, want one", stages)
	}
	p := properties[struct {
		StageName            string
		AutoDeploy           bool
		DefaultRouteSettings struct {
			ThrottlingRateLimit  float64
			ThrottlingBurstLimit int
		}
		AccessLogSettings struct {
			DestinationArn any
			Format         string
		}
	}](t, tpl, stages[0], "AWS::ApiGatewayV2::Stage")
	if p.StageName != "$default" || !p.AutoDeploy {
		t.Errorf("stage %q, auto-deploy %v; want $default, true", p.StageName, p.AutoDeploy)
	}
	if got, want := p.DefaultRouteSettings.ThrottlingRateLimit, resources.APIThrottle.RatePerSecond; got != want {
		t.Errorf("rate limit %v, want %v", got, want)
	}
	if got, want := p.DefaultRouteSettings.ThrottlingBurstLimit, resources.APIThrottle.Burst; got != want {
		t.Errorf("burst limit %v, want %v", got, want)
	}
	dest := refs(p.AccessLogSettings.DestinationArn)
	if len(dest) != 1 || tpl.Resources[dest[0]].Type != "AWS::Logs::LogGroup" {
		t.Fatalf("access log destination %v, want a log group of the stack", p.AccessLogSettings.DestinationArn)
	}
	var format map[string]string
	if err := json.Unmarshal([]byte(p.AccessLogSettings.Format), &format); err != nil {
		t.Fatalf("access log format %q: %v; want one JSON object a line", p.AccessLogSettings.Format, err)
	}
	for _, want := range []string{"$context.requestId", "$context.routeKey", "$context.status", "$context.responseLatency",
		"$context.authorizer.claims.client_id", "$context.integrationErrorMessage"} {
		if !slices.Contains(slices.Collect(maps.Values(format)), want) {
			t.Errorf("access log format %q lacks %s", p.AccessLogSettings.Format, want)
		}
	}
	// No path (it holds metering point ids), no token or header, no claim
	// but the client id (a token's sub may name a person).
	for _, never := range []string{"$context.path", "$context.identity.user", "$input", "$request", "$context.authorizer.claims.sub"} {
		if strings.Contains(p.AccessLogSettings.Format, never) {
			t.Errorf("access log format %q logs %s", p.AccessLogSettings.Format, never)
		}
	}
}

// Every function logs JSON at the level its environment names (what the
// code reads where Lambda sets none), and Lambda's own lines from WARN up.
func TestFunctionsLogJSONAtTheirLevel(t *testing.T) {
	s, tpl := synth(t)
	for _, spec := range resources.Functions {
		p := properties[struct {
			Environment   struct{ Variables map[string]any }
			LoggingConfig struct {
				LogFormat, ApplicationLogLevel, SystemLogLevel string
				LogGroup                                       any
			}
		}](t, tpl, s.logicalID(s.functions[spec.ID]), "AWS::Lambda::Function")
		c := p.LoggingConfig
		if c.LogFormat != "JSON" || c.SystemLogLevel != "WARN" {
			t.Errorf("%s: log format %q, system log level %q; want JSON, WARN", spec.ID, c.LogFormat, c.SystemLogLevel)
		}
		if level := p.Environment.Variables[resources.LogLevelEnv]; c.ApplicationLogLevel == "" || c.ApplicationLogLevel != level {
			t.Errorf("%s: application log level %q, %s %v; want the same", spec.ID, c.ApplicationLogLevel, resources.LogLevelEnv, level)
		}
		if ids := refs(c.LogGroup); len(ids) != 1 || tpl.Resources[ids[0]].Type != "AWS::Logs::LogGroup" {
			t.Errorf("%s logs to %v, want its own log group", spec.ID, c.LogGroup)
		}
	}
}

// Every function a schedule invokes (asynchronously) hands an invocation
// that failed Lambda's retries to a queue, rather than dropping it.
func TestAsynchronouslyInvokedFunctionsHaveAnOnFailureDestination(t *testing.T) {
	s, tpl := synth(t)
	onFailure := map[string]bool{}
	for _, id := range tpl.ids("AWS::Lambda::EventInvokeConfig") {
		c := properties[struct {
			FunctionName      any
			DestinationConfig struct{ OnFailure struct{ Destination any } }
		}](t, tpl, id, "AWS::Lambda::EventInvokeConfig")
		dest := refs(c.DestinationConfig.OnFailure.Destination)
		if len(dest) == 1 && tpl.Resources[dest[0]].Type == "AWS::SQS::Queue" {
			for _, fn := range refs(c.FunctionName) {
				onFailure[fn] = true
			}
		}
	}
	if len(resources.Schedules) == 0 {
		t.Fatal("no schedule in resources: this test has nothing to check")
	}
	for _, sc := range resources.Schedules {
		if !onFailure[s.logicalID(s.functions[sc.Function])] {
			t.Errorf("%s is invoked by schedule %s and has no on-failure queue", sc.Function, sc.ID)
		}
	}
}

type policyStatement struct {
	Effect    string
	Principal any
	Action    any
	Resource  any
	Condition map[string]map[string]any
}

// The alarm topic is encrypted with a key of its own whose policy lets
// CloudWatch encrypt what its alarms publish (the AWS-managed SNS key does
// not), and its policy refuses anything but TLS and lets this account's
// alarms publish.
func TestAlarmTopicIsEncryptedAndOnlyTLS(t *testing.T) {
	s, tpl := synth(t)
	topicID := s.logicalID(s.alarmTopic)
	topic := properties[struct{ KmsMasterKeyId any }](t, tpl, topicID, "AWS::SNS::Topic")
	keys := refs(topic.KmsMasterKeyId)
	if len(keys) != 1 {
		t.Fatalf("topic key %v, want one key of the stack", topic.KmsMasterKeyId)
	}
	key := properties[struct {
		EnableKeyRotation bool
		KeyPolicy         struct{ Statement []policyStatement }
	}](t, tpl, keys[0], "AWS::KMS::Key")
	if !key.EnableKeyRotation {
		t.Error("the topic's key is not rotated")
	}
	cloudWatchMayEncrypt := slices.ContainsFunc(key.KeyPolicy.Statement, func(st policyStatement) bool {
		return st.Effect == "Allow" && jsonString(st.Principal) == `{"Service":"cloudwatch.amazonaws.com"}` &&
			sameElements(strs(st.Action), []string{"kms:Decrypt", "kms:GenerateDataKey*"}) &&
			st.Condition["StringEquals"]["aws:SourceAccount"] != nil
	})
	if !cloudWatchMayEncrypt {
		t.Errorf("key policy %s: want kms:Decrypt and kms:GenerateDataKey* for cloudwatch.amazonaws.com of this account", jsonString(key.KeyPolicy))
	}

	var statements []policyStatement
	for _, id := range tpl.ids("AWS::SNS::TopicPolicy") {
		p := properties[struct {
			Topics         []any
			PolicyDocument struct{ Statement []policyStatement }
		}](t, tpl, id, "AWS::SNS::TopicPolicy")
		if slices.ContainsFunc(p.Topics, func(v any) bool { return slices.Equal(refs(v), []string{topicID}) }) {
			statements = append(statements, p.PolicyDocument.Statement...)
		}
	}
	deniesPlainText := slices.ContainsFunc(statements, func(st policyStatement) bool {
		return st.Effect == "Deny" && slices.Contains([]string{`"*"`, `{"AWS":"*"}`}, jsonString(st.Principal)) && slices.Equal(strs(st.Action), []string{"sns:Publish"}) &&
			jsonString(st.Condition["Bool"]["aws:SecureTransport"]) == `"false"`
	})
	if !deniesPlainText {
		t.Errorf("topic policy %s: want a deny of sns:Publish without TLS", jsonString(statements))
	}
	alarmsMayPublish := slices.ContainsFunc(statements, func(st policyStatement) bool {
		return st.Effect == "Allow" && jsonString(st.Principal) == `{"Service":"cloudwatch.amazonaws.com"}` &&
			slices.Equal(strs(st.Action), []string{"sns:Publish"}) && st.Condition["StringEquals"]["aws:SourceAccount"] != nil
	})
	if !alarmsMayPublish {
		t.Errorf("topic policy %s: want sns:Publish for cloudwatch.amazonaws.com of this account", jsonString(statements))
	}
}

// The schedule waits for its role's policy, not for the role, which its
// RoleArn already names (cfn-lint W3005).
func TestScheduleWaitsForItsRolePolicy(t *testing.T) {
	s, tpl := synth(t)
	for _, spec := range resources.Schedules {
		sc := s.schedules[spec.ID]
		dependsOn := tpl.Resources[*s.stack.GetLogicalId(sc.construct)].DependsOn
		role := s.logicalID(sc.role)
		if slices.Contains(dependsOn, role) {
			t.Errorf("%s depends on its role %s, which its RoleArn names already", spec.ID, role)
		}
		waits := slices.ContainsFunc(dependsOn, func(id string) bool {
			if tpl.Resources[id].Type != "AWS::IAM::Policy" {
				return false
			}
			p := properties[struct{ Roles []any }](t, tpl, id, "AWS::IAM::Policy")
			return slices.ContainsFunc(p.Roles, func(r any) bool { return slices.Equal(refs(r), []string{role}) })
		})
		if !waits {
			t.Errorf("%s depends on %v, want its role's policy", spec.ID, dependsOn)
		}
	}
}

// A function's role may write its own log group and no other: no
// AWSLambdaBasicExecutionRole, which allows every log group in the account.
func TestFunctionRolesWriteOnlyTheirOwnLogGroup(t *testing.T) {
	s, tpl := synth(t)
	for _, spec := range resources.Functions {
		fn := s.functions[spec.ID]
		role := s.logicalID(fn.Role())
		if p := properties[struct{ ManagedPolicyArns []any }](t, tpl, role, "AWS::IAM::Role"); len(p.ManagedPolicyArns) > 0 {
			t.Errorf("%s: role has managed policies %v", spec.ID, jsonString(p.ManagedPolicyArns))
		}
		logGroup := refs(properties[struct{ LoggingConfig struct{ LogGroup any } }](t, tpl, s.logicalID(fn), "AWS::Lambda::Function").LoggingConfig.LogGroup)
		var onLogs []statement
		for _, st := range statements(t, tpl, role) {
			if slices.ContainsFunc(strs(st.Action), func(a string) bool { return strings.HasPrefix(a, "logs:") }) {
				onLogs = append(onLogs, st)
			}
		}
		if len(onLogs) != 1 || !sameElements(strs(onLogs[0].Action), []string{"logs:CreateLogStream", "logs:PutLogEvents"}) ||
			!slices.Equal(refs(onLogs[0].Resource), logGroup) {
			t.Errorf("%s: logs statements %s, want logs:CreateLogStream and logs:PutLogEvents on its log group %v", spec.ID, jsonString(onLogs), logGroup)
		}
	}
}

// A stream follower gives up on a batch after FollowRetry (halving a batch
// that failed as a whole) and hands its invocation record to the
// dead-letter queue resources names, which it may send to; the shard then
// reads on instead of waiting a day for the record to leave the stream.
func TestStreamFollowersHandFailedBatchesToAQueue(t *testing.T) {
	s, tpl := synth(t)
	mappings := 0
	for _, spec := range resources.Functions {
		if len(spec.Follows) == 0 {
			continue
		}
		fnID := s.logicalID(s.functions[spec.ID])
		dlqID := s.logicalID(s.queues[spec.FollowFailures].construct.DeadLetterQueue().Queue)
		for _, id := range tpl.ids("AWS::Lambda::EventSourceMapping") {
			m := properties[struct {
				FunctionName, EventSourceArn any
				DestinationConfig            struct{ OnFailure struct{ Destination any } }
				MaximumRetryAttempts         *int
				BisectBatchOnFunctionError   bool
				MaximumRecordAgeInSeconds    int
			}](t, tpl, id, "AWS::Lambda::EventSourceMapping")
			if !reflect.DeepEqual(m.FunctionName, ref(fnID)) || !slices.ContainsFunc(spec.Follows, func(table string) bool {
				return reflect.DeepEqual(m.EventSourceArn, getAtt(s.logicalID(s.tables[table].construct), "StreamArn"))
			}) {
				continue
			}
			mappings++
			if got := m.DestinationConfig.OnFailure.Destination; !reflect.DeepEqual(got, getAtt(dlqID, "Arn")) {
				t.Errorf("%s ← %v: on failure to %v, want %s", spec.ID, refs(m.EventSourceArn), got, dlqID)
			}
			if m.MaximumRetryAttempts == nil || *m.MaximumRetryAttempts != resources.FollowRetry.Attempts {
				t.Errorf("%s ← %v: MaximumRetryAttempts %v, want %d", spec.ID, refs(m.EventSourceArn), m.MaximumRetryAttempts, resources.FollowRetry.Attempts)
			}
			if !m.BisectBatchOnFunctionError {
				t.Errorf("%s ← %v: a failed batch is not bisected", spec.ID, refs(m.EventSourceArn))
			}
			if want := int(resources.FollowRetry.MaxRecordAge.Seconds()); m.MaximumRecordAgeInSeconds != want {
				t.Errorf("%s ← %v: MaximumRecordAgeInSeconds %d, want %d", spec.ID, refs(m.EventSourceArn), m.MaximumRecordAgeInSeconds, want)
			}
		}
		sends := false
		for _, st := range statements(t, tpl, s.logicalID(s.functions[spec.ID].Role())) {
			if slices.Contains(strs(st.Action), "sqs:SendMessage") && slices.Contains(refs(st.Resource), dlqID) {
				sends = true
			}
		}
		if !sends {
			t.Errorf("%s may not send to %s", spec.ID, dlqID)
		}
	}
	if mappings == 0 {
		t.Fatal("no stream event source mapping: this test has nothing to check")
	}
}
