//go:build integration

package docs

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/tredjepart/tredjepart/localstack/harness/testenv"
	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/dynamo"
	"github.com/tredjepart/tredjepart/shared/grant"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/resources"
	"github.com/tredjepart/tredjepart/shared/secrets"
	"github.com/tredjepart/tredjepart/shared/websession"
)

// The runbook's AWS CLI procedures cannot run here; these run their SDK
// equivalents, call for call, on moto's copy of the stack.
func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// "Restoring a table to a point in time": restore to a new table with the
// table key, check it, copy the lost items back without overwriting
// anything, and delete the copy. Moto restores a table as it is at the call,
// whatever time is asked for, so the accident comes after the restore here.
func TestRestoringATableToAPointInTime(t *testing.T) {
	env := testenv.Get(t)
	ctx := context.Background()
	db := dynamodb.NewFromConfig(env.Config)
	live := env.Stack.Tables[resources.AccessTableID]
	stores := dynamo.Open(db, env.Stack.Tables)
	keysOf := func(table string) map[string]map[string]dbtypes.AttributeValue {
		keys := map[string]map[string]dbtypes.AttributeValue{}
		pages := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: aws.String(table), ProjectionExpression: aws.String("pk, sk")})
		for pages.HasMorePages() {
			page, err := pages.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range page.Items {
				keys[k["pk"].(*dbtypes.AttributeValueMemberS).Value+"\x00"+k["sk"].(*dbtypes.AttributeValueMemberS).Value] = k
			}
		}
		return keys
	}
	before := keysOf(live)
	tp, mp := ident.GLN("7080000000019"), ident.GSRN("707057500000000016")
	if err := stores.Grants.PutGrant(ctx, grant.New(tp, mp, accessrequest.Full, "p1_restore", "", registry.Date(2024, 1, 1), time.Now())); err != nil {
		t.Fatal(err)
	}
	var written []map[string]dbtypes.AttributeValue // the grant's items
	for k, key := range keysOf(live) {
		if _, ok := before[k]; !ok {
			written = append(written, key)
		}
	}
	if len(written) == 0 {
		t.Fatal("the grant wrote no item")
	}

	// aws dynamodb restore-table-to-point-in-time … ; aws dynamodb wait table-exists …
	restored := live + "-restored"
	if _, err := db.RestoreTableToPointInTime(ctx, &dynamodb.RestoreTableToPointInTimeInput{
		SourceTableName: aws.String(live), TargetTableName: aws.String(restored), RestoreDateTime: aws.Time(time.Now().Add(-time.Minute)),
		SSESpecificationOverride: &dbtypes.SSESpecification{Enabled: aws.Bool(true), SSEType: dbtypes.SSETypeKms, KMSMasterKeyId: aws.String(env.Stack.Keys[resources.TableKeyID])},
	}); err != nil {
		t.Fatal(err)
	}
	if err := dynamodb.NewTableExistsWaiter(db).Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(restored)}, time.Minute); err != nil {
		t.Fatal(err)
	}
	// The accident: the grant's items are deleted from the live table.
	for _, key := range written {
		if _, err := db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(live), Key: key}); err != nil {
			t.Fatal(err)
		}
	}
	if _, found, err := stores.Grants.Grant(ctx, tp, mp); err != nil || found {
		t.Fatalf("after the accident: found %v, %v", found, err)
	}

	// Check the copy: its indexes are the live table's, and it holds the items.
	described, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(restored)})
	if err != nil {
		t.Fatal(err)
	}
	indexes := map[string]bool{}
	for _, ix := range described.Table.GlobalSecondaryIndexes {
		indexes[*ix.IndexName] = true
	}
	for _, ix := range resources.Access.Indexes {
		if !indexes[ix.Name] {
			t.Errorf("the restored table has no index %s: %v", ix.Name, indexes)
		}
	}

	// aws dynamodb get-item --table-name RESTORED … ; aws dynamodb put-item --table-name LIVE … --condition-expression …
	copyBack := func(key map[string]dbtypes.AttributeValue) error {
		got, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(restored), Key: key, ConsistentRead: aws.Bool(true)})
		if err != nil || got.Item == nil {
			t.Fatalf("the restored table has no item %v: %v", key, err)
		}
		_, err = db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(live), Item: got.Item,
			ConditionExpression: aws.String("attribute_not_exists(pk)")})
		return err
	}
	for _, key := range written {
		if err := copyBack(key); err != nil {
			t.Fatal(err)
		}
	}
	if g, found, err := stores.Grants.Grant(ctx, tp, mp); err != nil || !found || g.Status != grant.Active || g.EndUser != "p1_restore" {
		t.Errorf("after the copy back the grant reads %+v, %v, %v", g, found, err)
	}
	var refused *dbtypes.ConditionalCheckFailedException
	if err := copyBack(written[0]); !errors.As(err, &refused) {
		t.Errorf("a copy back over an item the live table has: %v, want it refused", err)
	}

	// aws dynamodb delete-table --table-name RESTORED
	if _, err := db.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(restored)}); err != nil {
		t.Fatal(err)
	}
}

// "Secrets in SSM": a value put over the parameter is what the next
// instance reads; cookie keys in the middle of a rotation are two keys.
func TestARotatedSecretIsWhatTheNextInstanceReads(t *testing.T) {
	env := testenv.Get(t)
	ctx := context.Background()
	param := resources.SecretParameterName("/tredjepart", websession.CookieKeysEnv)
	key := func(fill byte) string { return base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{fill}, 64)) }
	functionEnv := map[string]string{websession.CookieKeysEnv + resources.SecretParameterSuffix: param}
	for _, step := range []struct {
		value string
		keys  int
	}{{key('a'), 1}, {key('a') + "," + key('b'), 2}, {key('b') + "," + key('a'), 2}, {key('b'), 1}} {
		// aws ssm put-parameter --name /tredjepart/cookie-keys --type SecureString --overwrite --value …
		if _, err := ssm.NewFromConfig(env.Config).PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(param), Value: aws.String(step.value),
			Type: ssmtypes.ParameterTypeSecureString, Overwrite: aws.Bool(true)}); err != nil {
			t.Fatal(err)
		}
		getenv, err := secrets.Fill(ctx, env.Config, func(k string) string { return functionEnv[k] }, websession.CookieKeysEnv)
		if err != nil {
			t.Fatal(err)
		}
		keys, err := websession.ParseKeys(getenv(websession.CookieKeysEnv))
		if err != nil || getenv(websession.CookieKeysEnv) != step.value || 1+len(keys.Also) != step.keys {
			t.Errorf("read %d keys (%v), want %d", 1+len(keys.Also), err, step.keys)
		}
	}
}
