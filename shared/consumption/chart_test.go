package consumption

import (
	"context"
	"encoding/xml"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/a-h/templ"

	"github.com/tredjepart/tredjepart/shared/metervalues"
)

var writeSVG = flag.String("svg", "", "write the test charts as .svg files into this directory, to look at")

// maxChartBytes bounds an inline chart: it goes into every portal page.
const maxChartBytes = 40_000

// phoneChartWidth is how wide the chart is drawn on a 375 px phone: the
// portal's main column less its 1rem padding on each side (the figure has no
// side margins; shared/portalweb/layout.templ).
const phoneChartWidth = 375 - 2*16

// minPhoneText is the smallest text, in CSS pixels, the chart may have there.
const minPhoneText = 11

// Bar colours, as the portal's browser test counts bars by them.
const (
	measuredFill = "#1f5f8b"
	otherFill    = "#a6c8e0"
)

// svgDoc is what the tests read back from a chart.
type svgDoc struct {
	XMLName xml.Name
	Role    string `xml:"role,attr"`
	Label   string `xml:"aria-label,attr"`
	LabelBy string `xml:"aria-labelledby,attr"`
	DescBy  string `xml:"aria-describedby,attr"`
	ViewBox string `xml:"viewBox,attr"`
	Width   string `xml:"width,attr"`
	Title   idText `xml:"title"`
	Desc    idText `xml:"desc"`
	texts   []string
	// fontSizes are the font-size attributes on the way down, root first.
	fontSizes []float64
	// measured and other count the paths filled in each bar colour, the
	// legend's two swatches included.
	measured, other int
	// labels are the x tick labels with their position, in document order.
	labels []placedText
}

type placedText struct {
	text   string
	x, y   float64
	anchor string
	size   float64
}

type idText struct {
	ID   string `xml:"id,attr"`
	Text string `xml:",chardata"`
}

// parseSVG checks that svg is well-formed XML and collects its text
// elements in order.
func parseSVG(t *testing.T, svg string) svgDoc {
	t.Helper()
	var doc svgDoc
	if err := xml.Unmarshal([]byte(svg), &doc); err != nil {
		t.Fatalf("chart is not well-formed XML: %v", err)
	}
	dec := xml.NewDecoder(strings.NewReader(svg))
	inText, inTick := false, false
	var sizes []float64 // the font-size in force at each open element
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("chart is not well-formed XML: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			size := 0.0
			if len(sizes) > 0 {
				size = sizes[len(sizes)-1]
			}
			attr := map[string]string{}
			for _, a := range tok.Attr {
				attr[a.Name.Local] = a.Value
			}
			if v, ok := attr["font-size"]; ok {
				if _, err := fmt.Sscan(v, &size); err != nil {
					t.Fatalf("font-size %q: %v", v, err)
				}
				doc.fontSizes = append(doc.fontSizes, size)
			}
			sizes = append(sizes, size)
			inText = tok.Name.Local == "text"
			inTick = inText && attr["class"] == "tick"
			if inText {
				var p placedText
				fmt.Sscan(attr["x"], &p.x)
				fmt.Sscan(attr["y"], &p.y)
				p.anchor, p.size = attr["text-anchor"], size
				if attr["class"] == "tick" {
					doc.labels = append(doc.labels, p)
				}
			}
			if tok.Name.Local == "path" {
				if attr["style"] != "" {
					t.Errorf("a path with a style attribute, which the pages' CSP refuses: %v", attr)
				}
				switch fill := attr["fill"]; {
				case fill == measuredFill:
					doc.measured++
				case fill == otherFill:
					doc.other++
				}
			}
		case xml.CharData:
			if inText {
				text := strings.TrimSpace(string(tok))
				doc.texts = append(doc.texts, text)
				if inTick {
					doc.labels[len(doc.labels)-1].text = text
				}
			}
		case xml.EndElement:
			inText, inTick = false, false
			sizes = sizes[:len(sizes)-1]
		}
	}
	return doc
}

