package main

import (
	"fmt"
	"image/color"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// phaseRow is one step of a run, in seconds from its start.
type phaseRow struct {
	label      string
	start, end float64
}

// runPhases reads "label<TAB>start<TAB>end" lines (seconds) and draws them
// as a timeline, one bar per step from its start to its end, first step on
// top, so that what ran side by side and what waited shows at a glance.
func runPhases(path, out, title string) error {
	var rows []phaseRow
	err := eachLine(path, func(line string) error {
		fields := strings.Split(line, "\t")
		if len(fields) != 3 {
			return fmt.Errorf("%s: %q is not label<TAB>start<TAB>end", path, line)
		}
		start, err1 := strconv.ParseFloat(fields[1], 64)
		end, err2 := strconv.ParseFloat(fields[2], 64)
		if err1 != nil || err2 != nil || end < start {
			return fmt.Errorf("%s: %q does not hold a start and a later end in seconds", path, line)
		}
		rows = append(rows, phaseRow{fields[0], start, end})
		return nil
	})
	if err != nil {
		return err
	}
	if len(rows) == 0 {
		return fmt.Errorf("%s holds no rows", path)
	}
	slices.Reverse(rows) // a horizontal bar chart draws its first value at the bottom
	last := 0.0
	names := make([]string, len(rows))
	before, during := make(plotter.Values, len(rows)), make(plotter.Values, len(rows))
	for i, r := range rows {
		names[i], before[i], during[i] = r.label, r.start, r.end-r.start
		last = max(last, r.end)
	}
	// A bar from start to end is a visible bar stacked on an invisible one.
	gap, err := plotter.NewBarChart(before, vg.Points(14))
	if err != nil {
		return err
	}
	gap.Horizontal, gap.Color, gap.LineStyle.Width = true, color.Transparent, 0
	bar, err := plotter.NewBarChart(during, vg.Points(14))
	if err != nil {
		return err
	}
	bar.Horizontal, bar.Color, bar.LineStyle.Width = true, plotutil.Color(0), 0
	bar.StackOn(gap)
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "seconds from git clone"
	p.Add(plotter.NewGrid(), gap, bar)
	p.NominalY(names...)
	p.X.Min, p.X.Max = 0, last*1.05
	return p.Save(9*vg.Inch, vg.Length(1.2+0.4*float64(len(rows)))*vg.Inch, out)
}
