package thirdpartyapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/tredjepart/tredjepart/shared/apigw"
	"github.com/tredjepart/tredjepart/shared/delivery"
	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/grant"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/metering"
	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/oslo"
	"github.com/tredjepart/tredjepart/shared/ratelimit"
	"github.com/tredjepart/tredjepart/shared/webhook"
)

// Route keys this handler serves.
const (
	RouteListMeteringPoints = "GET /v1/metering-points"
	RouteMasterData         = "GET /v1/metering-points/{id}"
	RouteMeterValues        = "GET /v1/metering-points/{id}/meter-values"
	RouteDeliveries         = "GET /v1/deliveries"
)

// Outbox is a third party's feed of delivered documents.
type Outbox interface {
	Feed(ctx context.Context, tp ident.GLN, cursor string, limit int, now time.Time) (delivery.FeedPage, error)
}

// QueriesHandler serves the query routes.
type QueriesHandler struct {
	Metering     *metering.Service
	Outbox       Outbox
	Webhooks     *webhook.Service
	ThirdParties apigw.ThirdParties
	Limiter      *ratelimit.Limiter // each client's calls, shared with RequestsHandler; nil counts nothing
	Logger       *slog.Logger
}

// Handle answers one API Gateway event.
func (h *QueriesHandler) Handle(ctx context.Context, ev apigw.Request) (apigw.Response, error) {
	return apigw.HandleLimited(ctx, ev, h.Logger, h.Limiter, h.route)
}

func (h *QueriesHandler) route(ctx context.Context, ev apigw.Request) (apigw.Response, error) {
	caller, err := apigw.ThirdParty(ctx, ev, h.ThirdParties)
	if err != nil {
		return apigw.Response{}, err
	}
	switch ev.RouteKey {
	case RouteListMeteringPoints:
		return h.list(ctx, caller, ev)
	case RouteMasterData:
		return h.masterData(ctx, caller, ev)
	case RouteMeterValues:
		return h.meterValues(ctx, caller, ev)
	case RouteDeliveries:
		return h.deliveries(ctx, caller, ev)
	case RouteWebhookGet, RouteWebhookPut, RouteWebhookDelete, RouteWebhookRotate, RouteWebhookAttempts, RouteWebhookSecret, RouteWebhookTest:
		return h.webhook(ctx, caller, ev)
	}
	return apigw.Response{}, fault.New(fault.NotFound, "No route %s.", ev.RouteKey)
}

func (h *QueriesHandler) list(ctx context.Context, caller ident.GLN, ev apigw.Request) (apigw.Response, error) {
	bad := apigw.KnownParams(ev.QueryStringParameters, "limit", "cursor")
	limit, badLimit := apigw.PageLimit(ev.QueryStringParameters)
	if badLimit != nil {
		bad = append(bad, *badLimit)
	}
	if len(bad) > 0 {
		return apigw.Response{}, fault.InvalidFields(bad...)
	}
	grants, next, err := h.Metering.List(ctx, caller, ev.QueryStringParameters["cursor"], limit)
	if err != nil {
		return apigw.Response{}, err
	}
	now := h.Metering.Clock.Now()
	windows, err := h.Metering.Windows(ctx, grants, now)
	if err != nil {
		return apigw.Response{}, err
	}
	body := listView{Items: make([]accessView, 0, len(grants)), NextCursor: next}
	for i, g := range grants {
		body.Items = append(body.Items, viewAccess(g, windows[i]))
	}
	return apigw.JSON(http.StatusOK, apigw.MustJSON(body), "application/json"), nil
}

func (h *QueriesHandler) masterData(ctx context.Context, caller ident.GLN, ev apigw.Request) (apigw.Response, error) {
	bad := apigw.KnownParams(ev.QueryStringParameters)
	id, idErr := parseMeteringPoint(ev)
	if idErr != nil {
		bad = append([]fault.FieldError{*idErr}, bad...)
	}
	if len(bad) > 0 {
		return apigw.Response{}, fault.InvalidFields(bad...)
	}
	a, md, err := h.Metering.MasterData(ctx, caller, id)
	if err != nil {
		return apigw.Response{}, err
	}
	res := apigw.JSON(http.StatusOK, apigw.MustJSON(metering.MasterDataView(a, md)), "application/json")
	return apigw.Cacheable(ev, res), nil
}

