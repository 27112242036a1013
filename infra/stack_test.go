package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/tredjepart/tredjepart/localstack/emulate/lambdaenv"
	"github.com/tredjepart/tredjepart/shared/metrics"
	"github.com/tredjepart/tredjepart/shared/resources"
)

// testIssuer, testAudience, testSecretsPrefix and testSetting's values differ
// from the defaults in cdk.json, so the template can carry them only if the
// stack takes them from context.
const (
	testIssuer        = "https://issuer.example.test/"
	testAudience      = "test-audience"
	testSecretsPrefix = "/tredjepart-test/secrets"
)

// testSetting is the context value of a function's setting in the tests.
func testSetting(name string) string { return "test value of " + name }

// testContext is the context every synthesis in the tests starts from.
func testContext(assets string) map[string]any {
	context := map[string]any{
		lambdaAssetsContext:  assets,
		jwtIssuerContext:     testIssuer,
		jwtAudienceContext:   testAudience,
		secretsPrefixContext: testSecretsPrefix,
	}
	for _, f := range resources.Functions {
		for _, name := range f.Settings {
			context[name] = testSetting(name)
		}
	}
	return context
}

// appContext is testContext with the feature flags of cdk.json, so that the
// tests see the template a deployment gets.
func appContext(assets string) (map[string]any, error) {
	defaults, err := readContext("cdk.json")
	if err != nil {
		return nil, err
	}
	context := testContext(assets)
	for key, value := range defaults {
		if strings.HasPrefix(key, "@aws-cdk") {
			context[key] = value
		}
	}
	return context, nil
}

func testAppContext(t *testing.T, assets string) map[string]any {
	t.Helper()
	context, err := appContext(assets)
	if err != nil {
		t.Fatal(err)
	}
	return context
}

// The jsii runtime starts once per test process and a synthesis takes
// seconds, so every test reads the same template.
var synthesised struct {
	sync.Once
	stack    *Tredjepart
	template cfnTemplate
	err      error
}

func synth(t *testing.T) (*Tredjepart, cfnTemplate) {
	t.Helper()
	synthesised.Do(func() {
		synthesised.stack, synthesised.template, synthesised.err = synthesise()
	})
	if synthesised.err != nil {
		t.Fatal(synthesised.err)
	}
	return synthesised.stack, synthesised.template
}

func synthesise() (*Tredjepart, cfnTemplate, error) {
	var tpl cfnTemplate
	dir, err := os.MkdirTemp("", "tredjepart-infra-test")
	if err != nil {
		return nil, tpl, err
	}
	defer os.RemoveAll(dir)
	assets, err := standInAssets(dir)
	if err != nil {
		return nil, tpl, err
	}
	context, err := appContext(assets)
	if err != nil {
		return nil, tpl, err
	}
	app := awscdk.NewApp(&awscdk.AppProps{
		Outdir:  jsii.String(filepath.Join(dir, "cdk.out")),
		Context: &context,
	})
	stack := NewTredjepart(app, stackName, nil)
	data, err := json.Marshal(assertions.Template_FromStack(stack.stack, nil).ToJSON())
	if err != nil {
		return nil, tpl, err
	}
	return stack, tpl, json.Unmarshal(data, &tpl)
}

// standInAssets writes <dir>/lambda/<fn.Dir>/bootstrap for every function and
// returns <dir>/lambda. An asset is only a directory to zip: a stand-in
// bootstrap is enough for synthesis, so tests need no cross-compiled binaries.
func standInAssets(dir string) (string, error) {
	assets := filepath.Join(dir, "lambda")
	for _, f := range resources.Functions {
		fnDir := filepath.Join(assets, f.Dir)
		if err := os.MkdirAll(fnDir, 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(fnDir, "bootstrap"), []byte("stand-in"), 0o755); err != nil {
			return "", err
		}
	}
	return assets, nil
}

type cfnTemplate struct {
	Resources map[string]cfnResource
	Outputs   map[string]any
}

type cfnResource struct {
	Type           string
	Properties     json.RawMessage
	DeletionPolicy string
	DependsOn      []string
}

// properties decodes the resource with the logical id into T, failing the
// test if it is missing or of another type.
func properties[T any](t *testing.T, tpl cfnTemplate, id, typ string) T {
	t.Helper()
	var props T
	r, ok := tpl.Resources[id]
	if !ok || r.Type != typ {
		t.Fatalf("template has no %s %s", typ, id)
	}
	if err := json.Unmarshal(r.Properties, &props); err != nil {
		t.Fatalf("%s %s: %v", typ, id, err)
	}
	return props
}

