package consumption

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/shopspring/decimal"

	"github.com/tredjepart/tredjepart/shared/metervalues"
)

// ChartID prefixes the ids of the chart's <title> and <desc>, which
// aria-labelledby and aria-describedby point to. A page shows one chart.
const ChartID = "consumption-chart"

// The drawing, in viewBox units. The viewBox is about as wide as the chart
// is on a 375 px phone (343 CSS px), so there a unit is a CSS pixel and
// fontSize is the text's size in pixels; wider screens scale it up (the
// portal caps the chart's width).
const (
	chartWidth   = 340
	fontSize     = 12
	legendHeight = 34 // two lines: measured, then the other qualities
	unitLine     = 16 // "kWh" above the y axis
	plotTop      = legendHeight + unitLine + 6
	plotHeight   = 150
	plotBottom   = plotTop + plotHeight
	labelLine    = 14 // one line of x tick labels
	chartHeight  = plotBottom + 3*labelLine + 8
	rightMargin  = 6
	charWidth    = 0.62 * fontSize // a sans-serif character, about
)

// slot is one bar position of a span, with or without data.
type slot struct {
	start, end time.Time
	label      string // tick label: "02", "02A", "29", "mar"
	name       string // for the description: "02:00–03:00", "29. mars", "mars"
	quantity   decimal.Decimal
	quality    metervalues.Quality // the worst of its rows
	rows       int
}

// Chart draws rows as an accessible SVG bar chart, one bar per slot of span
// (kWh per hour, day or month), for inlining in an HTML page. lang "en" gives
// English; anything else Norwegian bokmål. Slots without data have no bar;
// bars whose quality is not measured (A04) are lighter with a dashed edge, as a
// legend above the plot says. The <svg> has role="img", aria-label, aria-labelledby
// (its <title>) and aria-describedby (a <desc> summarising total, peak and
// missing data), a viewBox and width 100%, and no XML prolog.
//
// On a 25-hour day the repeated hour is labelled 02A (summer time, +02:00)
// and 02B (standard time, +01:00), the convention for the doubled hour; on a
// 23-hour day there is no 02. Labels too wide for their bar alternate
// between two lines, so that every bar keeps its label.
func Chart(rows []Row, span Span, lang string) templ.Component {
	t := words(lang)
	return chartSVG(layout(span, fill(span, rows, t), t))
}

// chartView is the chart laid out, for chartSVG (chart.templ). Coordinates
// are formatted numbers; texts are escaped as chartSVG writes them.
type chartView struct {
	ID, Title, Desc string
	Width, Height   string
	FontSize        string
	Legend          []legendEntry
	Unit            string
	UnitX, UnitY    string
	Grid            []gridLine
	PlotLeft        string
	PlotRight       string
	PlotBottom      string
	Bars            []barView
	Ticks           []placed
	Axis            placed
}

type legendEntry struct {
	Measured     bool
	SwatchD      string
	Text         string
	TextX, TextY string
}

type gridLine struct {
	Y, LabelY string
	Label     string
}

type barView struct {
	Measured bool
	D        string
}

type placed struct {
	X, Y, Text string
}

