package dynamo

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/shopspring/decimal"

	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/ingest"
	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/pseudonym"
	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/resources"
)

// MeteringPoints stores metering points and their end users in the
// Registry table, one partition per metering point.
type MeteringPoints struct{ store }

type meteringPointItem struct {
	PK                         string `dynamodbav:"pk"`
	SK                         string `dynamodbav:"sk"`
	GSRN                       string `dynamodbav:"gsrn"`
	Type                       string `dynamodbav:"type,omitempty"`
	AccountingPoint            bool   `dynamodbav:"accountingPoint"`
	Status                     string `dynamodbav:"status,omitempty"`
	Street                     string `dynamodbav:"street,omitempty"`
	Postcode                   string `dynamodbav:"postcode,omitempty"`
	Municipality               string `dynamodbav:"municipality,omitempty"`
	GridArea                   string `dynamodbav:"gridArea,omitempty"`
	PriceArea                  string `dynamodbav:"priceArea,omitempty"`
	MeterNumber                string `dynamodbav:"meterNumber,omitempty"`
	Resolution                 string `dynamodbav:"resolution,omitempty"`
	EstimatedAnnualConsumption string `dynamodbav:"estimatedAnnualConsumption,omitempty"` // decimal kWh, exact
	BalanceSupplier            string `dynamodbav:"balanceSupplier,omitempty"`
	ContractStart              string `dynamodbav:"contractStart,omitempty"`
	Version                    int    `dynamodbav:"version"`
}

type occupancyItem struct {
	PK          string `dynamodbav:"pk"`
	SK          string `dynamodbav:"sk"`
	GSI1PK      string `dynamodbav:"gsi1pk"`
	GSI1SK      string `dynamodbav:"gsi1sk"`
	EndUser     string `dynamodbav:"endUserId"`
	DisplayName string `dynamodbav:"displayName,omitempty"`
	MoveIn      string `dynamodbav:"moveIn"`
	MoveOut     string `dynamodbav:"moveOut,omitempty"`
	// Version is the metering point's version that last wrote the item:
	// the changes function names its documents after it.
	Version int `dynamodbav:"version,omitempty"`
}

const occupancyPrefix = "ENDUSER#"

func meteringPointPartition(id ident.GSRN) string { return "MP#" + string(id) }

// MeteringPoint reads a metering point's item collection in one query.
func (s *MeteringPoints) MeteringPoint(ctx context.Context, id ident.GSRN) (registry.MeteringPoint, bool, error) {
	out, err := s.client.Query(ctx, &dynamodb.QueryInput{
		TableName:                 &s.table,
		KeyConditionExpression:    aws.String("pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: meteringPointPartition(id)}},
		ConsistentRead:            aws.Bool(true),
	})
	if err != nil {
		return registry.MeteringPoint{}, false, fmt.Errorf("read metering point %s: %w", id, err)
	}
	mp := registry.MeteringPoint{ID: id}
	found := false
	for _, raw := range out.Items {
		sk := raw["sk"].(*types.AttributeValueMemberS).Value
		switch {
		case sk == meterPointSK:
			var it meteringPointItem
			if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
				return mp, false, err
			}
			if err := it.into(&mp); err != nil {
				return mp, false, fmt.Errorf("metering point %s: %w", id, err)
			}
			found = true
		case strings.HasPrefix(sk, occupancyPrefix):
			var it occupancyItem
			if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
				return mp, false, err
			}
			o, err := it.occupancy()
			if err != nil {
				return mp, false, fmt.Errorf("metering point %s: %w", id, err)
			}
			mp.Occupancies = append(mp.Occupancies, o)
		}
		// Other sort keys are facts this code does not know yet.
	}
	return mp, found, nil
}

func toMeteringPointItem(mp registry.MeteringPoint) meteringPointItem {
	it := meteringPointItem{
		PK: meteringPointPartition(mp.ID), SK: meterPointSK, GSRN: string(mp.ID), Type: string(mp.Type),
		AccountingPoint: mp.AccountingPoint, Status: string(mp.Status),
		Street: mp.Address.Street, Postcode: mp.Address.Postcode, Municipality: mp.Address.Municipality,
		GridArea: mp.GridArea, PriceArea: string(mp.PriceArea), MeterNumber: mp.MeterNumber, Resolution: string(mp.Resolution),
		Version: mp.Version,
	}
	if !mp.EstimatedAnnualConsumption.IsZero() {
		it.EstimatedAnnualConsumption = mp.EstimatedAnnualConsumption.StringFixed(metervalues.Decimals)
	}
	if c := mp.Contract; c != nil {
		it.BalanceSupplier, it.ContractStart = string(c.BalanceSupplier), c.Start.Format(registry.DateLayout)
	}
	return it
}

