package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2authorizers"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdadestinations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsscheduler"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/tredjepart/tredjepart/shared/metrics"
	"github.com/tredjepart/tredjepart/shared/resources"
)

// Context keys. cdk.json holds their defaults; `-c key=value` overrides them.
// Besides these, each name in a function's Settings is a context key, named
// as the environment variable it sets (OIDC_ISSUER, …).
const (
	lambdaAssetsContext = "lambdaAssets" // directory holding <fn.Dir>/bootstrap, relative to infra/
	jwtIssuerContext    = "jwtIssuer"
	jwtAudienceContext  = "jwtAudience"
	// secretsPrefixContext is the SSM path under which a function's Secrets
	// live: /tredjepart/cookie-keys for COOKIE_KEYS.
	secretsPrefixContext = "secretsPrefix"
	// alarmEmailContext is optional: an e-mail address, or several separated
	// by commas, subscribed to the alarm topic. Empty (cdk.json) subscribes
	// nobody; each address must confirm the subscription SNS mails it.
	alarmEmailContext = "alarmEmail"
)

const logRetention = awslogs.RetentionDays_ONE_MONTH

// Tredjepart is the whole system in one stack, built only from package resources.
type Tredjepart struct {
	// A named field, not an embedded one: jsii refuses a Go struct that embeds
	// a construct as the scope of another construct.
	stack         awscdk.Stack
	keys          map[string]awskms.Key
	tables        map[string]table
	queues        map[string]queue
	stateMachines map[string]stateMachine
	functions     map[string]awslambda.Function
	schedules     map[string]schedule
	alarmTopic    awssns.Topic
	alarms        map[string]awscloudwatch.Alarm
	api           awsapigatewayv2.HttpApi
	apiLogs       awslogs.LogGroup // the access log
	dashboard     awscloudwatch.Dashboard
}

// table, queue and stateMachine pair a spec with the construct made from it,
// so functions can take both the env var name and the token from one lookup.
type table struct {
	resources.Table
	construct awsdynamodb.TableV2
}

type queue struct {
	resources.Queue
	construct awssqs.Queue
}

type stateMachine struct {
	resources.StateMachine
	construct awsstepfunctions.StateMachine
}

// schedule is an EventBridge Scheduler schedule and the role it invokes its
// target with.
type schedule struct {
	resources.Schedule
	construct awsscheduler.CfnSchedule
	role      awsiam.Role
}

// NewTredjepart builds the stack. The order matters: each concern refers to
// constructs made by the ones before it.
func NewTredjepart(scope constructs.Construct, id string, props *awscdk.StackProps) *Tredjepart {
	s := &Tredjepart{
		stack:         awscdk.NewStack(scope, &id, props),
		keys:          map[string]awskms.Key{},
		tables:        map[string]table{},
		queues:        map[string]queue{},
		stateMachines: map[string]stateMachine{},
		functions:     map[string]awslambda.Function{},
		schedules:     map[string]schedule{},
		alarms:        map[string]awscloudwatch.Alarm{},
	}
	s.addKeys()
	s.addTables()
	s.addQueues()
	s.addStateMachines()
	s.addFunctions()
	s.addSchedules()
	public := s.addAPI()
	s.addAlarms()
	s.addDashboard()
	s.suppressNagFindings(public)
	s.skipCheckov()
	return s
}

// addKeys makes the customer-managed KMS keys. Their key policy is CDK's
// default: the account may use a key as its IAM policies allow, so each
// function's role says what it may do with which key, and nothing else
// may. A key is retained when the stack is deleted (the retained tables'
// data and the stored secrets are unreadable without it) and its material
// rotates yearly.
func (s *Tredjepart) addKeys() {
	for _, k := range resources.Keys {
		s.keys[k.ID] = awskms.NewKey(s.stack, jsii.String(k.ID), &awskms.KeyProps{
			Description:       jsii.String(k.Description),
			Alias:             jsii.String("alias/" + *s.stack.StackName() + "/" + k.Alias),
			EnableKeyRotation: jsii.Bool(true),
			RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
		})
	}
}

func (s *Tredjepart) addTables() {
	for _, t := range resources.Tables {
		indexes := make([]*awsdynamodb.GlobalSecondaryIndexPropsV2, 0, len(t.Indexes))
		for _, ix := range t.Indexes {
			indexes = append(indexes, &awsdynamodb.GlobalSecondaryIndexPropsV2{
				IndexName:      jsii.String(ix.Name),
				PartitionKey:   attribute(ix.PartitionKey),
				SortKey:        attribute(ix.SortKey),
				ProjectionType: projection(ix),
				WarmThroughput: warmThroughput(ix.Warm),
			})
		}
		props := &awsdynamodb.TablePropsV2{
			PartitionKey:           attribute(t.PartitionKey),
			SortKey:                attribute(t.SortKey),
			GlobalSecondaryIndexes: &indexes,
			Billing:                awsdynamodb.Billing_OnDemand(nil),
			PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
				PointInTimeRecoveryEnabled: jsii.Bool(true),
			},
			// Consents and grants are records the end user relies on: a stack
			// deletion must not take them with it, nor a DeleteTable call
			// (deletion protection: turned off first, on purpose, or never).
			RemovalPolicy:      awscdk.RemovalPolicy_RETAIN,
			DeletionProtection: jsii.Bool(true),
			WarmThroughput:     warmThroughput(t.Warm),
		}
		if t.TTLAttribute != "" {
			props.TimeToLiveAttribute = jsii.String(t.TTLAttribute)
		}
		if t.Stream {
			props.DynamoStream = awsdynamodb.StreamViewType_NEW_AND_OLD_IMAGES
		}
		construct := awsdynamodb.NewTableV2(s.stack, jsii.String(t.ID), props)
		if t.Key != "" {
			encryptAtRest(construct, lookup(s.keys, "key", t.Key))
		}
		s.tables[t.ID] = table{t, construct}
	}
}

