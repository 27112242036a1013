// Package provision is an emulator: it creates the stack's keys, tables,
// queues and state machine from shared/resources on an emulator (moto, or
// LocalStack), the same definitions the CDK app deploys. Running it again
// changes nothing. It calls KMS, SSM and Step Functions through package
// awsjson: their SDK clients would be linked into the runner for a handful
// of calls, and compiling them costs seconds on a fresh machine.
package provision

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/tredjepart/tredjepart/localstack/emulate/lambdaenv"
	"github.com/tredjepart/tredjepart/shared/awsjson"
	"github.com/tredjepart/tredjepart/shared/resources"
)

// Stack is what was created: physical names, queue URLs and ARNs by ID.
type Stack struct {
	Keys          map[string]string // key ARN by ID
	Tables        map[string]string
	QueueURLs     map[string]string
	DeadLetters   map[string]string // DLQ URL by the main queue's ID
	StateMachines map[string]string
	Streams       map[string]string // stream ARN by table ID
}

// Env is the environment a function receives on AWS, by resources' EnvVar
// names, with the sandbox's rate limit (resources.SandboxRateLimit) as the
// API functions' RATE_LIMIT setting.
func (s Stack) Env() map[string]string {
	env := map[string]string{resources.RateLimitSetting: resources.SandboxRateLimit}
	for _, t := range resources.Tables {
		env[t.EnvVar] = s.Tables[t.ID]
	}
	for _, q := range resources.Queues {
		env[q.EnvVar] = s.QueueURLs[q.ID]
	}
	for _, m := range resources.StateMachines {
		env[m.EnvVar] = s.StateMachines[m.ID]
	}
	for _, k := range resources.Keys {
		if k.EnvVar != "" {
			env[k.EnvVar] = s.Keys[k.ID]
		}
	}
	return env
}

// Deployment is what functions' environments take from the stack (see
// lambdaenv), with settings' values by name and the secrets under
// SecretsPrefix (PutSecrets). A rate limit that settings do not name is
// the sandbox's (resources.SandboxRateLimit).
func (s Stack) Deployment(settings map[string]string) lambdaenv.Stack {
	withLimit := map[string]string{resources.RateLimitSetting: resources.SandboxRateLimit}
	maps.Copy(withLimit, settings)
	return lambdaenv.Stack{Tables: s.Tables, QueueURLs: s.QueueURLs, StateMachines: s.StateMachines, Keys: s.Keys, Settings: withLimit, SecretsPrefix: SecretsPrefix}
}

// SecretsPrefix is the SSM path under which the local stack keeps the
// functions' secrets, as the CDK context secretsPrefix names it on AWS.
const SecretsPrefix = "/tredjepart-local"

// PutSecrets puts every secret a function declares, its value taken from
// values by name, as a SecureString parameter under prefix, where the
// function reads it as it does on AWS. Running it again overwrites them.
func PutSecrets(ctx context.Context, cfg aws.Config, prefix string, values map[string]string) error {
	client := awsjson.New(cfg, awsjson.SSM)
	done := map[string]bool{}
	for _, f := range resources.Functions {
		for _, name := range f.Secrets {
			if done[name] {
				continue
			}
			done[name] = true
			if values[name] == "" {
				return fmt.Errorf("secret %s of %s has no value", name, f.ID)
			}
			parameter := resources.SecretParameterName(prefix, name)
			err := client.Call(ctx, "PutParameter", struct {
				Name, Value, Type string
				Overwrite         bool
			}{parameter, values[name], "SecureString", true}, nil)
			if err != nil {
				return fmt.Errorf("put secret %s as %s: %w", name, parameter, err)
			}
		}
	}
	return nil
}

// localRoleARN is a role the emulators accept; they do not enforce IAM.
const localRoleARN = "arn:aws:iam::000000000000:role/tredjepart-local"

// Provision creates everything in resources, skipping what exists.
func Provision(ctx context.Context, cfg aws.Config) (Stack, error) {
	s := Stack{
		Keys: map[string]string{}, Tables: map[string]string{}, QueueURLs: map[string]string{}, DeadLetters: map[string]string{},
		StateMachines: map[string]string{}, Streams: map[string]string{},
	}
	keys := awsjson.New(cfg, awsjson.KMS)
	for _, k := range resources.Keys {
		arn, err := createKey(ctx, keys, k)
		if err != nil {
			return s, err
		}
		s.Keys[k.ID] = arn
	}
	db := dynamodb.NewFromConfig(cfg)
	for _, t := range resources.Tables {
		stream, err := createTable(ctx, db, t, s.Keys[t.Key])
		if err != nil {
			return s, err
		}
		s.Tables[t.ID] = t.LocalName
		if t.Stream {
			s.Streams[t.ID] = stream
		}
	}
	q := sqs.NewFromConfig(cfg)
	for _, spec := range resources.Queues {
		dlq, main, err := createQueue(ctx, q, spec)
		if err != nil {
			return s, err
		}
		s.DeadLetters[spec.ID], s.QueueURLs[spec.ID] = dlq, main
	}
	sf := awsjson.New(cfg, awsjson.StepFunctions)
	for _, m := range resources.StateMachines {
		arn, err := createStateMachine(ctx, sf, m, s)
		if err != nil {
			return s, err
		}
		s.StateMachines[m.ID] = arn
	}
	return s, nil
}