// layout places the legend, the y grid with its labels, a bar per slot with
// data and a label under every slot.
func layout(span Span, slots []slot, t lexicon) chartView {
	peak := 0.0
	for _, s := range slots {
		if s.rows > 0 {
			peak = max(peak, s.quantity.InexactFloat64()) // only the bar height is a float
		}
	}
	ticks, top, decimals := yTicks(peak)
	yLabel := func(v float64) string {
		l := strconv.FormatFloat(v, 'f', decimals, 64)
		if t.comma {
			l = strings.ReplaceAll(l, ".", ",")
		}
		return l
	}
	left := 0.0 // room for the widest y label
	for _, v := range ticks {
		left = max(left, textWidth(yLabel(v)))
	}
	left += 6
	right := float64(chartWidth - rightMargin)
	y := func(v float64) float64 { return plotBottom - plotHeight*v/top }

	view := chartView{
		ID: ChartID, Title: t.title(span), Desc: t.describe(span, slots),
		Width: num(chartWidth), Height: num(chartHeight), FontSize: num(fontSize),
		Unit: Unit, UnitX: num(0), UnitY: num(legendHeight + unitLine - 4),
		PlotLeft: num(left), PlotRight: num(right), PlotBottom: num(plotBottom),
		Axis: placed{X: num((left + right) / 2), Y: num(plotBottom + 3*labelLine + 2), Text: t.axis[span.View]},
	}
	for i, e := range []struct {
		measured bool
		text     string
	}{{true, t.measured}, {false, t.other}} {
		base := float64(12 + i*17)
		view.Legend = append(view.Legend, legendEntry{
			Measured: e.measured, SwatchD: rect(left, base-10, 14, 10),
			Text: e.text, TextX: num(left + 20), TextY: num(base),
		})
	}
	for _, v := range ticks {
		view.Grid = append(view.Grid, gridLine{Y: num(y(v)), LabelY: num(y(v) + 4), Label: yLabel(v)})
	}

	step := (right - left) / float64(len(slots))
	widest := 0.0
	for _, s := range slots {
		widest = max(widest, textWidth(s.label))
	}
	twoLines := widest+2 > step
	for i, s := range slots {
		x := left + step*(float64(i)+0.5)
		line := 1.0
		if twoLines && i%2 == 1 {
			line = 2
		}
		view.Ticks = append(view.Ticks, placed{X: num(x), Y: num(plotBottom + line*labelLine), Text: s.label})
		if s.rows == 0 {
			continue
		}
		h := max(0, plotHeight*s.quantity.InexactFloat64()/top)
		view.Bars = append(view.Bars, barView{
			Measured: s.quality == metervalues.Measured,
			D:        rect(x-0.4*step, plotBottom-h, 0.8*step, h),
		})
	}
	return view
}

// yTicks returns the y grid's values from 0 to top, the highest at or above
// peak, a step of 1, 2 or 5 times a power of ten apart so that there are
// about four steps, and the decimals the step needs.
func yTicks(peak float64) (ticks []float64, top float64, decimals int) {
	if peak <= 0 {
		peak = 1
	}
	magnitude := math.Pow(10, math.Floor(math.Log10(peak/4)))
	step := 10 * magnitude
	for _, m := range []float64{1, 2, 5} {
		if m*magnitude >= peak/4 {
			step = m * magnitude
			break
		}
	}
	n := math.Ceil(peak/step - 1e-9)
	for i := range int(n) + 1 {
		ticks = append(ticks, float64(i)*step)
	}
	return ticks, n * step, max(0, -int(math.Floor(math.Log10(step)+1e-9)))
}

// textWidth is about how wide a label is drawn at fontSize.
func textWidth(s string) float64 { return charWidth * float64(len([]rune(s))) }

// rect is a rectangle as path data.
func rect(x, y, w, h float64) string {
	return fmt.Sprintf("M%s %sh%sv%sh-%sz", num(x), num(y), num(w), num(h), num(w))
}

// num formats a coordinate with at most one decimal.
func num(v float64) string { return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) }

// fill returns the span's slots with the rows summed into them; rows outside
// the span are left out.
func fill(span Span, rows []Row, t lexicon) []slot {
	starts := span.Slots()
	slots := make([]slot, len(starts))
	for i, start := range starts {
		end := span.To
		if i+1 < len(starts) {
			end = starts[i+1]
		}
		slots[i] = slot{start: start, end: end, quantity: decimal.Zero, quality: metervalues.Measured}
	}
	for _, r := range rows {
		i := sort.Search(len(starts), func(i int) bool { return starts[i].After(r.Start) }) - 1
		if i < 0 || !r.Start.Before(span.To) {
			continue
		}
		s := &slots[i]
		s.quantity = s.quantity.Add(r.Quantity)
		s.quality = metervalues.Worse(s.quality, r.Quality)
		s.rows++
	}
	t.label(span.View, slots)
	return slots
}

// anyOther reports whether a bar with data is not measured.
func anyOther(slots []slot) bool {
	for _, s := range slots {
		if s.rows > 0 && s.quality != metervalues.Measured {
			return true
		}
	}
	return false
}
