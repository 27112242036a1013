// Command benchplot is a developer tool: it turns the latencies a benchmark
// recorded (one duration in milliseconds per line) into a table of percentiles
// and a histogram PNG, or a benchmark's costs set against their floors (-cost)
// into bars, or the steps of a run (-phases) into a timeline, so that a person
// can look rather than read.
//
//	go run ./localstack/tools/benchplot -out plot.png -title "…" in-process=a.txt emulator=b.txt
//	go run ./localstack/tools/benchplot -out cost.png -title "…" -cost costs.tsv
//	go run ./localstack/tools/benchplot -out steps.png -title "…" -phases steps.tsv
package main

import (
	"bufio"
	"flag"
	"fmt"
	"image/color"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// series is one labelled set of latencies.
type series struct {
	label string
	ms    []float64 // sorted
}

func main() {
	out := flag.String("out", "", "PNG to write")
	title := flag.String("title", "Latency", "plot title")
	cost := flag.String("cost", "", "a file of label<TAB>measured<TAB>floor lines to plot as bars instead")
	phases := flag.String("phases", "", "a file of label<TAB>start<TAB>end lines (seconds) to plot as a timeline instead")
	flag.Parse()
	var err error
	switch {
	case *cost != "":
		err = runCost(*cost, *out, *title)
	case *phases != "":
		err = runPhases(*phases, *out, *title)
	default:
		err = run(flag.Args(), *out, *title)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchplot:", err)
		os.Exit(1)
	}
}

// run reads each "label=path" argument, prints a percentile table and plots
// the series as overlaid histograms with a line at each median.
func run(args []string, out, title string) error {
	if len(args) == 0 {
		return fmt.Errorf("name at least one label=path")
	}
	var all []series
	for _, arg := range args {
		label, path, ok := strings.Cut(arg, "=")
		if !ok {
			return fmt.Errorf("%q is not label=path", arg)
		}
		ms, err := read(path)
		if err != nil {
			return err
		}
		if len(ms) == 0 {
			return fmt.Errorf("%s holds no latencies", path)
		}
		slices.Sort(ms)
		all = append(all, series{label, ms})
	}
	fmt.Println("| functions | requests | min | p50 | p90 | p99 | max |")
	fmt.Println("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, s := range all {
		fmt.Printf("| %s | %d | %.1f ms | %.1f ms | %.1f ms | %.1f ms | %.1f ms |\n", s.label, len(s.ms),
			s.ms[0], Percentile(s.ms, 0.5), Percentile(s.ms, 0.9), Percentile(s.ms, 0.99), s.ms[len(s.ms)-1])
	}

	// Cold starts can be ten times the median; cut the axis after the slowest
	// p99 so that the bulk stays readable, and say what was cut.
	cutoff := 0.0
	for _, s := range all {
		cutoff = max(cutoff, 1.25*Percentile(s.ms, 0.99))
	}
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "latency (ms)"
	p.Y.Label.Text = "requests"
	for i, s := range all {
		shown := s.ms[:sort.SearchFloat64s(s.ms, cutoff)]
		h, err := plotter.NewHist(plotter.Values(shown), 30)
		if err != nil {
			return err
		}
		c := plotutil.Color(i)
		r, g, b, _ := c.RGBA()
		h.FillColor = color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 110} // see-through, so overlaps show
		h.LineStyle.Color = c
		median, err := plotter.NewLine(plotter.XYs{{X: Percentile(s.ms, 0.5), Y: 0}, {X: Percentile(s.ms, 0.5), Y: maxBin(h)}})
		if err != nil {
			return err
		}
		median.Color, median.Dashes = c, []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(h, median)
		label := fmt.Sprintf("%s (p50 %.1f ms)", s.label, Percentile(s.ms, 0.5))
		if cut := len(s.ms) - len(shown); cut > 0 {
			label += fmt.Sprintf(", %d slower not shown, max %.0f ms", cut, s.ms[len(s.ms)-1])
		}
		p.Legend.Add(label, h)
	}
	p.Legend.Top = true
	return p.Save(9*vg.Inch, 4.5*vg.Inch, out)
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
	var ms []float64
	err := eachLine(path, func(line string) error {
		v, err := strconv.ParseFloat(line, 64)
		if err != nil {
			return fmt.Errorf("%s: %q is not a number", path, line)
		}
		ms = append(ms, v)
		return nil
	})
	return ms, err
}

// eachLine calls f with each non-blank line of the file, trimmed.
func eachLine(path string, f func(line string) error) error {
	file, err := os.Open(path)
	if err != nil {
		return err
	}
	defer file.Close()
	sc := bufio.NewScanner(file)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" {
			if err := f(line); err != nil {
				return err
			}
		}
	}
	return sc.Err()
}
