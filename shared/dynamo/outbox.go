package dynamo

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"golang.org/x/sync/errgroup"

	"github.com/tredjepart/tredjepart/shared/delivery"
	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/grant"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/resources"
)

// Outbox keeps the documents delivered to third parties in the Outbox table:
//
//	TP#<gln>#<shard>       DOC#<documentId>   one document (gsi1 byArrival: TP#<gln>#<shard> / <createdAt>#<documentId>)
//	AWAIT#<gsrn>#<day>     TP#<gln>           a day that was due before its values arrived
//
// where shard is FNV-1a of the document id mod OutboxShards. Both expire by
// TTL after Retention. It reads a job's facts from the Access, Registry and
// MeterValues tables. The webhook endpoints that share the table are
// Webhooks'.
type Outbox struct {
	store
	access, registry, meterValues string // the other tables' names, for Facts
}

// Retention is how long documents stay in the outbox: at least the 14 days promised.
const Retention = 30 * 24 * time.Hour

// OutboxShards is how many partitions, in the table and in byArrival, a
// third party's documents are spread over. A partition takes 1,000 WRU/s,
// and a third party with a million PT60M points needs 6,667 WRU/s per index
// to receive its day inside the 5-minute window: sixteen give it 16,000.
const OutboxShards = 16

// documentPartition is the pk and gsi1pk of a document: the shard comes
// from its id, so whoever knows the id finds the item without a lookup.
func documentPartition(tp ident.GLN, id string) string {
	h := fnv.New32a()
	_, _ = h.Write([]byte(id))
	return shardPartition(tp, int(h.Sum32()%OutboxShards))
}

func shardPartition(tp ident.GLN, shard int) string {
	return fmt.Sprintf("%s#%d", thirdPartyPartition(tp), shard)
}

// DocumentPartitions lists the partitions that hold the third party's
// documents, in the table and in byArrival.
func DocumentPartitions(tp ident.GLN) []string {
	partitions := make([]string, OutboxShards)
	for shard := range partitions {
		partitions[shard] = shardPartition(tp, shard)
	}
	return partitions
}

type documentItem struct {
	PK            string `dynamodbav:"pk"`
	SK            string `dynamodbav:"sk"`
	GSI1PK        string `dynamodbav:"gsi1pk"`
	GSI1SK        string `dynamodbav:"gsi1sk"`
	ID            string `dynamodbav:"id"`
	Kind          string `dynamodbav:"kind"`
	MeteringPoint string `dynamodbav:"meteringPointId,omitempty"`
	Day           string `dynamodbav:"day,omitempty"`
	CreatedAt     string `dynamodbav:"createdAt"`
	Body          []byte `dynamodbav:"bodyGzip"`           // the JSON, gzipped: see compress
	PushedAt      string `dynamodbav:"pushedAt,omitempty"` // set once the webhook took it
	TTL           int64  `dynamodbav:"ttl"`
}

func (it documentItem) document(tp ident.GLN) (delivery.Document, error) {
	d := delivery.Document{ID: it.ID, ThirdParty: tp, Kind: delivery.Kind(it.Kind), MeteringPoint: ident.GSRN(it.MeteringPoint)}
	var err error
	if d.Body, err = decompress(it.Body); err != nil {
		return d, fmt.Errorf("document %s: %w", it.ID, err)
	}
	if d.CreatedAt, err = parseTime(it.CreatedAt); err != nil {
		return d, err
	}
	if it.Day != "" {
		d.Day, err = metervalues.ParseDay(it.Day)
	}
	return d, err
}

