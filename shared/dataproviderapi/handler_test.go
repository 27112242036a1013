package dataproviderapi_test

// The ingest routes on the fakes: a data provider's items are stored one
// by one, each good item stored and each bad one reported and stored
// nowhere; only a registered, enabled data provider may send, and only for
// its grid areas; an end user is stored pseudonymised.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tredjepart/tredjepart/shared/apigw"
	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/dataproviderapi"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/ingest"
	"github.com/tredjepart/tredjepart/shared/inmem"
	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/metrics"
	"github.com/tredjepart/tredjepart/shared/problem"
	"github.com/tredjepart/tredjepart/shared/pseudonym"
	"github.com/tredjepart/tredjepart/shared/registry"
)

const gridArea = "50YNO1ELVIA0001K"

type fixture struct {
	h      *dataproviderapi.Handler
	reg    *inmem.MeteringPoints
	values *inmem.MeterValues
}

// onFakes registers the data providers the tests send as: the sample
// events' grid company, one of another grid area, and a disabled one.
func onFakes(t *testing.T) fixture {
	t.Helper()
	ctx := context.Background()
	parties, reg, values := inmem.NewParties(), inmem.NewMeteringPoints(), inmem.NewMeterValues()
	for i, dp := range []registry.DataProvider{
		{Name: "Demo Nett AS", ClientIDs: []string{"demo-grid-company"}, GridAreas: []string{gridArea}},
		{Name: "Annet Nett AS", ClientIDs: []string{"other-grid-company"}, GridAreas: []string{"50YOTHERAREA000X"}},
		{Name: "Stengt Nett AS", ClientIDs: []string{"disabled-grid-company"}, GridAreas: []string{gridArea}, Disabled: true},
	} {
		gln, err := ident.GLNWithCheckDigit(fmt.Sprintf("70800000010%d", i))
		if err != nil {
			t.Fatal(err)
		}
		dp.GLN, dp.Role = gln, registry.GridCompany
		if err := parties.RegisterDataProvider(ctx, dp); err != nil {
			t.Fatal(err)
		}
	}
	key, err := pseudonym.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	pseudonyms, err := pseudonym.New(key)
	if err != nil {
		t.Fatal(err)
	}
	return fixture{
		h: &dataproviderapi.Handler{Ingest: &ingest.Service{MeteringPoints: reg, Values: values, Clock: clock.System{}},
			DataProviders: parties, Pseudonyms: pseudonyms, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))},
		reg: reg, values: values,
	}
}

type results struct {
	Accepted, Rejected int
	Results            []struct {
		Index           int
		MeteringPointID string
		Outcome         string
		Revision        int
		Problem         *problem.Document
	}
}

// post sends body to routeKey as client; a 200 is decoded into results.
func (f fixture) post(t *testing.T, client, routeKey, body string) (int, results, problem.Document) {
	t.Helper()
	ev := apigw.Request{RouteKey: routeKey, Body: body, Headers: map[string]string{"content-type": "application/json"}}
	ev.RequestContext.HTTP.Method = http.MethodPost
	ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
		JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: map[string]string{"client_id": client}}}
	res, err := f.h.Handle(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	var r results
	var p problem.Document
	if res.StatusCode == http.StatusOK {
		err = json.Unmarshal([]byte(res.Body), &r)
	} else {
		err = json.Unmarshal([]byte(res.Body), &p)
	}
	if err != nil {
		t.Fatalf("%s: %d %s", routeKey, res.StatusCode, res.Body)
	}
	return res.StatusCode, r, p
}