func (it meteringPointItem) into(mp *registry.MeteringPoint) error {
	mp.Type, mp.AccountingPoint, mp.Status = registry.Type(it.Type), it.AccountingPoint, registry.Status(it.Status)
	mp.Address = registry.Address{Street: it.Street, Postcode: it.Postcode, Municipality: it.Municipality}
	mp.GridArea, mp.PriceArea, mp.MeterNumber = it.GridArea, registry.PriceArea(it.PriceArea), it.MeterNumber
	mp.Resolution, mp.Version = metervalues.Resolution(it.Resolution), it.Version
	if it.EstimatedAnnualConsumption != "" {
		eac, err := decimal.NewFromString(it.EstimatedAnnualConsumption)
		if err != nil {
			return fmt.Errorf("estimatedAnnualConsumption: %w", err)
		}
		mp.EstimatedAnnualConsumption = eac
	}
	if it.BalanceSupplier != "" {
		start, err := registry.ParseDate(it.ContractStart)
		if err != nil {
			return fmt.Errorf("contractStart: %w", err)
		}
		mp.Contract = &registry.Contract{BalanceSupplier: ident.GLN(it.BalanceSupplier), Start: start}
	}
	return nil
}

func (it occupancyItem) occupancy() (registry.Occupancy, error) {
	o := registry.Occupancy{EndUser: pseudonym.EndUserID(it.EndUser), DisplayName: it.DisplayName}
	var err error
	if o.MoveIn, err = registry.ParseDate(it.MoveIn); err != nil {
		return o, fmt.Errorf("moveIn: %w", err)
	}
	if it.MoveOut != "" {
		if o.MoveOut, err = registry.ParseDate(it.MoveOut); err != nil {
			return o, fmt.Errorf("moveOut: %w", err)
		}
	}
	return o, nil
}

func toOccupancyItem(mp ident.GSRN, o registry.Occupancy) occupancyItem {
	pk, moveIn := meteringPointPartition(mp), o.MoveIn.Format(registry.DateLayout)
	it := occupancyItem{
		PK: pk, SK: occupancyPrefix + moveIn,
		GSI1PK: "EU#" + string(o.EndUser), GSI1SK: pk + "#" + moveIn,
		EndUser: string(o.EndUser), DisplayName: o.DisplayName, MoveIn: moveIn,
	}
	if !o.MoveOut.IsZero() {
		it.MoveOut = o.MoveOut.Format(registry.DateLayout)
	}
	return it
}

// PutMeteringPoint reads what is stored of mp's metering point and
// replaces it with mp (ReplaceMeteringPoint).
func (s *MeteringPoints) PutMeteringPoint(ctx context.Context, mp registry.MeteringPoint) (bool, error) {
	current, _, err := s.MeteringPoint(ctx, mp.ID)
	if err != nil {
		return false, err
	}
	return s.ReplaceMeteringPoint(ctx, current, mp)
}

// ReplaceMeteringPoint replaces a metering point's master data and end-user
// history, as read into current (Version 0: nothing stored), with mp, in one
// transaction conditional on that version: end users no longer listed are
// removed. It writes nothing when mp equals current, and reports whether it
// wrote; ingest.ErrConflict if another write came after the read.
func (s *MeteringPoints) ReplaceMeteringPoint(ctx context.Context, current, mp registry.MeteringPoint) (bool, error) {
	found := current.Version > 0 // every write raises it from 0
	mp.Version = current.Version
	if found && reflect.DeepEqual(masterDataItems(current), masterDataItems(mp)) {
		return false, nil
	}
	head := toMeteringPointItem(mp)
	head.Version++
	headItem, err := attributevalue.MarshalMap(head)
	if err != nil {
		return false, err
	}
	put := &types.Put{TableName: &s.table, Item: headItem, ConditionExpression: aws.String("attribute_not_exists(pk)")}
	if found {
		put.ConditionExpression = aws.String("version = :read")
		put.ExpressionAttributeValues = map[string]types.AttributeValue{":read": &types.AttributeValueMemberN{Value: strconv.Itoa(current.Version)}}
	}
	items := []types.TransactWriteItem{{Put: put}}
	stored := map[string]occupancyItem{}
	for _, o := range current.Occupancies {
		it := toOccupancyItem(mp.ID, o)
		stored[it.SK] = it
	}
	kept := map[string]bool{}
	for _, o := range mp.Occupancies {
		it := toOccupancyItem(mp.ID, o)
		kept[it.SK] = true
		if was, ok := stored[it.SK]; ok && was == it {
			continue // unchanged: no write, and no change on the stream
		}
		it.Version = head.Version
		item, err := attributevalue.MarshalMap(it)
		if err != nil {
			return false, err
		}
		items = append(items, types.TransactWriteItem{Put: &types.Put{TableName: &s.table, Item: item}})
	}
	for sk := range stored {
		if !kept[sk] {
			items = append(items, types.TransactWriteItem{Delete: &types.Delete{TableName: &s.table, Key: key(meteringPointPartition(mp.ID), sk)}})
		}
	}
	if err := transact(ctx, s.client, items, ingest.ErrConflict); err != nil {
		if errors.Is(err, ingest.ErrConflict) {
			return false, err
		}
		return false, fmt.Errorf("put metering point %s: %w", mp.ID, err)
	}
	return true, nil
}