// compress gzips a document's JSON for storage. Every document is written
// twice (table and byArrival) at a write unit per KB: a PT60M day's 1.6 KB
// of JSON gzips to about 400 bytes, which puts the whole item under 1 KB,
// and a PT15M day's 5.2 KB to about 800.
func compress(body []byte) ([]byte, error) {
	var buf bytes.Buffer
	w := gzipWriters.Get().(*gzip.Writer)
	defer gzipWriters.Put(w)
	w.Reset(&buf)
	if _, err := w.Write(body); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// gzipWriters keeps writers for reuse: each holds about a megabyte of
// compression state, and a delivery writes ten documents at once.
var gzipWriters = sync.Pool{New: func() any {
	w, err := gzip.NewWriterLevel(nil, gzip.BestCompression)
	if err != nil {
		panic(err) // only for a level out of range
	}
	return w
}}

func decompress(stored []byte) ([]byte, error) {
	r, err := gzip.NewReader(bytes.NewReader(stored))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

// Put writes a document unless one with its id is there.
func (s *Outbox) Put(ctx context.Context, d delivery.Document) (bool, error) {
	body, err := compress(d.Body)
	if err != nil {
		return false, err
	}
	created := formatTime(d.CreatedAt)
	partition := documentPartition(d.ThirdParty, d.ID)
	it := documentItem{
		PK: partition, SK: "DOC#" + d.ID,
		GSI1PK: partition, GSI1SK: created + "#" + d.ID,
		ID: d.ID, Kind: string(d.Kind), MeteringPoint: string(d.MeteringPoint), CreatedAt: created,
		Body: body, TTL: d.CreatedAt.Add(Retention).Unix(),
	}
	if !d.Day.IsZero() {
		it.Day = d.Day.Format(metervalues.DayLayout)
	}
	item, err := attributevalue.MarshalMap(it)
	if err != nil {
		return false, err
	}
	_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: item, ConditionExpression: aws.String("attribute_not_exists(pk)")})
	if isConditionFailure(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("outbox %s: %w", d.ID, err)
	}
	return true, nil
}

// AwaitLate remembers a day that was due before its values arrived.
func (s *Outbox) AwaitLate(ctx context.Context, tp ident.GLN, mp ident.GSRN, day, now time.Time) error {
	item := key(awaitPartition(mp, day), thirdPartyPartition(tp))
	item["ttl"] = &types.AttributeValueMemberN{Value: fmt.Sprint(now.Add(Retention).Unix())}
	if _, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: item}); err != nil {
		return fmt.Errorf("await late day: %w", err)
	}
	return nil
}

func awaitPartition(mp ident.GSRN, day time.Time) string {
	return "AWAIT#" + string(mp) + "#" + day.Format(metervalues.DayLayout)
}

// Facts reads a job's grants and days in one batch, then the occupancies
// the active grants were given from in a second.
func (s *Outbox) Facts(ctx context.Context, tp ident.GLN, day time.Time, mps []ident.GSRN) (map[ident.GSRN]delivery.Facts, error) {
	facts := make(map[ident.GSRN]delivery.Facts, len(mps))
	first := map[string][]map[string]types.AttributeValue{}
	for _, mp := range mps {
		first[s.access] = append(first[s.access], grantKey(tp, mp))
		first[s.meterValues] = append(first[s.meterValues], dayKey(mp, day))
	}
	found, err := s.batchGet(ctx, first)
	if err != nil {
		return nil, err
	}
	for _, item := range found[s.access] {
		var it grantItem
		if err := attributevalue.UnmarshalMap(item, &it); err != nil {
			return nil, err
		}
		g, err := it.grant()
		if err != nil {
			return nil, err
		}
		facts[g.MeteringPoint] = delivery.Facts{Grant: g, HasGrant: true}
	}
	for _, item := range found[s.meterValues] {
		series, err := fromDayItem(item)
		if err != nil {
			return nil, err
		}
		f := facts[series.MeteringPoint]
		f.Series, f.HasSeries = series, true
		facts[series.MeteringPoint] = f
	}
	second := map[string][]map[string]types.AttributeValue{}
	for _, f := range facts {
		if f.HasGrant && f.Grant.Status == grant.Active {
			second[s.registry] = append(second[s.registry], key(meteringPointPartition(f.Grant.MeteringPoint), occupancyPrefix+f.Grant.DataFrom.Format(registry.DateLayout)))
		}
	}
	if len(second) == 0 {
		return facts, nil
	}
	if found, err = s.batchGet(ctx, second); err != nil {
		return nil, err
	}
	for _, item := range found[s.registry] {
		var it occupancyItem
		if err := attributevalue.UnmarshalMap(item, &it); err != nil {
			return nil, err
		}
		o, err := it.occupancy()
		if err != nil {
			return nil, err
		}
		mp := ident.GSRN(it.PK[len("MP#"):])
		if f := facts[mp]; f.Grant.EndUser == o.EndUser {
			f.Occupancy = o
			facts[mp] = f
		}
	}
	return facts, nil
}

// batchGet reads keys by table, eventually consistent, retrying what
// DynamoDB leaves unprocessed.
func (s *Outbox) batchGet(ctx context.Context, keys map[string][]map[string]types.AttributeValue) (map[string][]map[string]types.AttributeValue, error) {
	request := map[string]types.KeysAndAttributes{}
	for table, ks := range keys {
		request[table] = types.KeysAndAttributes{Keys: ks}
	}
	found := map[string][]map[string]types.AttributeValue{}
	for attempt := 0; len(request) > 0; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(time.Duration(attempt*attempt) * 20 * time.Millisecond):
			}
		}
		if attempt == 8 {
			return nil, errors.New("batch read: keys still unprocessed after 8 attempts")
		}
		out, err := s.client.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: request})
		if err != nil {
			return nil, fmt.Errorf("batch read: %w", err)
		}
		for table, items := range out.Responses {
			found[table] = append(found[table], items...)
		}
		request = out.UnprocessedKeys
	}
	return found, nil
}