// sampleBody is the body of a sample event in events/ingest.
func sampleBody(t *testing.T, name string) string {
	t.Helper()
	raw, err := os.ReadFile("../../events/ingest/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var ev struct{ Body string }
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	return ev.Body
}

func TestTheSampleMasterDataIsStoredWithTheEndUserPseudonymised(t *testing.T) {
	f := onFakes(t)
	body := sampleBody(t, "post-master-data.json")
	status, r, p := f.post(t, "demo-grid-company", dataproviderapi.RouteMasterData, body)
	if status != http.StatusOK || r.Accepted != 1 || r.Rejected != 0 || r.Results[0].Outcome != string(ingest.Created) {
		t.Fatalf("%d %+v %+v", status, r, p)
	}
	id := ident.GSRN(r.Results[0].MeteringPointID)
	mp, found, err := f.reg.MeteringPoint(context.Background(), id)
	if err != nil || !found || len(mp.Occupancies) != 1 || mp.GridArea != gridArea {
		t.Fatalf("stored %+v found=%v err=%v", mp, found, err)
	}
	if user := string(mp.Occupancies[0].EndUser); user == "" || strings.Contains(body, user) || strings.Contains(user, "01819012365") {
		t.Fatalf("the end user is stored as %q: not a pseudonym", user)
	}
	if _, r, _ := f.post(t, "demo-grid-company", dataproviderapi.RouteMasterData, body); r.Results[0].Outcome != string(ingest.Unchanged) {
		t.Fatalf("sent again: %+v", r)
	}
}

// series is a meter-values item for a whole PT60M day, every position kWh.
func series(id ident.GSRN, day time.Time, kWh string) string {
	quantities := make([]string, metervalues.SlotsOn(day, metervalues.PT60M))
	for i := range quantities {
		quantities[i] = fmt.Sprintf(`{"quantity":%q,"quality":"A04"}`, kWh)
	}
	return fmt.Sprintf(`{"meteringPointId":%q,"day":%q,"resolution":"PT60M","quantities":[%s]}`,
		id, day.Format(metervalues.DayLayout), strings.Join(quantities, ","))
}

func TestEachItemIsStoredOrRejectedOnItsOwn(t *testing.T) {
	f := onFakes(t)
	var counted metrics.Recorder
	f.h.Metrics = &counted
	ctx := context.Background()
	id := ident.GSRN("707057500000010604") // the sample's metering point, in the grid company's area
	if status, _, p := f.post(t, "demo-grid-company", dataproviderapi.RouteMasterData, sampleBody(t, "post-master-data.json")); status != http.StatusOK {
		t.Fatalf("master data: %d %+v", status, p)
	}
	mp, _, _ := f.reg.MeteringPoint(ctx, id)
	mp.Resolution = metervalues.PT60M
	if _, err := f.reg.PutMeteringPoint(ctx, mp); err != nil {
		t.Fatal(err)
	}
	day := metervalues.Date(time.Now().AddDate(0, 0, -2))
	unregistered, _ := ident.GSRNWithCheckDigit("70705750000009999")
	body := `{"series":[` + series(id, day, "0.250") + `,` + series(unregistered, day, "1") + `,` +
		series(id, day.AddDate(0, 0, -1), "-1") + `,` + series(id, day, "0.500") + `]}`
	status, r, p := f.post(t, "demo-grid-company", dataproviderapi.RouteMeterValues, body)
	if status != http.StatusOK || r.Accepted != 2 || r.Rejected != 2 {
		t.Fatalf("%d %+v %+v", status, r, p)
	}
	// The same day twice in one call is stored in the order sent.
	if r.Results[0].Outcome != string(ingest.Created) || r.Results[3].Outcome != string(ingest.Corrected) || r.Results[3].Revision != 2 {
		t.Errorf("the day sent twice: %+v, %+v", r.Results[0], r.Results[3])
	}
	if p := r.Results[1].Problem; p == nil || p.Status != http.StatusUnprocessableEntity {
		t.Errorf("an unregistered metering point: %+v", r.Results[1])
	}
	if p := r.Results[2].Problem; p == nil || p.Status != http.StatusBadRequest || len(p.Errors) == 0 {
		t.Errorf("a negative quantity: %+v", r.Results[2])
	}
	stored, _ := f.values.Days(ctx, id, day.AddDate(0, 0, -1), day.AddDate(0, 0, 1))
	if len(stored) != 1 || stored[0].Revision != 2 {
		t.Fatalf("stored %+v; the rejected day must be stored nowhere", stored)
	}
	// Items by kind and outcome: the reason of a rejection is its problem
	// type, an Elhub code or a word, never the metering point.
	want := map[string]int{"master-data/accepted": 1, "meter-values/accepted": 2, "meter-values/E10": 1, "meter-values/invalid-request": 1}
	if got := counted.Counts(metrics.IngestItems); !maps.Equal(got, want) {
		t.Errorf("items %v, want %v", got, want)
	}
}

func TestOnlyARegisteredEnabledDataProviderSendsForItsGridAreas(t *testing.T) {
	f := onFakes(t)
	body := sampleBody(t, "post-master-data.json")
	for client, want := range map[string]int{"nobody": http.StatusForbidden, "disabled-grid-company": http.StatusForbidden} {
		if status, _, p := f.post(t, client, dataproviderapi.RouteMasterData, body); status != want || p.Status != want {
			t.Errorf("%s: %d %+v", client, status, p)
		}
	}
	status, r, _ := f.post(t, "other-grid-company", dataproviderapi.RouteMasterData, body)
	if status != http.StatusOK || r.Rejected != 1 || r.Results[0].Problem.Status != http.StatusForbidden {
		t.Fatalf("master data outside the sender's grid areas: %d %+v", status, r)
	}
	id := ident.GSRN(r.Results[0].MeteringPointID)
	if _, found, _ := f.reg.MeteringPoint(context.Background(), id); found {
		t.Fatal("master data outside the sender's grid areas was stored")
	}
}
