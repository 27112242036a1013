//go:build integration

package e2e_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tredjepart/tredjepart/localstack/harness/testenv"
	"github.com/tredjepart/tredjepart/localstack/tools/ddbusage"
	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/dynamo"
	"github.com/tredjepart/tredjepart/shared/grant"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/ingest"
	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/pseudonym"
	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/resources"
	"github.com/tredjepart/tredjepart/shared/synthetic"
	"github.com/tredjepart/tredjepart/shared/thirdpartyapi"
)

var (
	threeYearsOnce sync.Once
	threeYears     ident.GSRN
	threeYearsErr  error
)

// seedThreeYears stores three years of hourly values for one metering
// point, through the ingest service, and gives Straumkompis full access.
func seedThreeYears(b *testing.B) (ident.GSRN, time.Time, time.Time) {
	to := metervalues.Date(time.Now())
	from := to.AddDate(-metering3y, 0, 0)
	threeYearsOnce.Do(func() {
		ctx := context.Background()
		env := testenv.Get(b)
		db := dynamodb.NewFromConfig(env.Config)
		tables := env.Stack.Tables
		data, _ := testenv.Demo(b)
		owner := pseudonym.EndUserID("p1_benchmark_owner")
		o := synthetic.Options{Points: 1, From: from, To: to, Seed: 7}
		mp := synthetic.MeteringPoint(o, constantPeople(owner), 8_000_000)
		mp.Resolution = metervalues.PT60M
		mp.Occupancies = []registry.Occupancy{{EndUser: owner, DisplayName: "Bench Mark", MoveIn: from.AddDate(-1, 0, 0)}}
		stores := dynamo.Open(db, tables)
		svc := &ingest.Service{
			MeteringPoints: stores.MeteringPoints,
			Values:         stores.MeterValues,
			Clock:          clock.System{},
		}
		if _, threeYearsErr = svc.PutMasterData(ctx, mp); threeYearsErr != nil {
			return
		}
		days := o.Days()
		for i, day := range days {
			if _, _, threeYearsErr = svc.PutSeries(ctx, synthetic.Day(o, mp, day, 1)); threeYearsErr != nil {
				return
			}
			if (i+1)%365 == 0 {
				fmt.Fprintf(os.Stderr, "seeded %d of %d days\n", i+1, len(days))
			}
		}
		g := grant.New(data.ThirdParties[0].GLN, mp.ID, accessrequest.Full, owner, "", mp.Occupancies[0].MoveIn, time.Now())
		if threeYearsErr = stores.Grants.PutGrant(ctx, g); threeYearsErr == nil {
			threeYears = mp.ID
		}
	})
	if threeYearsErr != nil {
		b.Fatal(threeYearsErr)
	}
	return threeYears, from, to
}

// metering3y is the longest period one query may cover.
const metering3y = 3

type constantPeople pseudonym.EndUserID

func (c constantPeople) Person(ident.NationalID) pseudonym.EndUserID { return pseudonym.EndUserID(c) }

