package dailyrun

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/shopspring/decimal"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/delivery"
	"github.com/tredjepart/tredjepart/shared/grant"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/inmem"
	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/metrics"
	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/webhook"
)

// A batch counts, once, the daily documents it wrote and every metering
// point of its jobs that is done, by how: the day is complete when the
// points done add up to the points due.
func TestADeliveryBatchCountsWhatItDid(t *testing.T) {
	const (
		tp      ident.GLN  = "7080005051286"
		written ident.GSRN = "707057500000001015"
		awaited ident.GSRN = "707057500000001022"
		noGrant ident.GSRN = "707057500000001039"
		left    ident.GSRN = "707057500000001046" // kari moved out before the day
	)
	ctx := context.Background()
	stores := inmem.Open()
	day := metervalues.Date(time.Now().AddDate(0, 0, -3))
	moveIn := registry.Date(2021, 8, 1)
	if err := stores.Parties.RegisterThirdParty(ctx, registry.ThirdParty{GLN: tp, Name: "tp"}); err != nil {
		t.Fatal(err)
	}
	for _, mp := range []ident.GSRN{written, awaited, noGrant, left} {
		kari := registry.Occupancy{EndUser: "p1_kari", MoveIn: moveIn}
		if mp == left {
			kari.MoveOut = day.AddDate(0, 0, -1)
		}
		if _, err := stores.MeteringPoints.PutMeteringPoint(ctx, registry.MeteringPoint{ID: mp, AccountingPoint: true, Resolution: metervalues.PT60M,
			Occupancies: []registry.Occupancy{kari}}); err != nil {
			t.Fatal(err)
		}
		if mp != noGrant {
			if err := stores.Grants.PutGrant(ctx, grant.New(tp, mp, accessrequest.Full, "p1_kari", "", moveIn, time.Now())); err != nil {
				t.Fatal(err)
			}
		}
	}
	qs := make([]metervalues.Quantity, metervalues.SlotsOn(day, metervalues.PT60M))
	for i := range qs {
		qs[i] = metervalues.Quantity{Value: decimal.RequireFromString("0.5"), Quality: metervalues.Measured}
	}
	if _, _, err := stores.MeterValues.PutDay(ctx, metervalues.Series{MeteringPoint: written, Day: day, Resolution: metervalues.PT60M, Quantities: qs}); err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	var counted metrics.Recorder
	h := &DeliveryHandler{
		Deliverer: &delivery.Deliverer{ThirdParties: stores.Parties, Store: stores.Outbox, Clock: clock.System{}},
		Webhooks:  &webhook.Service{Store: stores.Webhooks, Clock: clock.System{}, Logger: logger},
		Logger:    logger,
		Metrics:   &counted,
	}
	body, _ := json.Marshal(delivery.Job{ThirdParty: tp, Day: day.Format(metervalues.DayLayout), MeteringPoints: []ident.GSRN{written, awaited, noGrant, left}})
	batch := events.SQSEvent{Records: []events.SQSMessage{{MessageId: "1", Body: string(body)}, {MessageId: "2", Body: "not a job"}}}
	for range 2 { // the second time, as SQS delivering the batch again
		res, err := h.Handle(ctx, batch)
		if err != nil || len(res.BatchItemFailures) != 1 {
			t.Fatalf("%+v %v", res, err)
		}
	}
	if got, want := counted.Counts(metrics.DocumentsDelivered), map[string]int{"daily": 1}; !maps.Equal(got, want) {
		t.Errorf("documents delivered %v, want %v", got, want)
	}
	want := map[string]int{"written": 1, "already-written": 1, "awaited": 2, "no-access": 2, "outside-window": 2}
	if got := counted.Counts(metrics.DeliveryPointsDone); !maps.Equal(got, want) {
		t.Errorf("points done %v, want %v", got, want)
	}
}

// twelvePoints is a delivery shard of twelve metering points.
type twelvePoints struct{}

func (twelvePoints) DeliveryShard(_ context.Context, _ ident.GLN, _ int, after ident.GSRN, _ int) ([]ident.GSRN, bool, error) {
	if after != "" {
		return nil, false, nil
	}
	points := make([]ident.GSRN, 12)
	for i := range points {
		points[i] = ident.GSRN(fmt.Sprintf("7070575000000%05d", i))
	}
	return points, false, nil
}

type jobsSent struct{ n int }

func (j *jobsSent) Send(_ context.Context, jobs []delivery.Job) error {
	j.n += len(jobs)
	return nil
}

// The shard worker counts the metering points it put in jobs: the day's due.
func TestAShardCountsThePointsDue(t *testing.T) {
	const tp ident.GLN = "7080005051286"
	stores := inmem.Open()
	if err := stores.Parties.RegisterThirdParty(context.Background(), registry.ThirdParty{GLN: tp, Name: "tp"}); err != nil {
		t.Fatal(err)
	}
	var counted metrics.Recorder
	h := &FanOutShardHandler{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Metrics: &counted,
		Worker: &delivery.ShardWorker{ThirdParties: stores.Parties, Grants: twelvePoints{}, Jobs: &jobsSent{}}}
	body, _ := json.Marshal(delivery.ShardTask{ThirdParty: tp, Day: "2026-11-27", Shard: 3})
	if res, err := h.Handle(context.Background(), events.SQSEvent{Records: []events.SQSMessage{{MessageId: "1", Body: string(body)}}}); err != nil || len(res.BatchItemFailures) > 0 {
		t.Fatalf("%+v %v", res, err)
	}
	if got := counted.Counts(metrics.DeliveryPointsDue)[""]; got != 12 {
		t.Errorf("points due %d, want 12", got)
	}
}
