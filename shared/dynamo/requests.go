package dynamo

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/resources"
)

// idempotencyTTL is how long an Idempotency-Key is remembered.
const idempotencyTTL = 24 * time.Hour

// Requests stores access requests in the Access table: each request, the
// pending slot it takes and the Idempotency-Keys that created it. Approving
// a request writes its grant in the same transaction: that write is the
// request's (Approve), built from the grant's item as Grants writes it.
type Requests struct{ store }

type requestItem struct {
	PK                 string `dynamodbav:"pk"`
	SK                 string `dynamodbav:"sk"`
	GSI1PK             string `dynamodbav:"gsi1pk"`
	GSI1SK             string `dynamodbav:"gsi1sk"`
	GSI2PK             string `dynamodbav:"gsi2pk"`
	GSI2SK             string `dynamodbav:"gsi2sk"`
	ID                 string `dynamodbav:"id"`
	ThirdParty         string `dynamodbav:"thirdPartyId"`
	MeteringPoint      string `dynamodbav:"meteringPointId"`
	Scope              string `dynamodbav:"scope"`
	GrantedScope       string `dynamodbav:"grantedScope,omitempty"`
	AgreementReference string `dynamodbav:"agreementReference,omitempty"`
	Status             string `dynamodbav:"status"`
	ReasonCode         string `dynamodbav:"reasonCode,omitempty"`
	CreatedAt          string `dynamodbav:"createdAt"`
	ExpiresAt          string `dynamodbav:"expiresAt"`
	DecidedAt          string `dynamodbav:"decidedAt,omitempty"`
	Version            int    `dynamodbav:"version"`
}

func requestKey(id string) map[string]types.AttributeValue {
	return key("REQ#"+id, requestSK)
}

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: pk},
		"sk": &types.AttributeValueMemberS{Value: sk},
	}
}

func thirdPartyPartition(tp ident.GLN) string { return "TP#" + string(tp) }

func toRequestItem(r accessrequest.Request) requestItem {
	created := formatTime(r.CreatedAt)
	return requestItem{
		PK: "REQ#" + r.ID, SK: requestSK,
		GSI1PK: thirdPartyPartition(r.ThirdParty), GSI1SK: requestPrefix + created + "#" + r.ID,
		GSI2PK: meteringPointPartition(r.MeteringPoint), GSI2SK: requestPrefix + created + "#" + r.ID,
		ID: r.ID, ThirdParty: string(r.ThirdParty), MeteringPoint: string(r.MeteringPoint),
		Scope: string(r.Scope), GrantedScope: string(r.GrantedScope), AgreementReference: r.AgreementReference,
		Status: string(r.Status), ReasonCode: r.ReasonCode,
		CreatedAt: created, ExpiresAt: formatTime(r.ExpiresAt), DecidedAt: formatTime(r.DecidedAt),
		Version: r.Version,
	}
}

func (it requestItem) request() (accessrequest.Request, error) {
	r := accessrequest.Request{
		ID: it.ID, ThirdParty: ident.GLN(it.ThirdParty), MeteringPoint: ident.GSRN(it.MeteringPoint),
		Scope: accessrequest.Scope(it.Scope), GrantedScope: accessrequest.Scope(it.GrantedScope), AgreementReference: it.AgreementReference,
		Status: accessrequest.Status(it.Status), ReasonCode: it.ReasonCode, Version: it.Version,
	}
	var err error
	if r.CreatedAt, err = parseTime(it.CreatedAt); err != nil {
		return r, fmt.Errorf("request %s createdAt: %w", it.ID, err)
	}
	if r.ExpiresAt, err = parseTime(it.ExpiresAt); err != nil {
		return r, fmt.Errorf("request %s expiresAt: %w", it.ID, err)
	}
	if r.DecidedAt, err = parseTime(it.DecidedAt); err != nil {
		return r, fmt.Errorf("request %s decidedAt: %w", it.ID, err)
	}
	return r, nil
}

