//go:build integration

package ingestload_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tredjepart/tredjepart/localstack/harness/testenv"
	"github.com/tredjepart/tredjepart/localstack/tools/datagen/ingestload"
	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/dynamo"
	"github.com/tredjepart/tredjepart/shared/ingest"
	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/pseudonym"
	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/synthetic"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

func TestRun(t *testing.T) {
	ctx := context.Background()
	env := testenv.Get(t)
	stores := dynamo.Open(dynamodb.NewFromConfig(env.Config), env.Stack.Tables)
	values := stores.MeterValues
	svc := &ingest.Service{
		MeteringPoints: stores.MeteringPoints,
		Values:         values,
		Clock:          clock.System{},
	}
	people, err := pseudonym.New(bytes.Repeat([]byte{1}, 32))
	if err != nil {
		t.Fatal(err)
	}
	// 40 days around the spring DST change, corrections frequent enough to occur.
	o := synthetic.Options{
		Points: 3, From: registry.Date(2026, 3, 10), To: registry.Date(2026, 4, 19), Seed: 7,
		QuarterHourlyShare: 0.5, CabinShare: 0.3, CorrectionShare: 0.05,
	}

	first, err := ingestload.Run(ctx, svc, people, o, 4, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(first)
	if first.Points != 3 || first.Days != 120 || first.Corrections == 0 {
		t.Fatalf("first run: %+v, want 3 points, 120 days and some corrections", first)
	}
	if got, want := first.Outcomes[ingest.Created], 3+120; got != want {
		t.Errorf("first run created %d, want %d (%v)", got, want, first.Outcomes)
	}
	if got := first.Outcomes[ingest.Corrected]; got != first.Corrections {
		t.Errorf("first run corrected %d, want %d (%v)", got, first.Corrections, first.Outcomes)
	}

	again, err := ingestload.Run(ctx, svc, people, o, 4, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(again)
	if total := 3 + 120 + again.Corrections; again.Outcomes[ingest.Unchanged] != total || len(again.Outcomes) != 1 {
		t.Errorf("second run: %v, want all %d unchanged", again.Outcomes, total)
	}

	// The spring DST day reads back as generated: 23 hours.
	spring := registry.Date(2026, 3, 29)
	for i := range o.Points {
		mp := synthetic.MeteringPoint(o, people, i)
		days, err := values.Days(ctx, mp.ID, spring, spring.AddDate(0, 0, 1))
		if err != nil {
			t.Fatal(err)
		}
		if len(days) != 1 {
			t.Fatalf("%s: %d days stored for 2026-03-29, want 1", mp.ID, len(days))
		}
		revision := 1
		if synthetic.Corrected(o, mp, spring) {
			revision = 2
		}
		got, want := days[0], synthetic.Day(o, mp, spring, revision)
		if !got.SameValues(want) || got.Revision != revision || len(got.Quantities) != metervalues.SlotsOn(spring, mp.Resolution) {
			t.Errorf("%s: stored %s revision %d with %d values, want the generated revision %d with %d",
				mp.ID, got.Resolution, got.Revision, len(got.Quantities), revision, len(want.Quantities))
		}
	}
}

func TestRunStopsAtFirstError(t *testing.T) {
	env := testenv.Get(t)
	stores := dynamo.Open(dynamodb.NewFromConfig(env.Config), env.Stack.Tables)
	svc := &ingest.Service{
		MeteringPoints: stores.MeteringPoints,
		Values:         stores.MeterValues,
		Clock:          clock.StartingAt(registry.Date(2026, 1, 1)), // every day is still to come
	}
	people, err := pseudonym.New(bytes.Repeat([]byte{2}, 32))
	if err != nil {
		t.Fatal(err)
	}
	o := synthetic.Options{Points: 2, From: registry.Date(2026, 5, 1), To: registry.Date(2026, 5, 11), Seed: 99}
	sum, err := ingestload.Run(context.Background(), svc, people, o, 3, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "day 2026-05-") || !strings.Contains(err.Error(), "must not be in the future") {
		t.Fatalf("error %v, want one naming the day that failed", err)
	}
	// Created or Updated: TestRun may have written the same GSRNs.
	if sum.Points != 2 || sum.Days != 0 || sum.Outcomes[ingest.Created]+sum.Outcomes[ingest.Updated] != 2 {
		t.Errorf("summary %+v, want the master data of both points written before the days failed", sum)
	}
}
