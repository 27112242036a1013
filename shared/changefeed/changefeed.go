// Package changefeed is an entry point: the Lambda that follows the
// MeterValues table's stream, so that a day stored late, or corrected after
// its delivery, and a change of master data or of the end user reach the
// third parties with access.
package changefeed

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tredjepart/tredjepart/shared/delivery"
	"github.com/tredjepart/tredjepart/shared/dynamo"
	"github.com/tredjepart/tredjepart/shared/function"
	"github.com/tredjepart/tredjepart/shared/metrics"
	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/resources"
	"github.com/tredjepart/tredjepart/shared/sender"
)

// ChangesHandler follows the MeterValues stream: a day stored late, or
// corrected after its delivery, is delivered from here.
type ChangesHandler struct {
	Changes *delivery.Changes
	Logger  *slog.Logger
}

// Handle processes the records in order. On the first that fails it stops
// and reports that record, so the stream is read again from there and no
// later change overtakes it.
func (h *ChangesHandler) Handle(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	var res events.DynamoDBEventResponse
	for _, r := range ev.Records {
		if err := h.record(ctx, r); err != nil {
			h.Logger.ErrorContext(ctx, "change not delivered", "eventId", r.EventID, "sequenceNumber", r.Change.SequenceNumber, "error", err)
			res.BatchItemFailures = append(res.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: r.Change.SequenceNumber})
			return res, nil
		}
	}
	return res, nil
}

func (h *ChangesHandler) record(ctx context.Context, r events.DynamoDBEventRecord) error {
	keys := image(r.Change.Keys)
	if dynamo.IsEndUserItem(keys) {
		return h.endUser(ctx, r)
	}
	if r.EventName != string(events.DynamoDBOperationTypeInsert) && r.EventName != string(events.DynamoDBOperationTypeModify) {
		return nil
	}
	if !dynamo.IsDayItem(keys) {
		return h.masterData(ctx, r)
	}
	series, err := dynamo.DayFromImage(image(r.Change.NewImage))
	if err != nil {
		return fmt.Errorf("new image: %w", err)
	}
	change := delivery.DayStored{Series: series}
	if old := r.Change.OldImage; old != nil {
		if rev, ok := old["revision"]; ok {
			if change.BeforeRevision, err = strconv.Atoi(rev.Number()); err != nil {
				return fmt.Errorf("old revision: %w", err)
			}
		}
	}
	return h.Changes.DayStored(ctx, change)
}

// endUser tells the grant holders about an end user's move-in, move-out
// or removal from a metering point's history.
func (h *ChangesHandler) endUser(ctx context.Context, r events.DynamoDBEventRecord) error {
	var change delivery.EndUserChange
	for _, side := range []struct {
		image map[string]events.DynamoDBAttributeValue
		into  **registry.Occupancy
	}{{r.Change.OldImage, &change.Before}, {r.Change.NewImage, &change.After}} {
		if side.image == nil {
			continue
		}
		eu, _, err := dynamo.EndUserFromImage(image(side.image))
		if err != nil {
			return fmt.Errorf("end user: %w", err)
		}
		change.MeteringPoint, change.Version, *side.into = eu.MeteringPoint, eu.Version, &eu.Occupancy
	}
	if change.Before == nil && change.After == nil {
		return fmt.Errorf("end user change %s without images", r.EventID)
	}
	return h.Changes.EndUserChanged(ctx, change)
}

// masterData tells the grant holders about a change to a metering point's
// master data; parties' items are not followed.
func (h *ChangesHandler) masterData(ctx context.Context, r events.DynamoDBEventRecord) error {
	after, ok, err := dynamo.MeteringPointHead(image(r.Change.NewImage))
	if err != nil || !ok || r.Change.OldImage == nil {
		return err
	}
	before, _, err := dynamo.MeteringPointHead(image(r.Change.OldImage))
	if err != nil {
		return err
	}
	return h.Changes.MasterDataChanged(ctx, before, after)
}

// image turns a stream record's attribute values into the SDK's.
func image(in map[string]events.DynamoDBAttributeValue) map[string]types.AttributeValue {
	out := make(map[string]types.AttributeValue, len(in))
	for k, v := range in {
		out[k] = attribute(v)
	}
	return out
}

func attribute(v events.DynamoDBAttributeValue) types.AttributeValue {
	switch v.DataType() {
	case events.DataTypeString:
		return &types.AttributeValueMemberS{Value: v.String()}
	case events.DataTypeNumber:
		return &types.AttributeValueMemberN{Value: v.Number()}
	case events.DataTypeBinary:
		return &types.AttributeValueMemberB{Value: v.Binary()}
	case events.DataTypeBoolean:
		return &types.AttributeValueMemberBOOL{Value: v.Boolean()}
	case events.DataTypeStringSet:
		return &types.AttributeValueMemberSS{Value: v.StringSet()}
	case events.DataTypeNumberSet:
		return &types.AttributeValueMemberNS{Value: v.NumberSet()}
	case events.DataTypeBinarySet:
		return &types.AttributeValueMemberBS{Value: v.BinarySet()}
	case events.DataTypeList:
		list := make([]types.AttributeValue, len(v.List()))
		for i, e := range v.List() {
			list[i] = attribute(e)
		}
		return &types.AttributeValueMemberL{Value: list}
	case events.DataTypeMap:
		return &types.AttributeValueMemberM{Value: image(v.Map())}
	}
	return &types.AttributeValueMemberNULL{Value: true}
}

// ChangesLambda builds the changes function's handler; see package function.
func ChangesLambda(_ context.Context, cfg aws.Config, getenv func(string) string, logger *slog.Logger) (any, error) {
	tables, err := function.NeedTables(getenv, resources.Access, resources.Registry, resources.Outbox)
	if err != nil {
		return nil, err
	}
	stores := dynamo.Open(dynamodb.NewFromConfig(cfg), tables)
	hooks, err := sender.WebhookService(cfg, stores, getenv, logger)
	if err != nil {
		return nil, err
	}
	return (&ChangesHandler{Logger: logger, Changes: &delivery.Changes{
		Store:          stores.Outbox,
		Grants:         stores.Grants,
		MeteringPoints: stores.MeteringPoints,
		Webhooks:       hooks, Clock: hooks.Clock, Logger: logger, Metrics: &metrics.EMF{Logger: logger},
	}}).Handle, nil
}
