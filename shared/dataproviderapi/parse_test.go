package dataproviderapi

import (
	"errors"
	"slices"
	"testing"

	"github.com/tredjepart/tredjepart/shared/fault"
)

func TestABatchWhoseItemsAreNotObjectsIsRefusedWhole(t *testing.T) {
	for _, tc := range []struct {
		body string
		bad  []string // the fields errors[] names
	}{
		{`{"items":[1]}`, []string{"items[0]"}},
		{`{"items":[{},"x",null,[],{"meteringPointId":"1"},true]}`, []string{"items[1]", "items[2]", "items[3]", "items[5]"}},
	} {
		_, err := decodeEnvelope([]byte(tc.body), "items", MaxMasterDataItems)
		var fe *fault.Error
		if !errors.As(err, &fe) || fe.Kind != fault.Invalid {
			t.Fatalf("%s: %v, want a 400", tc.body, err)
		}
		var named []string
		for _, f := range fe.Fields {
			named = append(named, f.Field)
		}
		if !slices.Equal(named, tc.bad) {
			t.Errorf("%s names %v, want %v", tc.body, named, tc.bad)
		}
	}
	items, err := decodeEnvelope([]byte(` {"series": [ {}, {"day":"2026-01-01"} ]}`), "series", MaxSeriesItems)
	if err != nil || len(items) != 2 {
		t.Fatalf("a batch of objects: %d items, %v", len(items), err)
	}
}