// encryptAtRest makes DynamoDB encrypt the table with key. CDK's own
// TableEncryptionV2_CustomerManagedKey names a key per replica region and
// so refuses a stack without a region, which this one is when synthesised
// without the CDK CLI (make synth, the tests): the table's one replica, in
// the stack's region, is given the key here instead. The table's grants
// then leave the key out, so grantTableKey grants it.
func encryptAtRest(t awsdynamodb.TableV2, key awskms.Key) {
	cfn := t.Node().DefaultChild().(awscdk.CfnResource)
	cfn.AddPropertyOverride(jsii.String("SSESpecification"), map[string]any{"SSEEnabled": true, "SSEType": "KMS"})
	cfn.AddPropertyOverride(jsii.String("Replicas.0.SSESpecification"), map[string]any{"KMSMasterKeyId": key.KeyArn()})
}

// Key actions a table's reader and writer need, used by DynamoDB on their
// behalf: those CDK's table grants add for a table with its own key.
var (
	tableKeyReadActions  = []string{"kms:Decrypt", "kms:DescribeKey"}
	tableKeyWriteActions = slices.Concat(tableKeyReadActions, []string{"kms:Encrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"})
)

// grantTableKey lets the grantee use the key of a table it reads (or
// writes), if the table has one.
func (s *Tredjepart) grantTableKey(grantee awsiam.IGrantable, tableID string, write bool) {
	t := lookup(s.tables, "table", tableID)
	if t.Key == "" {
		return
	}
	actions := tableKeyReadActions
	if write {
		actions = tableKeyWriteActions
	}
	lookup(s.keys, "key", t.Key).Grant(grantee, *jsii.Strings(actions...)...)
}

// warmThroughput maps a spec's warm throughput to CDK's, leaving out a zero
// figure (DynamoDB's default) and the whole setting when both are zero, so
// that a table without one has no WarmThroughput in the template at all.
func warmThroughput(w resources.WarmThroughput) *awsdynamodb.WarmThroughput {
	if w == (resources.WarmThroughput{}) {
		return nil
	}
	out := &awsdynamodb.WarmThroughput{}
	if w.ReadUnitsPerSecond != 0 {
		out.ReadUnitsPerSecond = jsii.Number(w.ReadUnitsPerSecond)
	}
	if w.WriteUnitsPerSecond != 0 {
		out.WriteUnitsPerSecond = jsii.Number(w.WriteUnitsPerSecond)
	}
	return out
}

// projection maps an index's projection to CDK's.
func projection(ix resources.Index) awsdynamodb.ProjectionType {
	if ix.KeysOnly {
		return awsdynamodb.ProjectionType_KEYS_ONLY
	}
	return awsdynamodb.ProjectionType_ALL
}

// attribute maps a spec key to CDK's; an unnamed (absent) sort key maps to nil.
func attribute(a resources.Attribute) *awsdynamodb.Attribute {
	if a.Name == "" {
		return nil
	}
	// jsii enums in Go carry the member name (STRING), not DynamoDB's code (S).
	types := map[resources.AttributeType]awsdynamodb.AttributeType{
		resources.String: awsdynamodb.AttributeType_STRING,
		resources.Number: awsdynamodb.AttributeType_NUMBER,
	}
	typ, ok := types[a.Type]
	if !ok {
		panic(fmt.Sprintf("resources: attribute %s has unsupported type %q", a.Name, a.Type))
	}
	return &awsdynamodb.Attribute{Name: jsii.String(a.Name), Type: typ}
}

func (s *Tredjepart) addQueues() {
	for _, q := range resources.Queues {
		dlq := awssqs.NewQueue(s.stack, jsii.String(q.DeadLetter.ID), &awssqs.QueueProps{
			RetentionPeriod: duration(q.DeadLetter.Retention),
			Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
			EnforceSSL:      jsii.Bool(true),
		})
		s.queues[q.ID] = queue{q, awssqs.NewQueue(s.stack, jsii.String(q.ID), &awssqs.QueueProps{
			VisibilityTimeout: duration(q.VisibilityTimeout),
			RetentionPeriod:   duration(q.Retention),
			DeadLetterQueue: &awssqs.DeadLetterQueue{
				Queue:           dlq,
				MaxReceiveCount: jsii.Number(q.DeadLetter.MaxReceiveCount),
			},
			Encryption: awssqs.QueueEncryption_SQS_MANAGED,
			EnforceSSL: jsii.Bool(true),
		})}
	}
}

