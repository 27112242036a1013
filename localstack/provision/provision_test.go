package provision_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tredjepart/tredjepart/localstack/moto"
	"github.com/tredjepart/tredjepart/localstack/provision"
	"github.com/tredjepart/tredjepart/shared/resources"
)

func TestProvisionCreatesEverythingAndIsRepeatable(t *testing.T) {
	ctx := context.Background()
	srv, err := moto.Start(ctx, moto.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	cfg, err := srv.AWSConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
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
	db := dynamodb.NewFromConfig(cfg)
	for _, table := range resources.Tables {
		out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &table.LocalName})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Table.GlobalSecondaryIndexes) != len(table.Indexes) {
			t.Errorf("%s has %d indexes, want %d", table.LocalName, len(out.Table.GlobalSecondaryIndexes), len(table.Indexes))
		}
	}
}
