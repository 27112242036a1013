package synthetic_test

import (
	"bytes"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/pseudonym"
	"github.com/tredjepart/tredjepart/shared/synthetic"
)

// BenchmarkGenerateYear measures the generator alone at the size issue 4
// names for benchmarks: BENCH_POINTS metering points (10000 unless set) ×
// the 365 days ending yesterday in Oslo, with the datagen CLI's defaults
// (seed 1, 20 % PT15M, 15 % cabins, 1 % of days corrected). Each iteration
// makes every point's master data, every day's series and every correction
// (revision 2), as `make datagen` would send them, and validates each the
// way ingest does, so the numbers are for data ingest would take. It runs on
// one goroutine: series/s is per core.
//
//	go test -run '^$' -bench GenerateYear -benchtime 1x ./shared/synthetic/
func BenchmarkGenerateYear(b *testing.B) {
	n := 10000
	if s := os.Getenv("BENCH_POINTS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n <= 0 || n > synthetic.MaxPoints {
			b.Fatalf("BENCH_POINTS=%q: want a number from 1 to %d", s, synthetic.MaxPoints)
		}
	}
	people, err := pseudonym.New(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	to := metervalues.Date(now) // today is not over, so not yet sendable
	o := synthetic.Options{
		Points: n, From: to.AddDate(0, 0, -365), To: to, Seed: 1,
		QuarterHourlyShare: 0.2, CabinShare: 0.15, CorrectionShare: 0.01,
	}
	if err := o.Validate(); err != nil {
		b.Fatal(err)
	}
	days := o.Days()

	var series, values, corrections, quarterHourly int
	var validating time.Duration
	check := func(s metervalues.Series) {
		started := time.Now()
		if err := s.Validate(now); err != nil {
			b.Fatalf("%s %s revision %d: %v", s.MeteringPoint, s.Day.Format(metervalues.DayLayout), s.Revision, err)
		}
		validating += time.Since(started)
		series++
		values += len(s.Quantities)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		for i := range n {
			mp := synthetic.MeteringPoint(o, people, i)
			if err := mp.Validate(); err != nil {
				b.Fatalf("%s: %v", mp.ID, err)
			}
			if mp.Resolution == metervalues.PT15M {
				quarterHourly++
			}
			for _, day := range days {
				check(synthetic.Day(o, mp, day, 1))
				if synthetic.Corrected(o, mp, day) {
					check(synthetic.Day(o, mp, day, 2))
					corrections++
				}
			}
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)

	elapsed := b.Elapsed().Seconds()
	b.ReportMetric(float64(series)/elapsed, "series/s")
	b.ReportMetric(float64(values)/elapsed, "values/s")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(series), "B/series")
	b.ReportMetric(float64(validating.Nanoseconds())/float64(series), "validate-ns/series")
	b.Logf("%d points (%d PT15M) × %d days (%s to %s): %d series (%d corrections), %d values in %s",
		n, quarterHourly/b.N, len(days), days[0].Format(metervalues.DayLayout), days[len(days)-1].Format(metervalues.DayLayout),
		series/b.N, corrections/b.N, values/b.N, b.Elapsed().Round(time.Millisecond))
}