// createKey returns the ARN of the key with k's alias, creating the key
// (with rotation, as infra/ deploys it) and the alias if there is none.
func createKey(ctx context.Context, client *awsjson.Client, k resources.Key) (string, error) {
	type keyID struct {
		KeyID string `json:"KeyId"`
	}
	var existing, created struct{ KeyMetadata struct{ Arn, KeyID string } }
	err := client.Call(ctx, "DescribeKey", keyID{k.LocalAlias}, &existing)
	if err == nil {
		return existing.KeyMetadata.Arn, nil
	}
	if !awsjson.IsCode(err, "NotFoundException") {
		return "", fmt.Errorf("describe key %s: %w", k.LocalAlias, err)
	}
	err = client.Call(ctx, "CreateKey", struct{ Description, KeySpec, KeyUsage string }{
		k.Description, "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT",
	}, &created)
	if err != nil {
		return "", fmt.Errorf("create key %s: %w", k.ID, err)
	}
	if err := client.Call(ctx, "EnableKeyRotation", keyID{created.KeyMetadata.KeyID}, nil); err != nil {
		return "", fmt.Errorf("enable rotation of key %s: %w", k.ID, err)
	}
	err = client.Call(ctx, "CreateAlias", struct {
		AliasName   string
		TargetKeyID string `json:"TargetKeyId"`
	}{k.LocalAlias, created.KeyMetadata.KeyID}, nil)
	if err != nil {
		return "", fmt.Errorf("create alias %s: %w", k.LocalAlias, err)
	}
	return created.KeyMetadata.Arn, nil
}

// streamSpecification is the stream a table with resources.Table.Stream keeps,
// as infra/ deploys it.
var streamSpecification = &dbtypes.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: dbtypes.StreamViewTypeNewAndOldImages}

// createTable creates t, encrypted with the key keyARN if it is not empty,
// and returns its stream's ARN, if it has a stream. A table that exists
// already is left as it is, except that a stream it should have and lacks
// (it was provisioned before the stream was added) is enabled.
func createTable(ctx context.Context, db *dynamodb.Client, t resources.Table, keyARN string) (streamARN string, err error) {
	attrs := map[string]resources.AttributeType{}
	keySchema := func(pk, sk resources.Attribute) []dbtypes.KeySchemaElement {
		attrs[pk.Name], attrs[sk.Name] = pk.Type, sk.Type
		return []dbtypes.KeySchemaElement{
			{AttributeName: aws.String(pk.Name), KeyType: dbtypes.KeyTypeHash},
			{AttributeName: aws.String(sk.Name), KeyType: dbtypes.KeyTypeRange},
		}
	}
	input := &dynamodb.CreateTableInput{
		TableName:   aws.String(t.LocalName),
		BillingMode: dbtypes.BillingModePayPerRequest,
		KeySchema:   keySchema(t.PartitionKey, t.SortKey),
	}
	for _, ix := range t.Indexes {
		projection := dbtypes.ProjectionTypeAll
		if ix.KeysOnly {
			projection = dbtypes.ProjectionTypeKeysOnly
		}
		input.GlobalSecondaryIndexes = append(input.GlobalSecondaryIndexes, dbtypes.GlobalSecondaryIndex{
			IndexName:  aws.String(ix.Name),
			KeySchema:  keySchema(ix.PartitionKey, ix.SortKey),
			Projection: &dbtypes.Projection{ProjectionType: projection},
		})
	}
	for name, typ := range attrs {
		input.AttributeDefinitions = append(input.AttributeDefinitions, dbtypes.AttributeDefinition{
			AttributeName: aws.String(name), AttributeType: dbtypes.ScalarAttributeType(typ),
		})
	}
	if t.Stream {
		input.StreamSpecification = streamSpecification
	}
	if keyARN != "" {
		input.SSESpecification = &dbtypes.SSESpecification{Enabled: aws.Bool(true), SSEType: dbtypes.SSETypeKms, KMSMasterKeyId: aws.String(keyARN)}
	}
	out, err := db.CreateTable(ctx, input)
	var inUse *dbtypes.ResourceInUseException
	if errors.As(err, &inUse) {
		return existingStream(ctx, db, t)
	}
	if err != nil {
		return "", fmt.Errorf("create table %s: %w", t.LocalName, err)
	}
	if t.TTLAttribute != "" {
		_, err = db.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
			TableName:               aws.String(t.LocalName),
			TimeToLiveSpecification: &dbtypes.TimeToLiveSpecification{AttributeName: aws.String(t.TTLAttribute), Enabled: aws.Bool(true)},
		})
		if err != nil {
			return "", fmt.Errorf("enable TTL on %s: %w", t.LocalName, err)
		}
	}
	if !t.Stream {
		return "", nil
	}
	if arn := aws.ToString(out.TableDescription.LatestStreamArn); arn != "" {
		return arn, nil
	}
	return existingStream(ctx, db, t) // a server that leaves it out of CreateTable's answer
}