func (tpl cfnTemplate) ids(typ string) []string {
	var ids []string
	for id, r := range tpl.Resources {
		if r.Type == typ {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

// logicalID is the template id of an L2 construct's CloudFormation resource.
func (s *Tredjepart) logicalID(c constructs.IConstruct) string {
	return *s.stack.GetLogicalId(c.Node().DefaultChild().(awscdk.CfnElement))
}

func ref(id string) map[string]any { return map[string]any{"Ref": id} }

func getAtt(id, attribute string) map[string]any {
	return map[string]any{"Fn::GetAtt": []any{id, attribute}}
}

// refs lists the logical ids a template value refers to with Ref or
// Fn::GetAtt, leaving out pseudo parameters such as AWS::Region.
func refs(v any) []string {
	var found []string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if id, ok := v["Ref"].(string); ok && !strings.HasPrefix(id, "AWS::") {
				found = append(found, id)
			}
			if att, ok := v["Fn::GetAtt"].([]any); ok && len(att) > 0 {
				found = append(found, att[0].(string))
			}
			for _, child := range v {
				walk(child)
			}
		case []any:
			for _, child := range v {
				walk(child)
			}
		}
	}
	walk(v)
	sort.Strings(found)
	return slices.Compact(found)
}

// strs reads a policy's Action, which is a string or a list of them.
func strs(v any) []string {
	if s, ok := v.(string); ok {
		return []string{s}
	}
	var out []string
	for _, s := range v.([]any) {
		out = append(out, s.(string))
	}
	return out
}

// sameElements: a and b hold the same elements, in any order.
func sameElements[T any](a, b []T) bool {
	key := func(v T) string { data, _ := json.Marshal(v); return string(data) }
	as, bs := make([]string, len(a)), make([]string, len(b))
	for i := range a {
		as[i] = key(a[i])
	}
	for i := range b {
		bs[i] = key(b[i])
	}
	slices.Sort(as)
	slices.Sort(bs)
	return slices.Equal(as, bs)
}

type statement struct {
	Effect   string
	Action   any
	Resource any
}

// statements collects the statements of every policy attached to the role.
func statements(t *testing.T, tpl cfnTemplate, roleID string) []statement {
	t.Helper()
	var all []statement
	for _, id := range tpl.ids("AWS::IAM::Policy") {
		p := properties[struct {
			PolicyDocument struct{ Statement []statement }
			Roles          []any
		}](t, tpl, id, "AWS::IAM::Policy")
		if slices.ContainsFunc(p.Roles, func(r any) bool { return reflect.DeepEqual(r, ref(roleID)) }) {
			all = append(all, p.PolicyDocument.Statement...)
		}
	}
	return all
}

type keyElement struct{ AttributeName, KeyType string }

type attributeDefinition struct{ AttributeName, AttributeType string }

type cfnIndex struct {
	IndexName      string
	KeySchema      []keyElement
	Projection     struct{ ProjectionType string }
	WarmThroughput *cfnWarmThroughput
}

// cfnWarmThroughput is a table's or an index's WarmThroughput; a figure
// resources leaves at zero is absent, not 0.
type cfnWarmThroughput struct {
	ReadUnitsPerSecond  *float64
	WriteUnitsPerSecond *float64
}

// wantWarm is the template's WarmThroughput for a spec's: none when both
// figures are zero.
func wantWarm(w resources.WarmThroughput) *cfnWarmThroughput {
	if w == (resources.WarmThroughput{}) {
		return nil
	}
	figure := func(units int) *float64 {
		if units == 0 {
			return nil
		}
		f := float64(units)
		return &f
	}
	return &cfnWarmThroughput{ReadUnitsPerSecond: figure(w.ReadUnitsPerSecond), WriteUnitsPerSecond: figure(w.WriteUnitsPerSecond)}
}

func keySchema(pk, sk resources.Attribute) []keyElement {
	keys := []keyElement{{pk.Name, "HASH"}}
	if sk.Name != "" {
		keys = append(keys, keyElement{sk.Name, "RANGE"})
	}
	return keys
}

func TestTablesMatchResources(t *testing.T) {
	s, tpl := synth(t)
	for _, spec := range resources.Tables {
		t.Run(spec.ID, func(t *testing.T) {
			id := s.logicalID(s.tables[spec.ID].construct)
			got := properties[struct {
				KeySchema               []keyElement
				AttributeDefinitions    []attributeDefinition
				GlobalSecondaryIndexes  []cfnIndex
				BillingMode             string
				TimeToLiveSpecification *struct {
					AttributeName string
					Enabled       bool
				}
				StreamSpecification map[string]any
				WarmThroughput      *cfnWarmThroughput
				Replicas            []struct {
					PointInTimeRecoverySpecification struct{ PointInTimeRecoveryEnabled bool }
				}
			}](t, tpl, id, "AWS::DynamoDB::GlobalTable")

			if want := keySchema(spec.PartitionKey, spec.SortKey); !reflect.DeepEqual(got.KeySchema, want) {
				t.Errorf("key schema = %v, want %v", got.KeySchema, want)
			}
			defined := map[string]string{}
			define := func(a resources.Attribute) {
				if a.Name != "" {
					defined[a.Name] = string(a.Type)
				}
			}
			define(spec.PartitionKey)
			define(spec.SortKey)
			var wantIndexes []cfnIndex
			for _, ix := range spec.Indexes {
				define(ix.PartitionKey)
				define(ix.SortKey)
				w := cfnIndex{IndexName: ix.Name, KeySchema: keySchema(ix.PartitionKey, ix.SortKey)}
				w.Projection.ProjectionType = "ALL"
				if ix.KeysOnly {
					w.Projection.ProjectionType = "KEYS_ONLY"
				}
				w.WarmThroughput = wantWarm(ix.Warm)
				wantIndexes = append(wantIndexes, w)
			}
			var wantDefinitions []attributeDefinition
			for name, typ := range defined {
				wantDefinitions = append(wantDefinitions, attributeDefinition{name, typ})
			}
			byName := func(a, b attributeDefinition) int { return strings.Compare(a.AttributeName, b.AttributeName) }
			slices.SortFunc(wantDefinitions, byName)
			slices.SortFunc(got.AttributeDefinitions, byName)
			if !reflect.DeepEqual(got.AttributeDefinitions, wantDefinitions) {
				t.Errorf("attribute definitions = %v, want %v", got.AttributeDefinitions, wantDefinitions)
			}
			if !reflect.DeepEqual(got.GlobalSecondaryIndexes, wantIndexes) {
				t.Errorf("indexes = %s, want %s", jsonString(got.GlobalSecondaryIndexes), jsonString(wantIndexes))
			}
			switch ttl := got.TimeToLiveSpecification; {
			case spec.TTLAttribute == "" && ttl != nil:
				t.Errorf("TTL on %s, want none", ttl.AttributeName)
			case spec.TTLAttribute != "" && (ttl == nil || !ttl.Enabled || ttl.AttributeName != spec.TTLAttribute):
				t.Errorf("TTL = %+v, want enabled on %s", ttl, spec.TTLAttribute)
			}
			var wantStream map[string]any
			if spec.Stream {
				wantStream = map[string]any{"StreamViewType": "NEW_AND_OLD_IMAGES"}
			}
			if !reflect.DeepEqual(got.StreamSpecification, wantStream) {
				t.Errorf("stream specification = %v, want %v", got.StreamSpecification, wantStream)
			}
			if want := wantWarm(spec.Warm); !reflect.DeepEqual(got.WarmThroughput, want) {
				t.Errorf("warm throughput = %s, want %s", jsonString(got.WarmThroughput), jsonString(want))
			}
			if got.BillingMode != "PAY_PER_REQUEST" {
				t.Errorf("billing mode = %q, want PAY_PER_REQUEST", got.BillingMode)
			}
			if len(got.Replicas) != 1 || !got.Replicas[0].PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled {
				t.Errorf("replicas = %+v, want one with point-in-time recovery", got.Replicas)
			}
			if policy := tpl.Resources[id].DeletionPolicy; policy != "Retain" {
				t.Errorf("deletion policy = %q, want Retain", policy)
			}
		})
	}
}

func jsonString(v any) string {
	data, _ := json.Marshal(v)
	return string(data)
}

// The first national 09:00 run must not start on a cold Outbox: the table
// and byArrival (which every document is written to as well) are warm for
// the delivery's peak writes.
func TestOutboxIsWarmForTheDelivery(t *testing.T) {
	s, tpl := synth(t)
	got := properties[struct {
		WarmThroughput         *cfnWarmThroughput
		GlobalSecondaryIndexes []cfnIndex
	}](t, tpl, s.logicalID(s.tables[resources.OutboxTableID].construct), "AWS::DynamoDB::GlobalTable")
	warmWrites := func(what string, w *cfnWarmThroughput) {
		t.Helper()
		switch {
		case w == nil || w.WriteUnitsPerSecond == nil:
			t.Errorf("%s: no warm write throughput", what)
		case *w.WriteUnitsPerSecond != float64(resources.Outbox.Warm.WriteUnitsPerSecond):
			t.Errorf("%s: %v warm writes, want resources' %d", what, *w.WriteUnitsPerSecond, resources.Outbox.Warm.WriteUnitsPerSecond)
		case *w.WriteUnitsPerSecond < float64(resources.OutboxPeakWrites):
			t.Errorf("%s: %v warm writes, below the delivery's peak %d", what, *w.WriteUnitsPerSecond, resources.OutboxPeakWrites)
		}
	}
	warmWrites("table", got.WarmThroughput)
	i := slices.IndexFunc(got.GlobalSecondaryIndexes, func(ix cfnIndex) bool { return ix.IndexName == resources.ByArrivalIndexName })
	if i < 0 {
		t.Fatalf("no index %s", resources.ByArrivalIndexName)
	}
	warmWrites(resources.ByArrivalIndexName, got.GlobalSecondaryIndexes[i].WarmThroughput)
}

type cfnQueue struct {
	VisibilityTimeout      float64
	MessageRetentionPeriod float64
	SqsManagedSseEnabled   bool
	RedrivePolicy          *struct {
		DeadLetterTargetArn any
		MaxReceiveCount     int
	}
}

func TestQueuesMatchResources(t *testing.T) {
	s, tpl := synth(t)
	for _, spec := range resources.Queues {
		t.Run(spec.ID, func(t *testing.T) {
			id := s.logicalID(s.queues[spec.ID].construct)
			q := properties[cfnQueue](t, tpl, id, "AWS::SQS::Queue")
			if q.VisibilityTimeout != spec.VisibilityTimeout.Seconds() || q.MessageRetentionPeriod != spec.Retention.Seconds() {
				t.Errorf("visibility timeout, retention = %vs, %vs; want %vs, %vs",
					q.VisibilityTimeout, q.MessageRetentionPeriod, spec.VisibilityTimeout.Seconds(), spec.Retention.Seconds())
			}
			if q.RedrivePolicy == nil {
				t.Fatal("no redrive policy")
			}
			if q.RedrivePolicy.MaxReceiveCount != spec.DeadLetter.MaxReceiveCount {
				t.Errorf("maxReceiveCount = %d, want %d", q.RedrivePolicy.MaxReceiveCount, spec.DeadLetter.MaxReceiveCount)
			}
			dlqID := s.logicalID(s.queues[spec.ID].construct.DeadLetterQueue().Queue)
			if target := refs(q.RedrivePolicy.DeadLetterTargetArn); !slices.Equal(target, []string{dlqID}) {
				t.Errorf("dead-letter target = %v, want %s", target, dlqID)
			}
			dlq := properties[cfnQueue](t, tpl, dlqID, "AWS::SQS::Queue")
			if dlq.MessageRetentionPeriod != spec.DeadLetter.Retention.Seconds() {
				t.Errorf("DLQ retention = %vs, want %vs", dlq.MessageRetentionPeriod, spec.DeadLetter.Retention.Seconds())
			}
			for queueID, props := range map[string]cfnQueue{id: q, dlqID: dlq} {
				if !props.SqsManagedSseEnabled {
					t.Errorf("%s: SQS-managed encryption off", queueID)
				}
				if !deniesInsecureTransport(t, tpl, queueID) {
					t.Errorf("%s: no policy denying requests without TLS", queueID)
				}
			}
		})
	}
}

func deniesInsecureTransport(t *testing.T, tpl cfnTemplate, queueID string) bool {
	t.Helper()
	for _, id := range tpl.ids("AWS::SQS::QueuePolicy") {
		p := properties[struct {
			Queues         []any
			PolicyDocument struct {
				Statement []struct {
					Effect    string
					Condition struct{ Bool map[string]string }
				}
			}
		}](t, tpl, id, "AWS::SQS::QueuePolicy")
		if !slices.Equal(refs(p.Queues), []string{queueID}) {
			continue
		}
		for _, st := range p.PolicyDocument.Statement {
			if st.Effect == "Deny" && st.Condition.Bool["aws:SecureTransport"] == "false" {
				return true
			}
		}
	}
	return false
}

// logDeliveryActions are what CDK grants a state machine that logs to
// CloudWatch; the Logs API takes no resource for them, hence Resource "*".
var logDeliveryActions = []string{
	"logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
	"logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups",
}

// xrayActions are what CDK grants a traced state machine; X-Ray's actions
// take no resource either.
var xrayActions = []string{"xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"}

func TestStateMachinesMatchResources(t *testing.T) {
	s, tpl := synth(t)
	for _, spec := range resources.StateMachines {
		t.Run(spec.ID, func(t *testing.T) {
			sm := s.stateMachines[spec.ID].construct
			got := properties[struct {
				StateMachineType        string
				DefinitionString        any
				DefinitionSubstitutions map[string]any
				LoggingConfiguration    struct {
					Level        string
					Destinations []any
				}
				TracingConfiguration struct{ Enabled bool }
			}](t, tpl, s.logicalID(sm), "AWS::StepFunctions::StateMachine")
			if !got.TracingConfiguration.Enabled {
				t.Error("tracing not enabled, want X-Ray")
			}

			if got.StateMachineType != "STANDARD" {
				t.Errorf("type = %q, want STANDARD", got.StateMachineType)
			}
			if got.LoggingConfiguration.Level != "ERROR" || len(got.LoggingConfiguration.Destinations) != 1 {
				t.Errorf("logging = %+v, want level ERROR to one log group", got.LoggingConfiguration)
			}

			// Replace each placeholder on both sides by the CloudFormation value
			// it must resolve to: the template's from its substitutions, the
			// source's from the table (Ref = name) or queue (Ref = URL) its spec names.
			definition, ok := got.DefinitionString.(string)
			if !ok {
				t.Fatalf("DefinitionString is %T, want the ASL as a string with CloudFormation substitutions", got.DefinitionString)
			}
			gotValues := map[string]string{}
			for name, v := range got.DefinitionSubstitutions {
				gotValues[name] = inline(v)
			}
			wantValues := map[string]string{}
			for name, sub := range spec.Substitutions {
				if sub.TableName != "" {
					wantValues[name] = inline(ref(s.logicalID(s.tables[sub.TableName].construct)))
				} else {
					wantValues[name] = inline(ref(s.logicalID(s.queues[sub.QueueURL].construct)))
				}
			}
			if len(gotValues) != len(wantValues) {
				t.Errorf("substitutions = %v, want %v", gotValues, wantValues)
			}
			rendered := resources.Substitute(definition, gotValues)
			if strings.Contains(rendered, "${") {
				t.Errorf("definition keeps a placeholder without a substitution: %s", rendered)
			}
			if !jsonEqual(t, rendered, resources.Substitute(spec.Definition, wantValues)) {
				t.Errorf("definition differs from the source ASL:\ngot  %s\nwant substitutions %v", rendered, wantValues)
			}

			if arns := properties[struct{ ManagedPolicyArns []any }](t, tpl, s.logicalID(sm.Role()), "AWS::IAM::Role").ManagedPolicyArns; len(arns) > 0 {
				t.Errorf("role has managed policies %v", arns)
			}
			allowed := map[string]string{} // action → logical id of the one resource it may touch
			for _, p := range spec.Permissions {
				var target string
				switch {
				case p.Table != "":
					target = s.logicalID(s.tables[p.Table].construct)
				case p.Key != "":
					target = s.logicalID(s.keys[p.Key])
				default:
					target = s.logicalID(s.queues[p.Queue].construct)
				}
				for _, a := range p.Actions {
					allowed[a] = target
				}
			}
			granted := map[string]bool{}
			for _, st := range statements(t, tpl, s.logicalID(sm.Role())) {
				for _, action := range strs(st.Action) {
					target, listed := allowed[action]
					switch {
					case st.Effect != "Allow" || strings.Contains(action, "*"):
						t.Errorf("statement %+v: want Allow of named actions", st)
					case slices.Contains(logDeliveryActions, action), slices.Contains(xrayActions, action):
					case !listed:
						t.Errorf("role may %s, which resources does not list", action)
					case !slices.Equal(refs(st.Resource), []string{target}):
						t.Errorf("role may %s on %v, want only %s", action, refs(st.Resource), target)
					default:
						granted[action] = true
					}
				}
			}
			for action := range allowed {
				if !granted[action] {
					t.Errorf("role may not %s", action)
				}
			}
		})
	}
}

// inline renders a CloudFormation value so that it can stand inside a JSON string.
func inline(v any) string {
	data, _ := json.Marshal(v)
	return strings.ReplaceAll(string(data), `"`, "'")
}

func jsonEqual(t *testing.T, a, b string) bool {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal([]byte(a), &va); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(b), &vb); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(va, vb)
}

