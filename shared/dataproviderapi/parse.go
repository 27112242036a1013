package dataproviderapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/tredjepart/tredjepart/shared/apigw"
	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/pseudonym"
	"github.com/tredjepart/tredjepart/shared/registry"
)

// decodeEnvelope reads {"<field>": [item, …]} and returns the raw items, so
// that each can be checked, and rejected, on its own.
func decodeEnvelope(raw []byte, field string, max int) ([]json.RawMessage, error) {
	var items []json.RawMessage
	bad, err := apigw.DecodeStrict(raw, &struct{}{}, field)
	if err != nil {
		return nil, err
	}
	var body map[string]json.RawMessage
	if err := json.Unmarshal(raw, &body); err != nil {
		return nil, err
	}
	list, present := body[field]
	switch {
	case !present:
		bad = append(bad, fault.FieldError{Field: field, Reason: "is required"})
	case json.Unmarshal(list, &items) != nil:
		bad = append(bad, fault.FieldError{Field: field, Reason: "must be an array"})
	case len(items) < 1 || len(items) > max:
		bad = append(bad, fault.FieldError{Field: field, Reason: fmt.Sprintf("must hold 1 to %d items", max)})
	default:
		// An item that is not even an object is no item of the batch: the
		// body is refused whole, not answered 200 with the item rejected.
		for i, item := range items {
			if item[0] != '{' {
				bad = append(bad, fault.FieldError{Field: fmt.Sprintf("%s[%d]", field, i), Reason: "must be an object"})
			}
		}
	}
	if len(bad) > 0 {
		return nil, fault.InvalidFields(bad...)
	}
	return items, nil
}

// peek reads a string field of a raw item for its result line, whatever
// else is wrong with the item.
func peek(item json.RawMessage, field string) string {
	var fields map[string]json.RawMessage
	var s string
	if json.Unmarshal(item, &fields) == nil && json.Unmarshal(fields[field], &s) == nil && len(s) <= 64 {
		return s
	}
	return ""
}

type addressBody struct {
	Street       string `json:"street"`
	Postcode     string `json:"postcode"`
	Municipality string `json:"municipality"`
}

type contractBody struct {
	BalanceSupplier string `json:"balanceSupplier"`
	Start           string `json:"start"`
}

// endUserBody names an end user by national identity number (a person) or
// organisation number; the number is pseudonymised here and never stored.
type endUserBody struct {
	NationalID         string `json:"nationalId"`
	OrganisationNumber string `json:"organisationNumber"`
	Name               string `json:"name"`
	MoveIn             string `json:"moveIn"`
	MoveOut            string `json:"moveOut"`
}

type masterDataBody struct {
	MeteringPointID            string        `json:"meteringPointId"`
	Type                       string        `json:"type"`
	AccountingPoint            bool          `json:"accountingPoint"`
	Status                     string        `json:"status"`
	Address                    addressBody   `json:"address"`
	GridArea                   string        `json:"gridArea"`
	PriceArea                  string        `json:"priceArea"`
	MeterNumber                string        `json:"meterNumber"`
	Resolution                 string        `json:"resolution"`
	EstimatedAnnualConsumption json.Number   `json:"estimatedAnnualConsumption"`
	Contract                   *contractBody `json:"contract"`
	EndUsers                   []endUserBody `json:"endUsers"`
}

var masterDataFields = []string{"meteringPointId", "type", "accountingPoint", "status", "address", "gridArea", "priceArea",
	"meterNumber", "resolution", "estimatedAnnualConsumption", "contract", "endUsers"}

// maxText bounds free-text fields.
const maxText = 100

// parseMasterData reads one item, naming every bad field. Field-level
// checks of the master data itself are registry.MeteringPoint.Validate's.
func parseMasterData(raw json.RawMessage, p *pseudonym.Pseudonymizer) (registry.MeteringPoint, error) {
	var body masterDataBody
	var mp registry.MeteringPoint
	bad, err := apigw.DecodeStrict(raw, &body, masterDataFields...)
	if err != nil {
		return mp, err
	}
	add := func(field, reason string) { bad = append(bad, fault.FieldError{Field: field, Reason: reason}) }
	if mp.ID, err = ident.ParseGSRN(body.MeteringPointID); err != nil {
		add("meteringPointId", apigw.Reason(err))
	}
	mp.Type, mp.AccountingPoint, mp.Status = registry.Type(body.Type), body.AccountingPoint, registry.Status(body.Status)
	mp.Address = registry.Address{Street: body.Address.Street, Postcode: body.Address.Postcode, Municipality: body.Address.Municipality}
	mp.GridArea, mp.PriceArea, mp.MeterNumber = body.GridArea, registry.PriceArea(body.PriceArea), body.MeterNumber
	mp.Resolution = metervalues.Resolution(body.Resolution)
	for field, text := range map[string]string{"address.street": mp.Address.Street, "address.municipality": mp.Address.Municipality, "gridArea": mp.GridArea, "meterNumber": mp.MeterNumber} {
		if r := apigw.CheckText(text, maxText); r != "" {
			add(field, r)
		}
	}
	if body.EstimatedAnnualConsumption != "" {
		if mp.EstimatedAnnualConsumption, err = metervalues.ParseQuantity(string(body.EstimatedAnnualConsumption)); err != nil {
			add("estimatedAnnualConsumption", "must be kWh, not negative, with at most 3 decimals")
		}
	}
	if c := body.Contract; c != nil {
		supplier, err := ident.ParseGLN(c.BalanceSupplier)
		if err != nil {
			add("contract.balanceSupplier", apigw.Reason(err))
		}
		start, err := registry.ParseDate(c.Start)
		if err != nil {
			add("contract.start", "must be a date such as 2024-01-01")
		}
		mp.Contract = &registry.Contract{BalanceSupplier: supplier, Start: start}
	}
	for i, eu := range body.EndUsers {
		o, fields := parseEndUser(fmt.Sprintf("endUsers[%d]", i), eu, p)
		bad = append(bad, fields...)
		mp.Occupancies = append(mp.Occupancies, o)
	}
	if len(bad) > 0 {
		return mp, fault.InvalidFields(bad...)
	}
	return mp, mp.Validate()
}