func duration(d time.Duration) awscdk.Duration {
	return awscdk.Duration_Seconds(jsii.Number(d.Seconds()))
}

func (s *Tredjepart) addStateMachines() {
	for _, m := range resources.StateMachines {
		substitutions := make(map[string]*string, len(m.Substitutions))
		for name, sub := range m.Substitutions {
			switch {
			case sub.TableName != "":
				substitutions[name] = lookup(s.tables, "table", sub.TableName).construct.TableName()
			case sub.QueueURL != "":
				substitutions[name] = lookup(s.queues, "queue", sub.QueueURL).construct.QueueUrl()
			default:
				panic(fmt.Sprintf("resources: state machine %s: substitution %s names nothing", m.ID, name))
			}
		}
		sm := awsstepfunctions.NewStateMachine(s.stack, jsii.String(m.ID), &awsstepfunctions.StateMachineProps{
			StateMachineType:        awsstepfunctions.StateMachineType_STANDARD,
			DefinitionBody:          awsstepfunctions.DefinitionBody_FromString(jsii.String(m.Definition)),
			DefinitionSubstitutions: &substitutions,
			Logs: &awsstepfunctions.LogOptions{
				Destination: awslogs.NewLogGroup(s.stack, jsii.String(m.ID+"Logs"), &awslogs.LogGroupProps{Retention: logRetention}),
				Level:       awsstepfunctions.LogLevel_ERROR,
			},
			// X-Ray: each execution's states and service calls in one trace.
			TracingEnabled: jsii.Bool(true),
		})
		// Exactly the listed actions on exactly the listed resources: the
		// convenience grants (GrantSendMessages, GrantWriteData) add more.
		for _, p := range m.Permissions {
			actions := *jsii.Strings(p.Actions...)
			switch {
			case p.Table != "":
				lookup(s.tables, "table", p.Table).construct.Grant(sm, actions...)
			case p.Queue != "":
				lookup(s.queues, "queue", p.Queue).construct.Grant(sm, actions...)
			case p.Key != "":
				lookup(s.keys, "key", p.Key).Grant(sm, actions...)
			default:
				panic(fmt.Sprintf("resources: state machine %s: permission %v names no resource", m.ID, p.Actions))
			}
		}
		s.stateMachines[m.ID] = stateMachine{m, sm}
	}
}

func (s *Tredjepart) addFunctions() {
	assets := s.context(lambdaAssetsContext)
	for _, f := range resources.Functions {
		if err := f.Validate(); err != nil {
			panic(err.Error())
		}
		// The environment is resources' (the local stack builds its own from
		// the same), with this stack's tokens as values.
		env := f.Environment(deployment{s})
		logGroup := awslogs.NewLogGroup(s.stack, jsii.String(f.ID+"Logs"), &awslogs.LogGroupProps{Retention: logRetention})
		props := &awslambda.FunctionProps{
			Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
			Architecture: awslambda.Architecture_ARM_64(),
			Handler:      jsii.String("bootstrap"),
			Code:         awslambda.Code_FromAsset(jsii.String(filepath.Join(assets, f.Dir)), nil),
			MemorySize:   jsii.Number(f.MemoryMB()),
			Timeout:      duration(f.MaxDuration()),
			LogGroup:     logGroup,
			// The code logs JSON (slog) at AWS_LAMBDA_LOG_LEVEL, which Lambda
			// sets from the application log level: the LOG_LEVEL the local
			// stack runs with. Lambda's own lines (START, REPORT) only from
			// WARN up: timeouts and crashes, not one per invocation.
			LoggingFormat:         awslambda.LoggingFormat_JSON,
			ApplicationLogLevelV2: applicationLogLevel(f, env),
			SystemLogLevelV2:      awslambda.SystemLogLevel_WARN,
			// X-Ray: Lambda records each invocation and runs the daemon the
			// code sends its SDK calls' subsegments to (shared/tracing).
			Tracing: awslambda.Tracing_ACTIVE,
		}
		if n := f.ReservedConcurrency(); n > 0 {
			props.ReservedConcurrentExecutions = jsii.Number(n)
		}
		if f.OnFailure != "" {
			// An asynchronous invocation (the schedule's) that failed Lambda's
			// retries lands here instead of vanishing; the destination grants
			// the function sqs:SendMessage on that queue.
			dlq := lookup(s.queues, "queue", f.OnFailure).construct.DeadLetterQueue().Queue
			props.OnFailure = awslambdadestinations.NewSqsDestination(dlq)
		}
		fn := awslambda.NewFunction(s.stack, jsii.String(f.ID), props)
		// Its own log group only: CDK's role comes with AWSLambdaBasicExecutionRole,
		// which lets it create and write every log group of the account.
		fn.Role().Node().DefaultChild().(awsiam.CfnRole).SetManagedPolicyArns(nil)
		logGroup.GrantWrite(fn)
		for _, v := range env {
			fn.AddEnvironment(jsii.String(v.Name), jsii.String(v.Value), nil)
		}
		s.grantSecrets(fn, f)
		for _, id := range f.ReadTables {
			lookup(s.tables, "table", id).construct.GrantReadData(fn)
			s.grantTableKey(fn, id, false)
		}
		for _, id := range f.WriteTables {
			lookup(s.tables, "table", id).construct.GrantReadWriteData(fn)
			s.grantTableKey(fn, id, true)
		}
		for _, id := range f.SendQueues {
			lookup(s.queues, "queue", id).construct.GrantSendMessages(fn)
		}
		// Redriving reads the queue's depth and its redrive policy (which
		// names the dead-letter queue), and takes the dead letters.
		for _, id := range f.Redrives {
			q := lookup(s.queues, "queue", id).construct
			q.Grant(fn, jsii.String("sqs:GetQueueAttributes"))
			q.DeadLetterQueue().Queue.GrantConsumeMessages(fn)
		}
		// Exactly kms:Encrypt and kms:Decrypt: GrantEncrypt would add
		// kms:ReEncrypt* and kms:GenerateDataKey*, which no function uses.
		for _, id := range f.Encrypts {
			lookup(s.keys, "key", id).Grant(fn, jsii.String("kms:Encrypt"))
		}
		for _, id := range f.Decrypts {
			lookup(s.keys, "key", id).Grant(fn, jsii.String("kms:Decrypt"))
		}
		for _, id := range f.StateMachines {
			m := lookup(s.stateMachines, "state machine", id).construct
			m.GrantStartExecution(fn)
			// Withdrawing a request stops its expiry execution; GrantExecution
			// scopes these to arn:…:execution:<state machine name>:*.
			m.GrantExecution(fn, jsii.String("states:StopExecution"), jsii.String("states:DescribeExecution"))
		}
		s.addConsumers(fn, f)
		s.addFollowers(fn, f)
		s.functions[f.ID] = fn
	}
}

