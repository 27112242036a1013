package consumption

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tredjepart/tredjepart/shared/metervalues"
)

func fallBackRows(t *testing.T) (Span, []Row) {
	t.Helper()
	span := SpanOf(Day, osloTime(2026, 10, 25, 0))
	s := day(span.From, metervalues.PT15M, metervalues.Measured)
	s.Quantities[13].Quality = metervalues.Estimated // in the second 03:00 hour
	return span, Rows(metervalues.Aggregate([]metervalues.Series{s}, span.Aggregation))
}

func TestWriteCSV(t *testing.T) {
	_, rows := fallBackRows(t)
	var buf bytes.Buffer
	if err := WriteCSV(&buf, mp, rows); err != nil {
		t.Fatal(err)
	}
	lines, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatalf("CSV does not parse: %v", err)
	}
	if strings.Join(lines[0], ",") != "meteringPointId,start,end,quantity,unit,quality" {
		t.Errorf("header %v", lines[0])
	}
	lines = lines[1:]
	if len(lines) != 25 {
		t.Fatalf("%d lines, want 25", len(lines))
	}
	sum := decimal.Zero
	for i, l := range lines {
		if l[0] != string(mp) || l[4] != "kWh" {
			t.Errorf("line %d: %v", i, l)
		}
		start, err1 := time.Parse(time.RFC3339, l[1])
		end, err2 := time.Parse(time.RFC3339, l[2])
		if err1 != nil || err2 != nil || !start.Equal(rows[i].Start) || end.Sub(start) != time.Hour {
			t.Errorf("line %d: times %s, %s", i, l[1], l[2])
		}
		q, err := decimal.NewFromString(l[3])
		if err != nil || !strings.Contains(l[3], ".") || len(l[3])-strings.Index(l[3], ".") != 4 {
			t.Errorf("line %d: quantity %q is not a 3-decimal number", i, l[3])
		}
		sum = sum.Add(q)
	}
	if !sum.Equal(Total(rows)) {
		t.Errorf("CSV sums to %s, Total is %s", sum, Total(rows))
	}
	if lines[2][1] != "2026-10-25T02:00:00+02:00" || lines[3][1] != "2026-10-25T02:00:00+01:00" {
		t.Errorf("the two 02:00 hours read %s and %s", lines[2][1], lines[3][1])
	}
	if lines[3][5] != string(metervalues.Estimated) || lines[2][5] != string(metervalues.Measured) {
		t.Errorf("qualities %s %s", lines[2][5], lines[3][5])
	}
}

func TestWriteJSON(t *testing.T) {
	span, rows := fallBackRows(t)
	var buf bytes.Buffer
	if err := WriteJSON(&buf, mp, span, rows); err != nil {
		t.Fatal(err)
	}
	var doc Document
	dec := json.NewDecoder(bytes.NewReader(buf.Bytes()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("JSON does not decode: %v\n%s", err, buf.String())
	}
	if doc.MeteringPointID != mp || doc.From != "2026-10-25T00:00:00+02:00" || doc.To != "2026-10-26T00:00:00+01:00" ||
		doc.Aggregation != metervalues.Hourly || doc.Unit != "kWh" || len(doc.Rows) != 25 {
		t.Errorf("document %+v", doc)
	}
	total, err := decimal.NewFromString(doc.Total)
	if err != nil || !total.Equal(Total(rows)) {
		t.Errorf("total %q, want %s", doc.Total, Total(rows))
	}
	sum := decimal.Zero
	for i, r := range doc.Rows {
		q := decimal.RequireFromString(r.Quantity)
		sum = sum.Add(q)
		if !q.Equal(rows[i].Quantity) || r.Quality != rows[i].Quality {
			t.Errorf("row %d = %+v, want %v", i, r, rows[i])
		}
	}
	if !sum.Equal(total) {
		t.Errorf("rows sum to %s, total %s", sum, total)
	}
	// Round trip: the same document encodes to the same bytes.
	var again bytes.Buffer
	enc := json.NewEncoder(&again)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil || again.String() != buf.String() {
		t.Errorf("round trip differs:\n%s\n%s", buf.String(), again.String())
	}
	// Quantities are strings, not numbers.
	var raw map[string]any
	if err := json.Unmarshal(buf.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	if _, ok := raw["total"].(string); !ok {
		t.Errorf("total is %T, want string", raw["total"])
	}
	if _, ok := raw["rows"].([]any)[0].(map[string]any)["quantity"].(string); !ok {
		t.Errorf("quantity is not a string")
	}
}

func TestWriteJSONEmptyRowsIsArray(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteJSON(&buf, mp, SpanOf(Month, osloTime(2026, 1, 1, 0)), nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"rows": []`) || !strings.Contains(buf.String(), `"total": "0.000"`) {
		t.Errorf("empty document: %s", buf.String())
	}
}
