package dynamo

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/shopspring/decimal"

	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/ingest"
	"github.com/tredjepart/tredjepart/shared/metervalues"
)

// MeterValues stores one item per metering point per Oslo day in the
// MeterValues table:
//
//	MP#<gsrn>   DAY#<yyyy-mm-dd>   resolution, revision, receivedAt,
//	                               wh (binary: one unsigned varint per position, watt-hours = kWh × 1000),
//	                               qualities (one code when all positions share it, else the codes run together: "A04A04A03…")
//
// Quantities have exactly 3 decimals, so whole watt-hours hold them exactly;
// as varints a PT60M day is about 170 bytes and a PT15M day about 400, and
// the day is two attribute values rather than one per position, which keeps
// reads cheap to parse (and keeps emulators that serialise per value fast).
type MeterValues struct{ store }

const dayPrefix = "DAY#"

func dayKey(mp ident.GSRN, day time.Time) map[string]types.AttributeValue {
	return key(meteringPointPartition(mp), dayPrefix+day.Format(metervalues.DayLayout))
}

func toDayItem(s metervalues.Series) map[string]types.AttributeValue {
	wh := make([]byte, 0, len(s.Quantities)*binary.MaxVarintLen32)
	var qualities strings.Builder
	uniform := true
	for _, q := range s.Quantities {
		wh = binary.AppendUvarint(wh, uint64(q.Value.Shift(metervalues.Decimals).IntPart()))
		qualities.WriteString(string(q.Quality))
		uniform = uniform && q.Quality == s.Quantities[0].Quality
	}
	codes := qualities.String()
	if uniform && len(s.Quantities) > 0 {
		codes = string(s.Quantities[0].Quality)
	}
	item := dayKey(s.MeteringPoint, s.Day)
	item["resolution"] = &types.AttributeValueMemberS{Value: string(s.Resolution)}
	item["revision"] = &types.AttributeValueMemberN{Value: strconv.Itoa(s.Revision)}
	item["receivedAt"] = &types.AttributeValueMemberS{Value: formatTime(s.ReceivedAt)}
	item["wh"] = &types.AttributeValueMemberB{Value: wh}
	item["qualities"] = &types.AttributeValueMemberS{Value: codes}
	return item
}

// qualityCodeLength is the length of every quality code (A01…A05).
const qualityCodeLength = 3

func fromDayItem(item map[string]types.AttributeValue) (metervalues.Series, error) {
	var s metervalues.Series
	str := func(name string) string {
		if v, ok := item[name].(*types.AttributeValueMemberS); ok {
			return v.Value
		}
		return ""
	}
	s.MeteringPoint = ident.GSRN(strings.TrimPrefix(str("pk"), "MP#"))
	day, err := metervalues.ParseDay(strings.TrimPrefix(str("sk"), dayPrefix))
	if err != nil {
		return s, err
	}
	s.Day, s.Resolution = day, metervalues.Resolution(str("resolution"))
	if n, ok := item["revision"].(*types.AttributeValueMemberN); ok {
		if s.Revision, err = strconv.Atoi(n.Value); err != nil {
			return s, fmt.Errorf("revision: %w", err)
		}
	}
	if s.ReceivedAt, err = parseTime(str("receivedAt")); err != nil {
		return s, err
	}
	bad := fmt.Errorf("day %s of %s: quantities and qualities do not match", s.Day.Format(metervalues.DayLayout), s.MeteringPoint)
	wh, _ := item["wh"].(*types.AttributeValueMemberB)
	if wh == nil {
		return s, bad
	}
	qualities := str("qualities")
	for rest := wh.Value; len(rest) > 0; {
		v, n := binary.Uvarint(rest)
		if n <= 0 || v > math.MaxInt64 {
			return s, bad
		}
		rest = rest[n:]
		s.Quantities = append(s.Quantities, metervalues.Quantity{Value: decimal.New(int64(v), -metervalues.Decimals)})
	}
	switch len(qualities) {
	case qualityCodeLength:
		for i := range s.Quantities {
			s.Quantities[i].Quality = metervalues.Quality(qualities)
		}
	case qualityCodeLength * len(s.Quantities):
		for i := range s.Quantities {
			s.Quantities[i].Quality = metervalues.Quality(qualities[i*qualityCodeLength : (i+1)*qualityCodeLength])
		}
	default:
		return s, bad
	}
	return s, nil
}