// applicationLogLevel is Lambda's application log level for the LOG_LEVEL
// in a function's environment.
func applicationLogLevel(f resources.Function, env []resources.EnvVar) awslambda.ApplicationLogLevel {
	levels := map[string]awslambda.ApplicationLogLevel{
		"TRACE": awslambda.ApplicationLogLevel_TRACE, "DEBUG": awslambda.ApplicationLogLevel_DEBUG,
		"INFO": awslambda.ApplicationLogLevel_INFO, "WARN": awslambda.ApplicationLogLevel_WARN,
		"ERROR": awslambda.ApplicationLogLevel_ERROR, "FATAL": awslambda.ApplicationLogLevel_FATAL,
	}
	for _, v := range env {
		if v.Name == resources.LogLevelEnv {
			if level, ok := levels[v.Value]; ok {
				return level
			}
			panic(fmt.Sprintf("resources: function %s has %s=%q, which Lambda does not know", f.ID, v.Name, v.Value))
		}
	}
	panic(fmt.Sprintf("resources: function %s has no %s", f.ID, resources.LogLevelEnv))
}

// deployment is resources.Deployment on AWS: the values are this stack's
// tokens and its context.
type deployment struct{ s *Tredjepart }

func (d deployment) TableName(id string) string {
	return *lookup(d.s.tables, "table", id).construct.TableName()
}

func (d deployment) QueueURL(id string) string {
	return *lookup(d.s.queues, "queue", id).construct.QueueUrl()
}

func (d deployment) StateMachineARN(id string) string {
	return *lookup(d.s.stateMachines, "state machine", id).construct.StateMachineArn()
}

// Setting comes from context, one key per variable. OIDC_REDIRECT_URL
// cannot be derived from the API's URL: a function whose environment refers
// to the HttpApi that integrates the same function is a dependency cycle in
// CloudFormation. So cdk.json holds a placeholder that the operator
// overrides with the deployed (custom) domain.
func (d deployment) Setting(name string) string { return d.s.context(name) }

func (d deployment) KeyARN(id string) string {
	return *lookup(d.s.keys, "key", id).KeyArn()
}

func (d deployment) SecretParameter(name string) string {
	return resources.SecretParameterName(d.s.secretsPrefix(), name)
}

// addConsumers makes each queue f consumes invoke it with batches of
// messages. The function reports the messages it failed (partial batch
// response), so only those return to the queue and, after MaxReceiveCount
// receives, go to its dead-letter queue. SqsEventSource grants the function
// the consume actions (sqs:ReceiveMessage, sqs:DeleteMessage, …) on that
// queue only.
func (s *Tredjepart) addConsumers(fn awslambda.Function, f resources.Function) {
	for _, c := range f.Consumes {
		q := lookup(s.queues, "queue", c.Queue)
		// A queue a function consumes must hide a received message at least
		// as long as the function may run, or a batch still being processed
		// would be delivered a second time.
		if q.VisibilityTimeout < f.MaxDuration() {
			panic(fmt.Sprintf("resources: function %s consumes queue %s, whose visibility timeout %v is shorter than the function's timeout %v",
				f.ID, q.ID, q.VisibilityTimeout, f.MaxDuration()))
		}
		// Lambda's limits for a standard queue without a batching window.
		if c.BatchSize < 1 || c.BatchSize > 10 {
			panic(fmt.Sprintf("resources: function %s consumes queue %s in batches of %d, want 1 to 10", f.ID, q.ID, c.BatchSize))
		}
		props := &awslambdaeventsources.SqsEventSourceProps{
			BatchSize:               jsii.Number(c.BatchSize),
			ReportBatchItemFailures: jsii.Bool(true),
		}
		if c.MaxConcurrency != 0 {
			if c.MaxConcurrency < 2 || c.MaxConcurrency > 1000 {
				panic(fmt.Sprintf("resources: function %s consumes queue %s at most %d at once, want 2 to 1000", f.ID, q.ID, c.MaxConcurrency))
			}
			props.MaxConcurrency = jsii.Number(c.MaxConcurrency)
		}
		fn.AddEventSource(awslambdaeventsources.NewSqsEventSource(q.construct, props))
	}
}