// Get returns a request or a fault.NotFound.
func (s *Requests) Get(ctx context.Context, id string) (accessrequest.Request, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &s.table, Key: requestKey(id), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return accessrequest.Request{}, fmt.Errorf("get request %s: %w", id, err)
	}
	if out.Item == nil {
		return accessrequest.Request{}, accessrequest.NotFound(id)
	}
	var it requestItem
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return accessrequest.Request{}, fmt.Errorf("decode request %s: %w", id, err)
	}
	return it.request()
}

func pendingKey(tp ident.GLN, mp ident.GSRN) map[string]types.AttributeValue {
	return key("PENDING#"+string(tp)+"#"+string(mp), pendingSK)
}

// Pending returns the request that last held the pending slot.
func (s *Requests) Pending(ctx context.Context, tp ident.GLN, mp ident.GSRN) (accessrequest.Request, bool, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &s.table, Key: pendingKey(tp, mp), ConsistentRead: aws.Bool(true),
	})
	if err != nil || out.Item == nil {
		return accessrequest.Request{}, false, err
	}
	var slot struct {
		RequestID string `dynamodbav:"requestId"`
	}
	if err := attributevalue.UnmarshalMap(out.Item, &slot); err != nil {
		return accessrequest.Request{}, false, err
	}
	r, err := s.Get(ctx, slot.RequestID)
	return r, err == nil, err
}

func idempotencyKey(tp ident.GLN, k string) map[string]types.AttributeValue {
	return key("IDEM#"+string(tp)+"#"+k, idempotencySK)
}

type idempotencyItem struct {
	PK          string `dynamodbav:"pk"`
	SK          string `dynamodbav:"sk"`
	Fingerprint string `dynamodbav:"fingerprint"`
	RequestID   string `dynamodbav:"requestId"`
	Outcome     string `dynamodbav:"outcome"`
	TTL         int64  `dynamodbav:"ttl"`
}

var outcomeNames = map[accessrequest.Outcome]string{accessrequest.Created: "created", accessrequest.AlreadyPending: "already-pending"}

func toIdempotencyItem(tp ident.GLN, idem accessrequest.Idempotency, now time.Time) (map[string]types.AttributeValue, error) {
	return attributevalue.MarshalMap(idempotencyItem{
		PK: "IDEM#" + string(tp) + "#" + idem.Key, SK: idempotencySK,
		Fingerprint: idem.Fingerprint, RequestID: idem.RequestID, Outcome: outcomeNames[idem.Outcome],
		TTL: now.Add(idempotencyTTL).Unix(),
	})
}

// Idempotency returns what an Idempotency-Key created, while it is remembered.
func (s *Requests) Idempotency(ctx context.Context, tp ident.GLN, k string) (accessrequest.Idempotency, bool, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &s.table, Key: idempotencyKey(tp, k), ConsistentRead: aws.Bool(true),
	})
	if err != nil || out.Item == nil {
		return accessrequest.Idempotency{}, false, err
	}
	var it idempotencyItem
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return accessrequest.Idempotency{}, false, err
	}
	// DynamoDB deletes expired items lazily; honour the TTL ourselves.
	if time.Now().Unix() > it.TTL {
		return accessrequest.Idempotency{}, false, nil
	}
	idem := accessrequest.Idempotency{Key: k, Fingerprint: it.Fingerprint, RequestID: it.RequestID}
	for outcome, name := range outcomeNames {
		if it.Outcome == name {
			idem.Outcome = outcome
		}
	}
	return idem, true, nil
}

// RememberIdempotency records an answer for an Idempotency-Key not used before.
func (s *Requests) RememberIdempotency(ctx context.Context, tp ident.GLN, idem accessrequest.Idempotency) error {
	item, err := toIdempotencyItem(tp, idem, time.Now())
	if err != nil {
		return err
	}
	_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: &s.table, Item: item, ConditionExpression: aws.String("attribute_not_exists(pk)"),
	})
	if isConditionFailure(err) {
		return accessrequest.ErrIdempotencyKeyUsed
	}
	return err
}

