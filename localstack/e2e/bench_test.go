package e2e_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tredjepart/tredjepart/localstack/testenv"
	"github.com/tredjepart/tredjepart/shared/dynamo"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/resources"
)

// BenchmarkCreateAccessRequest measures POST /v1/access-requests through the
// local gateway and JWT authorizer to the in-process intake on moto: each
// iteration creates a new pending request (one registry query, grant and
// slot reads, a three-item transaction, StartExecution). It reports latency
// percentiles; `make bench` also plots them (BENCH_LATENCIES names the file
// the latencies are written to).
func BenchmarkCreateAccessRequest(b *testing.B) {
	w := newWorld(b)
	env := testenv.Get(b)
	reg := &dynamo.Registry{Client: dynamodb.NewFromConfig(env.Config), Table: env.Stack.Tables[resources.RegistryTableID]}
	points := make([]ident.GSRN, b.N)
	for i := range points {
		id, err := ident.GSRNWithCheckDigit(fmt.Sprintf("70705751%09d", i))
		if err != nil {
			b.Fatal(err)
		}
		points[i] = id
		mp := registry.MeteringPoint{ID: id, AccountingPoint: true, Occupancies: []registry.Occupancy{{EndUser: "p1_bench", MoveIn: registry.Date(2020, 1, 1)}}}
		if err := reg.PutMeteringPoint(context.Background(), mp); err != nil {
			b.Fatal(err)
		}
	}
	w.token(b, straumkompis)
	latencies := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		started := time.Now()
		w.call(b, straumkompis, "POST", "/v1/access-requests", fmt.Sprintf(`{"meteringPointId":%q}`, points[i])).expect(b, http.StatusAccepted)
		latencies = append(latencies, time.Since(started))
	}
	b.StopTimer()
	slices.Sort(latencies)
	if path := os.Getenv("BENCH_LATENCIES"); path != "" {
		var lines strings.Builder
		for _, l := range latencies {
			fmt.Fprintf(&lines, "%.3f\n", float64(l.Microseconds())/1000)
		}
		if err := os.WriteFile(path, []byte(lines.String()), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	at := func(p float64) float64 {
		return float64(latencies[int(p*float64(len(latencies)-1)+0.5)].Microseconds()) / 1000
	}
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.90), "p90-ms")
	b.ReportMetric(at(0.99), "p99-ms")
}
