// Package demo seeds the local stack with a few metering points and two third
// parties, each chosen to show one rule of BRS-NO-622.
package demo

import (
	"context"
	"errors"
	"time"

	"github.com/tredjepart/tredjepart/localstack/oidcdev"
	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/dynamo"
	"github.com/tredjepart/tredjepart/shared/grant"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/pseudonym"
	"github.com/tredjepart/tredjepart/shared/registry"
)

// Data names what was seeded.
type Data struct {
	ThirdParties []registry.ThirdParty
	// Metering points by what a request for them shows.
	Requestable        ident.GSRN // accounting point with an end user: a request is accepted
	SecondRequestable  ident.GSRN // the same, for a second scenario
	AlreadyGranted     ident.GSRN // the first third party already has access: EH017
	NotAccountingPoint ident.GSRN // a production metering point: EH010
	NoEndUser          ident.GSRN // the end user moved out: EH016
	Unregistered       ident.GSRN // valid GSRN that is not registered: E10
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
		{GLN: gln("709000000001"), Name: "Straumkompis AS", OrgNumber: org("91234568"), ClientIDs: []string{"straumkompis"},
			RedirectURIs: []string{"https://straumkompis.example/tredjepart/return", "http://127.0.0.1:8765/return"}},
		{GLN: gln("709000000002"), Name: "Ladeklar AS", OrgNumber: org("98765432"), ClientIDs: []string{"ladeklar"},
			RedirectURIs: []string{"https://app.ladeklar.example/consent-done"}},
	},
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
	Kari   = oidcdev.User{Name: "Kari Nordmann", NationalID: person("010190124")}
	Ola    = oidcdev.User{Name: "Ola Nordmann", NationalID: person("150585345")}
	Baker  = oidcdev.User{Name: "Per Baker", NationalID: person("241275321"), OrgNumber: org("87654321"), OrgName: "Bakeriet AS"}
	People = []oidcdev.User{Kari, Ola, Baker}
)

// Seed writes the demo data. It is safe to run again.
func Seed(ctx context.Context, reg *dynamo.Registry, requests *dynamo.Requests, p *pseudonym.Pseudonymizer, now time.Time) (Data, error) {
	d := Fixed
	for _, tp := range d.ThirdParties {
		if err := reg.PutThirdParty(ctx, tp); err != nil {
			return d, err
		}
	}
	kari, ola, bakery := p.Person(Kari.NationalID), p.Person(Ola.NationalID), pseudonym.Organisation(Baker.OrgNumber)
	points := []registry.MeteringPoint{
		{ID: d.Requestable, AccountingPoint: true, Address: registry.Address{Street: "Storgata 12B", Postcode: "0155", Municipality: "Oslo"}, Occupancies: []registry.Occupancy{{EndUser: kari, MoveIn: registry.Date(2021, 8, 1)}}},
		{ID: d.SecondRequestable, AccountingPoint: true, Address: registry.Address{Street: "Bakerveien 3", Postcode: "7010", Municipality: "Trondheim"}, Occupancies: []registry.Occupancy{
			{EndUser: ola, MoveIn: registry.Date(2019, 3, 1), MoveOut: registry.Date(2024, 6, 15)},
			{EndUser: bakery, MoveIn: registry.Date(2024, 6, 15)},
		}},
		{ID: d.AlreadyGranted, AccountingPoint: true, Address: registry.Address{Street: "Fjellstien 7", Postcode: "5003", Municipality: "Bergen"}, Occupancies: []registry.Occupancy{{EndUser: ola, MoveIn: registry.Date(2024, 6, 15)}}},
		{ID: d.NotAccountingPoint, AccountingPoint: false},
		{ID: d.NoEndUser, AccountingPoint: true, Occupancies: []registry.Occupancy{{EndUser: kari, MoveIn: registry.Date(2015, 1, 1), MoveOut: registry.Date(2021, 8, 1)}}},
	}
	for _, mp := range points {
		if err := reg.PutMeteringPoint(ctx, mp); err != nil {
			return d, err
		}
	}
	granted := grant.New(d.ThirdParties[0].GLN, d.AlreadyGranted, accessrequest.Limited, ola, "", registry.Date(2024, 6, 15), now)
	if err := requests.PutGrant(ctx, granted); err != nil && !errors.Is(err, grant.ErrExists) {
		return d, err
	}
	return d, nil
}
