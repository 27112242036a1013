//go:build integration

package e2e_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tredjepart/tredjepart/localstack/emulate/lambdaenv"
	"github.com/tredjepart/tredjepart/localstack/emulate/rie"
	"github.com/tredjepart/tredjepart/localstack/harness/testenv"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/resources"
	"github.com/tredjepart/tredjepart/shared/thirdpartyapi"
)

// BenchmarkCreateAccessRequest measures POST /v1/access-requests through the
// local gateway and JWT authorizer on moto, with the intake in-process and as
// its real bootstrap under the Lambda emulator. Each iteration creates a new
// pending request (one registry query, grant and slot reads, a three-item
// transaction, StartExecution). It reports latency percentiles; `make bench`
// also plots them (BENCH_LATENCIES names the folder the latencies go to).
func BenchmarkCreateAccessRequest(b *testing.B) {
	b.Run("in-process", func(b *testing.B) {
		benchmarkCreate(b, newWorld(b))
	})
	b.Run("lambda-emulator", func(b *testing.B) {
		_, data := testenv.Intake(b)
		w := serve(b, emulatedIntake(b))
		w.demo = data
		benchmarkCreate(b, w)
	})
}

// emulatedIntake builds the intake bootstrap and starts it under the Lambda emulator.
func emulatedIntake(b *testing.B) *rie.Function {
	bootstrap := filepath.Join(b.TempDir(), "bootstrap")
	build := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags", "-s -w", "-o", bootstrap, "../../functions/intake")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("build intake: %v\n%s", err, out)
	}
	emulator, err := rie.Find()
	if err != nil {
		b.Fatal(err)
	}
	env := testenv.Get(b)
	creds, err := env.Config.Credentials.Retrieve(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	functionEnv, err := lambdaenv.Env(resources.Intake, env.Stack.Deployment(map[string]string{thirdpartyapi.ConsentCallbackEnv: testenv.ConsentOrigin + "/login/callback"}), lambdaenv.Process{
		Region: env.Config.Region, AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey,
		Additions: map[string]string{"AWS_ENDPOINT_URL": env.Server.Endpoint},
	})
	if err != nil {
		b.Fatal(err)
	}
	f, err := rie.Start(context.Background(), emulator, bootstrap, functionEnv, io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = f.Stop() })
	return f
}

func benchmarkCreate(b *testing.B, w *world) {
	points := make([]ident.GSRN, b.N)
	for i := range points {
		points[i] = registerMeteringPoint(b)
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
	if dir := os.Getenv("BENCH_LATENCIES"); dir != "" {
		var lines strings.Builder
		for _, l := range latencies {
			fmt.Fprintf(&lines, "%.3f\n", float64(l.Microseconds())/1000)
		}
		name := filepath.Join(dir, strings.ReplaceAll(b.Name(), "/", "_")+".txt")
		if err := os.WriteFile(name, []byte(lines.String()), 0o644); err != nil {
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