func TestFunctionsMatchResources(t *testing.T) {
	s, tpl := synth(t)
	for _, spec := range resources.Functions {
		t.Run(spec.ID, func(t *testing.T) {
			fn := s.functions[spec.ID]
			got := properties[struct {
				Runtime       string
				Architectures []string
				Handler       string
				MemorySize    float64
				Timeout       float64
				Environment   struct{ Variables map[string]any }
				TracingConfig struct{ Mode string }
			}](t, tpl, s.logicalID(fn), "AWS::Lambda::Function")
			if got.TracingConfig.Mode != "Active" {
				t.Errorf("tracing = %q, want Active (X-Ray)", got.TracingConfig.Mode)
			}
			if got.Runtime != "provided.al2023" || !slices.Equal(got.Architectures, []string{"arm64"}) || got.Handler != "bootstrap" {
				t.Errorf("runtime, architectures, handler = %s, %v, %s; want provided.al2023, [arm64], bootstrap",
					got.Runtime, got.Architectures, got.Handler)
			}
			if got.MemorySize != float64(spec.MemoryMB()) || got.Timeout != spec.MaxDuration().Seconds() {
				t.Errorf("memory, timeout = %v MB, %v s; want %d MB, %v s", got.MemorySize, got.Timeout, spec.MemoryMB(), spec.MaxDuration().Seconds())
			}

			want := map[string]any{"LOG_LEVEL": "INFO"}
			for _, id := range slices.Concat(spec.ReadTables, spec.WriteTables) {
				want[s.tables[id].EnvVar] = ref(s.logicalID(s.tables[id].construct))
			}
			for _, id := range spec.SendQueues {
				want[s.queues[id].EnvVar] = ref(s.logicalID(s.queues[id].construct))
			}
			for _, id := range spec.StateMachines {
				want[s.stateMachines[id].EnvVar] = ref(s.logicalID(s.stateMachines[id].construct))
			}
			for _, name := range spec.Settings {
				want[name] = testSetting(name)
			}
			for _, k := range resources.Keys {
				if slices.Contains(spec.Keys(), k.ID) {
					want[k.EnvVar] = getAtt(s.logicalID(s.keys[k.ID]), "Arn")
				}
			}
			var wantParameterARNs []any
			for _, name := range spec.Secrets {
				parameter := testSecretsPrefix + "/" + strings.ReplaceAll(strings.ToLower(name), "_", "-")
				want[name+"_PARAM"] = parameter
				wantParameterARNs = append(wantParameterARNs, ssmParameterARN(parameter))
			}
			if !reflect.DeepEqual(got.Environment.Variables, want) {
				t.Errorf("environment = %v, want %v", got.Environment.Variables, want)
			}

			sts := statements(t, tpl, s.logicalID(fn.Role()))
			// Secrets: one statement allowing ssm:GetParameter on exactly the
			// parameters named in the environment, and no other SSM access.
			var onParameters []statement
			xray := 0
			for _, st := range sts {
				// Active tracing's grant: X-Ray's actions take no resource but *.
				if slices.Equal(strs(st.Action), []string{"xray:PutTelemetryRecords", "xray:PutTraceSegments"}) && st.Resource == "*" && st.Effect == "Allow" {
					xray++
					continue
				}
				if resource, _ := json.Marshal(st.Resource); st.Effect != "Allow" || string(resource) == `"*"` {
					t.Errorf("statement %+v: want Allow on named resources", st)
				}
				if slices.ContainsFunc(strs(st.Action), func(a string) bool { return strings.HasPrefix(a, "ssm:") }) {
					onParameters = append(onParameters, st)
				}
			}
			switch {
			case len(spec.Secrets) == 0 && len(onParameters) > 0:
				t.Errorf("SSM statements %+v, want none: the function has no secrets", onParameters)
			case len(spec.Secrets) > 0 && len(onParameters) != 1:
				t.Errorf("SSM statements %+v, want one", onParameters)
			case len(spec.Secrets) > 0:
				st := onParameters[0]
				if !slices.Equal(strs(st.Action), []string{"ssm:GetParameter"}) {
					t.Errorf("SSM actions = %v, want only ssm:GetParameter", st.Action)
				}
				arns, _ := st.Resource.([]any)
				if len(wantParameterARNs) == 1 {
					arns = []any{st.Resource}
				}
				// In any order: minimizePolicies (cdk.json) sorts them.
				if !sameElements(arns, wantParameterARNs) {
					got, _ := json.Marshal(st.Resource)
					want, _ := json.Marshal(wantParameterARNs)
					t.Errorf("ssm:GetParameter on %s, want exactly %s", got, want)
				}
			}
			if xray != 1 {
				t.Errorf("%d grants of xray:PutTraceSegments and xray:PutTelemetryRecords on *, want 1 (active tracing)", xray)
			}
			for _, id := range spec.StateMachines {
				smID := s.logicalID(s.stateMachines[id].construct)
				onExecutions := slices.ContainsFunc(sts, func(st statement) bool {
					arn, _ := json.Marshal(st.Resource)
					return sameElements(strs(st.Action), []string{"states:StopExecution", "states:DescribeExecution"}) &&
						slices.Equal(refs(st.Resource), []string{smID}) &&
						strings.Contains(string(arn), `":execution:"`) && strings.Contains(string(arn), `":*"`)
				})
				if !onExecutions {
					t.Errorf("no grant of states:StopExecution, states:DescribeExecution on executions of %s", id)
				}
			}
		})
	}
}

type cfnEventSourceMapping struct {
	FunctionName          any
	EventSourceArn        any
	BatchSize             int
	FunctionResponseTypes []string
	ScalingConfig         struct{ MaximumConcurrency int }
}