func (h *QueriesHandler) meterValues(ctx context.Context, caller ident.GLN, ev apigw.Request) (apigw.Response, error) {
	id, idErr := parseMeteringPoint(ev)
	q, err := parseQuery(ev.QueryStringParameters, idErr)
	if err != nil {
		return apigw.Response{}, err
	}
	values, err := h.Metering.MeterValues(ctx, caller, id, q)
	if err != nil {
		return apigw.Response{}, err
	}
	res := apigw.JSON(http.StatusOK, apigw.MustJSON(viewValues(values, q.Aggregation)), "application/json")
	return apigw.Cacheable(ev, res), nil
}

// deliveries is the outbox feed: everything delivered to the caller, oldest
// first, after the cursor. nextCursor is always given, so a caller can poll
// with it. after and next are the feed's first names for cursor and
// nextCursor, still read and written for the clients that use them.
func (h *QueriesHandler) deliveries(ctx context.Context, caller ident.GLN, ev apigw.Request) (apigw.Response, error) {
	params := ev.QueryStringParameters
	bad := apigw.KnownParams(params, "cursor", "after", "limit")
	limit, badLimit := apigw.PageLimit(params)
	if badLimit != nil {
		bad = append(bad, *badLimit)
	}
	name, position := "cursor", params["cursor"]
	switch after, given := params["after"]; {
	case given && position == "":
		name, position = "after", after
	case given && after != position:
		bad = append(bad, fault.FieldError{Field: "cursor", Reason: "names another position than after; send one of them"})
	}
	if len(bad) > 0 {
		return apigw.Response{}, fault.InvalidFields(bad...)
	}
	page, err := h.Outbox.Feed(ctx, caller, position, limit, h.Metering.Clock.Now())
	if err != nil {
		return apigw.Response{}, asParam(err, "after", name)
	}
	body := feedView{Items: make([]documentView, 0, len(page.Documents)), NextCursor: page.Next, Next: page.Next}
	for _, d := range page.Documents {
		v := documentView{ID: d.ID, Type: string(d.Kind), CreatedAt: oslo.FormatUTC(d.CreatedAt), MeteringPointID: string(d.MeteringPoint), Document: d.Body}
		if !d.Day.IsZero() {
			v.Day = metering.Date(d.Day)
		}
		body.Items = append(body.Items, v)
	}
	return apigw.JSON(http.StatusOK, apigw.MustJSON(body), "application/json"), nil
}

// asParam names field by the query parameter the caller used for it.
func asParam(err error, field, param string) error {
	var e *fault.Error
	if field == param || !errors.As(err, &e) {
		return err
	}
	renamed := *e
	renamed.Fields = nil
	for _, f := range e.Fields {
		if f.Field == field {
			f.Field = param
		}
		renamed.Fields = append(renamed.Fields, f)
	}
	renamed.Detail = strings.Replace(e.Detail, field+":", param+":", 1)
	return &renamed
}

type feedView struct {
	Items      []documentView `json:"items"`
	NextCursor string         `json:"nextCursor"`
	Next       string         `json:"next"` // deprecated: nextCursor's first name
}

type documentView struct {
	ID              string          `json:"id"`
	Type            string          `json:"type"`
	CreatedAt       string          `json:"createdAt"`
	MeteringPointID string          `json:"meteringPointId,omitempty"`
	Day             string          `json:"day,omitempty"`
	Document        json.RawMessage `json:"document"`
}

func parseMeteringPoint(ev apigw.Request) (ident.GSRN, *fault.FieldError) {
	id, err := ident.ParseGSRN(ev.PathParameters["id"])
	if err != nil {
		return "", &fault.FieldError{Field: "id", Reason: apigw.Reason(err)}
	}
	return id, nil
}