// addFollowers makes each table stream f follows invoke it with the
// stream's records in order, from the oldest kept, reporting the record it
// failed at so that Lambda retries from there. A batch still failing when
// resources.FollowRetry runs out goes, as its invocation record, to the
// dead-letter queue of f.FollowFailures (the mapping grants f send on it),
// and the shard reads on.
func (s *Tredjepart) addFollowers(fn awslambda.Function, f resources.Function) {
	if len(f.Follows) > 0 && f.FollowFailures == "" {
		panic(fmt.Sprintf("resources: function %s follows streams with no queue for the batches it fails", f.ID))
	}
	retry := resources.FollowRetry
	for _, id := range f.Follows {
		t := lookup(s.tables, "table", id)
		if !t.Stream {
			panic(fmt.Sprintf("resources: function %s follows table %s, which has no stream", f.ID, id))
		}
		fn.AddEventSourceMapping(jsii.String("Follows"+id), &awslambda.EventSourceMappingOptions{
			EventSourceArn:          t.construct.TableStreamArn(),
			StartingPosition:        awslambda.StartingPosition_TRIM_HORIZON,
			BatchSize:               jsii.Number(followBatchSize),
			ReportBatchItemFailures: jsii.Bool(true),
			RetryAttempts:           jsii.Number(retry.Attempts),
			BisectBatchOnError:      jsii.Bool(retry.Bisect),
			MaxRecordAge:            duration(retry.MaxRecordAge),
			OnFailure:               awslambdaeventsources.NewSqsDlq(lookup(s.queues, "queue", f.FollowFailures).construct.DeadLetterQueue().Queue),
		})
		t.construct.GrantStreamRead(fn)
		s.grantTableKey(fn, id, false) // the stream is encrypted with the table's key
	}
}

// followBatchSize is how many stream records one invocation gets.
const followBatchSize = 100

// addSchedules makes an EventBridge Scheduler schedule per resources.Schedule.
// Each has its own role, which the scheduler assumes to invoke exactly its
// function and, once the retries are used up, to send the event to exactly
// its dead-letter queue.
func (s *Tredjepart) addSchedules() {
	for _, sc := range resources.Schedules {
		fn := lookup(s.functions, "function", sc.Function)
		dlq := lookup(s.queues, "queue", sc.DeadLetter).construct.DeadLetterQueue().Queue
		// Scheduler's limits for a target's retry policy.
		if sc.RetryAttempts < 0 || sc.RetryAttempts > 185 {
			panic(fmt.Sprintf("resources: schedule %s retries %d times, want 0 to 185", sc.ID, sc.RetryAttempts))
		}
		if sc.MaxEventAge < time.Minute || sc.MaxEventAge > 24*time.Hour || sc.MaxEventAge%time.Second != 0 {
			panic(fmt.Sprintf("resources: schedule %s keeps events %v, want whole seconds from 1m to 24h", sc.ID, sc.MaxEventAge))
		}
		if sc.Expression == "" || sc.Timezone == "" {
			panic(fmt.Sprintf("resources: schedule %s needs an expression and a time zone", sc.ID))
		}
		role := awsiam.NewRole(s.stack, jsii.String(sc.ID+"Role"), &awsiam.RoleProps{
			// Only schedules of this account may assume it (confused deputy).
			AssumedBy: awsiam.NewServicePrincipal(jsii.String("scheduler.amazonaws.com"), &awsiam.ServicePrincipalOpts{
				Conditions: &map[string]any{
					"StringEquals": map[string]any{"aws:SourceAccount": s.stack.Account()},
				},
			}),
		})
		// Not fn.GrantInvoke: that also allows the function's versions and aliases (<arn>:*).
		role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Effect:    awsiam.Effect_ALLOW,
			Actions:   jsii.Strings("lambda:InvokeFunction"),
			Resources: jsii.Strings(*fn.FunctionArn()),
		}))
		// Not dlq.GrantSendMessages: that adds sqs:GetQueueAttributes and sqs:GetQueueUrl.
		role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Effect:    awsiam.Effect_ALLOW,
			Actions:   jsii.Strings("sqs:SendMessage"),
			Resources: jsii.Strings(*dlq.QueueArn()),
		}))
		cfn := awsscheduler.NewCfnSchedule(s.stack, jsii.String(sc.ID), &awsscheduler.CfnScheduleProps{
			ScheduleExpression:         jsii.String(sc.Expression),
			ScheduleExpressionTimezone: jsii.String(sc.Timezone),
			FlexibleTimeWindow:         &awsscheduler.CfnSchedule_FlexibleTimeWindowProperty{Mode: jsii.String("OFF")},
			State:                      jsii.String("ENABLED"),
			Target: &awsscheduler.CfnSchedule_TargetProperty{
				Arn:     fn.FunctionArn(),
				RoleArn: role.RoleArn(),
				Input:   jsii.String("{}"),
				RetryPolicy: &awsscheduler.CfnSchedule_RetryPolicyProperty{
					MaximumRetryAttempts:     jsii.Number(sc.RetryAttempts),
					MaximumEventAgeInSeconds: jsii.Number(sc.MaxEventAge.Seconds()),
				},
				DeadLetterConfig: &awsscheduler.CfnSchedule_DeadLetterConfigProperty{Arn: dlq.QueueArn()},
			},
		})
		// The policy must exist before the schedule first invokes the
		// function. Not on the role: RoleArn already waits for that.
		cfn.Node().AddDependency(role.Node().FindChild(jsii.String("DefaultPolicy")))
		s.schedules[sc.ID] = schedule{sc, cfn, role}
	}
}