// existingStream returns the ARN of the stream t has on the server, enabling
// it if t should have one and has none.
func existingStream(ctx context.Context, db *dynamodb.Client, t resources.Table) (string, error) {
	if !t.Stream {
		return "", nil
	}
	out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(t.LocalName)})
	if err != nil {
		return "", fmt.Errorf("describe table %s: %w", t.LocalName, err)
	}
	if spec := out.Table.StreamSpecification; spec != nil && aws.ToBool(spec.StreamEnabled) {
		if spec.StreamViewType != streamSpecification.StreamViewType {
			return "", fmt.Errorf("table %s has a stream of %s, want %s", t.LocalName, spec.StreamViewType, streamSpecification.StreamViewType)
		}
		if arn := aws.ToString(out.Table.LatestStreamArn); arn != "" {
			return arn, nil
		}
		return "", fmt.Errorf("table %s has a stream but no LatestStreamArn", t.LocalName)
	}
	up, err := db.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String(t.LocalName), StreamSpecification: streamSpecification})
	if err != nil {
		return "", fmt.Errorf("enable the stream of %s: %w", t.LocalName, err)
	}
	if arn := aws.ToString(up.TableDescription.LatestStreamArn); arn != "" {
		return arn, nil
	}
	return "", fmt.Errorf("table %s: UpdateTable enabled a stream but returned no LatestStreamArn", t.LocalName)
}

func seconds(d time.Duration) string { return strconv.Itoa(int(d.Seconds())) }

func createQueue(ctx context.Context, q *sqs.Client, spec resources.Queue) (dlqURL, mainURL string, err error) {
	dlq, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{
		QueueName:  aws.String(spec.DeadLetter.LocalName),
		Attributes: map[string]string{string(sqstypes.QueueAttributeNameMessageRetentionPeriod): seconds(spec.DeadLetter.Retention)},
	})
	if err != nil {
		return "", "", fmt.Errorf("create queue %s: %w", spec.DeadLetter.LocalName, err)
	}
	attrs, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: dlq.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn},
	})
	if err != nil {
		return "", "", err
	}
	redrive := fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":"%d"}`,
		attrs.Attributes[string(sqstypes.QueueAttributeNameQueueArn)], spec.DeadLetter.MaxReceiveCount)
	main, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{
		QueueName: aws.String(spec.LocalName),
		Attributes: map[string]string{
			string(sqstypes.QueueAttributeNameVisibilityTimeout):      seconds(spec.VisibilityTimeout),
			string(sqstypes.QueueAttributeNameMessageRetentionPeriod): seconds(spec.Retention),
			string(sqstypes.QueueAttributeNameRedrivePolicy):          redrive,
		},
	})
	if err != nil {
		return "", "", fmt.Errorf("create queue %s: %w", spec.LocalName, err)
	}
	return *dlq.QueueUrl, *main.QueueUrl, nil
}

func createStateMachine(ctx context.Context, sf *awsjson.Client, m resources.StateMachine, s Stack) (string, error) {
	values := map[string]string{}
	for name, sub := range m.Substitutions {
		switch {
		case sub.TableName != "":
			values[name] = s.Tables[sub.TableName]
		case sub.QueueURL != "":
			values[name] = s.QueueURLs[sub.QueueURL]
		}
	}
	definition := resources.Substitute(m.Definition, values)
	var out struct{ StateMachineARN string }
	err := sf.Call(ctx, "CreateStateMachine", struct {
		Name       string `json:"name"`
		Definition string `json:"definition"`
		RoleARN    string `json:"roleArn"`
		Type       string `json:"type"`
	}{m.LocalName, definition, localRoleARN, "STANDARD"}, &out)
	if awsjson.IsCode(err, "StateMachineAlreadyExists") {
		return updateStateMachine(ctx, sf, m.LocalName, definition)
	}
	if err != nil {
		return "", fmt.Errorf("create state machine %s: %w", m.LocalName, err)
	}
	return out.StateMachineARN, nil
}

// updateStateMachine brings an existing machine of that name up to date.
func updateStateMachine(ctx context.Context, sf *awsjson.Client, name, definition string) (string, error) {
	var next string
	for {
		var page struct {
			StateMachines []struct{ Name, StateMachineARN string }
			NextToken     string
		}
		err := sf.Call(ctx, "ListStateMachines", struct {
			NextToken string `json:"nextToken,omitempty"`
		}{next}, &page)
		if err != nil {
			return "", err
		}
		for _, sm := range page.StateMachines {
			if sm.Name == name {
				err := sf.Call(ctx, "UpdateStateMachine", struct {
					StateMachineARN string `json:"stateMachineArn"`
					Definition      string `json:"definition"`
				}{sm.StateMachineARN, definition}, nil)
				return sm.StateMachineARN, err
			}
		}
		if next = page.NextToken; next == "" {
			return "", fmt.Errorf("state machine %s exists but was not listed", name)
		}
	}
}
