package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tredjepart/tredjepart/shared/delivery"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/stdwebhook"
	"github.com/tredjepart/tredjepart/shared/webhook"
)

// Webhook items share the Outbox table:
//
//	TP#<gln>   WEBHOOK                          the third party's endpoint and signing secrets, sealed (once removed: only its version)
//	TP#<gln>   ATTEMPT#<at>#<documentId>#<n>    one push attempt (expires by TTL after Retention)
//
// and a pushed document gets pushedAt on its DOC# item (in its shard,
// TP#<gln>#<shard>). These items carry no gsi1 keys: byArrival holds
// documents only.
const webhookSK = "WEBHOOK"

// Webhooks stores the third parties' webhook endpoints and push attempt
// logs in the Outbox table; a document's pushedAt is the Outbox's.
type Webhooks struct{ store }

// keyItem is a signing secret: sealed (webhook.Sealer), or, in an item
// written before secrets were sealed, its clear key, which is read but
// never written.
type keyItem struct {
	Sealed    []byte `dynamodbav:"sealed,omitempty"`
	Key       []byte `dynamodbav:"key,omitempty"`
	CreatedAt string `dynamodbav:"createdAt"`
	NotAfter  string `dynamodbav:"notAfter,omitempty"`
}

type endpointItem struct {
	PK             string    `dynamodbav:"pk"`
	SK             string    `dynamodbav:"sk"`
	URL            string    `dynamodbav:"url"`
	Keys           []keyItem `dynamodbav:"keys"`
	Enabled        bool      `dynamodbav:"enabled"`
	DisabledReason string    `dynamodbav:"disabledReason,omitempty"`
	ChangedAt      string    `dynamodbav:"changedAt"`
	Version        int       `dynamodbav:"version"`
	Removed        bool      `dynamodbav:"removed,omitempty"` // what is left of a removed endpoint: its version
	Events         []string  `dynamodbav:"events,omitempty"`  // the kinds pushed; absent for all
}

// Endpoint reads the third party's webhook endpoint; a removed one is not
// found, but has the version its removal wrote.
func (s *Webhooks) Endpoint(ctx context.Context, tp ident.GLN) (webhook.Endpoint, bool, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: key(thirdPartyPartition(tp), webhookSK), ConsistentRead: aws.Bool(true)})
	if err != nil || out.Item == nil {
		return webhook.Endpoint{}, false, err
	}
	var it endpointItem
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return webhook.Endpoint{}, false, err
	}
	e := webhook.Endpoint{ThirdParty: tp, URL: it.URL, Enabled: it.Enabled, DisabledReason: it.DisabledReason, Version: it.Version}
	for _, k := range it.Events {
		e.Events = append(e.Events, delivery.Kind(k))
	}
	if it.Removed {
		return webhook.Endpoint{ThirdParty: tp, Version: it.Version}, false, nil
	}
	if e.ChangedAt, err = parseTime(it.ChangedAt); err != nil {
		return e, false, err
	}
	for _, k := range it.Keys {
		key := webhook.Key{Secret: stdwebhook.Secret{Key: k.Key}, Sealed: k.Sealed}
		if key.CreatedAt, err = parseTime(k.CreatedAt); err != nil {
			return e, false, err
		}
		if key.NotAfter, err = parseTime(k.NotAfter); err != nil {
			return e, false, err
		}
		e.Keys = append(e.Keys, key)
	}
	return e, true, nil
}

// PutEndpoint writes the endpoint if the stored one is the version before.
// It stores each key's Sealed form only, and refuses a key without one
// (webhook.ErrKeyNotSealed).
func (s *Webhooks) PutEndpoint(ctx context.Context, e webhook.Endpoint) error {
	it := endpointItem{PK: thirdPartyPartition(e.ThirdParty), SK: webhookSK, URL: e.URL, Enabled: e.Enabled,
		DisabledReason: e.DisabledReason, ChangedAt: formatTime(e.ChangedAt), Version: e.Version}
	for _, k := range e.Events {
		it.Events = append(it.Events, string(k))
	}
	for _, k := range e.Keys {
		if len(k.Sealed) == 0 {
			return webhook.ErrKeyNotSealed
		}
		it.Keys = append(it.Keys, keyItem{Sealed: k.Sealed, CreatedAt: formatTime(k.CreatedAt), NotAfter: formatTime(k.NotAfter)})
	}
	return s.putEndpointItem(ctx, it)
}

// DeleteEndpoint removes the endpoint and its secrets, if the stored one is
// the version before, leaving its version: a write based on a read from
// before the removal then fails, however often the endpoint is registered
// again.
func (s *Webhooks) DeleteEndpoint(ctx context.Context, e webhook.Endpoint) error {
	return s.putEndpointItem(ctx, endpointItem{PK: thirdPartyPartition(e.ThirdParty), SK: webhookSK,
		ChangedAt: formatTime(e.ChangedAt), Version: e.Version, Removed: true})
}

func (s *Webhooks) putEndpointItem(ctx context.Context, it endpointItem) error {
	item, err := attributevalue.MarshalMap(it)
	if err != nil {
		return err
	}
	put := &dynamodb.PutItemInput{TableName: &s.table, Item: item, ConditionExpression: aws.String("attribute_not_exists(pk)")}
	if it.Version > 1 {
		put.ConditionExpression = aws.String("version = :before")
		put.ExpressionAttributeValues = map[string]types.AttributeValue{":before": &types.AttributeValueMemberN{Value: strconv.Itoa(it.Version - 1)}}
	}
	_, err = s.client.PutItem(ctx, put)
	if lostRace(err) {
		return webhook.ErrStale
	}
	if err != nil {
		return fmt.Errorf("put webhook endpoint: %w", err)
	}
	return nil
}