// addAlarms makes the operators' SNS topic and one CloudWatch alarm per
// resources.Alarms entry, each notifying the topic when it goes into ALARM.
//
// The topic is encrypted with a key of its own: CloudWatch cannot publish to
// a topic encrypted with the AWS-managed SNS key, whose policy nobody can
// extend, so this key's policy lets CloudWatch (for this account's alarms
// only) encrypt. The topic's policy refuses publishing without TLS; being a
// policy of its own, it replaces SNS's default one, so it names CloudWatch
// as a publisher too. Principals of this account keep what IAM grants them.
func (s *Tredjepart) addAlarms() {
	fromThisAccount := &map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": s.stack.Account()}}
	cloudWatch := awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)
	key := awskms.NewKey(s.stack, jsii.String(resources.AlarmTopicID+"Key"), &awskms.KeyProps{
		Description:       jsii.String("Encrypts the alarm topic's messages"),
		EnableKeyRotation: jsii.Bool(true),
	})
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Effect:     awsiam.Effect_ALLOW,
		Principals: &[]awsiam.IPrincipal{cloudWatch},
		Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey*"),
		Resources:  jsii.Strings("*"), // in a key policy: this key
		Conditions: fromThisAccount,
	}), nil)
	s.alarmTopic = awssns.NewTopic(s.stack, jsii.String(resources.AlarmTopicID), &awssns.TopicProps{
		DisplayName: jsii.String("Tredjepart alarms"),
		MasterKey:   key,
		EnforceSSL:  jsii.Bool(true),
	})
	s.alarmTopic.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Effect:     awsiam.Effect_ALLOW,
		Principals: &[]awsiam.IPrincipal{cloudWatch},
		Actions:    jsii.Strings("sns:Publish"),
		Resources:  jsii.Strings(*s.alarmTopic.TopicArn()),
		Conditions: fromThisAccount,
	}))
	for _, address := range s.alarmEmails() {
		s.alarmTopic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(address), nil))
	}
	action := awscloudwatchactions.NewSnsAction(s.alarmTopic)
	for _, a := range resources.Alarms {
		alarm := awscloudwatch.NewAlarm(s.stack, jsii.String(a.ID), &awscloudwatch.AlarmProps{
			AlarmName:          jsii.String(*s.stack.StackName() + "-" + a.ID),
			AlarmDescription:   jsii.String(a.Description),
			Metric:             s.alarmMetric(a),
			Threshold:          jsii.Number(a.Threshold),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
			EvaluationPeriods:  jsii.Number(1),
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		})
		alarm.AddAlarmAction(action)
		s.alarms[a.ID] = alarm
	}
}

