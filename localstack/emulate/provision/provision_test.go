//go:build integration

package provision_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/tredjepart/tredjepart/localstack/emulate/provision"
	"github.com/tredjepart/tredjepart/localstack/harness/testenv"
	"github.com/tredjepart/tredjepart/shared/resources"
)

func TestProvisionCreatesEverythingAndIsRepeatable(t *testing.T) {
	ctx := context.Background()
	cfg := testenv.StartMoto(t)
	first, err := provision.Provision(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	second, err := provision.Provision(ctx, cfg)
	if err != nil {
		t.Fatalf("second run: %v", err)
	}
	for name, value := range first.Env() {
		if value == "" || second.Env()[name] != value {
			t.Errorf("%s: first %q, second %q", name, value, second.Env()[name])
		}
	}
	keys := kms.NewFromConfig(cfg)
	for _, k := range resources.Keys {
		if first.Keys[k.ID] == "" || second.Keys[k.ID] != first.Keys[k.ID] {
			t.Errorf("key %s: %q on the first run, %q on the second", k.ID, first.Keys[k.ID], second.Keys[k.ID])
		}
		byAlias, err := keys.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(k.LocalAlias)})
		if err != nil || aws.ToString(byAlias.KeyMetadata.Arn) != first.Keys[k.ID] {
			t.Errorf("alias %s: %v, %v", k.LocalAlias, byAlias, err)
			continue
		}
		rotation, err := keys.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: byAlias.KeyMetadata.KeyId})
		if err != nil || !rotation.KeyRotationEnabled {
			t.Errorf("key %s does not rotate: %v", k.ID, err)
		}
	}
	checkStateMachines(t, cfg, first)
	db := dynamodb.NewFromConfig(cfg)
	for _, table := range resources.Tables {
		out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &table.LocalName})
		if err != nil {
			t.Fatal(err)
		}
		if sse := out.Table.SSEDescription; table.Key != "" && (sse == nil || aws.ToString(sse.KMSMasterKeyArn) != first.Keys[table.Key]) {
			t.Errorf("%s is not encrypted with key %s: %+v", table.LocalName, table.Key, sse)
		}
		if len(out.Table.GlobalSecondaryIndexes) != len(table.Indexes) {
			t.Errorf("%s has %d indexes, want %d", table.LocalName, len(out.Table.GlobalSecondaryIndexes), len(table.Indexes))
		}
		for _, ix := range out.Table.GlobalSecondaryIndexes {
			i := slices.IndexFunc(table.Indexes, func(spec resources.Index) bool { return spec.Name == aws.ToString(ix.IndexName) })
			if i < 0 || (ix.Projection.ProjectionType == dbtypes.ProjectionTypeKeysOnly) != table.Indexes[i].KeysOnly {
				t.Errorf("%s: index %s projects %s", table.LocalName, aws.ToString(ix.IndexName), ix.Projection.ProjectionType)
			}
		}
		checkStream(t, table, out.Table, first.Streams[table.ID])
		if second.Streams[table.ID] != first.Streams[table.ID] {
			t.Errorf("%s: stream %q on the first run, %q on the second", table.LocalName, first.Streams[table.ID], second.Streams[table.ID])
		}
	}
	if len(first.Streams) == 0 {
		t.Error("no table has a stream; resources.MeterValues should")
	}

	// A table provisioned before it had a stream gets one.
	var streamed resources.Table
	for _, table := range resources.Tables {
		if table.Stream {
			streamed = table
			break
		}
	}
	if _, err := db.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: &streamed.LocalName}); err != nil {
		t.Fatal(err)
	}
	_, err = db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:   &streamed.LocalName,
		BillingMode: dbtypes.BillingModePayPerRequest,
		KeySchema: []dbtypes.KeySchemaElement{
			{AttributeName: &streamed.PartitionKey.Name, KeyType: dbtypes.KeyTypeHash},
			{AttributeName: &streamed.SortKey.Name, KeyType: dbtypes.KeyTypeRange},
		},
		AttributeDefinitions: []dbtypes.AttributeDefinition{
			{AttributeName: &streamed.PartitionKey.Name, AttributeType: dbtypes.ScalarAttributeType(streamed.PartitionKey.Type)},
			{AttributeName: &streamed.SortKey.Name, AttributeType: dbtypes.ScalarAttributeType(streamed.SortKey.Type)},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	third, err := provision.Provision(ctx, cfg)
	if err != nil {
		t.Fatalf("run on a table without its stream: %v", err)
	}
	out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &streamed.LocalName})
	if err != nil {
		t.Fatal(err)
	}
	checkStream(t, streamed, out.Table, third.Streams[streamed.ID])
}