func TestFollowersMatchResources(t *testing.T) {
	s, tpl := synth(t)
	for _, spec := range resources.Functions {
		for _, table := range spec.Follows {
			t.Run(spec.ID+"←"+table, func(t *testing.T) {
				fnID, tableID := s.logicalID(s.functions[spec.ID]), s.logicalID(s.tables[table].construct)
				var found []struct {
					FunctionResponseTypes []string
					StartingPosition      string
				}
				for _, id := range tpl.ids("AWS::Lambda::EventSourceMapping") {
					m := properties[struct {
						FunctionName, EventSourceArn any
						FunctionResponseTypes        []string
						StartingPosition             string
					}](t, tpl, id, "AWS::Lambda::EventSourceMapping")
					if reflect.DeepEqual(m.FunctionName, ref(fnID)) && reflect.DeepEqual(m.EventSourceArn, getAtt(tableID, "StreamArn")) {
						found = append(found, struct {
							FunctionResponseTypes []string
							StartingPosition      string
						}{m.FunctionResponseTypes, m.StartingPosition})
					}
				}
				if len(found) != 1 || found[0].StartingPosition != "TRIM_HORIZON" || !slices.Equal(found[0].FunctionResponseTypes, []string{"ReportBatchItemFailures"}) {
					t.Fatalf("stream mappings %+v; want one from TRIM_HORIZON reporting batch item failures", found)
				}
				granted := false
				for _, st := range statements(t, tpl, s.logicalID(s.functions[spec.ID].Role())) {
					if slices.Contains(strs(st.Action), "dynamodb:GetRecords") {
						granted = true
					}
				}
				if !granted {
					t.Error("the function may not read the stream")
				}
			})
		}
	}
}

// consumeActions are what a function needs to take messages off a queue;
// it must have them on exactly the queues it consumes.
var consumeActions = []string{"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"}

func TestConsumersMatchResources(t *testing.T) {
	s, tpl := synth(t)
	var mappings []cfnEventSourceMapping
	for _, id := range tpl.ids("AWS::Lambda::EventSourceMapping") {
		mappings = append(mappings, properties[cfnEventSourceMapping](t, tpl, id, "AWS::Lambda::EventSourceMapping"))
	}
	for _, spec := range resources.Functions {
		t.Run(spec.ID, func(t *testing.T) {
			fn := s.functions[spec.ID]
			fnID := s.logicalID(fn)
			timeout := properties[struct{ Timeout float64 }](t, tpl, fnID, "AWS::Lambda::Function").Timeout
			consumed := map[string]string{} // queue logical id → queue ID
			for _, c := range spec.Consumes {
				q := s.queues[c.Queue]
				queueID := s.logicalID(q.construct)
				consumed[queueID] = c.Queue
				var found []cfnEventSourceMapping
				for _, m := range mappings {
					if reflect.DeepEqual(m.FunctionName, ref(fnID)) && reflect.DeepEqual(m.EventSourceArn, getAtt(queueID, "Arn")) {
						found = append(found, m)
					}
				}
				if len(found) != 1 {
					t.Errorf("%s: %d event source mappings, want one", c.Queue, len(found))
					continue
				}
				if m := found[0]; m.BatchSize != c.BatchSize || !slices.Equal(m.FunctionResponseTypes, []string{"ReportBatchItemFailures"}) {
					t.Errorf("%s: batch size %d, response types %v; want %d, [ReportBatchItemFailures]",
						c.Queue, m.BatchSize, m.FunctionResponseTypes, c.BatchSize)
				}
				if got := found[0].ScalingConfig.MaximumConcurrency; got != c.MaxConcurrency {
					t.Errorf("%s: maximum concurrency %d, want %d", c.Queue, got, c.MaxConcurrency)
				}
				visibility := properties[cfnQueue](t, tpl, queueID, "AWS::SQS::Queue").VisibilityTimeout
				if visibility < timeout {
					t.Errorf("%s: visibility timeout %vs is shorter than the function's timeout %vs", c.Queue, visibility, timeout)
				}
			}
			// The dead-letter queues of the queues it redrives, whose
			// messages it takes to send them back.
			redriven := map[string]bool{} // dead-letter queue logical id
			for _, id := range spec.Redrives {
				redriven[s.logicalID(s.queues[id].construct.DeadLetterQueue().Queue)] = true
			}
			// The consume actions on exactly the consumed queues, each of
			// them, and on the dead-letter queues of those it redrives.
			granted := map[string]map[string]bool{} // queue logical id → consume actions
			for _, st := range statements(t, tpl, s.logicalID(fn.Role())) {
				actions := slices.DeleteFunc(strs(st.Action), func(a string) bool { return !slices.Contains(consumeActions, a) })
				if len(actions) == 0 {
					continue
				}
				target := refs(st.Resource)
				if len(target) > 0 && !slices.ContainsFunc(target, func(id string) bool { return !redriven[id] }) {
					for _, id := range target {
						delete(redriven, id)
					}
					continue
				}
				if _, ok := consumed[strings.Join(target, ",")]; len(target) != 1 || !ok {
					t.Errorf("function may %v on %v, which it does not consume", actions, target)
					continue
				}
				if granted[target[0]] == nil {
					granted[target[0]] = map[string]bool{}
				}
				for _, a := range actions {
					granted[target[0]][a] = true
				}
			}
			for queueID, queue := range consumed {
				for _, a := range consumeActions {
					if !granted[queueID][a] {
						t.Errorf("function may not %s on %s", a, queue)
					}
				}
			}
			if len(redriven) > 0 {
				t.Errorf("function may not take the messages of %v, which it redrives", slices.Sorted(maps.Keys(redriven)))
			}
		})
	}
}

func TestSchedulesMatchResources(t *testing.T) {
	s, tpl := synth(t)
	for _, spec := range resources.Schedules {
		t.Run(spec.ID, func(t *testing.T) {
			sc := s.schedules[spec.ID]
			id := *s.stack.GetLogicalId(sc.construct)
			got := properties[struct {
				ScheduleExpression         string
				ScheduleExpressionTimezone string
				State                      string
				FlexibleTimeWindow         struct{ Mode string }
				Target                     struct {
					Arn, RoleArn any
					Input        string
					RetryPolicy  *struct {
						MaximumRetryAttempts     int
						MaximumEventAgeInSeconds float64
					}
					DeadLetterConfig *struct{ Arn any }
				}
			}](t, tpl, id, "AWS::Scheduler::Schedule")

			if got.ScheduleExpression != spec.Expression || got.ScheduleExpressionTimezone != spec.Timezone {
				t.Errorf("expression = %q in %q, want %q in %q", got.ScheduleExpression, got.ScheduleExpressionTimezone, spec.Expression, spec.Timezone)
			}
			if got.State != "ENABLED" || got.FlexibleTimeWindow.Mode != "OFF" {
				t.Errorf("state, flexible time window = %s, %s; want ENABLED, OFF", got.State, got.FlexibleTimeWindow.Mode)
			}
			fnID := s.logicalID(s.functions[spec.Function])
			if !reflect.DeepEqual(got.Target.Arn, getAtt(fnID, "Arn")) {
				t.Errorf("target = %v, want the ARN of %s", got.Target.Arn, fnID)
			}
			if got.Target.Input != "{}" {
				t.Errorf("input = %q, want {}", got.Target.Input)
			}
			if r := got.Target.RetryPolicy; r == nil || r.MaximumRetryAttempts != spec.RetryAttempts || r.MaximumEventAgeInSeconds != spec.MaxEventAge.Seconds() {
				t.Errorf("retry policy = %+v, want %d attempts within %vs", r, spec.RetryAttempts, spec.MaxEventAge.Seconds())
			}
			dlqID := s.logicalID(s.queues[spec.DeadLetter].construct.DeadLetterQueue().Queue)
			if d := got.Target.DeadLetterConfig; d == nil || !reflect.DeepEqual(d.Arn, getAtt(dlqID, "Arn")) {
				t.Errorf("dead-letter config = %+v, want the ARN of %s", d, dlqID)
			}

			// The role: assumable by the scheduler only, allowed exactly to
			// invoke the function and to send to the dead-letter queue.
			roleID := s.logicalID(sc.role)
			if !reflect.DeepEqual(got.Target.RoleArn, getAtt(roleID, "Arn")) {
				t.Errorf("role = %v, want the ARN of %s", got.Target.RoleArn, roleID)
			}
			role := properties[struct {
				ManagedPolicyArns        []any
				AssumeRolePolicyDocument struct {
					Statement []struct {
						Effect    string
						Action    any
						Principal map[string]any
					}
				}
			}](t, tpl, roleID, "AWS::IAM::Role")
			if len(role.ManagedPolicyArns) > 0 {
				t.Errorf("role has managed policies %v", role.ManagedPolicyArns)
			}
			trust := role.AssumeRolePolicyDocument.Statement
			if len(trust) != 1 || trust[0].Effect != "Allow" || !slices.Equal(strs(trust[0].Action), []string{"sts:AssumeRole"}) ||
				!reflect.DeepEqual(trust[0].Principal, map[string]any{"Service": "scheduler.amazonaws.com"}) {
				t.Errorf("trust policy = %+v, want only scheduler.amazonaws.com to assume the role", trust)
			}
			want := map[string]any{
				"lambda:InvokeFunction": getAtt(fnID, "Arn"),
				"sqs:SendMessage":       getAtt(dlqID, "Arn"),
			}
			granted := map[string]bool{}
			for _, st := range statements(t, tpl, roleID) {
				for _, action := range strs(st.Action) {
					target, listed := want[action]
					switch {
					case st.Effect != "Allow" || !listed:
						t.Errorf("role may %s (%s), want only %v", action, st.Effect, slices.Sorted(maps.Keys(want)))
					case !reflect.DeepEqual(st.Resource, target):
						t.Errorf("role may %s on %v, want exactly %v", action, st.Resource, target)
					default:
						granted[action] = true
					}
				}
			}
			for action := range want {
				if !granted[action] {
					t.Errorf("role may not %s", action)
				}
			}
			// The schedule must not fire before the role may invoke the function.
			for _, policy := range tpl.ids("AWS::IAM::Policy") {
				roles := properties[struct{ Roles []any }](t, tpl, policy, "AWS::IAM::Policy").Roles
				if slices.ContainsFunc(roles, func(r any) bool { return reflect.DeepEqual(r, ref(roleID)) }) &&
					!slices.Contains(tpl.Resources[id].DependsOn, policy) {
					t.Errorf("schedule does not depend on its role's policy %s", policy)
				}
			}
		})
	}
}