func parseEndUser(field string, eu endUserBody, p *pseudonym.Pseudonymizer) (registry.Occupancy, []fault.FieldError) {
	var bad []fault.FieldError
	add := func(name, reason string) {
		bad = append(bad, fault.FieldError{Field: field + "." + name, Reason: reason})
	}
	o := registry.Occupancy{DisplayName: eu.Name}
	switch {
	case (eu.NationalID == "") == (eu.OrganisationNumber == ""):
		add("nationalId", "give exactly one of nationalId and organisationNumber")
	case eu.NationalID != "":
		if id, err := ident.ParseNationalID(eu.NationalID); err != nil {
			add("nationalId", apigw.Reason(err))
		} else {
			o.EndUser = p.Person(id)
		}
	default:
		if org, err := ident.ParseOrgNumber(eu.OrganisationNumber); err != nil {
			add("organisationNumber", apigw.Reason(err))
		} else {
			o.EndUser = pseudonym.Organisation(org)
		}
	}
	if r := apigw.CheckText(eu.Name, maxText); r != "" || strings.TrimSpace(eu.Name) == "" {
		add("name", "must be 1 to 100 characters without control characters")
	}
	var err error
	if o.MoveIn, err = registry.ParseDate(eu.MoveIn); err != nil {
		add("moveIn", "must be a date such as 2024-06-15")
	}
	if eu.MoveOut != "" {
		if o.MoveOut, err = registry.ParseDate(eu.MoveOut); err != nil {
			add("moveOut", "must be a date such as 2024-06-15")
		}
	}
	return o, bad
}

type quantityBody struct {
	Quantity json.RawMessage `json:"quantity"`
	Quality  string          `json:"quality"`
}

type seriesBody struct {
	MeteringPointID string         `json:"meteringPointId"`
	Day             string         `json:"day"`
	Resolution      string         `json:"resolution"`
	Unit            string         `json:"unit"`
	Quantities      []quantityBody `json:"quantities"`
}

// parseSeries reads one day series; metervalues.Series.Validate checks it
// against the day and the rules.
func parseSeries(raw json.RawMessage) (metervalues.Series, error) {
	var body seriesBody
	var s metervalues.Series
	bad, err := apigw.DecodeStrict(raw, &body, "meteringPointId", "day", "resolution", "unit", "quantities")
	if err != nil {
		return s, err
	}
	add := func(field, reason string) { bad = append(bad, fault.FieldError{Field: field, Reason: reason}) }
	if s.MeteringPoint, err = ident.ParseGSRN(body.MeteringPointID); err != nil {
		add("meteringPointId", apigw.Reason(err))
	}
	if s.Day, err = metervalues.ParseDay(body.Day); err != nil {
		add("day", "must be an Oslo calendar date such as 2026-03-29")
	}
	if s.Resolution, err = metervalues.ParseResolution(body.Resolution); err != nil {
		add("resolution", `must be "PT15M" or "PT60M"`)
	}
	if body.Unit != "" && body.Unit != metervalues.Unit {
		add("unit", "must be kWh")
	}
	s.Quantities = make([]metervalues.Quantity, len(body.Quantities))
	for i, q := range body.Quantities {
		value, err := quantity(q.Quantity)
		if err != nil {
			add(fmt.Sprintf("quantities[%d].quantity", i), "must be kWh as a decimal string or number, not negative, with at most 3 decimals")
		}
		quality, err := metervalues.ParseQuality(q.Quality)
		if err != nil {
			add(fmt.Sprintf("quantities[%d].quality", i), "must be one of A01, A02, A03, A04, A05")
		}
		s.Quantities[i] = metervalues.Quantity{Value: value, Quality: quality}
	}
	if len(bad) > 0 {
		return s, fault.InvalidFields(bad...)
	}
	return s, nil
}

// quantity reads a JSON string or number as an exact decimal: the digits
// as sent, never through a float.
func quantity(raw json.RawMessage) (decimal.Decimal, error) {
	text := string(bytes.TrimSpace(raw))
	var s string
	if json.Unmarshal(raw, &s) == nil {
		text = s
	}
	return metervalues.ParseQuantity(text)
}