// Create stores a new pending request with its pending slot and idempotency
// record in one transaction.
func (s *Requests) Create(ctx context.Context, r accessrequest.Request, replacing string, idem accessrequest.Idempotency) error {
	request, err := attributevalue.MarshalMap(toRequestItem(r))
	if err != nil {
		return err
	}
	slot := pendingKey(r.ThirdParty, r.MeteringPoint)
	slot["requestId"] = &types.AttributeValueMemberS{Value: r.ID}
	slotCondition := &types.Put{TableName: &s.table, Item: slot, ConditionExpression: aws.String("attribute_not_exists(pk)")}
	if replacing != "" {
		slotCondition.ConditionExpression = aws.String("attribute_not_exists(pk) OR requestId = :replacing")
		slotCondition.ExpressionAttributeValues = map[string]types.AttributeValue{":replacing": &types.AttributeValueMemberS{Value: replacing}}
	}
	items := []types.TransactWriteItem{
		{Put: &types.Put{TableName: &s.table, Item: request, ConditionExpression: aws.String("attribute_not_exists(pk)")}},
		{Put: slotCondition},
	}
	if idem.Key != "" {
		record, err := toIdempotencyItem(r.ThirdParty, idem, time.Now())
		if err != nil {
			return err
		}
		items = append(items, types.TransactWriteItem{Put: &types.Put{
			TableName: &s.table, Item: record, ConditionExpression: aws.String("attribute_not_exists(pk)"),
		}})
	}
	err = transact(ctx, s.client, items, nil, accessrequest.ErrPendingExists, accessrequest.ErrIdempotencyKeyUsed)
	if err != nil && !errors.Is(err, accessrequest.ErrPendingExists) && !errors.Is(err, accessrequest.ErrIdempotencyKeyUsed) {
		return fmt.Errorf("create request %s: %w", r.ID, err)
	}
	return err
}

// Transition stores next if the stored request is still at prev's version and status.
func (s *Requests) Transition(ctx context.Context, prev, next accessrequest.Request) error {
	item, err := attributevalue.MarshalMap(toRequestItem(next))
	if err != nil {
		return err
	}
	_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                &s.table,
		Item:                     item,
		ConditionExpression:      aws.String("version = :version AND #status = :status"),
		ExpressionAttributeNames: map[string]string{"#status": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":version": &types.AttributeValueMemberN{Value: fmt.Sprint(prev.Version)},
			":status":  &types.AttributeValueMemberS{Value: string(prev.Status)},
		},
	})
	if lostRace(err) {
		return accessrequest.ErrStale
	}
	if err != nil {
		return fmt.Errorf("update request %s: %w", next.ID, err)
	}
	return nil
}

// cursor is the position after the last item of a page. It carries the
// partition it pages through (the third party's, or the end user's) so that
// a cursor cannot be replayed by another.
type cursor struct {
	PK     string `dynamodbav:"pk" json:"p"`
	SK     string `dynamodbav:"sk" json:"s"`
	GSI1PK string `dynamodbav:"gsi1pk,omitempty" json:"g,omitempty"`
	GSI1SK string `dynamodbav:"gsi1sk,omitempty" json:"h,omitempty"`
}

func encodeCursor(key map[string]types.AttributeValue) (string, error) {
	var c cursor
	if err := attributevalue.UnmarshalMap(key, &c); err != nil {
		return "", err
	}
	raw, err := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(raw), err
}

// keyRange is what a listing's query covers: one partition (of the
// byThirdParty index when onIndex, else of the table) and, in it, the sort
// keys that begin with sortPrefix.
type keyRange struct {
	partition, sortPrefix string
	onIndex               bool
}

// decodeCursor reads a cursor for a query on r. A cursor outside r, or not
// the shape of one this code wrote, is refused: DynamoDB would refuse a
// start key outside the key condition, and another party's partition is
// none of the caller's business.
func decodeCursor(s string, r keyRange) (map[string]types.AttributeValue, error) {
	bad := &fault.Error{Kind: fault.Invalid, Detail: "cursor: not a cursor from a previous page",
		Fields: []fault.FieldError{{Field: "cursor", Reason: "not a cursor from a previous page"}}}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad
	}
	var c cursor
	if err := json.Unmarshal(raw, &c); err != nil || c.PK == "" || c.SK == "" {
		return nil, bad
	}
	partition, sortKey := c.PK, c.SK
	if r.onIndex {
		partition, sortKey = c.GSI1PK, c.GSI1SK
	} else if c.GSI1PK != "" || c.GSI1SK != "" {
		return nil, bad
	}
	if partition != r.partition || !strings.HasPrefix(sortKey, r.sortPrefix) || sortKey == r.sortPrefix {
		return nil, bad
	}
	start, err := attributevalue.MarshalMap(c)
	if err != nil {
		return nil, bad
	}
	return start, nil
}

