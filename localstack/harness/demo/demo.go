// Package demo is test harness: it seeds the local stack with a few metering
// points, two third parties, each chosen to show one rule of BRS-NO-622, and
// the grid company that sends the metering points' data.
package demo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/shopspring/decimal"

	"github.com/tredjepart/tredjepart/localstack/identity/oidcdev"
	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/dynamo"
	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/grant"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/ingest"
	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/pseudonym"
	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/synthetic"
)

// Data names what was seeded.
type Data struct {
	ThirdParties []registry.ThirdParty
	GridCompany  registry.DataProvider
	// Metering points by what a request for them shows.
	Requestable        ident.GSRN // accounting point with an end user: a request is accepted
	SecondRequestable  ident.GSRN // the same, for a second scenario
	AlreadyGranted     ident.GSRN // the first third party already has access: EH017
	NotAccountingPoint ident.GSRN // a production metering point: EH010
	NoEndUser          ident.GSRN // the end user moved out: EH016
	Unregistered       ident.GSRN // valid GSRN that is not registered: E10
	// Points is the master data of the registered ones, as sent.
	Points []registry.MeteringPoint
}

func gsrn(serial string) ident.GSRN {
	id, err := ident.GSRNWithCheckDigit("7070575000" + serial)
	if err != nil {
		panic(err) // fixed demo values
	}
	return id
}

func gln(body string) ident.GLN {
	id, err := ident.GLNWithCheckDigit(body)
	if err != nil {
		panic(err)
	}
	return id
}

func person(first9 string) ident.NationalID {
	id, err := ident.NationalIDWithControlDigits(first9)
	if err != nil {
		panic(err)
	}
	return id
}

func org(first8 string) ident.OrgNumber {
	id, err := ident.OrgNumberWithControlDigit(first8)
	if err != nil {
		panic(err)
	}
	return id
}

// Identifiers of the demo data, fixed so that printed commands stay valid.
var Fixed = Data{
	ThirdParties: []registry.ThirdParty{
		// The example third party's return URL (examples/thirdparty); a
		// stack puts its own return page before it (WithReturnPage).
		{GLN: gln("709000000001"), Name: "Straumkompis AS", OrgNumber: org("91234568"), ClientIDs: []string{"straumkompis"},
			RedirectURIs: []string{"http://127.0.0.1:8765/return"}},
		{GLN: gln("709000000002"), Name: "Ladeklar AS", OrgNumber: org("98765432"), ClientIDs: []string{"ladeklar"},
			RedirectURIs: []string{"https://app.ladeklar.example/consent-done"}},
	},
	GridCompany: registry.DataProvider{GLN: gln("709000000004"), Name: "Demo Nett AS", OrgNumber: org("92345678"), Role: registry.GridCompany,
		ClientIDs: []string{GridCompanyClient}, GridAreas: append([]string{DemoGridArea}, synthetic.GridAreas()...),
		Contact: registry.Contact{Name: "Driftssentralen", Email: "drift@demonett.example", Phone: "+47 22 00 00 00"}},
	Requestable:        gsrn("0000101"),
	SecondRequestable:  gsrn("0000102"),
	AlreadyGranted:     gsrn("0000103"),
	NotAccountingPoint: gsrn("0000104"),
	NoEndUser:          gsrn("0000105"),
	Unregistered:       gsrn("0009999"),
}

// Demo end users. Their national identity numbers are synthetic and exist
// in storage only as keyed hashes.
var (
	Kari  = oidcdev.User{Name: "Kari Nordmann", NationalID: person("010190124")}
	Ola   = oidcdev.User{Name: "Ola Nordmann", NationalID: person("150585345")}
	Baker = oidcdev.User{Name: "Per Baker", NationalID: person("241275321"), OrgNumber: org("87654321"), OrgName: "Bakeriet AS"}
	// Siri works at Straumkompis and logs in to the third-party portal for it.
	Siri   = oidcdev.User{Name: "Siri Straum", NationalID: person("120388456"), OrgNumber: Fixed.ThirdParties[0].OrgNumber, OrgName: Fixed.ThirdParties[0].Name}
	People = []oidcdev.User{Kari, Ola, Baker, Siri}
)

// WithReturnPage is d with page as the first third party's first redirect
// URI, before those it has: the page its requests' authorize links (Elhub
// BRS-NO-624) send the end user back to after deciding. A local stack
// serves one, so the link leads somewhere on this machine.
func (d Data) WithReturnPage(page string) Data {
	d.ThirdParties = slices.Clone(d.ThirdParties)
	tp := &d.ThirdParties[0]
	tp.RedirectURIs = append([]string{page}, tp.RedirectURIs...)
	return d
}