type cfnAlarm struct {
	AlarmName        string
	AlarmDescription string
	AlarmActions     []any
	OKActions        []any
	Namespace        string
	MetricName       string
	Dimensions       []struct {
		Name  string
		Value any
	}
	Statistic          string
	ExtendedStatistic  string
	Period             float64
	EvaluationPeriods  int
	Threshold          float64
	ComparisonOperator string
	TreatMissingData   string
	Metrics            []cfnAlarmQuery // metric math
}

// cfnAlarmQuery is one line of an alarm on metric math: the expression,
// or a metric it uses.
type cfnAlarmQuery struct {
	ID         string `json:"Id"`
	Expression string
	ReturnData *bool
	MetricStat *struct {
		Metric struct {
			Namespace  string
			MetricName string
			Dimensions []struct {
				Name  string
				Value any
			}
		}
		Period float64
		Stat   string
	}
}

// mathAlarm checks an alarm on metric math: its expression, and each
// metric the expression names (namespace, name, statistic, dimensions as
// "name=value" or "name=<ref>" strings), each over period.
func mathAlarm(t *testing.T, a cfnAlarm, expression string, period float64, want map[string][]string) {
	t.Helper()
	if a.MetricName != "" || len(a.Metrics) != len(want)+1 {
		t.Fatalf("metric %q, queries %+v; want metric math over %d metrics", a.MetricName, a.Metrics, len(want))
	}
	got := map[string][]string{}
	for _, q := range a.Metrics {
		if q.MetricStat == nil {
			if q.Expression != expression || (q.ReturnData != nil && !*q.ReturnData) {
				t.Errorf("expression %q (returned %v), want %q", q.Expression, q.ReturnData, expression)
			}
			continue
		}
		m := q.MetricStat
		if m.Period != period {
			t.Errorf("%s: period %v, want %v", q.ID, m.Period, period)
		}
		line := []string{m.Metric.Namespace, m.Metric.MetricName, m.Stat}
		for _, d := range m.Metric.Dimensions {
			line = append(line, d.Name+"="+fmt.Sprint(d.Value))
		}
		got[q.ID] = line
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("metrics %v, want %v", got, want)
	}
}

// alarms reads every alarm in the template by logical id.
func alarms(t *testing.T, tpl cfnTemplate) map[string]cfnAlarm {
	t.Helper()
	all := map[string]cfnAlarm{}
	for _, id := range tpl.ids("AWS::CloudWatch::Alarm") {
		all[id] = properties[cfnAlarm](t, tpl, id, "AWS::CloudWatch::Alarm")
	}
	return all
}

// Every dead-letter queue in the template, found from the queues' redrive
// policies rather than from resources, has exactly one alarm on its first
// visible message that notifies the operators' topic.
func TestEveryDeadLetterQueueHasAnAlarm(t *testing.T) {
	s, tpl := synth(t)
	topic := s.logicalID(s.alarmTopic)
	all := alarms(t, tpl)
	var dlqs []string
	for _, id := range tpl.ids("AWS::SQS::Queue") {
		if q := properties[cfnQueue](t, tpl, id, "AWS::SQS::Queue"); q.RedrivePolicy != nil {
			dlqs = append(dlqs, refs(q.RedrivePolicy.DeadLetterTargetArn)...)
		}
	}
	if len(dlqs) != len(resources.Queues) {
		t.Fatalf("dead-letter queues in the template = %v, want one per queue in resources (%d)", dlqs, len(resources.Queues))
	}
	for _, dlq := range dlqs {
		var found []string
		for id, a := range all {
			if a.Namespace == "AWS/SQS" && a.MetricName == "ApproximateNumberOfMessagesVisible" &&
				len(a.Dimensions) == 1 && a.Dimensions[0].Name == "QueueName" && reflect.DeepEqual(a.Dimensions[0].Value, getAtt(dlq, "QueueName")) {
				found = append(found, id)
			}
		}
		if len(found) != 1 {
			t.Errorf("%s: alarms on its visible messages = %v, want one", dlq, found)
			continue
		}
		a := all[found[0]]
		if a.Threshold != 1 || a.ComparisonOperator != "GreaterThanOrEqualToThreshold" || a.EvaluationPeriods != 1 || a.Statistic != "Maximum" {
			t.Errorf("%s: alarm %s %s %v over %d period(s) of the %s, want >= 1 over 1 period of the Maximum",
				dlq, found[0], a.ComparisonOperator, a.Threshold, a.EvaluationPeriods, a.Statistic)
		}
		if a.Period != 60 && a.Period != 300 {
			t.Errorf("%s: period %vs, want 60 or 300", dlq, a.Period)
		}
		if a.TreatMissingData != "notBreaching" {
			t.Errorf("%s: missing data %q, want notBreaching", dlq, a.TreatMissingData)
		}
		if !reflect.DeepEqual(a.AlarmActions, []any{ref(topic)}) {
			t.Errorf("%s: alarm actions %v, want the topic %s", dlq, a.AlarmActions, topic)
		}
	}
}

func TestAlarmsMatchResources(t *testing.T) {
	s, tpl := synth(t)
	topic := s.logicalID(s.alarmTopic)
	for _, spec := range resources.Alarms {
		t.Run(spec.ID, func(t *testing.T) {
			alarm, ok := s.alarms[spec.ID]
			if !ok {
				t.Fatal("the stack made no such alarm")
			}
			a := properties[cfnAlarm](t, tpl, s.logicalID(alarm), "AWS::CloudWatch::Alarm")
			checkAlarmMetric(t, s, spec, a)
			if a.EvaluationPeriods != 1 {
				t.Errorf("%d evaluation periods, want 1", a.EvaluationPeriods)
			}
			if a.Threshold != spec.Threshold || a.ComparisonOperator != "GreaterThanOrEqualToThreshold" || a.TreatMissingData != "notBreaching" {
				t.Errorf("%s %v, missing data %s; want GreaterThanOrEqualToThreshold %v, notBreaching",
					a.ComparisonOperator, a.Threshold, a.TreatMissingData, spec.Threshold)
			}
			if a.AlarmName != stackName+"-"+spec.ID || a.AlarmDescription != spec.Description {
				t.Errorf("name, description = %q, %q; want %q, resources'", a.AlarmName, a.AlarmDescription, stackName+"-"+spec.ID)
			}
			if !reflect.DeepEqual(a.AlarmActions, []any{ref(topic)}) || a.OKActions != nil {
				t.Errorf("actions = %v, OK actions %v; want the topic %s only", a.AlarmActions, a.OKActions, topic)
			}
		})
	}
	// No subscription unless alarmEmail says so (testContext does not).
	if subs := tpl.ids("AWS::SNS::Subscription"); len(subs) > 0 {
		t.Errorf("subscriptions %v without alarmEmail in context", subs)
	}
}

// checkAlarmMetric checks that an alarm watches the metric its spec names,
// over the spec's period.
func checkAlarmMetric(t *testing.T, s *Tredjepart, spec resources.Alarm, a cfnAlarm) {
	t.Helper()
	period := spec.Period.Seconds()
	api := "ApiId=" + fmt.Sprint(ref(s.logicalID(s.api)))
	switch spec.Metric {
	case resources.DeliveryOutstanding:
		mathAlarm(t, a, "FILL(due, 0) - FILL(done, 0)", period, map[string][]string{
			"due": {"Tredjepart", "DeliveryPointsDue", "Sum"}, "done": {"Tredjepart", "DeliveryPointsDone", "Sum"},
		})
		return
	case resources.APIServerErrorPercent:
		mathAlarm(t, a, "IF(requests > 0, 100 * FILL(errors, 0) / requests, 0)", period, map[string][]string{
			"errors": {"AWS/ApiGateway", "5xx", "Sum", api}, "requests": {"AWS/ApiGateway", "Count", "Sum", api},
		})
		return
	case resources.ExecutionsFailed:
		sm := "StateMachineArn=" + fmt.Sprint(ref(s.logicalID(s.stateMachines[spec.StateMachine].construct)))
		mathAlarm(t, a, "FILL(failed, 0) + FILL(timedOut, 0) + FILL(aborted, 0)", period, map[string][]string{
			"failed":   {"AWS/States", "ExecutionsFailed", "Sum", sm},
			"timedOut": {"AWS/States", "ExecutionsTimedOut", "Sum", sm},
			"aborted":  {"AWS/States", "ExecutionsAborted", "Sum", sm},
		})
		return
	case resources.APILatencyP95:
		if a.Namespace != "AWS/ApiGateway" || a.MetricName != "Latency" || a.ExtendedStatistic != "p95" || a.Statistic != "" ||
			len(a.Dimensions) != 1 || "ApiId="+fmt.Sprint(a.Dimensions[0].Value) != api || a.Period != period {
			t.Errorf("metric %+v, want the API's p95 Latency over %vs", a, period)
		}
		return
	case resources.BusinessCount:
		// The total: the dimensionless set every metrics line also has.
		if a.Namespace != metrics.Namespace || a.MetricName != spec.BusinessMetric || a.Statistic != "Sum" || len(a.Dimensions) != 0 || a.Period != period {
			t.Errorf("metric %s %s %s %v over %vs, want %s %s Sum, no dimensions, over %vs",
				a.Namespace, a.MetricName, a.Statistic, a.Dimensions, a.Period, metrics.Namespace, spec.BusinessMetric, period)
		}
		return
	}
	var namespace, metric, statistic, dimension string
	var subject any
	switch spec.Metric {
	case resources.DeadLetterMessages:
		namespace, metric, statistic, dimension = "AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum", "QueueName"
		subject = getAtt(s.logicalID(s.queues[spec.Queue].construct.DeadLetterQueue().Queue), "QueueName")
	case resources.OldestMessageAge:
		namespace, metric, statistic, dimension = "AWS/SQS", "ApproximateAgeOfOldestMessage", "Maximum", "QueueName"
		subject = getAtt(s.logicalID(s.queues[spec.Queue].construct), "QueueName")
	case resources.FunctionErrors:
		namespace, metric, statistic, dimension = "AWS/Lambda", "Errors", "Sum", "FunctionName"
		subject = ref(s.logicalID(s.functions[spec.Function]))
	default:
		t.Fatalf("metric %q", spec.Metric)
	}
	if a.Namespace != namespace || a.MetricName != metric || a.Statistic != statistic {
		t.Errorf("metric = %s %s %s, want %s %s %s", a.Namespace, a.MetricName, a.Statistic, namespace, metric, statistic)
	}
	if len(a.Dimensions) != 1 || a.Dimensions[0].Name != dimension || !reflect.DeepEqual(a.Dimensions[0].Value, subject) {
		t.Errorf("dimensions = %+v, want %s = %v", a.Dimensions, dimension, subject)
	}
	if a.Period != period {
		t.Errorf("period = %vs, want %vs", a.Period, period)
	}
}