// alarmMetric is the CloudWatch metric an alarm spec watches.
func (s *Tredjepart) alarmMetric(a resources.Alarm) awscloudwatch.IMetric {
	maximum := &awscloudwatch.MetricOptions{Period: duration(a.Period), Statistic: jsii.String("Maximum")}
	sum := &awscloudwatch.MetricOptions{Period: duration(a.Period), Statistic: jsii.String("Sum")}
	switch a.Metric {
	case resources.ExecutionsFailed:
		m := lookup(s.stateMachines, "state machine", a.StateMachine).construct
		return math(a.Period, "FILL(failed, 0) + FILL(timedOut, 0) + FILL(aborted, 0)", map[string]awscloudwatch.IMetric{
			"failed": m.MetricFailed(sum), "timedOut": m.MetricTimedOut(sum), "aborted": m.MetricAborted(sum),
		})
	case resources.BusinessCount:
		return businessMetric(a.BusinessMetric, a.Period)
	case resources.DeliveryOutstanding:
		return math(a.Period, "FILL(due, 0) - FILL(done, 0)", map[string]awscloudwatch.IMetric{
			"due": businessMetric(metrics.DeliveryPointsDue, a.Period), "done": businessMetric(metrics.DeliveryPointsDone, a.Period),
		})
	case resources.APILatencyP95:
		return s.api.MetricLatency(&awscloudwatch.MetricOptions{Period: duration(a.Period), Statistic: jsii.String("p95")})
	case resources.APIServerErrorPercent:
		return math(a.Period, "IF(requests > 0, 100 * FILL(errors, 0) / requests, 0)", map[string]awscloudwatch.IMetric{
			"errors": s.api.MetricServerError(sum), "requests": s.api.MetricCount(sum),
		})
	case resources.DeadLetterMessages:
		return lookup(s.queues, "queue", a.Queue).construct.DeadLetterQueue().Queue.MetricApproximateNumberOfMessagesVisible(maximum)
	case resources.OldestMessageAge:
		return lookup(s.queues, "queue", a.Queue).construct.MetricApproximateAgeOfOldestMessage(maximum)
	case resources.FunctionErrors:
		return lookup(s.functions, "function", a.Function).MetricErrors(&awscloudwatch.MetricOptions{
			Period: duration(a.Period), Statistic: jsii.String("Sum"),
		})
	}
	panic(fmt.Sprintf("resources: alarm %s watches %q, which the stack cannot build", a.ID, a.Metric))
}

// businessMetric is the total of one of package metrics' metrics (its
// dimensionless set) over each period.
func businessMetric(name string, period time.Duration, dimensions ...metrics.Dimension) awscloudwatch.Metric {
	props := &awscloudwatch.MetricProps{
		Namespace: jsii.String(metrics.Namespace), MetricName: jsii.String(name),
		Statistic: jsii.String("Sum"), Period: duration(period),
	}
	if len(dimensions) > 0 {
		dims := map[string]*string{}
		for _, d := range dimensions {
			dims[d.Name] = jsii.String(d.Value)
		}
		props.DimensionsMap = &dims
	}
	return awscloudwatch.NewMetric(props)
}

// math is a metric math expression over named metrics.
func math(period time.Duration, expression string, using map[string]awscloudwatch.IMetric) awscloudwatch.MathExpression {
	return awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
		Expression: jsii.String(expression), UsingMetrics: &using, Period: duration(period),
	})
}

// alarmEmails reads the optional alarmEmail context: none, one address, or
// several separated by commas.
func (s *Tredjepart) alarmEmails() []string {
	v := s.stack.Node().TryGetContext(jsii.String(alarmEmailContext))
	if v == nil {
		return nil
	}
	list, ok := v.(string)
	if !ok {
		panic(fmt.Sprintf("context %q = %v: want e-mail addresses separated by commas, or empty", alarmEmailContext, v))
	}
	var addresses []string
	for _, address := range strings.Split(list, ",") {
		address = strings.TrimSpace(address)
		if address == "" {
			continue
		}
		if at := strings.Index(address, "@"); at < 1 || at == len(address)-1 || strings.ContainsAny(address, " \t") {
			panic(fmt.Sprintf("context %q: %q is not an e-mail address", alarmEmailContext, address))
		}
		addresses = append(addresses, address)
	}
	return addresses
}

// grantSecrets lets the function read exactly the SSM parameters its
// environment names for its Secrets (X_PARAM = <secretsPrefix>/<x-in-kebab-case>).
// The function fetches them (with decryption) at run time, so no secret
// value is in the template or in the Lambda configuration.
//
// The parameters are not created here: CloudFormation cannot create
// SecureString parameters, so operators put them before deploying, e.g.
//
//	aws ssm put-parameter --type SecureString --name /tredjepart/cookie-keys --value …
//
// With the default key (alias/aws/ssm) no KMS grant is needed: its key policy
// lets any principal of the account decrypt through SSM. A customer-managed
// key would need kms:Decrypt on it in addition.
func (s *Tredjepart) grantSecrets(fn awslambda.Function, f resources.Function) {
	if len(f.Secrets) == 0 {
		return
	}
	arns := make([]*string, 0, len(f.Secrets))
	for _, name := range f.Secrets {
		parameter := resources.SecretParameterName(s.secretsPrefix(), name)
		arns = append(arns, s.stack.FormatArn(&awscdk.ArnComponents{
			Service:      jsii.String("ssm"),
			Resource:     jsii.String("parameter"),
			ResourceName: jsii.String(strings.TrimPrefix(parameter, "/")), // the ARN has parameter/tredjepart/…, not parameter//…
			ArnFormat:    awscdk.ArnFormat_SLASH_RESOURCE_NAME,
		}))
	}
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Effect:    awsiam.Effect_ALLOW,
		Actions:   jsii.Strings("ssm:GetParameter"),
		Resources: &arns,
	}))
}

// secretsPrefix is the SSM path under which functions' secrets live.
func (s *Tredjepart) secretsPrefix() string {
	prefix := s.context(secretsPrefixContext)
	if !strings.HasPrefix(prefix, "/") || strings.HasSuffix(prefix, "/") {
		panic(fmt.Sprintf("context %q = %q: want an SSM path such as /tredjepart (leading /, no trailing /)", secretsPrefixContext, prefix))
	}
	return prefix
}