// parseQuery reads from, to and aggregation, naming every bad parameter
// along with a bad path id.
func parseQuery(params map[string]string, idErr *fault.FieldError) (metering.Query, error) {
	bad := apigw.KnownParams(params, "from", "to", "aggregation")
	if idErr != nil {
		bad = append([]fault.FieldError{*idErr}, bad...)
	}
	var q metering.Query
	for _, p := range []struct {
		name string
		into *time.Time
	}{{"from", &q.From}, {"to", &q.To}} {
		value, present := params[p.name]
		if !present {
			bad = append(bad, fault.FieldError{Field: p.name, Reason: "is required: an Oslo calendar date such as 2026-03-29"})
			continue
		}
		day, err := metervalues.ParseDay(value)
		if err != nil {
			bad = append(bad, fault.FieldError{Field: p.name, Reason: "must be an Oslo calendar date such as 2026-03-29"})
		}
		*p.into = day
	}
	aggregation, err := metervalues.ParseAggregation(params["aggregation"])
	if err != nil {
		bad = append(bad, fault.FieldError{Field: "aggregation", Reason: "must be PT1H, P1D or P1M"})
	}
	q.Aggregation = aggregation
	if len(bad) > 0 {
		return q, fault.InvalidFields(bad...)
	}
	return q, q.Validate()
}

type listView struct {
	Items      []accessView `json:"items"`
	NextCursor string       `json:"nextCursor,omitempty"`
}

type accessView struct {
	MeteringPointID string              `json:"meteringPointId"`
	AccessLevel     string              `json:"accessLevel"`
	GrantedAt       string              `json:"grantedAt"`
	DataFrom        string              `json:"dataFrom"` // dataWindow's from, named before dataWindow was listed
	DataWindow      metering.WindowView `json:"dataWindow"`
	Links           accessLinks         `json:"links"`
}

type accessLinks struct {
	Self        string `json:"self"`
	MeterValues string `json:"meterValues"`
}

func viewAccess(g grant.Grant, window metering.Window) accessView {
	self := "/v1/metering-points/" + string(g.MeteringPoint)
	return accessView{
		MeteringPointID: string(g.MeteringPoint), AccessLevel: string(g.Level),
		GrantedAt: oslo.FormatUTC(g.GrantedAt), DataFrom: metering.Date(window.From), DataWindow: metering.ViewWindow(window),
		Links: accessLinks{Self: self, MeterValues: self + "/meter-values"},
	}
}

type valuesView struct {
	MeteringPointID string              `json:"meteringPointId"`
	Period          metering.WindowView `json:"period"`
	DataWindow      metering.WindowView `json:"dataWindow"`
	Unit            string              `json:"unit"`
	Aggregation     string              `json:"aggregation,omitempty"`
	Periods         []periodView        `json:"periods"`
}

type periodView struct {
	Start      string      `json:"start"`
	End        string      `json:"end"`
	Resolution string      `json:"resolution"`
	Revision   int         `json:"revision"`
	Points     []pointView `json:"points"`
}

type pointView struct {
	Position int    `json:"position"`
	Quantity string `json:"quantity"`
	Quality  string `json:"quality"`
}

func viewValues(v metering.Values, by metervalues.Aggregation) valuesView {
	out := valuesView{
		MeteringPointID: string(v.Access.Grant.MeteringPoint), Period: metering.ViewWindow(v.Period), DataWindow: metering.ViewWindow(v.Access.Window),
		Unit: metervalues.Unit, Aggregation: string(by), Periods: make([]periodView, 0, len(v.Periods)),
	}
	for _, p := range v.Periods {
		pv := periodView{Start: instant(p.Start), End: instant(p.End), Resolution: p.Resolution, Revision: p.Revision, Points: make([]pointView, len(p.Points))}
		for i, pt := range p.Points {
			pv.Points[i] = pointView{Position: pt.Position, Quantity: metervalues.FormatQuantity(pt.Quantity), Quality: string(pt.Quality)}
		}
		out.Periods = append(out.Periods, pv)
	}
	return out
}

// instant writes a time with its Oslo offset, so each day's start reads as local midnight.
func instant(t time.Time) string { return t.In(oslo.Oslo).Format(time.RFC3339) }
