package dynamo

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/delivery"
	"github.com/tredjepart/tredjepart/shared/grant"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/pseudonym"
	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/resources"
)

// Grants stores the grants in the Access table, one item per third party
// and metering point; Requests.Approve writes one with its request.
type Grants struct{ store }

const grantPrefix = "GRANT#"

// grantLogPrefix begins the sort keys of grant snapshots: every version of
// every grant, kept after the grant item itself is replaced.
const grantLogPrefix = "GRANTLOG#"

// requestPrefix begins the sort keys of access requests on the byThirdParty
// and byMeteringPoint indexes.
const requestPrefix = "REQ#"

type grantItem struct {
	PK     string `dynamodbav:"pk"`
	SK     string `dynamodbav:"sk"`
	GSI1PK string `dynamodbav:"gsi1pk"`
	GSI1SK string `dynamodbav:"gsi1sk"`
	// Only on active grants: the sparse byDeliveryShard index holds nothing else.
	GSI3PK        string `dynamodbav:"gsi3pk,omitempty"`
	GSI3SK        string `dynamodbav:"gsi3sk,omitempty"`
	ThirdParty    string `dynamodbav:"thirdPartyId"`
	MeteringPoint string `dynamodbav:"meteringPointId"`
	Level         string `dynamodbav:"level"`
	Status        string `dynamodbav:"status"`
	EndUser       string `dynamodbav:"endUserId"`
	RequestID     string `dynamodbav:"requestId,omitempty"`
	GrantedAt     string `dynamodbav:"grantedAt"`
	DataFrom      string `dynamodbav:"dataFrom"`
	ChangedAt     string `dynamodbav:"changedAt"`
	Version       int    `dynamodbav:"version"`
}

func grantKey(tp ident.GLN, mp ident.GSRN) map[string]types.AttributeValue {
	return key(meteringPointPartition(mp), grantPrefix+string(tp))
}

// deliveryShardPartition is a partition of the byDeliveryShard index: one
// delivery shard of one third party's active grants.
func deliveryShardPartition(tp ident.GLN, shard int) string {
	return fmt.Sprintf("DELIVER#%s#%d", tp, shard)
}

// toGrantItem is the item of a grant. Every write of a grant puts the whole
// item, so a grant that stops being active leaves the delivery index.
func toGrantItem(g grant.Grant) (map[string]types.AttributeValue, error) {
	it := grantItem{
		PK: meteringPointPartition(g.MeteringPoint), SK: grantPrefix + string(g.ThirdParty),
		GSI1PK: thirdPartyPartition(g.ThirdParty), GSI1SK: grantPrefix + string(g.MeteringPoint),
		ThirdParty: string(g.ThirdParty), MeteringPoint: string(g.MeteringPoint), Level: string(g.Level),
		Status: string(g.Status), EndUser: string(g.EndUser), RequestID: g.RequestID,
		GrantedAt: formatTime(g.GrantedAt), DataFrom: g.DataFrom.Format(registry.DateLayout), ChangedAt: formatTime(g.ChangedAt),
		Version: g.Version,
	}
	if g.Status == grant.Active {
		it.GSI3PK, it.GSI3SK = deliveryShardPartition(g.ThirdParty, delivery.ShardOf(g.MeteringPoint)), string(g.MeteringPoint)
	}
	return attributevalue.MarshalMap(it)
}

func (it grantItem) grant() (grant.Grant, error) {
	g := grant.Grant{
		ThirdParty: ident.GLN(it.ThirdParty), MeteringPoint: ident.GSRN(it.MeteringPoint), Level: accessrequest.Scope(it.Level),
		Status: grant.Status(it.Status), EndUser: pseudonym.EndUserID(it.EndUser), RequestID: it.RequestID, Version: it.Version,
	}
	var err error
	if g.GrantedAt, err = parseTime(it.GrantedAt); err != nil {
		return g, err
	}
	if g.ChangedAt, err = parseTime(it.ChangedAt); err != nil {
		return g, err
	}
	g.DataFrom, err = registry.ParseDate(it.DataFrom)
	return g, err
}