// Seed writes d, the demo data (Fixed, or Fixed.WithReturnPage), and
// returns it with its metering points. It is safe to run again.
func Seed(ctx context.Context, d Data, db *dynamodb.Client, tables map[string]string, p *pseudonym.Pseudonymizer, clk clock.Clock) (Data, error) {
	now := clk.Now()
	stores := dynamo.Open(db, tables)
	masterData := &ingest.Service{MeteringPoints: stores.MeteringPoints, Values: stores.MeterValues, Clock: clk}
	parties := &registry.Parties{Store: stores.Parties}
	for _, tp := range d.ThirdParties {
		if err := registerOrUpdate(ctx, tp, tp.GLN, parties.ThirdParty, parties.RegisterThirdParty, parties.UpdateThirdParty); err != nil {
			return d, fmt.Errorf("demo third party %s: %w", tp.GLN, err)
		}
	}
	dp := d.GridCompany
	if err := registerOrUpdate(ctx, dp, dp.GLN, parties.DataProvider, parties.RegisterDataProvider, parties.UpdateDataProvider); err != nil {
		return d, fmt.Errorf("demo grid company %s: %w", dp.GLN, err)
	}
	kari, ola, bakery := p.Person(Kari.NationalID), p.Person(Ola.NationalID), pseudonym.Organisation(Baker.OrgNumber)
	d.Points = MeteringPoints(d, kari, ola, bakery)
	for _, mp := range d.Points {
		if _, err := masterData.PutMasterData(ctx, mp); err != nil {
			return d, fmt.Errorf("demo metering point %s: %w", mp.ID, err)
		}
	}
	for _, g := range Grants(d) {
		by := map[string]pseudonym.EndUserID{Kari.Name: kari, Ola.Name: ola, Baker.Name: bakery}[g.Login]
		granted := grant.New(g.ThirdParty, g.MeteringPoint, g.Scope, by, "", g.DataFrom, now)
		if err := stores.Grants.PutGrant(ctx, granted); err != nil && !errors.Is(err, grant.ErrExists) {
			return d, err
		}
	}
	return d, nil
}

// SeededGrant is access the demo data starts with, given by the demo
// person who logs in as Login.
type SeededGrant struct {
	ThirdParty    ident.GLN
	MeteringPoint ident.GSRN
	Scope         accessrequest.Scope
	Login         string
	DataFrom      time.Time
}

// Grants is the access Seed gives: the first third party has LIMITED
// access to the point Ola moved into, from the day he moved in.
func Grants(d Data) []SeededGrant {
	return []SeededGrant{{ThirdParty: d.ThirdParties[0].GLN, MeteringPoint: d.AlreadyGranted, Scope: accessrequest.Limited,
		Login: Ola.Name, DataFrom: registry.Date(2024, 6, 15)}}
}

// PendingRequest is the request the runner makes through the API once the
// stack is up, so that an end user has one to decide: the second third
// party asks for FULL access to the first requestable point.
func PendingRequest(d Data) (tp registry.ThirdParty, mp ident.GSRN, scope accessrequest.Scope) {
	return d.ThirdParties[1], d.Requestable, accessrequest.Full
}

// MeterValueDays is how many days of meter values the runner sends for each
// demo metering point: the days before today.
const MeterValueDays = 45

// registerOrUpdate registers a party through the operator's service, or,
// when a run before registered it, updates it to the demo's values.
func registerOrUpdate[P any](ctx context.Context, p P, gln ident.GLN, get func(context.Context, ident.GLN) (P, error),
	register, update func(context.Context, P) (P, error)) error {
	_, err := get(ctx, gln)
	switch {
	case fault.KindOf(err) == fault.NotFound:
		_, err = register(ctx, p)
	case err == nil:
		_, err = update(ctx, p)
	}
	return err
}

// GridCompanyClient is the demo grid company's OAuth client: its tokens
// carry the ingest scope.
const GridCompanyClient = "demo-grid-company"

// DemoGridArea is the grid area of every demo metering point.
const DemoGridArea = "50YNO1ELVIA0001K"

// Supplier is the demo metering points' balance supplier.
var Supplier = gln("709000000003")

// MeteringPoints is the demo's master data, sent as a grid company would.
func MeteringPoints(d Data, kari, ola, bakery pseudonym.EndUserID) []registry.MeteringPoint {
	household := func(id ident.GSRN, street, postcode, municipality string, area registry.PriceArea, res metervalues.Resolution, occupancies ...registry.Occupancy) registry.MeteringPoint {
		return registry.MeteringPoint{
			ID: id, Type: registry.Consumption, AccountingPoint: true, Status: registry.Connected,
			Address:  registry.Address{Street: street, Postcode: postcode, Municipality: municipality},
			GridArea: DemoGridArea, PriceArea: area, MeterNumber: "M-" + string(id[10:]), Resolution: res,
			EstimatedAnnualConsumption: decimal.RequireFromString("16250.000"),
			Contract:                   &registry.Contract{BalanceSupplier: Supplier, Start: registry.Date(2024, 1, 1)},
			Occupancies:                occupancies,
		}
	}
	solarPark := household(d.NotAccountingPoint, "Solbakken 1", "3300", "Hokksund", "NO1", metervalues.PT15M)
	solarPark.Type, solarPark.AccountingPoint, solarPark.Contract = registry.Production, false, nil
	return []registry.MeteringPoint{
		household(d.Requestable, "Storgata 12B", "0155", "Oslo", "NO1", metervalues.PT60M,
			registry.Occupancy{EndUser: kari, DisplayName: Kari.Name, MoveIn: registry.Date(2021, 8, 1)}),
		household(d.SecondRequestable, "Bakerveien 3", "7010", "Trondheim", "NO3", metervalues.PT15M,
			registry.Occupancy{EndUser: ola, DisplayName: Ola.Name, MoveIn: registry.Date(2019, 3, 1), MoveOut: registry.Date(2024, 6, 15)},
			registry.Occupancy{EndUser: bakery, DisplayName: Baker.OrgName, MoveIn: registry.Date(2024, 6, 15)}),
		household(d.AlreadyGranted, "Fjellstien 7", "5003", "Bergen", "NO5", metervalues.PT60M,
			registry.Occupancy{EndUser: ola, DisplayName: Ola.Name, MoveIn: registry.Date(2024, 6, 15)}),
		solarPark,
		household(d.NoEndUser, "Gamleveien 2", "0161", "Oslo", "NO1", metervalues.PT60M,
			registry.Occupancy{EndUser: kari, DisplayName: Kari.Name, MoveIn: registry.Date(2015, 1, 1), MoveOut: registry.Date(2021, 8, 1)}),
	}
}