// Feed returns up to limit of the third party's documents after the
// cursor ("" for the oldest kept), oldest first, that are at least
// delivery.SettleLag old at now.
func (s *Outbox) Feed(ctx context.Context, tp ident.GLN, cursor string, limit int, now time.Time) (delivery.FeedPage, error) {
	after := ""
	if cursor != "" {
		raw, err := base64.RawURLEncoding.DecodeString(cursor)
		if _, perr := time.Parse(timeLayout, string(raw[:min(len(raw), len(timeLayout))])); err != nil || perr != nil {
			return delivery.FeedPage{}, fault.InvalidFields(fault.FieldError{Field: "after", Reason: "not a cursor from a previous page"})
		}
		after = string(raw)
	}
	items, _, err := s.fanIn(ctx, tp, dynamodb.QueryInput{
		KeyConditionExpression: aws.String("gsi1pk = :p AND gsi1sk BETWEEN :after AND :settled"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":after":   &types.AttributeValueMemberS{Value: after + "\x00"}, // strictly after the cursor
			":settled": &types.AttributeValueMemberS{Value: formatTime(now.Add(-delivery.SettleLag))},
		},
	}, limit)
	if err != nil {
		return delivery.FeedPage{}, fmt.Errorf("outbox feed: %w", err)
	}
	page := delivery.FeedPage{Next: cursor}
	for _, it := range items {
		d, err := it.document(tp)
		if err != nil {
			return page, err
		}
		page.Documents = append(page.Documents, d)
		page.Next = base64.RawURLEncoding.EncodeToString([]byte(it.GSI1SK))
	}
	return page, nil
}

// partitionLimit is how many items fanIn asks of each partition for a page
// of limit: twice an even share, so a page is usually full, while a backlog
// is read about twice rather than once per partition. A partition that
// stops at it ends the page at its last item, so nothing is skipped.
func partitionLimit(limit int) int {
	return max(4, 2*((limit+OutboxShards-1)/OutboxShards))
}

// fanIn runs the query on byArrival in every document partition of the
// third party at once (":p" in its key condition is the partition), at
// most partitionLimit(limit) items each, and merges the items by gsi1sk, which orders them
// across partitions: oldest first, or newest first when the query scans
// backwards. It returns the first limit and whether more may follow.
func (s *Outbox) fanIn(ctx context.Context, tp ident.GLN, in dynamodb.QueryInput, limit int) ([]documentItem, bool, error) {
	in.TableName, in.IndexName, in.Limit = &s.table, aws.String(resources.ByArrivalIndexName), aws.Int32(int32(partitionLimit(limit)))
	pages := make([][]documentItem, OutboxShards)
	cut := make([]bool, OutboxShards)
	err := s.eachPartition(ctx, tp, func(ctx context.Context, shard int, partition string) error {
		q := in
		q.ExpressionAttributeValues = map[string]types.AttributeValue{":p": &types.AttributeValueMemberS{Value: partition}}
		maps.Copy(q.ExpressionAttributeValues, in.ExpressionAttributeValues)
		out, err := s.client.Query(ctx, &q)
		if err != nil {
			return err
		}
		cut[shard] = out.LastEvaluatedKey != nil
		return attributevalue.UnmarshalListOfMaps(out.Items, &pages[shard])
	})
	if err != nil {
		return nil, false, err
	}
	order := 1
	if in.ScanIndexForward != nil && !*in.ScanIndexForward {
		order = -1
	}
	var merged []documentItem
	more, bound := false, ""
	for shard, page := range pages {
		merged = append(merged, page...)
		if !cut[shard] || len(page) == 0 {
			continue
		}
		more = true
		// A partition cut short (at its limit, or at a Query's 1 MB) has
		// unread items after its last: the page stops there, or it would
		// skip them.
		if last := page[len(page)-1].GSI1SK; bound == "" || strings.Compare(last, bound)*order < 0 {
			bound = last
		}
	}
	slices.SortFunc(merged, func(a, b documentItem) int { return strings.Compare(a.GSI1SK, b.GSI1SK) * order })
	if bound != "" {
		merged = merged[:1+slices.IndexFunc(merged, func(it documentItem) bool { return it.GSI1SK == bound })]
	}
	if len(merged) > limit {
		merged, more = merged[:limit], true
	}
	return merged, more, nil
}

