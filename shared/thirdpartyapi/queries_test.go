package thirdpartyapi_test

// The query routes on the fakes: what a third party with access reads,
// that every read is logged for the end user, what it is refused, and its
// feed of deliveries.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/apigw"
	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/delivery"
	"github.com/tredjepart/tredjepart/shared/grant"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/inmem"
	"github.com/tredjepart/tredjepart/shared/metering"
	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/metrics"
	"github.com/tredjepart/tredjepart/shared/problem"
	"github.com/tredjepart/tredjepart/shared/readlog"
	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/thirdpartyapi"
)

const (
	reader    = ident.GLN("7090000000011")
	stranger  = ident.GLN("7090000000028")
	endUser   = "p1_kari"
	granted   = ident.GSRN("707057500000001022")
	ungranted = ident.GSRN("707057500000001015")
)

// The fake outbox serves the feed as the handler reads it.
var _ thirdpartyapi.Outbox = (*inmem.Outbox)(nil)

type queries struct {
	h        *thirdpartyapi.QueriesHandler
	stores   inmem.Stores
	readLog  *inmem.ReadLog
	outbox   *inmem.Outbox
	webhooks *inmem.Webhooks
	day      time.Time // a day with meter values on granted
	counted  *metrics.Recorder
}

// onFakesQueries registers reader and stranger, two metering points kari
// holds, reader's grant on one of them and a day of its values.
func onFakesQueries(t *testing.T) queries {
	t.Helper()
	ctx := context.Background()
	s := inmem.Open()
	for gln, client := range map[ident.GLN]string{reader: "reader", stranger: "stranger"} {
		if err := s.Parties.RegisterThirdParty(ctx, registry.ThirdParty{GLN: gln, Name: client, ClientIDs: []string{client}}); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []ident.GSRN{granted, ungranted} {
		mp := registry.MeteringPoint{ID: id, Type: registry.Consumption, AccountingPoint: true, Resolution: metervalues.PT60M,
			Address: registry.Address{Municipality: "Oslo"}, Occupancies: []registry.Occupancy{{EndUser: endUser, MoveIn: registry.Date(2021, 8, 1)}}}
		if _, err := s.MeteringPoints.PutMeteringPoint(ctx, mp); err != nil {
			t.Fatal(err)
		}
	}
	g := grant.New(reader, granted, accessrequest.Full, endUser, "", registry.Date(2021, 8, 1), time.Now())
	if err := s.Grants.PutGrant(ctx, g); err != nil {
		t.Fatal(err)
	}
	day := metervalues.Date(time.Now().AddDate(0, 0, -3))
	qs := make([]metervalues.Quantity, metervalues.SlotsOn(day, metervalues.PT60M))
	for i := range qs {
		qs[i] = metervalues.Quantity{Value: decimal.RequireFromString("0.5"), Quality: metervalues.Measured}
	}
	if _, _, err := s.MeterValues.PutDay(ctx, metervalues.Series{MeteringPoint: granted, Day: day, Resolution: metervalues.PT60M, Quantities: qs}); err != nil {
		t.Fatal(err)
	}
	counted := &metrics.Recorder{}
	return queries{
		h: &thirdpartyapi.QueriesHandler{
			Outbox: s.Outbox,
			Metering: &metering.Service{Grants: s.Grants, MeteringPoints: s.MeteringPoints, Days: s.MeterValues, ReadLog: s.ReadLog,
				Clock: clock.System{}, NewID: uuid.NewString, Metrics: counted},
			ThirdParties: s.Parties,
			Logger:       slog.New(slog.NewTextHandler(io.Discard, nil)),
		},
		stores: s, readLog: s.ReadLog, outbox: s.Outbox, webhooks: s.Webhooks, day: day, counted: counted,
	}
}

// get calls a query route as client, with path id and query parameters.
func (q queries) get(t *testing.T, client, routeKey string, id ident.GSRN, params map[string]string) (int, map[string]any, problem.Document) {
	t.Helper()
	ev := apigw.Request{RouteKey: routeKey, PathParameters: map[string]string{"id": string(id)}, QueryStringParameters: params}
	ev.RequestContext.HTTP.Method = http.MethodGet
	ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
		JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: map[string]string{"client_id": client}}}
	res, err := q.h.Handle(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	var p problem.Document
	if res.StatusCode >= 400 {
		_ = json.Unmarshal([]byte(res.Body), &p)
	} else if err := json.Unmarshal([]byte(res.Body), &body); err != nil {
		t.Fatalf("%s: body is not JSON: %s", routeKey, res.Body)
	}
	return res.StatusCode, body, p
}