// Grant returns the third party's grant on the metering point, active or revoked.
func (s *Grants) Grant(ctx context.Context, tp ident.GLN, mp ident.GSRN) (grant.Grant, bool, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: grantKey(tp, mp), ConsistentRead: aws.Bool(true)})
	if err != nil || out.Item == nil {
		return grant.Grant{}, false, err
	}
	var it grantItem
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return grant.Grant{}, false, err
	}
	g, err := it.grant()
	return g, err == nil, err
}

// HasActiveGrantFrom reports whether the third party has active access to
// the metering point given by the end user in occupancy o.
func (s *Grants) HasActiveGrantFrom(ctx context.Context, tp ident.GLN, mp ident.GSRN, o registry.Occupancy) (bool, error) {
	g, found, err := s.Grant(ctx, tp, mp)
	return found && g.Status == grant.Active && g.GivenBy(o), err
}

// GrantsOn lists every grant, active or revoked, on a metering point.
func (s *Grants) GrantsOn(ctx context.Context, mp ident.GSRN) ([]grant.Grant, error) {
	grants, err := queryAll(ctx, s.client, &dynamodb.QueryInput{
		TableName:              &s.table,
		KeyConditionExpression: aws.String("pk = :mp AND begins_with(sk, :grant)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":mp": &types.AttributeValueMemberS{Value: meteringPointPartition(mp)}, ":grant": &types.AttributeValueMemberS{Value: grantPrefix},
		},
		ConsistentRead: aws.Bool(true),
	}, grantItem.grant)
	if err != nil {
		return nil, fmt.Errorf("grants on %s: %w", mp, err)
	}
	return grants, nil
}

// grantWrites writes a grant under condition, with the snapshot of this
// version of it (see GrantHistoryOn) in the same transaction, and the last
// snapshot of the grant it replaces (grant.Grant.Replaced), if any: the
// snapshots need no condition of their own, as they are written only if
// the grant is.
func grantWrites(table string, g grant.Grant, condition *types.Put) ([]types.TransactWriteItem, error) {
	item, err := toGrantItem(g)
	if err != nil {
		return nil, err
	}
	condition.TableName, condition.Item = &table, item
	writes := []types.TransactWriteItem{{Put: condition}, {Put: &types.Put{TableName: &table, Item: snapshotOf(g, item)}}}
	if ended := g.Replaced; ended != nil {
		endedItem, err := toGrantItem(*ended)
		if err != nil {
			return nil, err
		}
		writes = append(writes, types.TransactWriteItem{Put: &types.Put{TableName: &table, Item: snapshotOf(*ended, endedItem)}})
	}
	return writes, nil
}

// snapshotOf is the history item of g, whose grant item is item.
func snapshotOf(g grant.Grant, item map[string]types.AttributeValue) map[string]types.AttributeValue {
	snapshot := maps.Clone(item)
	snapshot["sk"] = &types.AttributeValueMemberS{Value: grantLogSK(g)}
	for _, index := range []string{"gsi1pk", "gsi1sk", "gsi3pk", "gsi3sk"} {
		delete(snapshot, index) // a snapshot is on no index
	}
	return snapshot
}

// grantLogSK orders a grant's snapshots by third party, then by when the
// grant was given (a third party may be given access again after it was
// removed), then by version.
func grantLogSK(g grant.Grant) string {
	return fmt.Sprintf("%s%s#%s#%06d", grantLogPrefix, g.ThirdParty, formatTime(g.GrantedAt), g.Version)
}