// alarmEmail in context subscribes each address it lists to the topic.
func TestAlarmEmailSubscribesToTheTopic(t *testing.T) {
	synth(t) // start the jsii runtime the same way as the other tests
	dir := t.TempDir()
	assets, err := standInAssets(dir)
	if err != nil {
		t.Fatal(err)
	}
	context := testAppContext(t, assets)
	context[alarmEmailContext] = " ops@example.test, ,oncall@example.test"
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(filepath.Join(dir, "cdk.out")), Context: &context})
	s := NewTredjepart(app, stackName, nil)
	data, err := json.Marshal(assertions.Template_FromStack(s.stack, nil).ToJSON())
	if err != nil {
		t.Fatal(err)
	}
	var tpl cfnTemplate
	if err := json.Unmarshal(data, &tpl); err != nil {
		t.Fatal(err)
	}
	topic := s.logicalID(s.alarmTopic)
	var endpoints []string
	for _, id := range tpl.ids("AWS::SNS::Subscription") {
		sub := properties[struct {
			Protocol, Endpoint string
			TopicArn           any
		}](t, tpl, id, "AWS::SNS::Subscription")
		if sub.Protocol != "email" || !reflect.DeepEqual(sub.TopicArn, ref(topic)) {
			t.Errorf("subscription %s: %s to %v, want email to %s", id, sub.Protocol, sub.TopicArn, topic)
		}
		endpoints = append(endpoints, sub.Endpoint)
	}
	slices.Sort(endpoints)
	if want := []string{"oncall@example.test", "ops@example.test"}; !slices.Equal(endpoints, want) {
		t.Errorf("subscribed %v, want %v", endpoints, want)
	}
}

// ssmParameterARN is the template's value of Stack.FormatArn for an SSM
// parameter named with a leading slash, in an environment-agnostic stack.
func ssmParameterARN(name string) any {
	return map[string]any{"Fn::Join": []any{"", []any{
		"arn:", ref("AWS::Partition"), ":ssm:", ref("AWS::Region"), ":", ref("AWS::AccountId"), ":parameter" + name,
	}}}
}

func TestRoutesMatchResources(t *testing.T) {
	s, tpl := synth(t)
	authorizers := tpl.ids("AWS::ApiGatewayV2::Authorizer")
	if len(authorizers) != 1 {
		t.Fatalf("authorizers = %v, want one", authorizers)
	}
	type cfnRoute struct {
		RouteKey            string
		AuthorizationType   string
		AuthorizationScopes []string
		AuthorizerId        any
		Target              any
	}
	routes := map[string]cfnRoute{}
	for _, id := range tpl.ids("AWS::ApiGatewayV2::Route") {
		r := properties[cfnRoute](t, tpl, id, "AWS::ApiGatewayV2::Route")
		routes[r.RouteKey] = r
	}
	for _, spec := range resources.Routes {
		t.Run(spec.Key(), func(t *testing.T) {
			r, ok := routes[spec.Key()]
			if !ok {
				t.Fatal("no such route")
			}
			switch {
			case spec.Public:
				if r.AuthorizationType != "NONE" || r.AuthorizerId != nil || r.AuthorizationScopes != nil {
					t.Errorf("authorization = %s by %v with scopes %v, want NONE without authorizer or scopes",
						r.AuthorizationType, r.AuthorizerId, r.AuthorizationScopes)
				}
			default:
				if r.AuthorizationType != "JWT" || !reflect.DeepEqual(r.AuthorizerId, ref(authorizers[0])) {
					t.Errorf("authorization = %s by %v, want JWT by %s", r.AuthorizationType, r.AuthorizerId, authorizers[0])
				}
				if len(spec.Scopes) == 0 || !slices.Equal(r.AuthorizationScopes, spec.Scopes) {
					t.Errorf("scopes = %v, want %v (not none)", r.AuthorizationScopes, spec.Scopes)
				}
			}
			targets := refs(r.Target)
			if len(targets) != 1 {
				t.Fatalf("target = %v, want one integration", r.Target)
			}
			integration := properties[struct {
				IntegrationUri       any
				PayloadFormatVersion string
			}](t, tpl, targets[0], "AWS::ApiGatewayV2::Integration")
			if fnID := s.logicalID(s.functions[spec.Function]); !slices.Equal(refs(integration.IntegrationUri), []string{fnID}) {
				t.Errorf("integration invokes %v, want %s", refs(integration.IntegrationUri), fnID)
			}
			if integration.PayloadFormatVersion != "2.0" {
				t.Errorf("payload format = %q, want 2.0", integration.PayloadFormatVersion)
			}
		})
	}
	if _, ok := tpl.Outputs["ApiUrl"]; !ok {
		t.Error("no ApiUrl output")
	}
}

func TestAuthorizerTakesIssuerAndAudienceFromContext(t *testing.T) {
	_, tpl := synth(t)
	defaults, err := readContext("cdk.json")
	if err != nil {
		t.Fatal(err)
	}
	if defaults[jwtIssuerContext] == testIssuer || defaults[jwtAudienceContext] == testAudience {
		t.Fatal("test context equals cdk.json's defaults, so this test proves nothing")
	}
	for _, id := range tpl.ids("AWS::ApiGatewayV2::Authorizer") {
		a := properties[struct {
			AuthorizerType   string
			IdentitySource   []string
			JwtConfiguration struct {
				Issuer   string
				Audience []string
			}
		}](t, tpl, id, "AWS::ApiGatewayV2::Authorizer")
		if a.AuthorizerType != "JWT" || !slices.Equal(a.IdentitySource, []string{"$request.header.Authorization"}) {
			t.Errorf("authorizer = %s from %v, want JWT from the Authorization header", a.AuthorizerType, a.IdentitySource)
		}
		if jwt := a.JwtConfiguration; jwt.Issuer != testIssuer || !slices.Equal(jwt.Audience, []string{testAudience}) {
			t.Errorf("issuer, audience = %s, %v; want %s, [%s]", jwt.Issuer, jwt.Audience, testIssuer, testAudience)
		}
	}
}

func TestCDKJSONHasEveryContextDefault(t *testing.T) {
	defaults, err := readContext("cdk.json")
	if err != nil {
		t.Fatal(err)
	}
	// Optional: present so that operators see it, a string, empty or addresses.
	if v, ok := defaults[alarmEmailContext].(string); !ok {
		t.Errorf("cdk.json: context %q is %v, want a string (empty: no subscription)", alarmEmailContext, defaults[alarmEmailContext])
	} else if v != "" && !strings.Contains(v, "@") {
		t.Errorf("cdk.json: context %q = %q, want e-mail addresses or nothing", alarmEmailContext, v)
	}
	for key, test := range testContext("") {
		v, _ := defaults[key].(string)
		switch {
		case v == "":
			t.Errorf("cdk.json: context %q is %v, want a non-empty string", key, defaults[key])
		case key != lambdaAssetsContext && v == test:
			t.Errorf("cdk.json: context %q equals the tests' value, so the tests prove nothing", key)
		}
	}
}

// Without a function's setting in context, synthesis stops and says which.
func TestMissingSettingStopsSynthesis(t *testing.T) {
	synth(t) // start the jsii runtime the same way as the other tests
	var name string
	for _, f := range resources.Functions {
		if len(f.Settings) > 0 {
			name = f.Settings[0]
			break
		}
	}
	if name == "" {
		t.Fatal("no function in resources has settings; this test needs one to remove")
	}
	dir := t.TempDir()
	assets, err := standInAssets(dir)
	if err != nil {
		t.Fatal(err)
	}
	context := testContext(assets)
	delete(context, name)
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(filepath.Join(dir, "cdk.out")), Context: &context})
	defer func() {
		msg := fmt.Sprint(recover())
		if !strings.Contains(msg, fmt.Sprintf("context %q must be", name)) {
			t.Errorf("synthesis without %s: panic %q, want one naming the context key", name, msg)
		}
	}()
	NewTredjepart(app, stackName, nil)
}