// Day returns one stored day, read strongly consistent.
func (s *MeterValues) Day(ctx context.Context, mp ident.GSRN, day time.Time) (metervalues.Series, bool, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: dayKey(mp, day), ConsistentRead: aws.Bool(true)})
	if err != nil || out.Item == nil {
		return metervalues.Series{}, false, err
	}
	series, err := fromDayItem(out.Item)
	return series, err == nil, err
}

// PutDay stores a day's series. The same values again change nothing; new
// values replace the day with its revision raised, conditional on the
// revision read, so two corrections racing cannot both win. It writes
// first and reads only what a failed condition returns: a new day costs
// one write, a retry one failed write, a correction two writes.
func (s *MeterValues) PutDay(ctx context.Context, series metervalues.Series) (metervalues.Series, ingest.Outcome, error) {
	series.Revision = 1
	existing, err := s.putDayIf(ctx, series, "attribute_not_exists(pk)", nil)
	if err != nil || existing == nil {
		return series, ingest.Created, err
	}
	stored, err := fromDayItem(existing)
	if err != nil {
		return series, "", fmt.Errorf("stored day: %w", err)
	}
	if stored.SameValues(series) {
		return stored, ingest.Unchanged, nil
	}
	series.Revision = stored.Revision + 1
	existing, err = s.putDayIf(ctx, series, "revision = :read",
		map[string]types.AttributeValue{":read": &types.AttributeValueMemberN{Value: strconv.Itoa(stored.Revision)}})
	if err != nil {
		return series, "", err
	}
	if existing != nil {
		return series, "", ingest.ErrConflict
	}
	return series, ingest.Corrected, nil
}

// putDayIf writes the day if condition holds. If it does not, nothing is
// written and the stored item that failed it is returned; a condition on
// an item that is gone is a conflict.
func (s *MeterValues) putDayIf(ctx context.Context, series metervalues.Series, condition string, values map[string]types.AttributeValue) (map[string]types.AttributeValue, error) {
	_, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: &s.table, Item: toDayItem(series),
		ConditionExpression: &condition, ExpressionAttributeValues: values,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var failed *types.ConditionalCheckFailedException
	switch {
	case errors.As(err, &failed) && failed.Item == nil:
		return nil, ingest.ErrConflict
	case errors.As(err, &failed):
		return failed.Item, nil
	case err != nil:
		return nil, fmt.Errorf("put day: %w", err)
	}
	return nil, nil
}

// Days returns the stored days from (inclusive) to (exclusive), both Oslo
// midnights, in order. It reads with one query per 1 MB page, eventually
// consistent: half a read capacity unit per 4 KB of days.
func (s *MeterValues) Days(ctx context.Context, mp ident.GSRN, from, to time.Time) ([]metervalues.Series, error) {
	last := to.AddDate(0, 0, -1)
	if last.Before(from) {
		return nil, nil
	}
	pages := dynamodb.NewQueryPaginator(s.client, &dynamodb.QueryInput{
		TableName:              &s.table,
		KeyConditionExpression: aws.String("pk = :mp AND sk BETWEEN :from AND :last"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":mp":   &types.AttributeValueMemberS{Value: meteringPointPartition(mp)},
			":from": &types.AttributeValueMemberS{Value: dayPrefix + from.Format(metervalues.DayLayout)},
			":last": &types.AttributeValueMemberS{Value: dayPrefix + last.Format(metervalues.DayLayout)},
		},
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	})
	var days []metervalues.Series
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("days of %s: %w", mp, err)
		}
		for _, item := range page.Items {
			day, err := fromDayItem(item)
			if err != nil {
				return nil, err
			}
			days = append(days, day)
		}
	}
	return days, nil
}

// DayFromImage reads a day item as a stream record's image carries it.
func DayFromImage(image map[string]types.AttributeValue) (metervalues.Series, error) {
	return fromDayItem(image)
}

// IsDayItem reports whether a MeterValues key is a day's.
func IsDayItem(keys map[string]types.AttributeValue) bool {
	sk, ok := keys["sk"].(*types.AttributeValueMemberS)
	return ok && strings.HasPrefix(sk.Value, dayPrefix)
}
