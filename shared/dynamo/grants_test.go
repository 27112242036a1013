package dynamo_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/delivery"
	"github.com/tredjepart/tredjepart/shared/grant"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/registry"
)

// shardPoints reads a whole delivery shard, page by page.
func shardPoints(t *testing.T, tp ident.GLN, shard, page int) []ident.GSRN {
	t.Helper()
	_, store := stores(t)
	var all []ident.GSRN
	after := ident.GSRN("")
	for range 100 {
		points, more, err := store.DeliveryShard(context.Background(), tp, shard, after, page)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, points...)
		if !more || len(points) == 0 {
			return all
		}
		after = points[len(points)-1]
	}
	t.Fatal("the shard does not end")
	return nil
}

func TestOnlyActiveGrantsAreOnTheirDeliveryShard(t *testing.T) {
	ctx := context.Background()
	_, store := stores(t)
	_, tp := fresh(t)
	byShard := map[int][]ident.GSRN{}
	var grants []grant.Grant
	for range 6 {
		mp, _ := fresh(t)
		g := grant.New(tp, mp, accessrequest.Limited, "p1_x", "", registry.Date(2024, 1, 1), time.Now())
		if err := store.PutGrant(ctx, g); err != nil {
			t.Fatal(err)
		}
		grants = append(grants, g)
		byShard[delivery.ShardOf(mp)] = append(byShard[delivery.ShardOf(mp)], mp)
	}
	revoked, _ := grants[0].Revoke(time.Now())
	if err := store.UpdateGrant(ctx, grants[0], revoked); err != nil {
		t.Fatal(err)
	}
	gone := grants[0].MeteringPoint
	for shard := range delivery.ShardCount {
		var want []ident.GSRN
		for _, mp := range byShard[shard] {
			if mp != gone {
				want = append(want, mp)
			}
		}
		slices.Sort(want)
		// A page of one takes every point through a cursor.
		if got := shardPoints(t, tp, shard, 1); !slices.Equal(got, want) {
			t.Errorf("shard %d: %v, want %v", shard, got, want)
		}
	}
	if err := store.PutGrant(ctx, grants[0]); err != nil {
		t.Fatal(err)
	}
	if got := shardPoints(t, tp, delivery.ShardOf(gone), 1000); !slices.Contains(got, gone) {
		t.Errorf("granted again, %s is not on its shard: %v", gone, got)
	}
}
