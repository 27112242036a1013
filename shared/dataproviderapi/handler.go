// Package dataproviderapi is an entry point: the API data providers (grid
// companies and metering systems, scope tredjepart:ingest) use to send master
// data and meter values, as an API Gateway HTTP API handler.
// Each call carries many items and gets one result per item: a bad item is
// reported and stored nowhere, the good ones are stored.
package dataproviderapi

import (
	"context"
	"log/slog"
	"net/http"

	"golang.org/x/sync/errgroup"

	"github.com/tredjepart/tredjepart/shared/apigw"
	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/ingest"
	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/metrics"
	"github.com/tredjepart/tredjepart/shared/problem"
	"github.com/tredjepart/tredjepart/shared/pseudonym"
	"github.com/tredjepart/tredjepart/shared/ratelimit"
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
	Limiter       *ratelimit.Limiter // each client's calls; nil counts nothing
	Logger        *slog.Logger
	Metrics       metrics.Sink // items accepted and rejected, by kind and reason
}

// Handle answers one API Gateway event.
func (h *Handler) Handle(ctx context.Context, ev apigw.Request) (apigw.Response, error) {
	return apigw.HandleLimited(ctx, ev, h.Logger, h.Limiter, h.route)
}

func (h *Handler) route(ctx context.Context, ev apigw.Request) (apigw.Response, error) {
	from, err := apigw.DataProvider(ctx, ev, h.DataProviders)
	if err != nil {
		return apigw.Response{}, err
	}
	raw, err := apigw.JSONBody(ev)
	if err != nil {
		return apigw.Response{}, err
	}
	var (
		results []result
		kind    string
	)
	switch ev.RouteKey {
	case RouteMasterData:
		results, err = h.masterData(ctx, from, raw)
		kind = metrics.KindMasterData
	case RouteMeterValues:
		results, err = h.meterValues(ctx, from, raw)
		kind = metrics.KindMeterValues
	default:
		err = fault.New(fault.NotFound, "No route %s.", ev.RouteKey)
	}
	if err != nil {
		return apigw.Response{}, err
	}
	body := resultsView{Results: results}
	rejections := map[string]int{}
	for _, r := range results {
		if r.Problem != nil {
			body.Rejected++
			rejections[r.Problem.Name()]++
		} else {
			body.Accepted++
		}
	}
	sink := metrics.Or(h.Metrics)
	sink.Add(metrics.IngestItems, body.Accepted, metrics.Kind(kind), metrics.Outcome(metrics.Accepted))
	for reason, n := range rejections {
		sink.Add(metrics.IngestItems, n, metrics.Kind(kind), metrics.Outcome(reason))
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
	parsed := make([]registry.MeteringPoint, len(items))
	keys := make([]string, len(items))
	for i, item := range items {
		results[i] = result{Index: i, MeteringPointID: peek(item, "meteringPointId")}
		if parsed[i], err = parseMasterData(item, h.Pseudonyms); err != nil {
			results[i] = h.reject(ctx, results[i], err)
			continue
		}
		keys[i] = string(parsed[i].ID)
	}
	inParallel(keys, func(i int) {
		outcome, err := h.Ingest.PutMasterDataFrom(ctx, from, parsed[i])
		results[i].Outcome = string(outcome)
		if err != nil {
			results[i] = h.reject(ctx, results[i], err)
		}
	})
	return results, nil
}

func (h *Handler) meterValues(ctx context.Context, from registry.DataProvider, raw []byte) ([]result, error) {
	items, err := decodeEnvelope(raw, "series", MaxSeriesItems)
	if err != nil {
		return nil, err
	}
	results := make([]result, len(items))
	parsed := make([]metervalues.Series, len(items))
	keys := make([]string, len(items))
	for i, item := range items {
		results[i] = result{Index: i, MeteringPointID: peek(item, "meteringPointId"), Day: peek(item, "day")}
		if parsed[i], err = parseSeries(item); err != nil {
			results[i] = h.reject(ctx, results[i], err)
			continue
		}
		keys[i] = string(parsed[i].MeteringPoint) + "/" + results[i].Day
	}
	batch := h.Ingest.BatchFrom(from)
	inParallel(keys, func(i int) {
		series, outcome, err := batch.PutSeries(ctx, parsed[i])
		results[i].Outcome, results[i].Revision = string(outcome), series.Revision
		if err != nil {
			results[i] = h.reject(ctx, results[i], err)
		}
	})
	return results, nil
}

// ParallelItems is how many items of one call are stored at once: one
// after another, a call of 1,000 series (a write or two each) would take
// longer than the function may run.
const ParallelItems = 16

// inParallel stores the items with a key (those that parsed), up to
// ParallelItems at a time. Items with the same key are stored one after
// another in the order sent, so a call naming one day twice ends as two
// calls in that order would.
func inParallel(keys []string, store func(i int)) {
	groups := map[string][]int{}
	var order []string
	for i, k := range keys {
		if k == "" {
			continue
		}
		if _, seen := groups[k]; !seen {
			order = append(order, k)
		}
		groups[k] = append(groups[k], i)
	}
	var g errgroup.Group
	g.SetLimit(ParallelItems)
	for _, k := range order {
		g.Go(func() error {
			for _, i := range groups[k] {
				store(i)
			}
			return nil
		})
	}
	_ = g.Wait() // store reports into its item's result, never here
}