// BenchmarkQueryThreeYearsHourly measures GET …/meter-values for three
// years of hourly values of one metering point, with the queries handler
// in-process on moto: DynamoDB requests and the read capacity they would
// consume on AWS (modelled by ddbusage, since moto reports a fixed figure)
// against the floor of reading just the day items, handler time and bytes
// returned. BENCH_LATENCIES names a folder for the table (make bench).
func BenchmarkQueryThreeYearsHourly(b *testing.B) {
	mp, from, to := seedThreeYears(b)
	env := testenv.Get(b)
	meter := &ddbusage.Meter{}
	db := dynamodb.NewFromConfig(env.Config, meter.Option)
	h := thirdpartyapi.NewQueries(dynamo.Open(db, env.Stack.Tables), clock.System{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	floor := dayItemsFloor(b, db, env.Stack.Tables[resources.MeterValuesTableID], mp, from, to)

	var rows []string
	for _, aggregation := range []string{"", "PT1H", "P1D", "P1M"} {
		name := aggregation
		if name == "" {
			name = "none (PT60M)"
		}
		b.Run(strings.Fields(name)[0], func(b *testing.B) {
			ev := events.APIGatewayV2HTTPRequest{
				RouteKey:       thirdpartyapi.RouteMeterValues,
				RawPath:        "/v1/metering-points/" + string(mp) + "/meter-values",
				PathParameters: map[string]string{"id": string(mp)},
				QueryStringParameters: map[string]string{
					"from": from.Format(time.DateOnly), "to": to.Format(time.DateOnly),
				},
				RequestContext: events.APIGatewayV2HTTPRequestContext{Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
					JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: map[string]string{"client_id": straumkompis}},
				}},
			}
			if aggregation != "" {
				ev.QueryStringParameters["aggregation"] = aggregation
			}
			durations, own := make([]time.Duration, 0, b.N), make([]time.Duration, 0, b.N)
			var usage ddbusage.Usage
			var bytes int
			b.ResetTimer()
			for range b.N {
				meter.Reset()
				started := time.Now()
				res, err := h.Handle(context.Background(), ev)
				elapsed := time.Since(started)
				durations = append(durations, elapsed)
				own = append(own, elapsed-meter.Usage().Waited)
				if err != nil || res.StatusCode != 200 {
					b.Fatalf("status %d: %v %s", res.StatusCode, err, res.Body)
				}
				usage, bytes = meter.Usage(), len(res.Body)
			}
			b.StopTimer()
			p50, ownP50 := median(durations), median(own)
			b.ReportMetric(float64(usage.TotalRequests()), "requests/op")
			b.ReportMetric(usage.ReadUnits, "RCU/op")
			b.ReportMetric(floor, "floor-RCU")
			b.ReportMetric(p50, "p50-ms")
			b.ReportMetric(ownP50, "own-p50-ms")
			b.ReportMetric(float64(bytes), "bytes/op")
			if b.N > 1 {
				rows = append(rows, fmt.Sprintf("| %s | %d (%s) | %.1f | %.1f | %.1f | %.1f | %.1f | %d |",
					name, usage.TotalRequests(), describeRequests(usage.Requests), usage.ReadUnits, floor, usage.WriteUnits, ownP50, p50, bytes))
			}
		})
	}
	table := "| aggregation | DynamoDB requests | read units (model) | floor: day items, eventually consistent | write units | handler p50 ms, own | handler p50 ms, with moto | bytes returned |\n" +
		"|---|---|---|---|---|---|---|---|\n" + strings.Join(rows, "\n") + "\n"
	b.Logf("three years of hourly values, %s to %s, one metering point:\n%s", from.Format(time.DateOnly), to.Format(time.DateOnly), table)
	if dir := os.Getenv("BENCH_LATENCIES"); dir != "" && len(rows) > 0 {
		if err := os.WriteFile(filepath.Join(dir, "query-three-years.md"), []byte(table), 0o644); err != nil {
			b.Fatal(err)
		}
	}
}

// dayItemsFloor is the least read capacity any design that stores one item
// per day could spend: the days' bytes in 4 KB units, read eventually
// consistently.
func dayItemsFloor(b *testing.B, db *dynamodb.Client, table string, mp ident.GSRN, from, to time.Time) float64 {
	meter := &ddbusage.Meter{}
	store := dynamo.Open(dynamodb.NewFromConfig(testenv.Get(b).Config, meter.Option), map[string]string{resources.MeterValuesTableID: table}).MeterValues
	days, err := store.Days(context.Background(), mp, from, to)
	if err != nil {
		b.Fatal(err)
	}
	bytes := meter.Usage().BytesRead
	b.Logf("%d day items, %d bytes (%.0f bytes a day)", len(days), bytes, float64(bytes)/float64(len(days)))
	return math.Ceil(float64(bytes)/4096) / 2
}

func median(ds []time.Duration) float64 {
	slices.Sort(ds)
	return float64(ds[len(ds)/2].Microseconds()) / 1000
}

func describeRequests(byOp map[string]int) string {
	var parts []string
	for _, op := range slices.Sorted(maps.Keys(byOp)) {
		parts = append(parts, fmt.Sprintf("%d %s", byOp[op], op))
	}
	return strings.Join(parts, ", ")
}
