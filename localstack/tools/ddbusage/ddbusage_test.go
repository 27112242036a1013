package ddbusage

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func TestItemSizeFollowsDynamoDBRules(t *testing.T) {
	item := map[string]types.AttributeValue{
		"pk":   &types.AttributeValueMemberS{Value: "MP#1"},  // 2 + 4
		"n":    &types.AttributeValueMemberN{Value: "0.523"}, // 1 + (3 digits → 2) + 1
		"flag": &types.AttributeValueMemberBOOL{Value: true}, // 4 + 1
		"l": &types.AttributeValueMemberL{Value: []types.AttributeValue{ // 1 + 3 + 2×(1 + 2)
			&types.AttributeValueMemberN{Value: "12"}, &types.AttributeValueMemberN{Value: "-3"},
		}},
	}
	if got, want := ItemSize(item), 6+4+5+10; got != want {
		t.Fatalf("size %d, want %d", got, want)
	}
}

func TestCapacityUnits(t *testing.T) {
	for _, tc := range []struct {
		bytes      int
		consistent bool
		want       float64
	}{{0, true, 1}, {4096, true, 1}, {4097, true, 2}, {4097, false, 1}, {100, false, 0.5}} {
		if got := ReadUnits(tc.bytes, tc.consistent); got != tc.want {
			t.Errorf("ReadUnits(%d, %v) = %v, want %v", tc.bytes, tc.consistent, got, tc.want)
		}
	}
	if WriteUnits(1025) != 2 || WriteUnits(10) != 1 {
		t.Error("write units round up per 1 KB, at least one")
	}
}