// checkStateMachines checks, with the SDK's client, that each state machine
// s names is a Standard one with its definition substituted. (Moto answers
// CreateStateMachine for a name it has with that machine, where AWS refuses
// a changed definition, so the update of an existing machine is tested on
// a fake, in statemachine_test.go.)
func checkStateMachines(t *testing.T, cfg aws.Config, s provision.Stack) {
	t.Helper()
	sf := sfn.NewFromConfig(cfg)
	for _, m := range resources.StateMachines {
		out, err := sf.DescribeStateMachine(context.Background(), &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(s.StateMachines[m.ID])})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(out.Name) != m.LocalName || out.Type != sfntypes.StateMachineTypeStandard || strings.Contains(aws.ToString(out.Definition), "${") {
			t.Errorf("state machine %s: %s, %s, definition %s", m.ID, aws.ToString(out.Name), out.Type, aws.ToString(out.Definition))
		}
	}
}

// checkStream checks that table has the stream its spec asks for, and that
// Provision reported its ARN.
func checkStream(t *testing.T, spec resources.Table, table *dbtypes.TableDescription, reported string) {
	t.Helper()
	stream := table.StreamSpecification
	enabled := stream != nil && aws.ToBool(stream.StreamEnabled)
	switch {
	case !spec.Stream && (enabled || reported != ""):
		t.Errorf("%s has a stream (%+v, reported %q), want none", spec.LocalName, stream, reported)
	case spec.Stream && (!enabled || stream.StreamViewType != dbtypes.StreamViewTypeNewAndOldImages):
		t.Errorf("%s: stream %+v, want one of NEW_AND_OLD_IMAGES", spec.LocalName, stream)
	case spec.Stream && (reported == "" || reported != aws.ToString(table.LatestStreamArn)):
		t.Errorf("%s: Provision reported stream %q, DescribeTable says %q", spec.LocalName, reported, aws.ToString(table.LatestStreamArn))
	}
}

// Every secret a function declares is put where the function reads it, as
// on AWS: a SecureString parameter under SecretsPrefix.
func TestPutSecretsPutsEachFunctionsSecretsInSSM(t *testing.T) {
	ctx := context.Background()
	cfg := testenv.StartMoto(t)
	values := map[string]string{}
	for _, f := range resources.Functions {
		for _, name := range f.Secrets {
			values[name] = "secret value of " + name
		}
	}
	if len(values) == 0 {
		t.Fatal("no function has secrets")
	}
	if err := provision.PutSecrets(ctx, cfg, provision.SecretsPrefix, map[string]string{}); err == nil {
		t.Error("secrets without values are accepted")
	}
	for range 2 { // again: overwritten, not refused
		if err := provision.PutSecrets(ctx, cfg, provision.SecretsPrefix, values); err != nil {
			t.Fatal(err)
		}
	}
	client := ssm.NewFromConfig(cfg)
	for name, want := range values {
		out, err := client.GetParameter(ctx, &ssm.GetParameterInput{
			Name: aws.String(resources.SecretParameterName(provision.SecretsPrefix, name)), WithDecryption: aws.Bool(true),
		})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := aws.ToString(out.Parameter.Value); got != want || out.Parameter.Type != ssmtypes.ParameterTypeSecureString {
			t.Errorf("%s: %s %q", name, out.Parameter.Type, got)
		}
	}
}