// addAPI makes the HTTP API and returns its public routes.
func (s *Tredjepart) addAPI() (public []awsapigatewayv2.HttpRoute) {
	authorizer := awsapigatewayv2authorizers.NewHttpJwtAuthorizer(
		jsii.String("Jwt"),
		jsii.String(s.context(jwtIssuerContext)),
		&awsapigatewayv2authorizers.HttpJwtAuthorizerProps{JwtAudience: jsii.Strings(s.context(jwtAudienceContext))},
	)
	// No default authorizer: each route names its own, so a public route is
	// public because it says so, not because a default was left out.
	api := awsapigatewayv2.NewHttpApi(s.stack, jsii.String("Api"), &awsapigatewayv2.HttpApiProps{
		CreateDefaultStage: jsii.Bool(false), // made below, with throttling and an access log
	})
	s.api = api
	stage := s.addStage(api)
	none := awsapigatewayv2.NewHttpNoneAuthorizer()
	// One integration per function, shared by its routes.
	integrations := map[string]awsapigatewayv2integrations.HttpLambdaIntegration{}
	for _, r := range resources.Routes {
		integration, ok := integrations[r.Function]
		if !ok {
			integration = awsapigatewayv2integrations.NewHttpLambdaIntegration(
				jsii.String(r.Function+"Integration"),
				lookup(s.functions, "function", r.Function),
				&awsapigatewayv2integrations.HttpLambdaIntegrationProps{
					PayloadFormatVersion: awsapigatewayv2.PayloadFormatVersion_VERSION_2_0(),
				},
			)
			integrations[r.Function] = integration
		}
		options := &awsapigatewayv2.AddRoutesOptions{
			Path:                jsii.String(r.Path),
			Methods:             &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod(r.Method)},
			Integration:         integration,
			Authorizer:          authorizer,
			AuthorizationScopes: jsii.Strings(r.Scopes...),
		}
		if r.Public {
			// The end user's browser pages: the function keeps its own session.
			if len(r.Scopes) > 0 {
				panic(fmt.Sprintf("resources: route %s is public but has scopes %v", r.Key(), r.Scopes))
			}
			options.Authorizer, options.AuthorizationScopes = none, nil
		}
		routes := api.AddRoutes(options)
		if r.Public {
			public = append(public, *routes...)
		}
	}
	awscdk.NewCfnOutput(s.stack, jsii.String("ApiUrl"), &awscdk.CfnOutputProps{Value: stage.Url()})
	return public
}

// addStage makes the API's $default stage (the id CDK's own default stage
// has, so the logical id stays), throttling each route to
// resources.APIThrottle and logging each request as one JSON line: the
// route key rather than the path, which holds metering point and request
// ids; the caller's OAuth client id (the token's client_id claim, "-" on a
// public route), never the token; the client's address, which is personal
// data, for a month.
func (s *Tredjepart) addStage(api awsapigatewayv2.HttpApi) awsapigatewayv2.HttpStage {
	stage := api.AddStage(jsii.String("DefaultStage"), &awsapigatewayv2.HttpStageOptions{
		StageName:  jsii.String("$default"),
		AutoDeploy: jsii.Bool(true),
		Throttle: &awsapigatewayv2.ThrottleSettings{
			RateLimit:  jsii.Number(resources.APIThrottle.RatePerSecond),
			BurstLimit: jsii.Number(resources.APIThrottle.Burst),
		},
	})
	logs := awslogs.NewLogGroup(s.stack, jsii.String("ApiAccessLogs"), &awslogs.LogGroupProps{Retention: logRetention})
	s.apiLogs = logs
	format, err := json.Marshal(map[string]string{
		"clientId":          "$context.authorizer.claims.client_id",
		"requestId":         "$context.requestId",
		"time":              "$context.requestTimeEpoch",
		"ip":                "$context.identity.sourceIp",
		"route":             "$context.routeKey",
		"status":            "$context.status",
		"latency":           "$context.responseLatency",
		"length":            "$context.responseLength",
		"authorizer":        "$context.authorizer.error",
		"integration":       "$context.integrationErrorMessage",
		"integrationStatus": "$context.integrationStatus",
	})
	if err != nil {
		panic(err)
	}
	stage.Node().DefaultChild().(awsapigatewayv2.CfnStage).SetAccessLogSettings(&awsapigatewayv2.CfnStage_AccessLogSettingsProperty{
		DestinationArn: logs.LogGroupArn(),
		Format:         jsii.String(string(format)),
	})
	return stage
}

// context reads a required string from CDK context.
func (s *Tredjepart) context(key string) string {
	v, _ := s.stack.Node().TryGetContext(jsii.String(key)).(string)
	if v == "" {
		panic(fmt.Sprintf("context %q must be a non-empty string (cdk.json or -c %s=…)", key, key))
	}
	return v
}

// lookup finds the construct a spec refers to by ID, failing synthesis with a
// readable message when resources names something it does not define.
func lookup[T any](m map[string]T, kind, id string) T {
	v, ok := m[id]
	if !ok {
		panic(fmt.Sprintf("resources: unknown %s %q", kind, id))
	}
	return v
}