// newGrantCondition creates g where there is no grant, when g is the first
// (version 1), or where the stored one at the version g follows
// (grant.Grant.After) makes way for it (grant.Grant.MakesWayFor): it was
// revoked, or given in another occupancy than g.
func newGrantCondition(g grant.Grant) *types.Put {
	if g.Version == 1 {
		return &types.Put{ConditionExpression: aws.String("attribute_not_exists(pk)")}
	}
	prev := &types.AttributeValueMemberN{Value: fmt.Sprint(g.Follows())}
	if g.Replaced == nil {
		return &types.Put{
			ConditionExpression:      aws.String("version = :prev AND #status = :revoked"),
			ExpressionAttributeNames: map[string]string{"#status": "status"},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":prev": prev, ":revoked": &types.AttributeValueMemberS{Value: string(grant.Revoked)},
			},
		}
	}
	return &types.Put{
		ConditionExpression:      aws.String("version = :prev AND #status = :active AND (endUserId <> :endUser OR dataFrom <> :dataFrom)"),
		ExpressionAttributeNames: map[string]string{"#status": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":prev":     prev,
			":active":   &types.AttributeValueMemberS{Value: string(grant.Active)},
			":endUser":  &types.AttributeValueMemberS{Value: string(g.EndUser)},
			":dataFrom": &types.AttributeValueMemberS{Value: g.DataFrom.Format(registry.DateLayout)},
		},
	}
}

// PutGrant stores a new grant given directly by the end user (grant.ErrExists
// if the third party already has active access given in the same occupancy,
// or the grant does not follow the stored one).
func (s *Grants) PutGrant(ctx context.Context, g grant.Grant) error {
	writes, err := grantWrites(s.table, g, newGrantCondition(g))
	if err != nil {
		return err
	}
	err = transact(ctx, s.client, writes, grant.ErrExists)
	if err != nil && !errors.Is(err, grant.ErrExists) {
		return fmt.Errorf("grant %s access to %s: %w", g.ThirdParty, g.MeteringPoint, err)
	}
	return err
}

// Approve stores the approved request and its grant in one transaction,
// conditional on the request still being pending at prev's version and not
// past its expiry at now (accessrequest.ErrStale otherwise), and on the
// stored grant, if any, making way for the new one (grant.ErrExists).
func (s *Requests) Approve(ctx context.Context, prev, next accessrequest.Request, g grant.Grant, now time.Time) error {
	request, err := attributevalue.MarshalMap(toRequestItem(next))
	if err != nil {
		return err
	}
	writes, err := grantWrites(s.table, g, newGrantCondition(g))
	if err != nil {
		return err
	}
	err = transact(ctx, s.client, append([]types.TransactWriteItem{
		{Put: &types.Put{
			TableName: &s.table, Item: request,
			ConditionExpression:      aws.String("version = :version AND #status = :pending AND expiresAt > :now"),
			ExpressionAttributeNames: map[string]string{"#status": "status"},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":version": &types.AttributeValueMemberN{Value: fmt.Sprint(prev.Version)},
				":pending": &types.AttributeValueMemberS{Value: string(accessrequest.Pending)},
				":now":     &types.AttributeValueMemberS{Value: formatTime(now)},
			},
		}},
	}, writes...), accessrequest.ErrStale, grant.ErrExists)
	if err != nil && !errors.Is(err, accessrequest.ErrStale) && !errors.Is(err, grant.ErrExists) {
		return fmt.Errorf("approve request %s: %w", next.ID, err)
	}
	return err
}

// UpdateGrant stores next if the stored grant is still at prev's version.
func (s *Grants) UpdateGrant(ctx context.Context, prev, next grant.Grant) error {
	writes, err := grantWrites(s.table, next, &types.Put{
		ConditionExpression:       aws.String("version = :version"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":version": &types.AttributeValueMemberN{Value: fmt.Sprint(prev.Version)}},
	})
	if err != nil {
		return err
	}
	err = transact(ctx, s.client, writes, grant.ErrStale)
	if err != nil && !errors.Is(err, grant.ErrStale) {
		return fmt.Errorf("update grant of %s on %s: %w", next.ThirdParty, next.MeteringPoint, err)
	}
	return err
}

