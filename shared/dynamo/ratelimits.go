package dynamo

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tredjepart/tredjepart/shared/ratelimit"
)

var _ ratelimit.Counter = (*RateLimits)(nil)

// RateLimits counts the API clients' calls (package ratelimit) in the
// RateLimits table:
//
//	<key>   WINDOW#<unix seconds>   count, ttl (the window's end)
//
// One call is one UpdateItem that adds 1 on condition that the count is
// below the limit, so concurrent calls on every function instance are each
// counted once and never past the limit; a refused call writes nothing.
type RateLimits struct{ store }

// Take counts one call in key's window, unless the window has reached limit.
func (s *RateLimits) Take(ctx context.Context, key string, windowStart, expires time.Time, limit int) (int, bool, error) {
	out, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           &s.table,
		Key:                 rateLimitKey(key, windowStart),
		UpdateExpression:    aws.String("ADD #count :one SET #ttl = :ttl"),
		ConditionExpression: aws.String("attribute_not_exists(#count) OR #count < :limit"),
		ExpressionAttributeNames: map[string]string{
			"#count": "count", "#ttl": "ttl",
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":one":   &types.AttributeValueMemberN{Value: "1"},
			":limit": &types.AttributeValueMemberN{Value: strconv.Itoa(limit)},
			":ttl":   &types.AttributeValueMemberN{Value: strconv.FormatInt(expires.Unix(), 10)},
		},
		ReturnValues: types.ReturnValueUpdatedNew,
	})
	if isConditionFailure(err) {
		return limit, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("count a call of %s: %w", key, err)
	}
	n, ok := out.Attributes["count"].(*types.AttributeValueMemberN)
	if !ok {
		return 0, false, fmt.Errorf("count a call of %s: no count in the answer", key)
	}
	count, err := strconv.Atoi(n.Value)
	if err != nil {
		return 0, false, fmt.Errorf("count a call of %s: %w", key, err)
	}
	return count, true, nil
}

func rateLimitKey(key string, windowStart time.Time) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: key},
		"sk": &types.AttributeValueMemberS{Value: "WINDOW#" + strconv.FormatInt(windowStart.Unix(), 10)},
	}
}