// eachPartition calls query for each of the third party's document
// partitions, all at once, and returns the first error.
func (s *Outbox) eachPartition(ctx context.Context, tp ident.GLN, query func(ctx context.Context, shard int, partition string) error) error {
	g, ctx := errgroup.WithContext(ctx)
	for shard, partition := range DocumentPartitions(tp) {
		g.Go(func() error { return query(ctx, shard, partition) })
	}
	return g.Wait()
}

// Awaiting lists the third parties a day was due to before its values arrived.
func (s *Outbox) Awaiting(ctx context.Context, mp ident.GSRN, day time.Time) ([]ident.GLN, error) {
	out, err := s.client.Query(ctx, &dynamodb.QueryInput{
		TableName:                 &s.table,
		KeyConditionExpression:    aws.String("pk = :day"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":day": &types.AttributeValueMemberS{Value: awaitPartition(mp, day)}},
		ConsistentRead:            aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("third parties awaiting %s: %w", mp, err)
	}
	var tps []ident.GLN
	for _, item := range out.Items {
		if sk, ok := item["sk"].(*types.AttributeValueMemberS); ok {
			tps = append(tps, ident.GLN(strings.TrimPrefix(sk.Value, "TP#")))
		}
	}
	return tps, nil
}

// ClearAwaiting forgets that a day was awaited by the third party.
func (s *Outbox) ClearAwaiting(ctx context.Context, mp ident.GSRN, day time.Time, tp ident.GLN) error {
	_, err := s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &s.table, Key: key(awaitPartition(mp, day), thirdPartyPartition(tp))})
	return err
}

// Latest returns up to limit of the third party's documents before the
// cursor ("" for the newest), newest first: the portal's view of the feed.
// Next is empty on the last page.
func (s *Outbox) Latest(ctx context.Context, tp ident.GLN, cursor string, limit int) (delivery.FeedPage, error) {
	in := dynamodb.QueryInput{
		KeyConditionExpression: aws.String("gsi1pk = :p"),
		ScanIndexForward:       aws.Bool(false),
	}
	if cursor != "" {
		raw, err := base64.RawURLEncoding.DecodeString(cursor)
		if _, perr := time.Parse(timeLayout, string(raw[:min(len(raw), len(timeLayout))])); err != nil || perr != nil {
			return delivery.FeedPage{}, fault.InvalidFields(fault.FieldError{Field: "before", Reason: "not a cursor from a previous page"})
		}
		in.KeyConditionExpression = aws.String("gsi1pk = :p AND gsi1sk < :before")
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":before": &types.AttributeValueMemberS{Value: string(raw)}}
	}
	items, more, err := s.fanIn(ctx, tp, in, limit)
	if err != nil {
		return delivery.FeedPage{}, fmt.Errorf("outbox, newest first: %w", err)
	}
	var page delivery.FeedPage
	for _, it := range items {
		d, err := it.document(tp)
		if err != nil {
			return page, err
		}
		page.Documents = append(page.Documents, d)
	}
	if more {
		page.Next = base64.RawURLEncoding.EncodeToString([]byte(items[len(items)-1].GSI1SK))
	}
	return page, nil
}

// CountSince counts the third party's documents written at or after since.
func (s *Outbox) CountSince(ctx context.Context, tp ident.GLN, since time.Time) (int, error) {
	var counts [OutboxShards]int
	err := s.eachPartition(ctx, tp, func(ctx context.Context, shard int, partition string) error {
		in := &dynamodb.QueryInput{
			TableName:              &s.table,
			IndexName:              aws.String(resources.ByArrivalIndexName),
			KeyConditionExpression: aws.String("gsi1pk = :p AND gsi1sk >= :since"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":p":     &types.AttributeValueMemberS{Value: partition},
				":since": &types.AttributeValueMemberS{Value: formatTime(since)},
			},
			Select: types.SelectCount,
		}
		for {
			out, err := s.client.Query(ctx, in)
			if err != nil {
				return err
			}
			counts[shard] += int(out.Count)
			if out.LastEvaluatedKey == nil {
				return nil
			}
			in.ExclusiveStartKey = out.LastEvaluatedKey
		}
	})
	if err != nil {
		return 0, fmt.Errorf("count outbox documents: %w", err)
	}
	total := 0
	for _, n := range counts {
		total += n
	}
	return total, nil
}