// GrantHistoryOn lists every version of every grant on a metering point, as
// each write left it, by third party, grant and version. Grants written
// before snapshots were kept have none.
func (s *Grants) GrantHistoryOn(ctx context.Context, mp ident.GSRN) ([]grant.Grant, error) {
	snapshots, err := queryAll(ctx, s.client, &dynamodb.QueryInput{
		TableName:              &s.table,
		KeyConditionExpression: aws.String("pk = :mp AND begins_with(sk, :log)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":mp": &types.AttributeValueMemberS{Value: meteringPointPartition(mp)}, ":log": &types.AttributeValueMemberS{Value: grantLogPrefix},
		},
		ConsistentRead: aws.Bool(true),
	}, grantItem.grant)
	if err != nil {
		return nil, fmt.Errorf("grant history on %s: %w", mp, err)
	}
	return snapshots, nil
}

// ActiveGrantsOf pages through a third party's active grants, by metering point.
func (s *Grants) ActiveGrantsOf(ctx context.Context, tp ident.GLN, cursor string, limit int) ([]grant.Grant, string, error) {
	partition := thirdPartyPartition(tp)
	grants, next, err := pageOf(ctx, s.client, &dynamodb.QueryInput{
		TableName:                &s.table,
		IndexName:                aws.String(resources.ByThirdPartyIndexName),
		KeyConditionExpression:   aws.String("gsi1pk = :tp AND begins_with(gsi1sk, :grant)"),
		FilterExpression:         aws.String("#status = :active"),
		ExpressionAttributeNames: map[string]string{"#status": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":tp": &types.AttributeValueMemberS{Value: partition}, ":grant": &types.AttributeValueMemberS{Value: grantPrefix},
			":active": &types.AttributeValueMemberS{Value: string(grant.Active)},
		},
	}, keyRange{partition, grantPrefix, true}, cursor, limit, grantItem.grant)
	if err != nil {
		return nil, "", fmt.Errorf("grants of %s: %w", tp, err)
	}
	return grants, next, nil
}

// DeliveryShard reads a delivery shard of a third party's active grants
// from the sparse byDeliveryShard index: up to limit metering points after
// the one given, in order, and whether more may follow.
func (s *Grants) DeliveryShard(ctx context.Context, tp ident.GLN, shard int, after ident.GSRN, limit int) ([]ident.GSRN, bool, error) {
	partition := deliveryShardPartition(tp, shard)
	input := &dynamodb.QueryInput{
		TableName:                 &s.table,
		IndexName:                 aws.String(resources.ByDeliveryShardIndexName),
		KeyConditionExpression:    aws.String("gsi3pk = :shard"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":shard": &types.AttributeValueMemberS{Value: partition}},
		Limit:                     aws.Int32(int32(limit)),
	}
	if after != "" {
		// The index's and the table's keys of the grant on after, all
		// derived from it: a cursor needs nothing else.
		input.ExclusiveStartKey = key(meteringPointPartition(after), grantPrefix+string(tp))
		input.ExclusiveStartKey["gsi3pk"] = &types.AttributeValueMemberS{Value: partition}
		input.ExclusiveStartKey["gsi3sk"] = &types.AttributeValueMemberS{Value: string(after)}
	}
	out, err := s.client.Query(ctx, input)
	if err != nil {
		return nil, false, fmt.Errorf("delivery shard %d of %s: %w", shard, tp, err)
	}
	points := make([]ident.GSRN, 0, len(out.Items))
	for _, item := range out.Items {
		mp, ok := item["gsi3sk"].(*types.AttributeValueMemberS)
		if !ok {
			return nil, false, fmt.Errorf("delivery shard %d of %s: an item without gsi3sk", shard, tp)
		}
		points = append(points, ident.GSRN(mp.Value))
	}
	return points, out.LastEvaluatedKey != nil, nil
}
