package consumption

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"time"

	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/oslo"
)

// Unit is the unit of every quantity.
const Unit = "kWh"

// CSVHeader is the first line WriteCSV writes.
var CSVHeader = []string{"meteringPointId", "start", "end", "quantity", "unit", "quality"}

// WriteCSV writes CSVHeader and one line per row: the metering point, start
// and end as RFC 3339 with the Oslo offset (so the repeated hour of an
// autumn DST day reads 02:00+02:00 then 02:00+01:00), the quantity with
// exactly 3 decimals and a full stop, the unit and the quality code.
func WriteCSV(w io.Writer, mp ident.GSRN, rows []Row) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	for _, r := range rows {
		line := []string{mp.String(), formatTime(r.Start), formatTime(r.End),
			metervalues.FormatQuantity(r.Quantity), Unit, string(r.Quality)}
		if err := cw.Write(line); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// Document is what WriteJSON writes. Quantities are strings so that they
// stay exact decimals.
type Document struct {
	MeteringPointID ident.GSRN              `json:"meteringPointId"`
	From            string                  `json:"from"`
	To              string                  `json:"to"`
	Aggregation     metervalues.Aggregation `json:"aggregation"`
	Unit            string                  `json:"unit"`
	Total           string                  `json:"total"`
	Rows            []DocumentRow           `json:"rows"`
}

// DocumentRow is one row of a Document.
type DocumentRow struct {
	Start    string              `json:"start"`
	End      string              `json:"end"`
	Quantity string              `json:"quantity"`
	Quality  metervalues.Quality `json:"quality"`
}

// WriteJSON writes the span and rows as a Document, times as in WriteCSV.
func WriteJSON(w io.Writer, mp ident.GSRN, span Span, rows []Row) error {
	doc := Document{
		MeteringPointID: mp,
		From:            formatTime(span.From),
		To:              formatTime(span.To),
		Aggregation:     span.Aggregation,
		Unit:            Unit,
		Total:           metervalues.FormatQuantity(Total(rows)),
		Rows:            make([]DocumentRow, len(rows)),
	}
	for i, r := range rows {
		doc.Rows[i] = DocumentRow{Start: formatTime(r.Start), End: formatTime(r.End),
			Quantity: metervalues.FormatQuantity(r.Quantity), Quality: r.Quality}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

func formatTime(t time.Time) string { return t.In(oslo.Oslo).Format(time.RFC3339) }