func (q queries) reads(t *testing.T) []readlog.Entry {
	t.Helper()
	page, err := q.readLog.List(context.Background(), endUser, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	return page.Entries
}

func TestTheListShowsTheCallersActiveAccessOnly(t *testing.T) {
	q := onFakesQueries(t)
	status, body, _ := q.get(t, "reader", thirdpartyapi.RouteListMeteringPoints, "", nil)
	items, _ := body["items"].([]any)
	if status != http.StatusOK || len(items) != 1 || items[0].(map[string]any)["meteringPointId"] != string(granted) {
		t.Fatalf("reader's list: %d %v", status, body)
	}
	// The grant dates from a move-in more than 3 years back: the list's
	// dataFrom is where the data window really starts, as on the metering point.
	_, md, _ := q.get(t, "reader", thirdpartyapi.RouteMasterData, granted, nil)
	window, _ := md["dataWindow"].(map[string]any)
	if from := items[0].(map[string]any)["dataFrom"]; window == nil || from != window["from"] || from == "2021-08-01" {
		t.Errorf("the list's dataFrom %v, the metering point's dataWindow %v", from, window)
	}
	if listed, _ := items[0].(map[string]any)["dataWindow"].(map[string]any); listed == nil || listed["from"] != window["from"] || listed["to"] != window["to"] {
		t.Errorf("the list's dataWindow %v, the metering point's %v", listed, window)
	}
	if status, body, _ := q.get(t, "stranger", thirdpartyapi.RouteListMeteringPoints, "", nil); status != http.StatusOK || len(body["items"].([]any)) != 0 {
		t.Fatalf("stranger's list: %d %v", status, body)
	}
	if status, _, p := q.get(t, "reader", thirdpartyapi.RouteListMeteringPoints, "", map[string]string{"limit": "0"}); status != http.StatusBadRequest || len(p.Errors) != 1 || p.Errors[0].Field != "limit" {
		t.Fatalf("limit 0: %d %+v", status, p)
	}
}

func TestMasterDataIsReadWithAccessAndLogged(t *testing.T) {
	q := onFakesQueries(t)
	status, body, _ := q.get(t, "reader", thirdpartyapi.RouteMasterData, granted, nil)
	if status != http.StatusOK || body["meteringPointId"] != string(granted) || body["accessLevel"] != "FULL" {
		t.Fatalf("master data: %d %v", status, body)
	}
	reads := q.reads(t)
	if len(reads) != 1 || reads[0].What != readlog.MasterData || reads[0].ThirdParty != reader || reads[0].MeteringPoint != granted {
		t.Fatalf("read log %+v", reads)
	}
	// No access and no metering point look the same, and are not logged.
	unregistered, err := ident.GSRNWithCheckDigit("70705750000000999")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		client string
		id     ident.GSRN
	}{{"stranger", granted}, {"reader", ungranted}, {"reader", unregistered}} {
		if status, _, _ := q.get(t, c.client, thirdpartyapi.RouteMasterData, c.id, nil); status != http.StatusNotFound {
			t.Errorf("%s reading %s: %d", c.client, c.id, status)
		}
	}
	if status, _, p := q.get(t, "reader", thirdpartyapi.RouteMasterData, "12345", nil); status != http.StatusBadRequest || p.Errors[0].Field != "id" {
		t.Errorf("a bad id: %d %+v", status, p)
	}
	if reads := q.reads(t); len(reads) != 1 {
		t.Fatalf("refused reads were logged: %+v", reads)
	}
	if got := q.counted.Counts(metrics.ReadsLogged); !maps.Equal(got, map[string]int{"master-data": 1}) {
		t.Errorf("reads counted %v, want the one logged", got)
	}
}

