// Package dynamo is an adapter: it stores Tredjepart's domain in DynamoDB. The key layout is
// documented here and in docs/architecture.md; the expiry state machine's
// ASL (shared/resources/expiry.asl.json) writes the request item too.
//
// Access table:
//
//	REQ#<id>                 REQUEST      an access request   (gsi1: TP#<gln> / REQ#<createdAt>#<id>, gsi2: MP#<gsrn> / REQ#<createdAt>#<id>)
//	PENDING#<gln>#<gsrn>     PENDING      which request last held the one pending slot
//	MP#<gsrn>                GRANT#<gln>  a grant             (gsi1: TP#<gln> / GRANT#<gsrn>; if active, gsi3: DELIVER#<gln>#<shard> / <gsrn>)
//	MP#<gsrn>                GRANTLOG#<gln>#<grantedAt>#<version>  a grant as one write left it, kept for the end user's export
//	IDEM#<gln>#<key>         IDEMPOTENCY  an Idempotency-Key and the request it created (expires by TTL)
//
// Registry table (one partition per metering point, one sort key per kind of fact):
//
//	MP#<gsrn>                METERINGPOINT       the metering point
//	MP#<gsrn>                ENDUSER#<moveIn>    an end user's occupancy (gsi1: EU#<endUserId> / MP#<gsrn>#<moveIn>)
//	TP#<gln>                 THIRDPARTY          a registered third party (gsi2 byKind: THIRDPARTY / <gln>)
//	DP#<gln>                 DATAPROVIDER        a registered data provider: grid company or metering system (gsi2 byKind: DATAPROVIDER / <gln>)
//	CLIENT#<clientId>        CLIENT              which party (gln, kind THIRDPARTY or DATAPROVIDER) an OAuth client acts for
//	ORG#<orgNumber>          ORG                 which third party an organisation is
//
// The Outbox table's layout, its documents sharded over OutboxShards
// partitions per third party, is in outbox.go and webhooks.go.
package dynamo

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

const (
	requestSK      = "REQUEST"
	pendingSK      = "PENDING"
	idempotencySK  = "IDEMPOTENCY"
	meterPointSK   = "METERINGPOINT"
	thirdPartySK   = "THIRDPARTY"
	clientSK       = "CLIENT"
	orgSK          = "ORG"
	dataProviderSK = "DATAPROVIDER"
)

// timeLayout keeps instants sortable as strings.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeLayout)
}

func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339Nano, s)
}

func isConditionFailure(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

// lostRace reports whether a version-guarded write of one item failed
// because another writer came first: its condition no longer held, or a
// transaction was writing the item at that moment.
func lostRace(err error) bool {
	var busy *types.TransactionConflictException
	return isConditionFailure(err) || errors.As(err, &busy)
}

// transact writes items in one transaction. When it is cancelled because
// item i failed its condition, it returns onConflict[i] (nil entries for
// items whose condition should never fail, or is the caller's to report).
func transact(ctx context.Context, client API, items []types.TransactWriteItem, onConflict ...error) error {
	_, err := client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	return cancelledBy(err, onConflict)
}

// cancelledBy turns a cancelled transaction into the domain error of the
// item that made it fail. An item that another transaction was writing at
// the same moment (TransactionConflict) lost a race: that is its own
// conflict, or, for an item with none, the first item's that has one.
func cancelledBy(err error, onConflict []error) error {
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		return err
	}
	busy := false
	for i, reason := range tce.CancellationReasons {
		switch code := aws.ToString(reason.Code); {
		case code != "ConditionalCheckFailed" && code != "TransactionConflict":
		case i < len(onConflict) && onConflict[i] != nil:
			return onConflict[i]
		case code == "TransactionConflict":
			busy = true
		}
	}
	if busy {
		for _, lost := range onConflict {
			if lost != nil {
				return lost
			}
		}
	}
	return err
}

// queryAll runs a query through all its pages, turning each item into a T
// with decode (an item type I whose method gives the domain value).
func queryAll[I any, T any](ctx context.Context, client API, input *dynamodb.QueryInput, decode func(I) (T, error)) ([]T, error) {
	var all []T
	pages := dynamodb.NewQueryPaginator(client, input)
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, raw := range page.Items {
			var it I
			if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
				return nil, err
			}
			v, err := decode(it)
			if err != nil {
				return nil, err
			}
			all = append(all, v)
		}
	}
	return all, nil
}
