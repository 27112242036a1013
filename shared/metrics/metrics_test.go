package metrics_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tredjepart/tredjepart/shared/metrics"
)

var at = time.Date(2026, 12, 5, 8, 0, 3, 0, time.UTC)

// logger is a function's logger (function.Start's) writing to out.
func logger(out *bytes.Buffer) *slog.Logger { return slog.New(slog.NewJSONHandler(out, nil)) }

// emfLine is the part of an EMF line CloudWatch reads.
type emfLine struct {
	AWS struct {
		Timestamp         int64
		CloudWatchMetrics []struct {
			Namespace  string
			Dimensions [][]string
			Metrics    []struct{ Name, Unit string }
		}
	} `json:"_aws"`
}

func TestEMFWritesOneLineCloudWatchReadsAsTheMetric(t *testing.T) {
	var out bytes.Buffer
	emf := &metrics.EMF{Logger: logger(&out).With("function", "webhook"), Now: func() time.Time { return at }}
	emf.Add(metrics.WebhookPushes, 2, metrics.Outcome(metrics.Push410))

	if strings.Count(out.String(), "\n") != 1 || !strings.HasSuffix(out.String(), "\n") {
		t.Fatalf("want one line, got %q", out.String())
	}
	var line emfLine
	if err := json.Unmarshal(out.Bytes(), &line); err != nil {
		t.Fatal(err)
	}
	if line.AWS.Timestamp != at.UnixMilli() || len(line.AWS.CloudWatchMetrics) != 1 {
		t.Fatalf("metadata: %+v", line.AWS)
	}
	d := line.AWS.CloudWatchMetrics[0]
	if d.Namespace != "Tredjepart" {
		t.Errorf("namespace %q", d.Namespace)
	}
	if want := [][]string{{}, {"Outcome"}}; !reflect.DeepEqual(d.Dimensions, want) {
		t.Errorf("dimension sets %v, want %v: the total and by outcome", d.Dimensions, want)
	}
	if len(d.Metrics) != 1 || d.Metrics[0].Name != "WebhookPushes" || d.Metrics[0].Unit != "Count" {
		t.Errorf("metrics %+v", d.Metrics)
	}
	// The target members: the value and each dimension at the root.
	var root map[string]any
	if err := json.Unmarshal(out.Bytes(), &root); err != nil {
		t.Fatal(err)
	}
	if root["WebhookPushes"] != 2.0 || root["Outcome"] != "410" || root["function"] != "webhook" || root["level"] != "INFO" {
		t.Errorf("root members: %v", root)
	}
}

func TestEMFWithoutDimensionsHasOnlyTheTotal(t *testing.T) {
	var out bytes.Buffer
	(&metrics.EMF{Logger: logger(&out), Now: func() time.Time { return at }}).Add(metrics.DeliveryPointsDue, 10)
	var line emfLine
	if err := json.Unmarshal(out.Bytes(), &line); err != nil {
		t.Fatal(err)
	}
	if got := line.AWS.CloudWatchMetrics[0].Dimensions; !reflect.DeepEqual(got, [][]string{{}}) {
		t.Errorf("dimension sets %v, want [[]]", got)
	}
}

// A logger above INFO drops the lines: the stack must log at INFO.
func TestEMFWritesAtInfo(t *testing.T) {
	var out bytes.Buffer
	emf := &metrics.EMF{Logger: slog.New(slog.NewJSONHandler(&out, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	emf.Add(metrics.ReadsLogged, 1, metrics.Kind(metrics.KindMasterData))
	if out.Len() != 0 {
		t.Errorf("a WARN logger wrote %q", out.String())
	}
}

func TestEMFWritesNothingForNothing(t *testing.T) {
	var out bytes.Buffer
	emf := &metrics.EMF{Logger: logger(&out)}
	emf.Add(metrics.ReadsLogged, 0, metrics.Kind(metrics.KindMasterData))
	if out.Len() != 0 {
		t.Errorf("a count of zero wrote %q", out.String())
	}
}

// Lines written at once from many goroutines (a delivery's parallel
// writes) stay whole.
func TestEMFLinesStayWholeUnderConcurrency(t *testing.T) {
	var out bytes.Buffer
	emf := &metrics.EMF{Logger: logger(&out)}
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() { emf.Add(metrics.DocumentsDelivered, 1, metrics.Kind(metrics.KindDaily)) })
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 50 {
		t.Fatalf("%d lines, want 50", len(lines))
	}
	for _, l := range lines {
		if !json.Valid([]byte(l)) {
			t.Fatalf("line is not JSON: %q", l)
		}
	}
}

func TestOrCountsNothingForNil(t *testing.T) {
	metrics.Or(nil).Add(metrics.AccessRequests, 1, metrics.Outcome(metrics.RequestCreated)) // does not panic
	var r metrics.Recorder
	metrics.Or(&r).Add(metrics.AccessRequests, 1, metrics.Outcome(metrics.RequestCreated))
	if got := r.Counts(metrics.AccessRequests); got["created"] != 1 {
		t.Errorf("counts %v", got)
	}
}