func TestMeterValuesAreReadWithAccessAndLogged(t *testing.T) {
	q := onFakesQueries(t)
	period := map[string]string{"from": q.day.Format(metervalues.DayLayout), "to": q.day.AddDate(0, 0, 1).Format(metervalues.DayLayout), "aggregation": "P1D"}
	status, body, _ := q.get(t, "reader", thirdpartyapi.RouteMeterValues, granted, period)
	periods, _ := body["periods"].([]any)
	if status != http.StatusOK || len(periods) != 1 {
		t.Fatalf("meter values: %d %v", status, body)
	}
	reads := q.reads(t)
	if len(reads) != 1 || reads[0].What != readlog.MeterValues || !reads[0].From.Equal(q.day) {
		t.Fatalf("read log %+v", reads)
	}
	if status, _, _ := q.get(t, "stranger", thirdpartyapi.RouteMeterValues, granted, period); status != http.StatusNotFound {
		t.Errorf("without access: %d", status)
	}
	status, _, p := q.get(t, "reader", thirdpartyapi.RouteMeterValues, granted, map[string]string{"to": "2026-13-01", "aggregation": "PT5M"})
	fields := fmt.Sprint(p.Errors)
	if status != http.StatusBadRequest || len(p.Errors) != 3 {
		t.Errorf("a bad query names every bad parameter: %d %s", status, fields)
	}
	status, _, p = q.get(t, "reader", thirdpartyapi.RouteMeterValues, granted, map[string]string{"from": "2020-01-01", "to": "2020-02-01"})
	if status != http.StatusUnprocessableEntity || p.Type != "urn:tredjepart:problem:outside-data-window" || p.Code != "outside-data-window" {
		t.Errorf("a period outside the data window is a problem of its own: %d %+v", status, p)
	}
	if reads := q.reads(t); len(reads) != 1 {
		t.Fatalf("refused reads were logged: %+v", reads)
	}
	if got := q.counted.Counts(metrics.ReadsLogged); !maps.Equal(got, map[string]int{"meter-values": 1}) {
		t.Errorf("reads counted %v, want the one logged", got)
	}
}

func TestOnlyARegisteredThirdPartyMayQuery(t *testing.T) {
	q := onFakesQueries(t)
	if status, _, _ := q.get(t, "nobody", thirdpartyapi.RouteListMeteringPoints, "", nil); status != http.StatusForbidden {
		t.Fatalf("an unregistered client: %d", status)
	}
}

