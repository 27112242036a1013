package consumption

import (
	"encoding/xml"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tredjepart/tredjepart/shared/metervalues"
)

var writeSVG = flag.String("svg", "", "write the test charts as .svg files into this directory, to look at")

// maxChartBytes bounds an inline chart: it goes into every portal page.
const maxChartBytes = 40_000

// svgDoc is what the tests read back from a chart.
type svgDoc struct {
	XMLName  xml.Name
	Role     string `xml:"role,attr"`
	Label    string `xml:"aria-label,attr"`
	LabelBy  string `xml:"aria-labelledby,attr"`
	DescBy   string `xml:"aria-describedby,attr"`
	ViewBox  string `xml:"viewBox,attr"`
	Width    string `xml:"width,attr"`
	Title    idText `xml:"title"`
	Desc     idText `xml:"desc"`
	texts    []string
	numPaths int
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
	inText := false
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
			inText = tok.Name.Local == "text"
			if tok.Name.Local == "path" {
				doc.numPaths++
			}
		case xml.CharData:
			if inText {
				doc.texts = append(doc.texts, strings.TrimSpace(string(tok)))
			}
		case xml.EndElement:
			inText = false
		}
	}
	return doc
}

func chartOf(t *testing.T, name string, span Span, series []metervalues.Series, lang string) (string, svgDoc) {
	t.Helper()
	html, err := Chart(Rows(metervalues.Aggregate(series, span.Aggregation)), span, lang)
	if err != nil {
		t.Fatal(err)
	}
	svg := string(html)
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
	if doc.XMLName.Local != "svg" || doc.Role != "img" || doc.Width != "100%" || doc.ViewBox != "0 0 600 300" {
		t.Errorf("%s: root %+v", name, doc)
	}
	if doc.Title.Text == "" || doc.LabelBy != doc.Title.ID || doc.Label != doc.Title.Text || doc.Desc.Text == "" || doc.DescBy != doc.Desc.ID {
		t.Errorf("%s: title %+v, desc %+v, aria-label %q, labelledby %q, describedby %q", name, doc.Title, doc.Desc, doc.Label, doc.LabelBy, doc.DescBy)
	}
	return svg, doc
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
	span := SpanOf(Day, oslo(2026, 3, 29, 0))
	_, doc := chartOf(t, "day-23", span, []metervalues.Series{day(span.From, metervalues.PT15M, metervalues.Measured)}, "nb")
	if got, want := hourLabels(doc.texts), hoursExcept(2); !slices.Equal(got, want) {
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
	span := SpanOf(Day, oslo(2026, 10, 25, 0))
	s := day(span.From, metervalues.PT60M, metervalues.Measured)
	s.Quantities[3].Quality = metervalues.Estimated
	_, doc := chartOf(t, "day-25", span, []metervalues.Series{s}, "en")
	if got, want := hourLabels(doc.texts), hoursExcept(-1, "02A", "02B"); !slices.Equal(got, want) {
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
}

func TestChartMonth(t *testing.T) {
	span := SpanOf(Month, oslo(2026, 10, 1, 0))
	in := days(span.From, span.To, metervalues.PT15M)
	in = in[:20] // the last 11 days have no data yet
	_, doc := chartOf(t, "month-31", span, in, "nb")
	for d := 1; d <= 31; d++ {
		if !slices.Contains(doc.texts, fmt.Sprint(d)) {
			t.Errorf("no label for day %d", d)
		}
	}
	if !strings.Contains(doc.Desc.Text, "11 av 31 dager mangler data") || !strings.Contains(doc.Title.Text, "oktober 2026") {
		t.Errorf("title %q, desc %q", doc.Title.Text, doc.Desc.Text)
	}
	if strings.Contains(doc.Desc.Text, ".") && strings.Contains(doc.Desc.Text, "kWh") && !strings.Contains(doc.Desc.Text, ",") {
		t.Errorf("bokmål quantities should have a decimal comma: %q", doc.Desc.Text)
	}
}

func TestChartYear(t *testing.T) {
	span := SpanOf(Year, oslo(2026, 10, 1, 0))
	_, doc := chartOf(t, "year", span, days(oslo(2026, 1, 1, 0), oslo(2026, 4, 1, 0), metervalues.PT60M), "en")
	for _, m := range english.short {
		if !slices.Contains(doc.texts, m) {
			t.Errorf("no label for %s in %v", m, doc.texts)
		}
	}
}

func TestChartEmpty(t *testing.T) {
	_, doc := chartOf(t, "empty", SpanOf(Day, oslo(2026, 6, 1, 0)), nil, "nb")
	if len(hourLabels(doc.texts)) != 24 || !strings.Contains(doc.Desc.Text, "Ingen måleverdier") {
		t.Errorf("labels %v, desc %q", doc.texts, doc.Desc.Text)
	}
}

func TestChartEscapes(t *testing.T) {
	// Nothing user-supplied reaches the chart, but the title and desc go
	// through the escaper all the same; the output must stay one element.
	span := SpanOf(Year, oslo(2026, 1, 1, 0))
	svg, _ := chartOf(t, "escapes", span, nil, "en")
	if strings.Count(svg, "<svg") != 1 || !strings.HasSuffix(strings.TrimSpace(svg), "</svg>") {
		t.Errorf("chart is not one <svg> element")
	}
}
