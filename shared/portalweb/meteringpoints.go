package portalweb

import (
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/a-h/templ"
	"github.com/shopspring/decimal"

	"github.com/tredjepart/tredjepart/shared/consumption"
	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/grant"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/metering"
	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/oslo"
)

type pointsPage struct {
	Items []grant.Grant
	Next  string
}

// meteringPoints lists the metering points the third party has access to.
func (s *site) meteringPoints(w http.ResponseWriter, r *http.Request, who staff) {
	grants, next, err := s.metering.List(r.Context(), who.ThirdParty.GLN, r.URL.Query().Get("cursor"), pageSize)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	page := pointsPage{Items: grants}
	if next != "" {
		page.Next = "/portal/metering-points?cursor=" + url.QueryEscape(next)
	}
	s.Render(w, r, http.StatusOK, "points.html", who, page)
}

// meteringPointID reads the path's id; a malformed one is as unknown as a
// metering point without access.
func meteringPointID(r *http.Request) (ident.GSRN, error) {
	id, err := ident.ParseGSRN(r.PathValue("id"))
	if err != nil {
		return "", fault.New(fault.NotFound, "No such metering point.")
	}
	return id, nil
}

// meteringPoint shows the master data the access's level allows (BRS-NO-303),
// logged as a read like the API's.
func (s *site) meteringPoint(w http.ResponseWriter, r *http.Request, who staff) {
	id, err := meteringPointID(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	a, md, err := s.metering.MasterData(r.Context(), who.ThirdParty.GLN, id)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.Render(w, r, http.StatusOK, "point.html", who, metering.MasterDataView(a, md))
}

// consumptionPage is one view of a metering point's consumption.
type consumptionPage struct {
	MeteringPoint ident.GSRN
	Span          consumption.Span
	Date          string // the date shown, for the links
	Previous      string
	Next          string
	Problem       string // the message key of why there is nothing to show, such as a period outside the data window
	Chart         templ.Component
	Rows          []consumption.Row
	Total         decimal.Decimal
	Unit          string
}

// consumption shows a day, month or year of meter values (BRS-NO-315) as a
// chart and a table, or downloads them as CSV or JSON. Every view and
// download is a read the end user sees in their log.
func (s *site) consumption(w http.ResponseWriter, r *http.Request, who staff) {
	id, err := meteringPointID(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	q := r.URL.Query()
	date := q.Get("date")
	if date == "" {
		date = metervalues.Date(s.clock.Now()).AddDate(0, 0, -1).Format(time.DateOnly) // yesterday in Oslo
	}
	view, day, err := consumption.ParseView(q.Get("view"), date)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	format := q.Get("format")
	if format != "" && format != "csv" && format != "json" {
		s.Problem(w, r, http.StatusBadRequest, `format must be "csv" or "json".`)
		return
	}
	span := consumption.SpanOf(view, day)
	page := consumptionPage{MeteringPoint: id, Span: span, Date: date, Unit: metervalues.Unit,
		Previous: consumptionLink(id, view, span.Previous), Next: consumptionLink(id, view, span.Next)}
	values, err := s.metering.MeterValues(r.Context(), who.ThirdParty.GLN, id, metering.Query{From: span.From, To: span.To, Aggregation: span.Aggregation})
	if k := fault.KindOf(err); err != nil && (k == fault.Unprocessable || k == fault.Invalid) {
		page.Problem = "consumption.outsideWindow" // the views' periods are always whole and short: only the window refuses them
		if k == fault.Invalid {
			page.Problem = "consumption.invalidPeriod"
		}
		s.Render(w, r, http.StatusUnprocessableEntity, "consumption.html", who, page)
		return
	} else if err != nil {
		s.Fail(w, r, err)
		return
	}
	rows := consumption.Rows(values.Periods)
	switch format {
	case "csv":
		download(w, id, span, "csv", "text/csv; charset=utf-8")
		if err := consumption.WriteCSV(w, id, rows); err != nil {
			s.logger.ErrorContext(r.Context(), "write CSV", "error", err)
		}
		return
	case "json":
		download(w, id, span, "json", "application/json")
		if err := consumption.WriteJSON(w, id, span, rows); err != nil {
			s.logger.ErrorContext(r.Context(), "write JSON", "error", err)
		}
		return
	}
	page.Chart = consumption.Chart(rows, span, s.Language(w, r))
	page.Rows, page.Total = rows, consumption.Total(rows)
	s.Render(w, r, http.StatusOK, "consumption.html", who, page)
}

func consumptionLink(id ident.GSRN, view consumption.View, date time.Time) string {
	return fmt.Sprintf("/portal/metering-points/%s/consumption?view=%s&date=%s", id, view, date.In(oslo.Oslo).Format(time.DateOnly))
}

// download names the attachment after the metering point and the period.
func download(w http.ResponseWriter, id ident.GSRN, span consumption.Span, ext, contentType string) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="consumption-%s-%s-%s.%s"`,
		id, span.View, span.From.In(oslo.Oslo).Format(time.DateOnly), ext))
}
