package ingestload_test

import (
	"bytes"
	"context"
	"io"
	"regexp"
	"sync/atomic"
	"testing"

	"github.com/tredjepart/tredjepart/localstack/tools/datagen/ingestload"
	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/ingest"
	"github.com/tredjepart/tredjepart/shared/inmem"
	"github.com/tredjepart/tredjepart/shared/pseudonym"
	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/synthetic"
)

// countingPoints counts the reads of master data.
type countingPoints struct {
	*inmem.MeteringPoints
	reads atomic.Int64
}

func (c *countingPoints) MeteringPoint(ctx context.Context, id ident.GSRN) (registry.MeteringPoint, bool, error) {
	c.reads.Add(1)
	return c.MeteringPoints.MeteringPoint(ctx, id)
}

// The summary says what was sent and what the service did with it, every
// outcome named even at 0, and how long each phase took; a rerun reads each
// point's master data once a phase, as the ingest API's bulk call does,
// rather than once a day, and still sends every day through the service.
func TestTheSummarySaysWhatWasSentAndWhatTheServiceDid(t *testing.T) {
	points := &countingPoints{MeteringPoints: inmem.NewMeteringPoints()}
	svc := &ingest.Service{MeteringPoints: points, Values: inmem.NewMeterValues(), Clock: clock.StartingAt(registry.Date(2026, 6, 1))}
	people, err := pseudonym.New(bytes.Repeat([]byte{3}, 32))
	if err != nil {
		t.Fatal(err)
	}
	o := synthetic.Options{Points: 2, From: registry.Date(2026, 3, 1), To: registry.Date(2026, 5, 1), Seed: 5, CorrectionShare: 0.05}
	first, err := ingestload.Run(context.Background(), svc, people, o, 2, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if first.Corrections == 0 {
		t.Fatalf("no corrections to count: %+v", first)
	}
	points.reads.Store(0)
	again, err := ingestload.Run(context.Background(), svc, people, o, 2, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		sum  ingestload.Summary
		want string
	}{
		{first, `^sent the master data of 2 metering points, 122 days and \d+ corrections in \S+ \(master data \S+, days \S+, corrections \S+\); ` +
			`stored: 124 new, 0 updated, \d+ corrected, 0 unchanged$`},
		{again, `^sent the master data of 2 metering points, 122 days and \d+ corrections in \S+ \(master data \S+, days \S+, corrections \S+\); ` +
			`stored: 0 new, 0 updated, 0 corrected, \d+ unchanged$`},
	} {
		if got := tt.sum.String(); !regexp.MustCompile(tt.want).MatchString(got) {
			t.Errorf("summary %q, want it to match %s", got, tt.want)
		}
	}
	if got, want := again.Outcomes[ingest.Unchanged], 2+122+again.Corrections; got != want {
		t.Errorf("rerun: %d unchanged, want every item sent, %d", got, want)
	}
	// Master data: a read each to compare; days and corrections: one a point.
	if got := points.reads.Load(); got > 2*3 {
		t.Errorf("the rerun read master data %d times, want at most %d", got, 2*3)
	}
}