// render writes a chart out.
func render(t *testing.T, chart templ.Component) string {
	t.Helper()
	var b strings.Builder
	if err := chart.Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func chartOf(t *testing.T, name string, span Span, series []metervalues.Series, lang string) (string, svgDoc) {
	t.Helper()
	svg := render(t, Chart(Rows(metervalues.Aggregate(series, span.Aggregation)), span, lang))
	if *writeSVG != "" {
		if err := os.WriteFile(filepath.Join(*writeSVG, name+".svg"), []byte(svg), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%s: %d bytes", name, len(svg))
	if len(svg) > maxChartBytes {
		t.Errorf("%s: %d bytes, want at most %d", name, len(svg), maxChartBytes)
	}
	if !strings.HasPrefix(svg, "<svg ") || strings.Contains(svg, "<?xml") {
		t.Errorf("%s: does not start with <svg: %.80q", name, svg)
	}
	doc := parseSVG(t, svg)
	var width, height float64
	if _, err := fmt.Sscanf(doc.ViewBox, "0 0 %g %g", &width, &height); err != nil || width <= 0 || height <= 0 {
		t.Errorf("%s: viewBox %q: %v", name, doc.ViewBox, err)
	}
	if doc.XMLName.Local != "svg" || doc.Role != "img" || doc.Width != "100%" {
		t.Errorf("%s: root %+v", name, doc)
	}
	// Text that is legible on a phone: the viewBox is scaled to the
	// chart's width, and so is every font size in it.
	if len(doc.fontSizes) == 0 {
		t.Errorf("%s: no font-size", name)
	}
	for _, size := range doc.fontSizes {
		if px := size * phoneChartWidth / width; px < minPhoneText {
			t.Errorf("%s: font-size %g is %.1f px on a 375 px phone, want at least %d", name, size, px, minPhoneText)
		}
	}
	labelsApart(t, name, doc.labels)
	if doc.Title.Text == "" || doc.LabelBy != doc.Title.ID || doc.Label != doc.Title.Text || doc.Desc.Text == "" || doc.DescBy != doc.Desc.ID {
		t.Errorf("%s: title %+v, desc %+v, aria-label %q, labelledby %q, describedby %q", name, doc.Title, doc.Desc, doc.Label, doc.LabelBy, doc.DescBy)
	}
	return svg, doc
}

// labelsApart fails when two x tick labels on the same line overlap. A
// character is taken as at most 0.65 em wide (a digit is about 0.55 em, A
// and B about 0.67 em, in sans-serif fonts), with 1 unit of space between.
func labelsApart(t *testing.T, name string, labels []placedText) {
	t.Helper()
	if len(labels) == 0 {
		t.Errorf("%s: no x tick labels", name)
	}
	last := map[float64]placedText{} // the previous label on each line
	for _, l := range labels {
		if l.anchor != "middle" {
			t.Errorf("%s: label %q is not centred under its bar", name, l.text)
		}
		if prev, ok := last[l.y]; ok {
			half := func(p placedText) float64 { return 0.65 * p.size * float64(len([]rune(p.text))) / 2 }
			if prev.x+half(prev)+1 > l.x-half(l) {
				t.Errorf("%s: labels %q at x=%g and %q at x=%g overlap", name, prev.text, prev.x, l.text, l.x)
			}
		}
		last[l.y] = l
	}
}

// ticks returns the texts of the x tick labels.
func (d svgDoc) ticks() []string {
	var texts []string
	for _, l := range d.labels {
		texts = append(texts, l.text)
	}
	return texts
}

// hourLabels returns the x tick labels of a day chart: the texts that are
// two digits and maybe A or B.
func hourLabels(texts []string) []string {
	var hours []string
	for _, s := range texts {
		if len(s) >= 2 && len(s) <= 3 && s[0] >= '0' && s[0] <= '2' && s[1] >= '0' && s[1] <= '9' && (len(s) == 2 || s[2] == 'A' || s[2] == 'B') {
			hours = append(hours, s)
		}
	}
	return hours
}

func hoursExcept(skip int, extra ...string) []string {
	var hs []string
	for h := range 24 {
		if h == skip {
			continue
		}
		if h == 2 && len(extra) > 0 {
			hs = append(hs, extra...)
			continue
		}
		hs = append(hs, fmt.Sprintf("%02d", h))
	}
	return hs
}

func TestChartSpringForward(t *testing.T) {
	span := SpanOf(Day, osloTime(2026, 3, 29, 0))
	_, doc := chartOf(t, "day-23", span, []metervalues.Series{day(span.From, metervalues.PT15M, metervalues.Measured)}, "nb")
	if got, want := hourLabels(doc.ticks()), hoursExcept(2); !slices.Equal(got, want) {
		t.Errorf("hour labels %v (%d), want %v (%d)", got, len(got), want, len(want))
	}
	if doc.Title.Text != "Forbruk per time, søndag 29. mars 2026" {
		t.Errorf("title %q", doc.Title.Text)
	}
	if !strings.Contains(doc.Desc.Text, "23 timer") || !strings.Contains(doc.Desc.Text, "Totalt ") {
		t.Errorf("desc %q", doc.Desc.Text)
	}
	if !slices.Contains(doc.texts, "kWh") || !slices.Contains(doc.texts, "Time") {
		t.Errorf("axis labels missing from %v", doc.texts)
	}
}

func TestChartFallBack(t *testing.T) {
	span := SpanOf(Day, osloTime(2026, 10, 25, 0))
	s := day(span.From, metervalues.PT60M, metervalues.Measured)
	s.Quantities[3].Quality = metervalues.Estimated
	_, doc := chartOf(t, "day-25", span, []metervalues.Series{s}, "en")
	if got, want := hourLabels(doc.ticks()), hoursExcept(-1, "02A", "02B"); !slices.Equal(got, want) {
		t.Errorf("hour labels %v (%d), want %v (%d)", got, len(got), want, len(want))
	}
	if doc.Title.Text != "Consumption per hour, Sunday 25 October 2026" {
		t.Errorf("title %q", doc.Title.Text)
	}
	for _, want := range []string{"25 hours", "02B (UTC+01:00)", "Light bars with a dashed edge"} {
		if !strings.Contains(doc.Desc.Text, want) {
			t.Errorf("desc %q lacks %q", doc.Desc.Text, want)
		}
	}
	if !slices.Contains(doc.texts, "Estimated, adjusted or incomplete") {
		t.Errorf("no legend for the estimated bar in %v", doc.texts)
	}
	// One bar per hour, the estimated one light; the legend has one of each.
	if doc.measured-1 != 24 || doc.other-1 != 1 {
		t.Errorf("%d measured and %d light bars, want 24 and 1", doc.measured-1, doc.other-1)
	}
}

func TestChartMonth(t *testing.T) {
	span := SpanOf(Month, osloTime(2026, 10, 1, 0))
	in := days(span.From, span.To, metervalues.PT15M)
	in = in[:20] // the last 11 days have no data yet
	_, doc := chartOf(t, "month-31", span, in, "nb")
	for d := 1; d <= 31; d++ {
		if !slices.Contains(doc.ticks(), fmt.Sprint(d)) {
			t.Errorf("no label for day %d", d)
		}
	}
	if doc.measured-1 != 20 || doc.other-1 != 0 {
		t.Errorf("%d measured and %d light bars, want 20 and 0: days without data have none", doc.measured-1, doc.other-1)
	}
	if !strings.Contains(doc.Desc.Text, "11 av 31 dager mangler data") || !strings.Contains(doc.Title.Text, "oktober 2026") {
		t.Errorf("title %q, desc %q", doc.Title.Text, doc.Desc.Text)
	}
	if strings.Contains(doc.Desc.Text, ".") && strings.Contains(doc.Desc.Text, "kWh") && !strings.Contains(doc.Desc.Text, ",") {
		t.Errorf("bokmål quantities should have a decimal comma: %q", doc.Desc.Text)
	}
}

func TestChartYear(t *testing.T) {
	span := SpanOf(Year, osloTime(2026, 10, 1, 0))
	_, doc := chartOf(t, "year", span, days(osloTime(2026, 1, 1, 0), osloTime(2026, 4, 1, 0), metervalues.PT60M), "en")
	if got := doc.ticks(); !slices.Equal(got, english.short[:]) {
		t.Errorf("month labels %v, want %v", got, english.short)
	}
}

func TestChartEmpty(t *testing.T) {
	_, doc := chartOf(t, "empty", SpanOf(Day, osloTime(2026, 6, 1, 0)), nil, "nb")
	if len(hourLabels(doc.ticks())) != 24 || !strings.Contains(doc.Desc.Text, "Ingen måleverdier") {
		t.Errorf("labels %v, desc %q", doc.texts, doc.Desc.Text)
	}
	if doc.measured != 1 || doc.other != 1 {
		t.Errorf("%d and %d paths in the bar colours, want only the legend's two", doc.measured, doc.other)
	}
}

func TestChartSVGEscapes(t *testing.T) {
	// The component escapes every text and attribute, whatever it holds.
	hostile := `</title><script>alert(1)</script>"'&`
	view := layout(SpanOf(Day, osloTime(2026, 6, 1, 0)), nil, english)
	view.Title, view.Desc, view.Unit = hostile, hostile, hostile
	view.Ticks = []placed{{X: "1", Y: "2", Text: hostile}}
	svg := render(t, chartSVG(view))
	if strings.Contains(svg, "<script") || strings.Count(svg, "</title>") != 1 {
		t.Errorf("not escaped:\n%s", svg)
	}
	doc := parseSVG(t, svg)
	if doc.Title.Text != hostile || doc.Label != hostile || doc.Desc.Text != hostile || !slices.Contains(doc.texts, hostile) {
		t.Errorf("title %q, aria-label %q, desc %q, texts %q: want %q each", doc.Title.Text, doc.Label, doc.Desc.Text, doc.texts, hostile)
	}
}

func TestChartEscapes(t *testing.T) {
	// Nothing user-supplied reaches the chart, but the title and desc go
	// through the escaper all the same; the output must stay one element.
	span := SpanOf(Year, osloTime(2026, 1, 1, 0))
	svg, _ := chartOf(t, "escapes", span, nil, "en")
	if strings.Count(svg, "<svg") != 1 || !strings.HasSuffix(strings.TrimSpace(svg), "</svg>") {
		t.Errorf("chart is not one <svg> element")
	}
}
