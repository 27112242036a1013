//go:build integration

package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tredjepart/tredjepart/localstack/harness/testenv"
	"github.com/tredjepart/tredjepart/localstack/tools/ddbusage"
	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/dataproviderapi"
	"github.com/tredjepart/tredjepart/shared/dynamo"
	"github.com/tredjepart/tredjepart/shared/ingest"
	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/resources"
	"github.com/tredjepart/tredjepart/shared/synthetic"
)

// awsCallLatency is the DynamoDB round trip the AWS estimate assumes from
// inside the region (single-digit milliseconds, rounded up).
const awsCallLatency = 10 * time.Millisecond

// BenchmarkIngestThousandSeries sends the largest meter-values call the API
// takes (dataproviderapi.MaxSeriesItems series: 10 metering points × 100 days of
// PT60M) to the ingest handler in-process on moto, three times: new days,
// the same call again (a retry), and every day corrected. For each it
// reports the DynamoDB requests and write units per series and the wall
// time on moto, which serves one request at a time, and estimates the time
// on AWS: the requests in rounds of the handler's parallel items at
// awsCallLatency each, against the function's timeout.
// BENCH_LATENCIES names a folder for the table (make bench).
func BenchmarkIngestThousandSeries(b *testing.B) {
	const points, days = 10, dataproviderapi.MaxSeriesItems / 10
	ctx := context.Background()
	env := testenv.Get(b)
	testenv.Demo(b) // registers the demo grid company
	meter := &ddbusage.Meter{}
	db := dynamodb.NewFromConfig(env.Config, meter.Option)
	stores := dynamo.Open(db, env.Stack.Tables)
	svc := &ingest.Service{MeteringPoints: stores.MeteringPoints, Values: stores.MeterValues, Clock: clock.System{}}
	h := &dataproviderapi.Handler{Ingest: svc, DataProviders: stores.Parties, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}

	to := metervalues.Date(time.Now())
	o := synthetic.Options{Points: points, From: to.AddDate(0, 0, -days), To: to, Seed: uint64(time.Now().UnixNano())}
	first := 8_100_000 + int(time.Now().Unix()%10_000)*points // fresh metering points on every run
	call := func(revision int) string {
		var series []string
		for i := range points {
			mp := synthetic.MeteringPoint(o, constantPeople("p1_ingest_bench"), first+i)
			mp.Resolution = metervalues.PT60M
			if revision == 0 {
				if _, err := svc.PutMasterData(ctx, mp); err != nil {
					b.Fatal(err)
				}
				continue
			}
			for _, day := range o.Days() {
				series = append(series, seriesBody(synthetic.Day(o, mp, day, revision)))
			}
		}
		return `{"series":[` + strings.Join(series, ",") + `]}`
	}
	call(0)
	rows := []string{}
	for _, pass := range []struct {
		name, want string
		body       string
	}{
		{"new days", "created", call(1)},
		{"the same call again", "unchanged", call(1)},
		{"every day corrected", "corrected", call(2)},
	} {
		b.Run(strings.ReplaceAll(pass.name, " ", "-"), func(b *testing.B) {
			ev := events.APIGatewayV2HTTPRequest{
				RouteKey: dataproviderapi.RouteMeterValues, RawPath: "/v1/ingest/meter-values",
				Headers: map[string]string{"content-type": "application/json"}, Body: pass.body,
				RequestContext: events.APIGatewayV2HTTPRequestContext{Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
					JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: map[string]string{"client_id": gridCompany}},
				}},
			}
			meter.Reset()
			started := time.Now()
			res, err := h.Handle(ctx, ev)
			elapsed := time.Since(started)
			if err != nil || res.StatusCode != 200 {
				b.Fatalf("status %d: %v %.500s", res.StatusCode, err, res.Body)
			}
			var out struct {
				Accepted int
				Results  []struct{ Outcome string }
			}
			if err := json.Unmarshal([]byte(res.Body), &out); err != nil || out.Accepted != points*days {
				b.Fatalf("accepted %d of %d: %v %.500s", out.Accepted, points*days, err, res.Body)
			}
			for _, r := range out.Results {
				if r.Outcome != pass.want {
					b.Fatalf("outcome %s, want %s", r.Outcome, pass.want)
				}
			}
			usage, n := meter.Usage(), float64(points*days)
			rounds := math.Ceil(float64(usage.TotalRequests()) / dataproviderapi.ParallelItems)
			estimate := time.Duration(rounds) * awsCallLatency
			b.ReportMetric(float64(usage.TotalRequests())/n, "requests/series")
			b.ReportMetric(usage.WriteUnits/n, "WCU/series")
			b.ReportMetric(elapsed.Seconds(), "s-on-moto")
			b.ReportMetric(estimate.Seconds(), "s-on-AWS-model")
			rows = append(rows, fmt.Sprintf("| %s | %.3f (%s) | %.2f | %.2f | %.1f s | %.1f s | %s |", pass.name,
				float64(usage.TotalRequests())/n, describeRequests(usage.Requests), usage.WriteUnits/n, usage.ReadUnits/n,
				elapsed.Seconds(), estimate.Seconds(), resources.Ingest.MaxDuration()))
		})
	}
	table := fmt.Sprintf("| one call of %d series | DynamoDB requests a series | write units a series (model) | read units a series (model) | wall time on moto | estimate on AWS: requests in rounds of %d at %s | function timeout |\n",
		points*days, dataproviderapi.ParallelItems, awsCallLatency) + "|---|---|---|---|---|---|---|\n" + strings.Join(rows, "\n") + "\n"
	b.Logf("ingest of %d series:\n%s", points*days, table)
	if dir := os.Getenv("BENCH_LATENCIES"); dir != "" && len(rows) > 0 {
		if err := os.WriteFile(filepath.Join(dir, "ingest-thousand-series.md"), []byte(table), 0o644); err != nil {
			b.Fatal(err)
		}
	}
}

// seriesBody is a series as the ingest API takes it.
func seriesBody(s metervalues.Series) string {
	quantities := make([]string, len(s.Quantities))
	for i, q := range s.Quantities {
		quantities[i] = fmt.Sprintf(`{"quantity":%q,"quality":%q}`, metervalues.FormatQuantity(q.Value), q.Quality)
	}
	return fmt.Sprintf(`{"meteringPointId":%q,"day":%q,"resolution":%q,"quantities":[%s]}`,
		s.MeteringPoint, s.Day.Format(metervalues.DayLayout), s.Resolution, strings.Join(quantities, ","))
}