func TestDeliveriesAreTheCallersFeedOldestFirst(t *testing.T) {
	q := onFakesQueries(t)
	ctx := context.Background()
	written := time.Now().Add(-time.Hour)
	for i, tp := range []ident.GLN{reader, stranger, reader} {
		d := delivery.Document{ID: fmt.Sprintf("notification:%d", i), ThirdParty: tp, Kind: delivery.Notice,
			CreatedAt: written.Add(time.Duration(i) * time.Second), Body: json.RawMessage(`{"n":1}`)}
		if _, err := q.outbox.Put(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	status, body, _ := q.get(t, "reader", thirdpartyapi.RouteDeliveries, "", map[string]string{"limit": "1"})
	items, _ := body["items"].([]any)
	if status != http.StatusOK || len(items) != 1 || items[0].(map[string]any)["id"] != "notification:0" || body["next"] == "" {
		t.Fatalf("first page: %d %v", status, body)
	}
	status, body, _ = q.get(t, "reader", thirdpartyapi.RouteDeliveries, "", map[string]string{"after": body["next"].(string)})
	if items, _ := body["items"].([]any); status != http.StatusOK || len(items) != 1 || items[0].(map[string]any)["id"] != "notification:2" {
		t.Fatalf("second page: %d %v", status, body)
	}
	if status, _, p := q.get(t, "reader", thirdpartyapi.RouteDeliveries, "", map[string]string{"after": "garbage"}); status != http.StatusBadRequest || p.Errors[0].Field != "after" {
		t.Fatalf("a cursor not from a page: %d %+v", status, p)
	}
}

// The feed pages as the lists do, cursor in and nextCursor out, the old
// after and next still answered; nextCursor is always there, to poll from.
func TestDeliveriesPageWithCursorAsTheListsDo(t *testing.T) {
	q := onFakesQueries(t)
	ctx := context.Background()
	written := time.Now().Add(-time.Hour)
	for i := range 3 {
		d := delivery.Document{ID: fmt.Sprintf("notification:%d", i), ThirdParty: reader, Kind: delivery.Notice,
			CreatedAt: written.Add(time.Duration(i) * time.Second), Body: json.RawMessage(`{"n":1}`)}
		if _, err := q.outbox.Put(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	status, body, _ := q.get(t, "reader", thirdpartyapi.RouteDeliveries, "", map[string]string{"limit": "2"})
	cursor, _ := body["nextCursor"].(string)
	if status != http.StatusOK || cursor == "" || body["next"] != cursor {
		t.Fatalf("first page: %d %v", status, body)
	}
	status, body, _ = q.get(t, "reader", thirdpartyapi.RouteDeliveries, "", map[string]string{"cursor": cursor})
	items, _ := body["items"].([]any)
	if status != http.StatusOK || len(items) != 1 || items[0].(map[string]any)["id"] != "notification:2" {
		t.Fatalf("second page: %d %v", status, body)
	}
	last, _ := body["nextCursor"].(string)
	status, body, _ = q.get(t, "reader", thirdpartyapi.RouteDeliveries, "", map[string]string{"cursor": last})
	if items, _ := body["items"].([]any); status != http.StatusOK || len(items) != 0 || body["nextCursor"] != last {
		t.Fatalf("at the end, the feed answers where to poll from: %d %v", status, body)
	}
	if status, _, _ := q.get(t, "reader", thirdpartyapi.RouteDeliveries, "", map[string]string{"cursor": cursor, "after": cursor}); status != http.StatusOK {
		t.Errorf("after and cursor naming the same position: %d", status)
	}
	status, _, p := q.get(t, "reader", thirdpartyapi.RouteDeliveries, "", map[string]string{"cursor": cursor, "after": last})
	if status != http.StatusBadRequest || len(p.Errors) != 1 || p.Errors[0].Field != "cursor" {
		t.Fatalf("after and cursor naming different positions: %d %+v", status, p)
	}
	status, _, p = q.get(t, "reader", thirdpartyapi.RouteDeliveries, "", map[string]string{"cursor": "garbage"})
	if status != http.StatusBadRequest || len(p.Errors) != 1 || p.Errors[0].Field != "cursor" || p.Detail != "cursor: not a cursor from a previous page" {
		t.Fatalf("a cursor not from a page: %d %+v", status, p)
	}
}

// An aggregated period covers what was asked, not the whole month, and the
// resolution is labelled as asked.
func TestAggregatedPeriodsCoverWhatWasAsked(t *testing.T) {
	q := onFakesQueries(t)
	from, to := q.day.Format(metervalues.DayLayout), q.day.AddDate(0, 0, 1).Format(metervalues.DayLayout)
	for _, c := range []struct{ aggregation, resolution string }{{"P1D", "P1D"}, {"P1M", "P1M"}, {"PT1H", "PT1H"}} {
		status, body, _ := q.get(t, "reader", thirdpartyapi.RouteMeterValues, granted, map[string]string{"from": from, "to": to, "aggregation": c.aggregation})
		periods, _ := body["periods"].([]any)
		if status != http.StatusOK || len(periods) != 1 {
			t.Fatalf("%s: %d %v", c.aggregation, status, body)
		}
		p := periods[0].(map[string]any)
		start, _ := time.Parse(time.RFC3339, p["start"].(string))
		end, _ := time.Parse(time.RFC3339, p["end"].(string))
		if !start.Equal(q.day) || !end.Equal(q.day.AddDate(0, 0, 1)) || p["resolution"] != c.resolution {
			t.Errorf("%s: period %v – %v at %v, want the day asked for at %s", c.aggregation, p["start"], p["end"], p["resolution"], c.resolution)
		}
	}
}

// Once the end user who gave the access has moved out, the list shows its
// data window closed at the move-out, as the metering point does.
func TestTheListShowsAMoveOutClosingTheDataWindow(t *testing.T) {
	q := onFakesQueries(t)
	ctx := context.Background()
	moved := metervalues.Date(time.Now()).AddDate(0, 0, -10)
	mp, _, err := q.stores.MeteringPoints.MeteringPoint(ctx, granted)
	if err != nil {
		t.Fatal(err)
	}
	mp.Occupancies = []registry.Occupancy{{EndUser: endUser, MoveIn: registry.Date(2021, 8, 1), MoveOut: moved}, {EndUser: "p1_ola", MoveIn: moved}}
	if _, err := q.stores.MeteringPoints.PutMeteringPoint(ctx, mp); err != nil {
		t.Fatal(err)
	}
	_, body, _ := q.get(t, "reader", thirdpartyapi.RouteListMeteringPoints, "", nil)
	items, _ := body["items"].([]any)
	if len(items) != 1 {
		t.Fatalf("reader's list: %v", body)
	}
	listed, _ := items[0].(map[string]any)["dataWindow"].(map[string]any)
	if listed == nil || listed["to"] != moved.Format(time.DateOnly) || listed["from"] != items[0].(map[string]any)["dataFrom"] {
		t.Errorf("the list's dataWindow %v after a move-out on %s", listed, moved.Format(time.DateOnly))
	}
}