// masterDataItems is what PutMeteringPoint would store, for comparing.
func masterDataItems(mp registry.MeteringPoint) []any {
	items := []any{toMeteringPointItem(mp)}
	occupancies := slices.Clone(mp.Occupancies)
	slices.SortFunc(occupancies, func(a, b registry.Occupancy) int { return a.MoveIn.Compare(b.MoveIn) })
	for _, o := range occupancies {
		items = append(items, toOccupancyItem(mp.ID, o))
	}
	return items
}

// MeteringPointsOf lists the metering points the end user has held at any
// time; whether they hold one now is the metering point's to say.
func (s *MeteringPoints) MeteringPointsOf(ctx context.Context, user pseudonym.EndUserID) ([]ident.GSRN, error) {
	pages := dynamodb.NewQueryPaginator(s.client, &dynamodb.QueryInput{
		TableName:                 &s.table,
		IndexName:                 aws.String(resources.ByEndUserIndexName),
		KeyConditionExpression:    aws.String("gsi1pk = :user"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":user": &types.AttributeValueMemberS{Value: "EU#" + string(user)}},
	})
	var points []ident.GSRN
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("metering points of an end user: %w", err)
		}
		for _, raw := range page.Items {
			id := ident.GSRN(strings.TrimPrefix(raw["pk"].(*types.AttributeValueMemberS).Value, "MP#"))
			if !slices.Contains(points, id) {
				points = append(points, id)
			}
		}
	}
	return points, nil
}

// EndUserImage is an end user's occupancy of a metering point as a change on
// the Registry stream shows it, with the metering point's version that wrote it.
type EndUserImage struct {
	MeteringPoint ident.GSRN
	Occupancy     registry.Occupancy
	Version       int
}

// EndUserFromImage reads an end user's occupancy from a Registry item; ok
// is false for any other item.
func EndUserFromImage(image map[string]types.AttributeValue) (EndUserImage, bool, error) {
	if sk, ok := image["sk"].(*types.AttributeValueMemberS); !ok || !strings.HasPrefix(sk.Value, occupancyPrefix) {
		return EndUserImage{}, false, nil
	}
	var it occupancyItem
	if err := attributevalue.UnmarshalMap(image, &it); err != nil {
		return EndUserImage{}, false, err
	}
	o, err := it.occupancy()
	if err != nil {
		return EndUserImage{}, false, err
	}
	return EndUserImage{MeteringPoint: ident.GSRN(strings.TrimPrefix(it.PK, "MP#")), Occupancy: o, Version: it.Version}, true, nil
}

// IsEndUserItem reports whether a Registry key is an end user's occupancy.
func IsEndUserItem(keys map[string]types.AttributeValue) bool {
	sk, ok := keys["sk"].(*types.AttributeValueMemberS)
	return ok && strings.HasPrefix(sk.Value, occupancyPrefix)
}

// MeteringPointHead reads a metering point's master data (not its end
// users) from a stream record's image of the METERINGPOINT item; false for
// an image of any other item.
func MeteringPointHead(image map[string]types.AttributeValue) (registry.MeteringPoint, bool, error) {
	if sk, ok := image["sk"].(*types.AttributeValueMemberS); !ok || sk.Value != meterPointSK {
		return registry.MeteringPoint{}, false, nil
	}
	var it meteringPointItem
	if err := attributevalue.UnmarshalMap(image, &it); err != nil {
		return registry.MeteringPoint{}, false, err
	}
	mp := registry.MeteringPoint{ID: ident.GSRN(it.GSRN)}
	return mp, true, it.into(&mp)
}
