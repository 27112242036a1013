// Package inmem is an adapter: in-memory stores with the same behaviour as
// package dynamo's, for tests that should run without an emulator. Each
// type keeps what one dynamo type keeps, satisfies the same ports, and
// answers a failed condition with the same sentinel error; the contract
// tests in package storetest run against both, so the two cannot drift.
//
// Open gives them all, as dynamo.Open does: the request and grant stores
// share one Access table's state, for approving writes to both at once.
// Every store is safe for concurrent use (one mutex each; the Access
// table's two share theirs) and copies what goes in and comes out: a
// caller never shares a slice or map with it.
// Instants come back as DynamoDB's items give them: in UTC, without a
// monotonic clock reading.
package inmem

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"

	"github.com/tredjepart/tredjepart/shared/fault"
)

// instant is t as a dynamo store gives it back: in UTC, nanoseconds kept,
// no monotonic reading; the zero time stays zero.
func instant(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Round(0)
}

// timeLayout keeps instants sortable as strings, as dynamo's does.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

// sortable is an instant as the dynamo stores write it in sort keys.
func sortable(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeLayout)
}

// cursor is the position after the last item of a page: the partition it
// pages through, so that it cannot be replayed by another, and the sort key.
type cursor struct {
	Partition string `json:"p"`
	SortKey   string `json:"s"`
}

func encodeCursor(partition, sortKey string) string {
	raw, _ := json.Marshal(cursor{partition, sortKey}) // two strings cannot fail
	return base64.RawURLEncoding.EncodeToString(raw)
}

// decodeCursor reads a cursor for partition, refusing one of another
// partition or another shape with the fault package dynamo gives.
func decodeCursor(s, partition, sortPrefix string) (string, error) {
	bad := &fault.Error{Kind: fault.Invalid, Detail: "cursor: not a cursor from a previous page",
		Fields: []fault.FieldError{{Field: "cursor", Reason: "not a cursor from a previous page"}}}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return "", bad
	}
	var c cursor
	if err := json.Unmarshal(raw, &c); err != nil || c.Partition != partition || c.SortKey == "" ||
		!strings.HasPrefix(c.SortKey, sortPrefix) || c.SortKey == sortPrefix {
		return "", bad
	}
	return c.SortKey, nil
}

// keyed is an item with its sort key, for paging.
type keyed[T any] struct {
	sortKey string
	item    T
}

// page returns up to limit items (already in query order, newest first when
// descending) after the cursor's position, and the cursor of the next page
// (empty when nothing follows).
func page[T any](items []keyed[T], partition, sortPrefix, cursorText string, limit int, descending bool) ([]T, string, error) {
	start := 0
	if cursorText != "" {
		after, err := decodeCursor(cursorText, partition, sortPrefix)
		if err != nil {
			return nil, "", err
		}
		for start < len(items) && (descending && items[start].sortKey >= after || !descending && items[start].sortKey <= after) {
			start++
		}
	}
	var out []T
	for i := start; i < len(items); i++ {
		out = append(out, items[i].item)
		if len(out) == limit {
			if i < len(items)-1 {
				return out, encodeCursor(partition, items[i].sortKey), nil
			}
			break
		}
	}
	return out, "", nil
}