// The template holds exactly what resources defines: nothing missing, nothing extra.
func TestTemplateHasNothingBeyondResources(t *testing.T) {
	s, tpl := synth(t)
	var keys, tables, queues, stateMachines, functions, routes, consumers, schedules, roles, onFailure, alarmIDs []string
	for _, spec := range resources.Keys {
		keys = append(keys, s.logicalID(s.keys[spec.ID]))
	}
	for _, spec := range resources.Tables {
		tables = append(tables, s.logicalID(s.tables[spec.ID].construct))
	}
	for _, spec := range resources.Queues {
		q := s.queues[spec.ID].construct
		queues = append(queues, s.logicalID(q), s.logicalID(q.DeadLetterQueue().Queue))
	}
	for _, spec := range resources.StateMachines {
		sm := s.stateMachines[spec.ID].construct
		stateMachines = append(stateMachines, s.logicalID(sm))
		roles = append(roles, s.logicalID(sm.Role()))
	}
	// An event source mapping is named by what it connects: function ← queue.
	consumer := func(fn, queue any) string { return fmt.Sprintf("%v ← %v", refs(fn), refs(queue)) }
	for _, spec := range resources.Functions {
		fn := s.functions[spec.ID]
		functions = append(functions, s.logicalID(fn))
		roles = append(roles, s.logicalID(fn.Role()))
		for _, c := range spec.Consumes {
			consumers = append(consumers, consumer(ref(s.logicalID(fn)), getAtt(s.logicalID(s.queues[c.Queue].construct), "Arn")))
		}
		for _, table := range spec.Follows {
			consumers = append(consumers, consumer(ref(s.logicalID(fn)), getAtt(s.logicalID(s.tables[table].construct), "StreamArn")))
		}
		if spec.OnFailure != "" {
			dlq := s.queues[spec.OnFailure].construct.DeadLetterQueue().Queue
			onFailure = append(onFailure, fmt.Sprintf("%v → %v", refs(ref(s.logicalID(fn))), refs(getAtt(s.logicalID(dlq), "Arn"))))
		}
	}
	for _, spec := range resources.Schedules {
		sc := s.schedules[spec.ID]
		schedules = append(schedules, *s.stack.GetLogicalId(sc.construct))
		roles = append(roles, s.logicalID(sc.role))
	}
	for _, spec := range resources.Routes {
		routes = append(routes, spec.Key())
	}
	for _, spec := range resources.Alarms {
		if alarm, ok := s.alarms[spec.ID]; ok {
			alarmIDs = append(alarmIDs, s.logicalID(alarm))
		} else {
			alarmIDs = append(alarmIDs, "missing "+spec.ID)
		}
	}
	var mappings []string
	for _, id := range tpl.ids("AWS::Lambda::EventSourceMapping") {
		m := properties[cfnEventSourceMapping](t, tpl, id, "AWS::Lambda::EventSourceMapping")
		mappings = append(mappings, consumer(m.FunctionName, m.EventSourceArn))
	}
	var invokeConfigs []string
	for _, id := range tpl.ids("AWS::Lambda::EventInvokeConfig") {
		c := properties[struct {
			FunctionName      any
			DestinationConfig struct{ OnFailure struct{ Destination any } }
		}](t, tpl, id, "AWS::Lambda::EventInvokeConfig")
		invokeConfigs = append(invokeConfigs, fmt.Sprintf("%v → %v", refs(c.FunctionName), refs(c.DestinationConfig.OnFailure.Destination)))
	}
	var routeKeys []string
	for _, id := range tpl.ids("AWS::ApiGatewayV2::Route") {
		routeKeys = append(routeKeys, properties[struct{ RouteKey string }](t, tpl, id, "AWS::ApiGatewayV2::Route").RouteKey)
	}
	for _, c := range []struct {
		what      string
		got, want []string
	}{
		{"keys", tpl.ids("AWS::KMS::Key"), append(keys, s.logicalID(s.alarmTopic.MasterKey()))},
		{"tables", tpl.ids("AWS::DynamoDB::GlobalTable"), tables},
		{"legacy tables", tpl.ids("AWS::DynamoDB::Table"), nil},
		{"queues", tpl.ids("AWS::SQS::Queue"), queues},
		{"state machines", tpl.ids("AWS::StepFunctions::StateMachine"), stateMachines},
		{"functions", tpl.ids("AWS::Lambda::Function"), functions},
		{"routes", routeKeys, routes},
		{"event source mappings", mappings, consumers},
		{"on-failure destinations of asynchronous invocations", invokeConfigs, onFailure},
		{"schedules", tpl.ids("AWS::Scheduler::Schedule"), schedules},
		{"legacy schedules (EventBridge rules)", tpl.ids("AWS::Events::Rule"), nil},
		{"roles", tpl.ids("AWS::IAM::Role"), roles},
		{"alarms", tpl.ids("AWS::CloudWatch::Alarm"), alarmIDs},
		{"topics", tpl.ids("AWS::SNS::Topic"), []string{s.logicalID(s.alarmTopic)}},
		{"dashboards", tpl.ids("AWS::CloudWatch::Dashboard"), []string{s.logicalID(s.dashboard)}},
		{"subscriptions (none without alarmEmail)", tpl.ids("AWS::SNS::Subscription"), nil},
	} {
		slices.Sort(c.got)
		slices.Sort(c.want)
		if !slices.Equal(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
		}
	}
	// Every other resource is one of the kinds the ones above need (their
	// policies, log groups, the API's parts), so a construct that brings a
	// new kind along (a custom resource, a Lambda for log retention, …)
	// fails here until this test accounts for it.
	counted := []string{
		"AWS::DynamoDB::GlobalTable", "AWS::SQS::Queue", "AWS::StepFunctions::StateMachine", "AWS::Lambda::Function",
		"AWS::ApiGatewayV2::Route", "AWS::Lambda::EventSourceMapping", "AWS::Scheduler::Schedule", "AWS::IAM::Role",
		"AWS::Lambda::EventInvokeConfig", "AWS::CloudWatch::Alarm", "AWS::SNS::Topic", "AWS::SNS::Subscription", "AWS::KMS::Key",
		"AWS::CloudWatch::Dashboard",
	}
	supporting := []string{
		"AWS::IAM::Policy", "AWS::SQS::QueuePolicy", "AWS::SNS::TopicPolicy", "AWS::Logs::LogGroup", "AWS::Lambda::Permission", "AWS::KMS::Alias",
		"AWS::ApiGatewayV2::Api", "AWS::ApiGatewayV2::Stage", "AWS::ApiGatewayV2::Authorizer", "AWS::ApiGatewayV2::Integration",
	}
	for id, r := range tpl.Resources {
		if !slices.Contains(counted, r.Type) && !slices.Contains(supporting, r.Type) {
			t.Errorf("%s is a %s, which resources does not account for", id, r.Type)
		}
	}
}

// No function runs on the local stack with settings other than those it has
// on AWS: under the Lambda emulator each has its timeout and memory from the
// template, every variable of its template environment and no other, but for
// what the Lambda runtime itself provides and the local-only additions, each
// named in lambdaenv.
func TestTheEmulatorRunsEachFunctionAsDeployed(t *testing.T) {
	s, tpl := synth(t)
	local := lambdaenv.Placeholders("/tredjepart-local")
	process := lambdaenv.Process{Region: "eu-north-1", AccessKeyID: "local", SecretAccessKey: "local", Additions: map[string]string{}}
	for _, name := range lambdaenv.Local {
		process.Additions[name] = "local"
	}
	for _, spec := range resources.Functions {
		t.Run(spec.ID, func(t *testing.T) {
			deployed := properties[struct {
				MemorySize  float64
				Timeout     float64
				Environment struct{ Variables map[string]any }
			}](t, tpl, s.logicalID(s.functions[spec.ID]), "AWS::Lambda::Function")
			list, err := lambdaenv.Env(spec, local, process)
			if err != nil {
				t.Fatal(err)
			}
			emulated := map[string]string{}
			for _, v := range list {
				name, value, _ := strings.Cut(v, "=")
				emulated[name] = value
			}
			if got, want := emulated["AWS_LAMBDA_FUNCTION_TIMEOUT"], fmt.Sprint(deployed.Timeout); got != want {
				t.Errorf("timeout on the emulator %s s, on AWS %s s", got, want)
			}
			if got, want := emulated["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], fmt.Sprint(deployed.MemorySize); got != want {
				t.Errorf("memory on the emulator %s MB, on AWS %s MB", got, want)
			}
			for name, value := range deployed.Environment.Variables {
				if _, ok := emulated[name]; !ok {
					t.Errorf("%s is set on AWS, not on the emulator", name)
				}
				if slices.Contains(lambdaenv.Runtime, name) || slices.Contains(lambdaenv.Local, name) {
					t.Errorf("%s is set on AWS, and also by the runtime or the local stack", name)
				}
				if s, ok := value.(string); ok && name == resources.LogLevelEnv && emulated[name] != s {
					t.Errorf("%s is %q on AWS, %q on the emulator", name, s, emulated[name])
				}
			}
			for name := range emulated {
				_, deployed := deployed.Environment.Variables[name]
				if !deployed && !slices.Contains(lambdaenv.Runtime, name) && !slices.Contains(lambdaenv.Local, name) {
					t.Errorf("%s is set on the emulator only, and is neither the runtime's nor a named local addition", name)
				}
			}
		})
	}
}

