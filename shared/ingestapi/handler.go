// Package ingestapi is the API grid companies and metering systems use to
// send master data and meter values, as an API Gateway HTTP API handler.
// Each call carries many items and gets one result per item: a bad item is
// reported and stored nowhere, the good ones are stored.
package ingestapi

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/tredjepart/tredjepart/shared/apigw"
	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/ingest"
	"github.com/tredjepart/tredjepart/shared/problem"
	"github.com/tredjepart/tredjepart/shared/pseudonym"
	"github.com/tredjepart/tredjepart/shared/registry"
)

// Route keys this handler serves.
const (
	RouteMasterData  = "POST /v1/ingest/master-data"
	RouteMeterValues = "POST /v1/ingest/meter-values"
)

// Limits on one call.
const (
	MaxMasterDataItems = 100
	MaxSeriesItems     = 1000
)

// Handler serves the ingest routes.
type Handler struct {
	Ingest *ingest.Service
	// DataProviders maps the token's client to the grid company or
	// metering system it acts for: only a registered, enabled one may
	// send, and only for metering points in its grid areas.
	DataProviders apigw.DataProviders
	Pseudonyms    *pseudonym.Pseudonymizer
	Logger        *slog.Logger
}

// Handle answers one API Gateway event.
func (h *Handler) Handle(ctx context.Context, ev apigw.Request) (apigw.Response, error) {
	return apigw.Handle(ctx, ev, h.Logger, h.route)
}

func (h *Handler) route(ctx context.Context, ev apigw.Request) (apigw.Response, error) {
	from, err := apigw.DataProvider(ctx, ev, h.DataProviders)
	if err != nil {
		return apigw.Response{}, err
	}
	if err := apigw.RequireJSON(ev.Headers["content-type"]); err != nil {
		return apigw.Response{}, err
	}
	raw, err := apigw.DecodeBody(ev)
	if err != nil {
		return apigw.Response{}, err
	}
	var results []result
	switch ev.RouteKey {
	case RouteMasterData:
		results, err = h.masterData(ctx, from, raw)
	case RouteMeterValues:
		results, err = h.meterValues(ctx, from, raw)
	default:
		err = fault.New(fault.NotFound, "No route %s.", ev.RouteKey)
	}
	if err != nil {
		return apigw.Response{}, err
	}
	body := resultsView{Results: results}
	for _, r := range results {
		if r.Problem != nil {
			body.Rejected++
		} else {
			body.Accepted++
		}
	}
	return apigw.JSON(http.StatusOK, apigw.MustJSON(body), "application/json"), nil
}

type resultsView struct {
	Accepted int      `json:"accepted"`
	Rejected int      `json:"rejected"`
	Results  []result `json:"results"`
}

// result is what happened to one item of a bulk call.
type result struct {
	Index           int               `json:"index"`
	MeteringPointID string            `json:"meteringPointId,omitempty"`
	Day             string            `json:"day,omitempty"`
	Outcome         string            `json:"outcome"` // an ingest.Outcome, or "rejected"
	Revision        int               `json:"revision,omitempty"`
	Problem         *problem.Document `json:"problem,omitempty"`
}

const rejected = "rejected"

// reject reports err for one item; errors outside the domain are logged
// and reported as internal, and the item may simply be sent again.
func (h *Handler) reject(ctx context.Context, r result, err error) result {
	doc := problem.From(ctx, h.Logger, err, "")
	r.Outcome, r.Problem = rejected, &doc
	return r
}

func (h *Handler) masterData(ctx context.Context, from registry.DataProvider, raw []byte) ([]result, error) {
	items, err := decodeEnvelope(raw, "items", MaxMasterDataItems)
	if err != nil {
		return nil, err
	}
	results := make([]result, len(items))
	for i, item := range items {
		r := result{Index: i, MeteringPointID: peek(item, "meteringPointId")}
		mp, err := parseMasterData(item, h.Pseudonyms)
		if err == nil {
			var outcome ingest.Outcome
			outcome, err = h.Ingest.PutMasterDataFrom(ctx, from, mp)
			r.Outcome = string(outcome)
		}
		if err != nil {
			r = h.reject(ctx, r, err)
		}
		results[i] = r
	}
	return results, nil
}

func (h *Handler) meterValues(ctx context.Context, from registry.DataProvider, raw []byte) ([]result, error) {
	items, err := decodeEnvelope(raw, "series", MaxSeriesItems)
	if err != nil {
		return nil, err
	}
	results := make([]result, len(items))
	for i, item := range items {
		r := result{Index: i, MeteringPointID: peek(item, "meteringPointId"), Day: peek(item, "day")}
		series, err := parseSeries(item)
		if err == nil {
			var outcome ingest.Outcome
			series, outcome, err = h.Ingest.PutSeriesFrom(ctx, from, series)
			r.Outcome, r.Revision = string(outcome), series.Revision
		}
		if err != nil {
			r = h.reject(ctx, r, err)
		}
		results[i] = r
	}
	return results, nil
}