// maxQueriesPerPage bounds the work one page may take when a filter skips
// many items; the page then comes back short, with a cursor.
const maxQueriesPerPage = 8

// pageOf reads up to limit items of a query from the position in
// cursorText, decoding each with decode, and returns them with the cursor
// of the next page (empty on the last).
func pageOf[I any, T any](ctx context.Context, client API, input *dynamodb.QueryInput, r keyRange, cursorText string, limit int, decode func(I) (T, error)) ([]T, string, error) {
	if cursorText != "" {
		start, err := decodeCursor(cursorText, r)
		if err != nil {
			return nil, "", err
		}
		input.ExclusiveStartKey = start
	}
	input.Limit = aws.Int32(int32(limit))
	var items []T
	for range maxQueriesPerPage {
		out, err := client.Query(ctx, input)
		if err != nil {
			return items, "", err
		}
		for i, raw := range out.Items {
			var it I
			if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
				return items, "", err
			}
			v, err := decode(it)
			if err != nil {
				return items, "", err
			}
			items = append(items, v)
			if len(items) == limit {
				next := ""
				if i < len(out.Items)-1 || out.LastEvaluatedKey != nil {
					next, err = encodeCursor(raw)
				}
				return items, next, err
			}
		}
		if out.LastEvaluatedKey == nil {
			return items, "", nil
		}
		input.ExclusiveStartKey = out.LastEvaluatedKey
	}
	next, err := encodeCursor(input.ExclusiveStartKey)
	return items, next, err
}

// List returns a third party's requests, newest first.
func (s *Requests) List(ctx context.Context, tp ident.GLN, q accessrequest.ListQuery) (accessrequest.Page, error) {
	partition := thirdPartyPartition(tp)
	input := &dynamodb.QueryInput{
		TableName:                 &s.table,
		IndexName:                 aws.String(resources.ByThirdPartyIndexName),
		KeyConditionExpression:    aws.String("gsi1pk = :tp AND begins_with(gsi1sk, :req)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":tp": &types.AttributeValueMemberS{Value: partition}, ":req": &types.AttributeValueMemberS{Value: requestPrefix}},
		ScanIndexForward:          aws.Bool(false),
	}
	if q.Status != "" {
		input.FilterExpression = aws.String("#status = :status")
		input.ExpressionAttributeNames = map[string]string{"#status": "status"}
		input.ExpressionAttributeValues[":status"] = &types.AttributeValueMemberS{Value: string(q.Status)}
	}
	items, next, err := pageOf(ctx, s.client, input, keyRange{partition, requestPrefix, true}, q.Cursor, q.Limit, requestItem.request)
	if err != nil {
		return accessrequest.Page{}, fmt.Errorf("list requests: %w", err)
	}
	return accessrequest.Page{Items: items, NextCursor: next}, nil
}

// RequestsOn returns the requests with status on a metering point, newest first.
func (s *Requests) RequestsOn(ctx context.Context, mp ident.GSRN, status accessrequest.Status) ([]accessrequest.Request, error) {
	found, err := queryAll(ctx, s.client, &dynamodb.QueryInput{
		TableName:                aws.String(s.table),
		IndexName:                aws.String(resources.ByMeteringPointIndexName),
		KeyConditionExpression:   aws.String("gsi2pk = :mp AND begins_with(gsi2sk, :req)"),
		FilterExpression:         aws.String("#status = :status"),
		ExpressionAttributeNames: map[string]string{"#status": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":mp": &types.AttributeValueMemberS{Value: meteringPointPartition(mp)}, ":req": &types.AttributeValueMemberS{Value: requestPrefix},
			":status": &types.AttributeValueMemberS{Value: string(status)},
		},
		ScanIndexForward: aws.Bool(false),
	}, requestItem.request)
	if err != nil {
		return nil, fmt.Errorf("requests on %s: %w", mp, err)
	}
	return found, nil
}
