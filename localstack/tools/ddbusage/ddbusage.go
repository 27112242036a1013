// Package ddbusage is a developer tool: it counts the DynamoDB requests code
// makes and models the capacity they consume by DynamoDB's published rules,
// for benchmarks: emulators report a fixed figure per call, not what AWS would
// bill.
//
// The model: a read unit covers 4 KB read strongly consistently, or 8 KB
// eventually consistently; GetItem rounds each item up, Query and Scan round
// the sum of each page; a write unit covers 1 KB; transactions cost double.
package ddbusage

import (
	"context"
	"errors"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"
)

// Usage is what a Meter has seen.
type Usage struct {
	Requests      map[string]int // by operation
	ReadUnits     float64        // modelled
	WriteUnits    float64        // modelled
	BytesRead     int            // item bytes returned, by DynamoDB's size rules
	ReportedUnits float64        // what the endpoint said it consumed
	Waited        time.Duration  // time spent in calls, endpoint included
}

// TotalRequests sums the requests of every operation.
func (u Usage) TotalRequests() int {
	n := 0
	for _, c := range u.Requests {
		n += c
	}
	return n
}

// Meter accumulates Usage; its Option goes on a DynamoDB client.
type Meter struct {
	mu    sync.Mutex
	usage Usage
}

// Option makes a client report every call to m.
func (m *Meter) Option(o *dynamodb.Options) {
	o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("ddbusage", m.observe), middleware.After)
	})
}

// Reset forgets what was seen.
func (m *Meter) Reset() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.usage = Usage{}
}

// Usage returns a copy of what was seen since the last Reset.
func (m *Meter) Usage() Usage {
	m.mu.Lock()
	defer m.mu.Unlock()
	u := m.usage
	u.Requests = map[string]int{}
	for k, v := range m.usage.Requests {
		u.Requests[k] = v
	}
	return u
}

func (m *Meter) observe(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
	started := time.Now()
	out, md, err := next.HandleInitialize(ctx, in)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.usage.Waited += time.Since(started)
	if m.usage.Requests == nil {
		m.usage.Requests = map[string]int{}
	}
	m.usage.Requests[typeName(in.Parameters)]++
	if err != nil {
		// A write refused by its condition still costs its write units.
		var refused *types.ConditionalCheckFailedException
		if put, ok := in.Parameters.(*dynamodb.PutItemInput); ok && errors.As(err, &refused) {
			m.usage.WriteUnits += WriteUnits(ItemSize(put.Item))
		}
		return out, md, err
	}
	read := func(bytes int, consistent *bool) {
		m.usage.BytesRead += bytes
		m.usage.ReadUnits += ReadUnits(bytes, aws.ToBool(consistent))
	}
	switch p := in.Parameters.(type) {
	case *dynamodb.GetItemInput:
		res := out.Result.(*dynamodb.GetItemOutput)
		read(ItemSize(res.Item), p.ConsistentRead)
		m.report(res.ConsumedCapacity)
	case *dynamodb.QueryInput:
		res := out.Result.(*dynamodb.QueryOutput)
		read(itemsSize(res.Items), p.ConsistentRead)
		m.report(res.ConsumedCapacity)
	case *dynamodb.ScanInput:
		res := out.Result.(*dynamodb.ScanOutput)
		read(itemsSize(res.Items), p.ConsistentRead)
		m.report(res.ConsumedCapacity)
	case *dynamodb.BatchGetItemInput:
		res := out.Result.(*dynamodb.BatchGetItemOutput)
		for table, items := range res.Responses {
			for _, item := range items {
				read(ItemSize(item), p.RequestItems[table].ConsistentRead)
			}
		}
	case *dynamodb.PutItemInput:
		m.usage.WriteUnits += WriteUnits(ItemSize(p.Item))
	case *dynamodb.UpdateItemInput, *dynamodb.DeleteItemInput:
		m.usage.WriteUnits++ // at least one; the item's size is not in the request
	case *dynamodb.BatchWriteItemInput:
		for _, reqs := range p.RequestItems {
			for _, r := range reqs {
				size := 0
				if r.PutRequest != nil {
					size = ItemSize(r.PutRequest.Item)
				}
				m.usage.WriteUnits += WriteUnits(size)
			}
		}
	case *dynamodb.TransactWriteItemsInput:
		for _, it := range p.TransactItems {
			size := 0
			if it.Put != nil {
				size = ItemSize(it.Put.Item)
			}
			m.usage.WriteUnits += 2 * WriteUnits(size)
		}
	}
	return out, md, err
}

func (m *Meter) report(c *types.ConsumedCapacity) {
	if c != nil {
		m.usage.ReportedUnits += aws.ToFloat64(c.CapacityUnits)
	}
}

// ReadUnits is the read capacity for bytes read at once: whole 4 KB units,
// halved when eventually consistent, and never less than one unit.
func ReadUnits(bytes int, consistent bool) float64 {
	units := math.Max(1, math.Ceil(float64(bytes)/4096))
	if !consistent {
		return units / 2
	}
	return units
}

// WriteUnits is the write capacity for an item of bytes: whole 1 KB units, at least one.
func WriteUnits(bytes int) float64 { return math.Max(1, math.Ceil(float64(bytes)/1024)) }

func itemsSize(items []map[string]types.AttributeValue) int {
	n := 0
	for _, it := range items {
		n += ItemSize(it)
	}
	return n
}

// ItemSize is an item's size as DynamoDB counts it: attribute names plus values.
func ItemSize(item map[string]types.AttributeValue) int {
	n := 0
	for name, v := range item {
		n += len(name) + valueSize(v)
	}
	return n
}

func valueSize(v types.AttributeValue) int {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return len(v.Value)
	case *types.AttributeValueMemberN:
		return numberSize(v.Value)
	case *types.AttributeValueMemberB:
		return len(v.Value)
	case *types.AttributeValueMemberBOOL, *types.AttributeValueMemberNULL:
		return 1
	case *types.AttributeValueMemberL:
		n := 3
		for _, e := range v.Value {
			n += 1 + valueSize(e)
		}
		return n
	case *types.AttributeValueMemberM:
		n := 3
		for k, e := range v.Value {
			n += 1 + len(k) + valueSize(e)
		}
		return n
	case *types.AttributeValueMemberSS:
		n := 0
		for _, s := range v.Value {
			n += len(s)
		}
		return n
	case *types.AttributeValueMemberNS:
		n := 0
		for _, s := range v.Value {
			n += numberSize(s)
		}
		return n
	}
	return 0
}

// numberSize: about one byte per two significant digits, plus one.
func numberSize(s string) int {
	digits := strings.TrimLeft(strings.NewReplacer("-", "", ".", "").Replace(s), "0")
	digits = strings.TrimRight(digits, "0")
	return (len(digits)+1)/2 + 1
}

func typeName(v any) string {
	switch v.(type) {
	case *dynamodb.GetItemInput:
		return "GetItem"
	case *dynamodb.QueryInput:
		return "Query"
	case *dynamodb.ScanInput:
		return "Scan"
	case *dynamodb.BatchGetItemInput:
		return "BatchGetItem"
	case *dynamodb.PutItemInput:
		return "PutItem"
	case *dynamodb.UpdateItemInput:
		return "UpdateItem"
	case *dynamodb.DeleteItemInput:
		return "DeleteItem"
	case *dynamodb.BatchWriteItemInput:
		return "BatchWriteItem"
	case *dynamodb.TransactWriteItemsInput:
		return "TransactWriteItems"
	case *dynamodb.TransactGetItemsInput:
		return "TransactGetItems"
	}
	return "Other"
}