// Document reads one outbox document and when it was pushed.
func (s *Outbox) Document(ctx context.Context, tp ident.GLN, id string) (delivery.Document, time.Time, bool, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: key(documentPartition(tp, id), "DOC#"+id), ConsistentRead: aws.Bool(true)})
	if err != nil || out.Item == nil {
		return delivery.Document{}, time.Time{}, false, err
	}
	var it documentItem
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return delivery.Document{}, time.Time{}, false, err
	}
	d, err := it.document(tp)
	if err != nil {
		return d, time.Time{}, false, err
	}
	pushedAt, err := parseTime(it.PushedAt)
	return d, pushedAt, err == nil, err
}

// MarkPushed records the first successful push of a document.
func (s *Outbox) MarkPushed(ctx context.Context, tp ident.GLN, id string, at time.Time) error {
	_, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.table, Key: key(documentPartition(tp, id), "DOC#"+id),
		UpdateExpression:          aws.String("SET pushedAt = :at"),
		ConditionExpression:       aws.String("attribute_exists(pk) AND attribute_not_exists(pushedAt)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":at": &types.AttributeValueMemberS{Value: formatTime(at)}},
	})
	if isConditionFailure(err) {
		return nil // pushed before, or expired: either way there is nothing to record
	}
	return err
}

type attemptItem struct {
	PK         string `dynamodbav:"pk"`
	SK         string `dynamodbav:"sk"`
	DocumentID string `dynamodbav:"documentId"`
	Number     int    `dynamodbav:"attempt"`
	At         string `dynamodbav:"at"`
	Outcome    string `dynamodbav:"outcome"`
	Status     int    `dynamodbav:"status,omitempty"`
	DurationMS int64  `dynamodbav:"durationMs"`
	Error      string `dynamodbav:"error,omitempty"`
	GaveUp     bool   `dynamodbav:"gaveUp,omitempty"`
	NextAt     string `dynamodbav:"nextAttemptAt,omitempty"`
	TTL        int64  `dynamodbav:"ttl"`
}

const attemptPrefix = "ATTEMPT#"

// LogAttempt appends a push attempt to the third party's log.
func (s *Webhooks) LogAttempt(ctx context.Context, a webhook.Attempt) error {
	item := attemptItem{
		PK: thirdPartyPartition(a.ThirdParty), SK: fmt.Sprintf("%s%s#%s#%d", attemptPrefix, formatTime(a.At), a.DocumentID, a.Number),
		DocumentID: a.DocumentID, Number: a.Number, At: formatTime(a.At), Outcome: a.Outcome.String(), Status: a.Status,
		DurationMS: a.Duration.Milliseconds(), Error: a.Error, GaveUp: a.GaveUp, TTL: a.At.Add(Retention).Unix(),
	}
	if !a.NextAttemptAt.IsZero() {
		item.NextAt = formatTime(a.NextAttemptAt)
	}
	raw, err := attributevalue.MarshalMap(item)
	if err != nil {
		return err
	}
	_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: raw})
	return err
}

// Attempts lists the latest push attempts, newest first.
func (s *Webhooks) Attempts(ctx context.Context, tp ident.GLN, limit int) ([]webhook.Attempt, error) {
	out, err := s.client.Query(ctx, &dynamodb.QueryInput{
		TableName:              &s.table,
		KeyConditionExpression: aws.String("pk = :tp AND begins_with(sk, :attempt)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":tp": &types.AttributeValueMemberS{Value: thirdPartyPartition(tp)}, ":attempt": &types.AttributeValueMemberS{Value: attemptPrefix},
		},
		ScanIndexForward: aws.Bool(false),
		Limit:            aws.Int32(int32(limit)),
	})
	if err != nil {
		return nil, fmt.Errorf("webhook attempts: %w", err)
	}
	attempts := make([]webhook.Attempt, 0, len(out.Items))
	for _, raw := range out.Items {
		var it attemptItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return nil, err
		}
		a := webhook.Attempt{ThirdParty: tp, DocumentID: it.DocumentID, Number: it.Number, Status: it.Status,
			Duration: time.Duration(it.DurationMS) * time.Millisecond, Error: it.Error, GaveUp: it.GaveUp}
		if a.At, err = parseTime(it.At); err != nil {
			return nil, err
		}
		if a.Outcome, err = outcomeOf(it.Outcome); err != nil {
			return nil, err
		}
		if it.NextAt != "" {
			if a.NextAttemptAt, err = parseTime(it.NextAt); err != nil {
				return nil, err
			}
		}
		attempts = append(attempts, a)
	}
	return attempts, nil
}

func outcomeOf(s string) (stdwebhook.Outcome, error) {
	for _, o := range []stdwebhook.Outcome{stdwebhook.Retry, stdwebhook.Delivered, stdwebhook.Gone, stdwebhook.Failed} {
		if o.String() == s {
			return o, nil
		}
	}
	return stdwebhook.Retry, errors.New("unknown webhook outcome " + s)
}
