package main

import (
	"fmt"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// costRow is one measure of a benchmark's cost set against its floor.
type costRow struct {
	label           string
	measured, floor float64
}

// runCost reads "label<TAB>measured<TAB>floor" lines, prints them as a
// table with their ratio, and plots each measure beside its floor on a log
// scale, since the measures span orders of magnitude (requests near 1, read
// units near 0.01).
func runCost(path, out, title string) error {
	rows, err := readCost(path)
	if err != nil {
		return err
	}
	if len(rows) == 0 {
		return fmt.Errorf("%s holds no rows", path)
	}
	names := make([]string, len(rows))
	measured, floor := make(plotter.XYs, len(rows)), make(plotter.XYs, len(rows))
	lowest := rows[0].floor
	for i, r := range rows {
		names[i] = r.label
		measured[i], floor[i] = plotter.XY{X: float64(i), Y: r.measured}, plotter.XY{X: float64(i), Y: r.floor}
		lowest = min(lowest, r.floor, r.measured)
		fmt.Printf("| %s | %.4f | %.4f | %.1f× |\n", r.label, r.measured, r.floor, r.measured/r.floor)
	}
	p := plot.New()
	p.Title.Text = title
	p.Y.Label.Text = "per metering-point-day (log scale)"
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	// Points, not bars: a bar starts at zero, which a log scale has not.
	for i, v := range []struct {
		label string
		xys   plotter.XYs
		shape draw.GlyphDrawer
	}{{"measured", measured, draw.CircleGlyph{}}, {"floor", floor, draw.BoxGlyph{}}} {
		points, err := plotter.NewScatter(v.xys)
		if err != nil {
			return err
		}
		points.GlyphStyle = draw.GlyphStyle{Color: plotutil.Color(i), Radius: vg.Points(6), Shape: v.shape}
		p.Add(points)
		p.Legend.Add(v.label, points)
	}
	p.NominalX(names...)
	p.X.Min, p.X.Max = -0.5, float64(len(rows))-0.5
	p.Y.Min = lowest / 2
	p.Add(plotter.NewGrid())
	p.Legend.Top = true
	return p.Save(9*vg.Inch, 4.5*vg.Inch, out)
}

func readCost(path string) ([]costRow, error) {
	var rows []costRow
	err := eachLine(path, func(line string) error {
		fields := strings.Split(line, "\t")
		if len(fields) != 3 {
			return fmt.Errorf("%s: %q is not label<TAB>measured<TAB>floor", path, line)
		}
		r := costRow{label: fields[0]}
		var err error
		if r.measured, err = strconv.ParseFloat(fields[1], 64); err != nil {
			return fmt.Errorf("%s: measured %q is not a number", path, fields[1])
		}
		if r.floor, err = strconv.ParseFloat(fields[2], 64); err != nil || r.floor <= 0 || r.measured <= 0 {
			return fmt.Errorf("%s: %q needs positive numbers (a log scale)", path, line)
		}
		rows = append(rows, r)
		return nil
	})
	return rows, err
}