// The keys rotate and outlive the stack; the tables that hold personal data
// are encrypted with the table key; and each function may use the webhook
// secrets' key exactly as resources says (kms:Encrypt, kms:Decrypt, or not
// at all) and the table key only as its tables need.
func TestKeysEncryptTheTablesAndTheWebhookSecrets(t *testing.T) {
	s, tpl := synth(t)
	keyIDs := map[string]string{} // logical id → resources ID
	for _, spec := range resources.Keys {
		id := s.logicalID(s.keys[spec.ID])
		keyIDs[id] = spec.ID
		key := properties[struct {
			EnableKeyRotation bool
			KeySpec           string
			KeyPolicy         struct{ Statement []any }
		}](t, tpl, id, "AWS::KMS::Key")
		if !key.EnableKeyRotation || len(key.KeyPolicy.Statement) == 0 || (key.KeySpec != "" && key.KeySpec != "SYMMETRIC_DEFAULT") {
			t.Errorf("key %s: %+v, want a symmetric key with rotation and a key policy", spec.ID, key)
		}
		if r := tpl.Resources[id]; r.DeletionPolicy != "Retain" {
			t.Errorf("key %s: deletion policy %q, want Retain", spec.ID, r.DeletionPolicy)
		}
		aliases := 0
		for _, aliasID := range tpl.ids("AWS::KMS::Alias") {
			alias := properties[struct {
				AliasName   string
				TargetKeyId any
			}](t, tpl, aliasID, "AWS::KMS::Alias")
			if reflect.DeepEqual(alias.TargetKeyId, getAtt(id, "Arn")) {
				aliases++
				if alias.AliasName != "alias/"+stackName+"/"+spec.Alias {
					t.Errorf("key %s: alias %s", spec.ID, alias.AliasName)
				}
			}
		}
		if aliases != 1 {
			t.Errorf("key %s has %d aliases, want 1", spec.ID, aliases)
		}
	}

	for _, spec := range resources.Tables {
		got := properties[struct {
			SSESpecification *struct {
				SSEEnabled bool
				SSEType    string
			}
			Replicas []struct {
				SSESpecification *struct{ KMSMasterKeyId any }
			}
		}](t, tpl, s.logicalID(s.tables[spec.ID].construct), "AWS::DynamoDB::GlobalTable")
		if spec.Key == "" {
			t.Errorf("table %s is not encrypted with a customer-managed key; every table holds personal data", spec.ID)
			continue
		}
		sse := got.SSESpecification
		if sse == nil || !sse.SSEEnabled || sse.SSEType != "KMS" || len(got.Replicas) != 1 || got.Replicas[0].SSESpecification == nil ||
			!reflect.DeepEqual(got.Replicas[0].SSESpecification.KMSMasterKeyId, getAtt(s.logicalID(s.keys[spec.Key]), "Arn")) {
			t.Errorf("table %s: encryption %+v, replicas %+v; want KMS with key %s", spec.ID, sse, got.Replicas, spec.Key)
		}
	}

	for _, spec := range resources.Functions {
		t.Run(spec.ID, func(t *testing.T) {
			want := map[string][]string{} // key ID → the KMS actions the role may take on it
			if len(slices.Concat(spec.ReadTables, spec.Follows)) > 0 {
				want[resources.TableKeyID] = tableKeyReadActions
			}
			if len(spec.WriteTables) > 0 {
				want[resources.TableKeyID] = tableKeyWriteActions
			}
			for _, id := range spec.Encrypts {
				want[id] = append(want[id], "kms:Encrypt")
			}
			for _, id := range spec.Decrypts {
				want[id] = append(want[id], "kms:Decrypt")
			}
			got := map[string][]string{}
			for _, st := range statements(t, tpl, s.logicalID(s.functions[spec.ID].Role())) {
				var kms []string
				for _, action := range strs(st.Action) {
					if strings.HasPrefix(action, "kms:") {
						kms = append(kms, action)
					}
				}
				if len(kms) == 0 {
					continue
				}
				on := refs(st.Resource)
				if len(on) != 1 || keyIDs[on[0]] == "" || st.Effect != "Allow" {
					t.Errorf("statement %+v: want Allow on one of the stack's keys", st)
					continue
				}
				got[keyIDs[on[0]]] = append(got[keyIDs[on[0]]], kms...)
			}
			for id := range got {
				slices.Sort(got[id])
				got[id] = slices.Compact(got[id])
			}
			for id := range want {
				want[id] = slices.Sorted(slices.Values(want[id]))
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("KMS actions by key = %v, want %v", got, want)
			}
		})
	}
	// The functions that only announce documents cannot open a secret.
	for _, spec := range []resources.Function{resources.Delivery, resources.Notifier, resources.Changes} {
		if len(spec.Keys()) > 0 {
			t.Errorf("%s may use the webhook secrets' key", spec.ID)
		}
	}
}

// cfnDashboardBody is what the tests read of a dashboard's JSON.
type cfnDashboardBody struct {
	Widgets []struct {
		Type       string
		Properties struct {
			Title   string
			Metrics [][]any
			Alarms  []string
			Query   string
		}
	}
}

// dashboardBody is the dashboard's JSON, its references to the stack's
// resources written as <logical id>.
func dashboardBody(t *testing.T, s *Tredjepart, tpl cfnTemplate) cfnDashboardBody {
	t.Helper()
	p := properties[struct{ DashboardBody any }](t, tpl, s.logicalID(s.dashboard), "AWS::CloudWatch::Dashboard")
	var text strings.Builder
	var write func(v any)
	write = func(v any) {
		switch v := v.(type) {
		case string:
			text.WriteString(v)
		case map[string]any:
			if join, ok := v["Fn::Join"].([]any); ok {
				for _, part := range join[1].([]any) {
					write(part)
				}
				return
			}
			text.WriteString("<" + strings.Join(refs(v), ",") + ">")
		default:
			t.Fatalf("dashboard body part %v", v)
		}
	}
	write(p.DashboardBody)
	var body cfnDashboardBody
	if err := json.Unmarshal([]byte(text.String()), &body); err != nil {
		t.Fatalf("dashboard body is not JSON: %v\n%s", err, text.String())
	}
	return body
}

// The one dashboard shows every alarm, and a widget for each question the
// runbook reads it for, over the resources and business metrics they are about.
func TestTheDashboardShowsTheRunTheQueuesTheAPIAndTheAlarms(t *testing.T) {
	s, tpl := synth(t)
	body := dashboardBody(t, s, tpl)
	metricsOf := map[string]string{}
	var titles []string
	for _, w := range body.Widgets {
		if w.Properties.Title == "Alarms" {
			if len(w.Properties.Alarms) != len(resources.Alarms) {
				t.Errorf("the alarm widget shows %d alarms, want all %d", len(w.Properties.Alarms), len(resources.Alarms))
			}
			continue
		}
		titles = append(titles, w.Properties.Title)
		metricsOf[w.Properties.Title] = fmt.Sprint(w.Properties.Metrics) + w.Properties.Query
	}
	if !slices.Equal(titles, DashboardWidgets) {
		t.Errorf("widgets %q, want %q", titles, DashboardWidgets)
	}
	for title, wants := range map[string][]string{
		DashboardWidgets[0]:  {metrics.Namespace, metrics.DeliveryPointsDue, metrics.DeliveryPointsDone},
		DashboardWidgets[1]:  {metrics.DocumentsDelivered, metrics.KindDaily, metrics.KindLate, metrics.KindCorrection, metrics.KindMasterData, metrics.KindNotification},
		DashboardWidgets[2]:  {"ApproximateNumberOfMessagesVisible"},
		DashboardWidgets[3]:  {"ApproximateAgeOfOldestMessage"},
		DashboardWidgets[5]:  {metrics.WebhookPushes, metrics.Push2xx, metrics.Push4xx, metrics.Push410, metrics.Push5xx, metrics.PushTimeout, metrics.PushRefused, metrics.WebhookFailingForAnHour},
		DashboardWidgets[6]:  {"Latency", "p50", "p95", "p99"},
		DashboardWidgets[7]:  {"5xx", "4xx"},
		DashboardWidgets[8]:  {"pct(latency, 95)", "by route"},
		DashboardWidgets[9]:  {"ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsStarted"},
		DashboardWidgets[10]: {metrics.AccessRequests, metrics.RequestCreated, metrics.RequestApproved, metrics.RequestRejected, metrics.RequestExpired, metrics.RequestWithdrawn},
		DashboardWidgets[11]: {metrics.IngestItems, metrics.ReadsLogged},
		DashboardWidgets[12]: {"Errors"},
		DashboardWidgets[13]: {"Throttles"},
	} {
		for _, want := range wants {
			if !strings.Contains(metricsOf[title], want) {
				t.Errorf("%q: no %s in %s", title, want, metricsOf[title])
			}
		}
	}
	// One line per queue, dead-letter queue and function, each named.
	for title, n := range map[string]int{DashboardWidgets[2]: len(resources.Queues), DashboardWidgets[4]: len(resources.Queues), DashboardWidgets[12]: len(resources.Functions)} {
		w := body.Widgets[slices.Index(titles, title)+1] // after the alarms
		if len(w.Properties.Metrics) != n {
			t.Errorf("%q: %d lines, want %d", title, len(w.Properties.Metrics), n)
		}
	}
	for _, f := range resources.Functions {
		if !strings.Contains(metricsOf[DashboardWidgets[12]], "<"+s.logicalID(s.functions[f.ID])+">") {
			t.Errorf("errors by function: no line for %s", f.ID)
		}
	}
}
