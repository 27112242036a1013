// Command datagen is a developer tool: it fills a stack with realistic
// synthetic metering points and meter values, submitted through the ingest
// service as the API would. The same flags give the same data, so running it
// again changes nothing.
//
//	AWS_ENDPOINT_URL=http://127.0.0.1:5000 AWS_REGION=eu-north-1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
//	REGISTRY_TABLE=tredjepart-registry METER_VALUES_TABLE=tredjepart-meter-values \
//	PSEUDONYM_KEY=$(cat .local/pseudonym.key) go run ./localstack/tools/datagen -points 1000 -days 365
//
// PSEUDONYM_KEY is the stack's key, so that end-user ids are made as the
// stack makes them; the local runner keeps it in .local/pseudonym.key.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tredjepart/tredjepart/localstack/tools/datagen/ingestload"
	"github.com/tredjepart/tredjepart/shared/awsenv"
	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/dynamo"
	"github.com/tredjepart/tredjepart/shared/ingest"
	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/pseudonym"
	"github.com/tredjepart/tredjepart/shared/resources"
	"github.com/tredjepart/tredjepart/shared/synthetic"
)

func main() {
	points := flag.Int("points", 100, "metering points")
	days := flag.Int("days", 365, "days of meter values, ending with -end")
	end := flag.String("end", "", "last day, YYYY-MM-DD (default yesterday in Oslo)")
	seed := flag.Uint64("seed", 1, "random seed: the same seed gives the same data")
	pt15m := flag.Float64("pt15m", 0.2, "share of points read every 15 minutes")
	cabins := flag.Float64("cabins", 0.15, "share of points that are cabins")
	corrections := flag.Float64("corrections", 0.01, "share of days re-sent later with changed values")
	workers := flag.Int("workers", 4, "items submitted at once")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	o := synthetic.Options{Points: *points, Seed: *seed, QuarterHourlyShare: *pt15m, CabinShare: *cabins, CorrectionShare: *corrections}
	if err := run(ctx, o, *days, *end, *workers); err != nil {
		fmt.Fprintln(os.Stderr, "datagen:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o synthetic.Options, days int, end string, workers int) error {
	last := metervalues.Date(time.Now()).AddDate(0, 0, -1)
	if end != "" {
		var err error
		if last, err = metervalues.ParseDay(end); err != nil {
			return fmt.Errorf("-end must be a date such as 2026-03-29, got %q", end)
		}
	}
	if days < 1 {
		return errors.New("-days must be at least 1")
	}
	o.To = last.AddDate(0, 0, 1)
	o.From = o.To.AddDate(0, 0, -days)
	// Checked here too, so that a long -days fails before any write.
	if oldest := metervalues.Date(time.Now()).AddDate(-3, 0, 0); o.From.Before(oldest) {
		return fmt.Errorf("meter values may be at most 3 years old: -days and -end reach back to %s, before %s",
			o.From.Format(metervalues.DayLayout), oldest.Format(metervalues.DayLayout))
	}
	if !o.To.Before(metervalues.Date(time.Now()).AddDate(0, 0, 1)) {
		return errors.New("-end must be yesterday or earlier: a day's values are sent once it has ended")
	}

	cfg, err := awsenv.FromProcess()
	if err != nil {
		return err
	}
	registryTable, valuesTable := os.Getenv("REGISTRY_TABLE"), os.Getenv("METER_VALUES_TABLE")
	if registryTable == "" || valuesTable == "" {
		return errors.New("REGISTRY_TABLE and METER_VALUES_TABLE must name the tables (see provision.Stack.Env)")
	}
	people, err := pseudonym.FromBase64(os.Getenv("PSEUDONYM_KEY"))
	if err != nil {
		return fmt.Errorf("PSEUDONYM_KEY: %w", err)
	}
	stores := dynamo.Open(dynamodb.NewFromConfig(cfg), map[string]string{resources.RegistryTableID: registryTable, resources.MeterValuesTableID: valuesTable})
	svc := &ingest.Service{
		MeteringPoints: stores.MeteringPoints,
		Values:         stores.MeterValues,
		Clock:          clock.System{},
	}
	fmt.Printf("%d metering points, %s to %s, seed %d\n", o.Points, o.From.Format(metervalues.DayLayout), last.Format(metervalues.DayLayout), o.Seed)
	sum, err := ingestload.Run(ctx, svc, people, o, workers, os.Stderr)
	fmt.Println(sum)
	return err
}
