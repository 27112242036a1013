// Command benchplot turns the latencies a benchmark recorded (one duration in
// milliseconds per line) into a table of percentiles and a histogram PNG, so
// that a person can look rather than read.
//
//	go run ./localstack/benchplot -in latencies.txt -out docs/bench/create-latency.png -title "…"
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

func main() {
	in := flag.String("in", "", "file with one latency in milliseconds per line")
	out := flag.String("out", "", "PNG to write")
	title := flag.String("title", "Latency", "plot title")
	flag.Parse()
	if err := run(*in, *out, *title); err != nil {
		fmt.Fprintln(os.Stderr, "benchplot:", err)
		os.Exit(1)
	}
}

func run(in, out, title string) error {
	ms, err := read(in)
	if err != nil {
		return err
	}
	if len(ms) == 0 {
		return fmt.Errorf("%s holds no latencies", in)
	}
	slices.Sort(ms)
	fmt.Println("| requests | min | p50 | p90 | p99 | max |")
	fmt.Println("| ---: | ---: | ---: | ---: | ---: | ---: |")
	fmt.Printf("| %d | %.1f ms | %.1f ms | %.1f ms | %.1f ms | %.1f ms |\n",
		len(ms), ms[0], Percentile(ms, 0.5), Percentile(ms, 0.9), Percentile(ms, 0.99), ms[len(ms)-1])

	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "latency (ms)"
	p.Y.Label.Text = "requests"
	h, err := plotter.NewHist(plotter.Values(ms), 30)
	if err != nil {
		return err
	}
	p.Add(h)
	// A vertical line marks the median.
	line, err := plotter.NewLine(plotter.XYs{{X: Percentile(ms, 0.5), Y: 0}, {X: Percentile(ms, 0.5), Y: maxBin(h)}})
	if err != nil {
		return err
	}
	p.Add(line)
	p.Legend.Add(fmt.Sprintf("p50 %.1f ms", Percentile(ms, 0.5)), line)
	return p.Save(8*vg.Inch, 4*vg.Inch, out)
}

func maxBin(h *plotter.Histogram) float64 {
	m := 0.0
	for _, b := range h.Bins {
		m = max(m, b.Weight)
	}
	return m
}

// Percentile of sorted values, nearest rank.
func Percentile(sorted []float64, p float64) float64 {
	return sorted[int(p*float64(len(sorted)-1)+0.5)]
}

func read(path string) ([]float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var ms []float64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		v, err := strconv.ParseFloat(line, 64)
		if err != nil {
			return nil, fmt.Errorf("%s: %q is not a number", path, line)
		}
		ms = append(ms, v)
	}
	return ms, sc.Err()
}
