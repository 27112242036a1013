//go:build integration

package dynamo_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tredjepart/tredjepart/localstack/harness/testenv"
	"github.com/tredjepart/tredjepart/shared/delivery"
	"github.com/tredjepart/tredjepart/shared/dynamo"
	"github.com/tredjepart/tredjepart/shared/resources"
	"github.com/tredjepart/tredjepart/shared/storetest"
)

func outbox(t *testing.T) *dynamo.Outbox { return stores(t).Outbox }

func TestOutboxDocumentsAreSpreadOverShards(t *testing.T) {
	ctx := context.Background()
	store := outbox(t)
	env := testenv.Get(t)
	client, table := dynamodb.NewFromConfig(env.Config), env.Stack.Tables[resources.OutboxTableID]
	_, tp := fresh(t)
	storetest.Documents(t, store, tp, time.Now().Add(-time.Hour), 40)
	used, total := 0, 0
	for _, partition := range dynamo.DocumentPartitions(tp) {
		out, err := client.Query(ctx, &dynamodb.QueryInput{
			TableName:                 &table,
			KeyConditionExpression:    aws.String("pk = :p"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":p": &types.AttributeValueMemberS{Value: partition}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if out.Count > 0 {
			used++
		}
		total += int(out.Count)
	}
	if total != 40 || used < 8 {
		t.Fatalf("%d documents in %d of %d partitions", total, used, dynamo.OutboxShards)
	}
}

func TestDocumentAndMarkPushedFindTheShard(t *testing.T) {
	ctx := context.Background()
	store := outbox(t)
	_, tp := fresh(t)
	ids := storetest.Documents(t, store, tp, time.Now().Add(-time.Hour), 3)
	at := time.Now().UTC().Truncate(time.Millisecond)
	if err := store.MarkPushed(ctx, tp, ids[1], at); err != nil {
		t.Fatal(err)
	}
	for i, id := range ids {
		d, pushedAt, found, err := store.Document(ctx, tp, id)
		if err != nil || !found || d.ID != id {
			t.Fatalf("%s: %+v found=%v err=%v", id, d, found, err)
		}
		if wantPushed := i == 1; pushedAt.Equal(at) != wantPushed || pushedAt.IsZero() == wantPushed {
			t.Errorf("%s pushed at %v", id, pushedAt)
		}
	}
	// The document's id decides its shard; a second put of it is refused.
	if created, err := store.Put(ctx, delivery.Document{ID: ids[0], ThirdParty: tp, Kind: delivery.Notice, CreatedAt: time.Now(), Body: []byte(`{}`)}); err != nil || created {
		t.Fatalf("second put: created=%v err=%v", created, err)
	}
}

func TestFeedStopsWhereAShardWasCutShort(t *testing.T) {
	ctx := context.Background()
	store := outbox(t)
	_, tp := fresh(t)
	// Two of these fill the 1 MB a Query returns, so a shard holding three
	// (34 documents in 16 shards: one does) gives fewer than the page asks
	// for while other shards go on.
	body := []byte(`"` + strings.Repeat("x", 340_000) + `"`)
	first := time.Now().Add(-time.Hour)
	ids := make([]string, 2*dynamo.OutboxShards+2)
	for i := range ids {
		ids[i] = fmt.Sprintf("notification:%s:%03d", tp, i)
		if _, err := store.Put(ctx, delivery.Document{ID: ids[i], ThirdParty: tp, Kind: delivery.Notice, CreatedAt: first.Add(time.Duration(i) * time.Millisecond), Body: body}); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	cursor := ""
	for range 100 {
		page, err := store.Feed(ctx, tp, cursor, 100, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, storetest.IDsOf(page)...)
		if len(page.Documents) == 0 {
			break
		}
		cursor = page.Next
	}
	if fmt.Sprint(got) != fmt.Sprint(ids) {
		t.Fatalf("feed gave\n%v\nwant\n%v", got, ids)
	}
}
