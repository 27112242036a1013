package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Sessions keeps the web sites' login sessions in the Access table, from
// login until logout or expiry; a session cookie counts only while its
// item is here:
//
//	SESSION#<id>   SESSION   one session: site, subject, expiresAt (expires by TTL)
//
// The id is random and travels only inside the signed, encrypted cookie.
// The subject is whom the site says the session is for: a pseudonymised
// end user or a third party's GLN, never a national identity number.
type Sessions struct{ store }

const sessionSK = "SESSION"

type sessionItem struct {
	PK        string `dynamodbav:"pk"`
	SK        string `dynamodbav:"sk"`
	Site      string `dynamodbav:"site"`
	Subject   string `dynamodbav:"subject"`
	ExpiresAt string `dynamodbav:"expiresAt"`
	TTL       int64  `dynamodbav:"ttl"`
}

func sessionKey(id string) map[string]types.AttributeValue { return key("SESSION#"+id, sessionSK) }

// Start records a session. It is conditional on the id being new or
// already this site's session for this subject, so a retried write is
// harmless and no session is ever taken over.
func (s *Sessions) Start(ctx context.Context, id, site, subject string, expires time.Time) error {
	item, err := attributevalue.MarshalMap(sessionItem{
		PK: "SESSION#" + id, SK: sessionSK, Site: site, Subject: subject, ExpiresAt: formatTime(expires), TTL: expires.Unix(),
	})
	if err != nil {
		return err
	}
	_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: &s.table, Item: item,
		ConditionExpression: aws.String("attribute_not_exists(pk) OR (site = :site AND subject = :subject)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":site": &types.AttributeValueMemberS{Value: site}, ":subject": &types.AttributeValueMemberS{Value: subject},
		},
	})
	if isConditionFailure(err) {
		return fmt.Errorf("start session: the id is another session's")
	}
	if err != nil {
		return fmt.Errorf("start session: %w", err)
	}
	return nil
}

// Stands says whether session id is recorded, for site and subject, and
// has not expired at now. It reads strongly consistently, so a logout is
// seen by the very next request.
func (s *Sessions) Stands(ctx context.Context, id, site, subject string, now time.Time) (bool, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: sessionKey(id), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return false, fmt.Errorf("read session: %w", err)
	}
	if out.Item == nil {
		return false, nil
	}
	var it sessionItem
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return false, err
	}
	expires, err := parseTime(it.ExpiresAt)
	if err != nil {
		return false, err
	}
	// DynamoDB deletes expired items lazily; the expiry is honoured here.
	return it.Site == site && it.Subject == subject && now.Before(expires), nil
}

// End deletes a session. Ending one that has already ended, or never
// was, is no error, so a logout may be repeated.
func (s *Sessions) End(ctx context.Context, id string) error {
	if _, err := s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &s.table, Key: sessionKey(id)}); err != nil {
		return fmt.Errorf("end session: %w", err)
	}
	return nil
}
