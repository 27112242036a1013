package consumption

import (
	"bytes"
	"fmt"
	"html"
	"html/template"
	"image/color"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/tredjepart/tredjepart/shared/metervalues"
)

// The chart's drawing size; the SVG scales to its container through its
// viewBox, so this sets the proportions and the text size relative to them.
const (
	chartWidth  vg.Length = 600 // points
	chartHeight vg.Length = 300
	margin      vg.Length = 8  // right and top, so the last bar and the top label are not cut
	legendBand  vg.Length = 20 // the legend's line above the plot
)

// ChartID prefixes the ids of the chart's <title> and <desc>, which
// aria-labelledby and aria-describedby point to. A page shows one chart.
const ChartID = "consumption-chart"

var (
	measuredColor = color.RGBA{R: 0x1f, G: 0x5f, B: 0x8b, A: 0xff} // 7:1 on white
	otherColor    = color.RGBA{R: 0xa6, G: 0xc8, B: 0xe0, A: 0xff} // with a dashed measuredColor edge
	gridColor     = color.Gray{Y: 0xd0}
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
// 23-hour day there is no 02.
func Chart(rows []Row, span Span, lang string) (template.HTML, error) {
	t := words(lang)
	slots := fill(span, rows, t)

	p := plot.New()
	sans := func(size float64) font.Font {
		return font.Font{Typeface: "Liberation", Variant: "Sans", Size: font.Length(size)}
	}
	p.X.Label.TextStyle.Font = sans(12)
	p.Y.Label.TextStyle.Font = sans(12)
	p.X.Tick.Label.Font = sans(xTickSize(span.View, len(slots)))
	p.Y.Tick.Label.Font = sans(12)
	p.X.Label.Text = t.axis[span.View]
	p.Y.Label.Text = Unit
	p.X.Padding, p.Y.Padding = 0, 0

	b := bars{slots: slots}
	grid := plotter.NewGrid()
	grid.Vertical.Color = nil
	grid.Horizontal.Color = gridColor
	p.Add(grid, b)

	ticks := make(plot.ConstantTicks, len(slots))
	for i, s := range slots {
		ticks[i] = plot.Tick{Value: float64(i), Label: s.label}
	}
	p.X.Tick.Marker = ticks
	p.Y.Tick.Marker = decimalTicks{comma: t.comma}
	p.X.Min, p.X.Max = -0.5, float64(len(slots))-0.5
	p.Y.Min = 0
	if p.Y.Max <= 0 {
		p.Y.Max = 1
	}
	p.Y.Max *= 1.05 // room above the highest bar

	// The legend sits in a band above the plot, one line, so that it never
	// hides a bar; it is always there, so charts keep the same layout.
	canvas := vgsvg.New(chartWidth, chartHeight)
	full := draw.New(canvas)
	p.Draw(draw.Crop(full, 0, -margin, 0, -(margin + legendBand)))
	x := p.Y.Tick.Label.Font.Size * 4 // about where the plot area starts
	band := draw.Crop(full, x, -margin, chartHeight-margin-legendBand, -margin)
	for _, e := range []struct {
		text  string
		thumb plot.Thumbnailer
	}{{t.measured, swatch{measured: true}}, {t.other, swatch{}}} {
		l := plot.NewLegend()
		l.TextStyle.Font = sans(12)
		l.Top, l.Left = true, true
		l.Add(e.text, e.thumb)
		l.Draw(band)
		r := l.Rectangle(band)
		band = draw.Crop(band, r.Max.X-r.Min.X+2*p.Y.Tick.Label.Font.Size, 0, 0, 0)
	}

	var buf bytes.Buffer
	if _, err := canvas.WriteTo(&buf); err != nil {
		return "", fmt.Errorf("consumption.Chart: %w", err)
	}
	title := t.title(span)
	return inline(buf.String(), title, t.describe(span, slots))
}

var (
	svgStart = regexp.MustCompile(`(?s)<svg\b[^>]*>`)
	viewBox  = regexp.MustCompile(`viewBox="([^"]*)"`)
)

// inline turns vgsvg's standalone document into an element for HTML: no
// prolog or comment, a scalable and labelled root, and a font stack that
// falls back from Liberation Sans to the reader's sans-serif.
func inline(svg, title, desc string) (template.HTML, error) {
	loc := svgStart.FindStringIndex(svg)
	if loc == nil {
		return "", fmt.Errorf("consumption.Chart: no <svg> element in the output of vgsvg")
	}
	vb := viewBox.FindStringSubmatch(svg[loc[0]:loc[1]])
	if vb == nil {
		return "", fmt.Errorf("consumption.Chart: the <svg> element of vgsvg has no viewBox")
	}
	var out strings.Builder
	fmt.Fprintf(&out, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="%s" width="100%%" `+
		`preserveAspectRatio="xMidYMid meet" style="height:auto;max-width:100%%" class="%s" `+
		`role="img" aria-label="%s" aria-labelledby="%s-title" aria-describedby="%s-desc">`+"\n",
		vb[1], ChartID, html.EscapeString(title), ChartID, ChartID)
	fmt.Fprintf(&out, "<title id=\"%s-title\">%s</title>\n<desc id=\"%s-desc\">%s</desc>\n",
		ChartID, html.EscapeString(title), ChartID, html.EscapeString(desc))
	body := svg[loc[1]:]
	body = strings.ReplaceAll(body, "font-family:Liberation Sans;",
		"font-family:'Liberation Sans',Arial,Helvetica,sans-serif;")
	out.WriteString(strings.TrimLeft(body, "\n"))
	return template.HTML(out.String()), nil // built here, every text in it escaped
}

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

// bars draws one bar per slot with data, from x = i-0.4 to i+0.4.
type bars struct{ slots []slot }

func (b bars) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	edge := draw.LineStyle{Color: measuredColor, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(3), vg.Points(2)}}
	for i, s := range b.slots {
		if s.rows == 0 {
			continue
		}
		h := s.quantity.InexactFloat64() // only the bar height is a float
		x0, x1 := trX(float64(i)-0.4), trX(float64(i)+0.4)
		y0, y1 := trY(0), trY(h)
		pts := []vg.Point{{X: x0, Y: y0}, {X: x0, Y: y1}, {X: x1, Y: y1}, {X: x1, Y: y0}}
		if s.quality == metervalues.Measured {
			c.FillPolygon(measuredColor, c.ClipPolygonY(pts))
			continue
		}
		c.FillPolygon(otherColor, c.ClipPolygonY(pts))
		c.StrokeLines(edge, c.ClipLinesY(append(pts, pts[0]))...)
	}
}

func (b bars) DataRange() (xmin, xmax, ymin, ymax float64) {
	for _, s := range b.slots {
		if s.rows > 0 {
			ymax = max(ymax, s.quantity.InexactFloat64())
		}
	}
	return -0.5, float64(len(b.slots)) - 0.5, 0, ymax
}

func (b bars) anyOther() bool {
	for _, s := range b.slots {
		if s.rows > 0 && s.quality != metervalues.Measured {
			return true
		}
	}
	return false
}

// swatch is a legend entry's sample bar.
type swatch struct{ measured bool }

func (s swatch) Thumbnail(c *draw.Canvas) {
	r := c.Rectangle
	pts := []vg.Point{r.Min, {X: r.Min.X, Y: r.Max.Y}, r.Max, {X: r.Max.X, Y: r.Min.Y}}
	if s.measured {
		c.FillPolygon(measuredColor, pts)
		return
	}
	c.FillPolygon(otherColor, pts)
	c.StrokeLines(draw.LineStyle{Color: measuredColor, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(3), vg.Points(2)}},
		append(pts, pts[0]))
}

// decimalTicks are gonum's default ticks with a decimal comma if asked for.
type decimalTicks struct{ comma bool }

func (d decimalTicks) Ticks(lo, hi float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(lo, hi)
	if d.comma {
		for i := range ticks {
			ticks[i].Label = strings.ReplaceAll(ticks[i].Label, ".", ",")
		}
	}
	return ticks
}

// xTickSize is the size of the x labels that still leaves room between them:
// 31 day numbers, or 25 hours of which two read 02A and 02B.
func xTickSize(v View, n int) float64 {
	switch {
	case v == Year:
		return 12
	case n > 24 && v == Day:
		return 10
	}
	return 11
}
