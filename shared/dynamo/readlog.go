package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/pseudonym"
	"github.com/tredjepart/tredjepart/shared/readlog"
	"github.com/tredjepart/tredjepart/shared/registry"
)

// ReadLog keeps the end users' read logs in the Access table:
//
//	READLOG#<endUserId>   <at>#<id>   one read (expires by TTL after readlog.Retention)
type ReadLog struct{ store }

type readItem struct {
	PK            string `dynamodbav:"pk"`
	SK            string `dynamodbav:"sk"`
	ID            string `dynamodbav:"id"`
	EndUser       string `dynamodbav:"endUserId"`
	ThirdParty    string `dynamodbav:"thirdPartyId"`
	MeteringPoint string `dynamodbav:"meteringPointId"`
	What          string `dynamodbav:"what"`
	From          string `dynamodbav:"from,omitempty"`
	To            string `dynamodbav:"to,omitempty"`
	At            string `dynamodbav:"at"`
	TTL           int64  `dynamodbav:"ttl"`
}

func readLogPartition(user pseudonym.EndUserID) string { return "READLOG#" + string(user) }

// Append records a read. The id makes a retried append write the same item.
func (s *ReadLog) Append(ctx context.Context, e readlog.Entry) error {
	it := readItem{
		PK: readLogPartition(e.EndUser), SK: formatTime(e.At) + "#" + e.ID, ID: e.ID,
		EndUser: string(e.EndUser), ThirdParty: string(e.ThirdParty), MeteringPoint: string(e.MeteringPoint),
		What: string(e.What), At: formatTime(e.At), TTL: e.At.Add(readlog.Retention).Unix(),
	}
	if !e.From.IsZero() {
		it.From, it.To = e.From.Format(registry.DateLayout), e.To.Format(registry.DateLayout)
	}
	item, err := attributevalue.MarshalMap(it)
	if err != nil {
		return err
	}
	if _, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: item}); err != nil {
		return fmt.Errorf("append to read log: %w", err)
	}
	return nil
}

// List pages through an end user's read log, newest first.
func (s *ReadLog) List(ctx context.Context, user pseudonym.EndUserID, cursor string, limit int) (readlog.Page, error) {
	partition := readLogPartition(user)
	entries, next, err := pageOf(ctx, s.client, &dynamodb.QueryInput{
		TableName:                 &s.table,
		KeyConditionExpression:    aws.String("pk = :user"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":user": &types.AttributeValueMemberS{Value: partition}},
		ScanIndexForward:          aws.Bool(false),
	}, keyRange{partition: partition}, cursor, limit, readItem.entry)
	if err != nil {
		return readlog.Page{}, fmt.Errorf("read log: %w", err)
	}
	return readlog.Page{Entries: entries, NextCursor: next}, nil
}

func (it readItem) entry() (readlog.Entry, error) {
	e := readlog.Entry{
		ID: it.ID, EndUser: pseudonym.EndUserID(it.EndUser), ThirdParty: ident.GLN(it.ThirdParty),
		MeteringPoint: ident.GSRN(it.MeteringPoint), What: readlog.What(it.What),
	}
	var err error
	if e.At, err = time.Parse(time.RFC3339Nano, it.At); err != nil {
		return e, err
	}
	if it.From != "" {
		if e.From, err = registry.ParseDate(it.From); err != nil {
			return e, err
		}
		if e.To, err = registry.ParseDate(it.To); err != nil {
			return e, err
		}
	}
	return e, nil
}
