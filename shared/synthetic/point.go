package synthetic

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/shopspring/decimal"

	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/registry"
)

// place is a municipality with its postcode range, bidding zone and a grid
// area. Grid area codes are EIC-shaped (16 characters), not real ones.
type place struct {
	municipality     string
	postFrom, postTo int
	priceArea        registry.PriceArea
	gridArea         string
	weight           int // roughly the share of metering points
}

// GridAreas lists every grid area the generator places metering points in,
// so a grid company registered for them may send all it makes.
func GridAreas() []string {
	var areas []string
	for _, p := range slices.Concat(towns, cabinAreas) {
		if !slices.Contains(areas, p.gridArea) {
			areas = append(areas, p.gridArea)
		}
	}
	return areas
}

var towns = []place{
	{"Oslo", 150, 1295, "NO1", "50YELVIA-OSLO--A", 30},
	{"Bærum", 1300, 1369, "NO1", "50YELVIA-BAERUMB", 8},
	{"Drammen", 3004, 3048, "NO1", "50YGLITRE-DRMN-C", 5},
	{"Fredrikstad", 1601, 1639, "NO1", "50YFOIE-FRDRST-D", 4},
	{"Kristiansand", 4608, 4639, "NO2", "50YGLITRE-KRSN-E", 6},
	{"Stavanger", 4005, 4099, "NO2", "50YLNETT-STVGR-F", 7},
	{"Sandnes", 4306, 4329, "NO2", "50YLNETT-SNDNS-G", 4},
	{"Bergen", 5003, 5099, "NO5", "50YBKK-BERGEN--H", 15},
	{"Voss", 5700, 5713, "NO5", "50YBKK-VOSS----I", 1},
	{"Trondheim", 7010, 7099, "NO3", "50YTENSIO-TRDH-J", 10},
	{"Ålesund", 6002, 6025, "NO3", "50YMORENETT-ALSK", 3},
	{"Tromsø", 9006, 9020, "NO4", "50YARVA-TROMSO-L", 4},
	{"Bodø", 8003, 8050, "NO4", "50YARVA-BODO---M", 3},
}

var cabinAreas = []place{
	{"Hemsedal", 3560, 3561, "NO1", "50YHALLINGDAL--N", 3},
	{"Hol", 3575, 3581, "NO1", "50YHALLINGDAL--O", 3},
	{"Trysil", 2420, 2422, "NO1", "50YELVIA-TRYSILP", 3},
	{"Øyer", 2636, 2636, "NO1", "50YELVIA-OYER--Q", 2},
	{"Hvaler", 1680, 1684, "NO1", "50YFOIE-HVALER-R", 2},
	{"Sirdal", 4440, 4443, "NO2", "50YLNETT-SIRDALS", 2},
	{"Bykle", 4754, 4755, "NO2", "50YGLITRE-BYKLET", 2},
	{"Lillesand", 4790, 4795, "NO2", "50YGLITRE-LLSN-U", 2},
	{"Ullensvang", 5780, 5787, "NO5", "50YBKK-ULLNSVG-V", 2},
	{"Oppdal", 7340, 7341, "NO3", "50YTENSIO-OPPDLW", 2},
	{"Vågan", 8310, 8314, "NO4", "50YARVA-VAGAN--X", 1},
}

var (
	streets      = []string{"Storgata", "Kirkeveien", "Skogveien", "Bjørkeveien", "Granveien", "Parkveien", "Solbakken", "Haugeveien", "Fjordgata", "Elvegata", "Bakkegata", "Tollbugata", "Løkkeveien", "Nedre Slottsgate", "Hans Nielsen Hauges gate", "Eikelundveien", "Måkeveien", "Bekkelia"}
	cabinStreets = []string{"Fjellvegen", "Setervegen", "Hyttegrenda", "Fjellstølen", "Lia", "Skarvebu", "Tjernvegen", "Sjøbuvegen", "Furulia"}
	firstNames   = []string{"Kari", "Ola", "Ingrid", "Lars", "Anne", "Per", "Nora", "Jonas", "Emma", "Magnus", "Sofie", "Henrik", "Marit", "Knut", "Ida", "Sindre", "Solveig", "Erik", "Astrid", "Håkon", "Liv", "Bjørn", "Sigrid", "Øyvind", "Ragnhild", "Torbjørn", "Maja", "Aksel", "Hanne", "Eirik"}
	lastNames    = []string{"Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen", "Jensen", "Karlsen", "Johnsen", "Pettersen", "Eriksen", "Berg", "Haugen", "Hagen", "Johannessen", "Andreassen", "Jacobsen", "Dahl", "Jørgensen", "Halvorsen", "Lund", "Bakke", "Solberg", "Strand", "Moen", "Nygård", "Lie", "Sæther"}
)

// suppliers are made-up balance suppliers (GS1 Norway prefix 70).
var suppliers = func() []ident.GLN {
	var glns []ident.GLN
	for _, body := range []string{"708000000101", "708000000202", "708000000303", "708000000404", "708000000505", "708000000606"} {
		gln, err := ident.GLNWithCheckDigit(body)
		if err != nil {
			panic(err)
		}
		glns = append(glns, gln)
	}
	return glns
}()

func pick[T any](r *rand.Rand, items []T) T { return items[r.IntN(len(items))] }

func pickPlace(r *rand.Rand, places []place) place {
	total := 0
	for _, p := range places {
		total += p.weight
	}
	n := r.IntN(total)
	for _, p := range places {
		if n < p.weight {
			return p
		}
		n -= p.weight
	}
	return places[len(places)-1]
}

// Shares of points whose end user changes during the period: people move
// house far more often than they sell a cabin.
const (
	householdMoveShare = 0.08
	cabinMoveShare     = 0.03
	earlierTenantShare = 0.10 // a move-out before the period, for history
	supplierSwitch     = 0.30 // the contract started after the move-in
)

// MeteringPoint returns the i-th point (0 ≤ i < MaxPoints) of the data set.
// End users are named through people, so no national identity number leaves
// this function.
func MeteringPoint(o Options, people People, i int) registry.MeteringPoint {
	r := rng(o.Seed, streamPoint, uint64(i))
	id := GSRN(i)
	cabin := IsCabin(o, id)

	mp := registry.MeteringPoint{
		ID:              id,
		Type:            registry.Consumption,
		AccountingPoint: true,
		Status:          registry.Connected,
		MeterNumber:     fmt.Sprintf("69706314%08d", 10_000_000+i),
		Resolution:      metervalues.PT60M,
	}
	if r.Float64() < o.QuarterHourlyShare {
		mp.Resolution = metervalues.PT15M
	}

	where, street, moveShare := pickPlace(r, towns), pick(r, streets), householdMoveShare
	minMilli, spanMilli := int64(12_000_000), int64(13_000_000) // 12–25 MWh
	if cabin {
		where, street, moveShare = pickPlace(r, cabinAreas), pick(r, cabinStreets), cabinMoveShare
		minMilli, spanMilli = 2_000_000, 4_000_000 // 2–6 MWh
	}
	number := fmt.Sprint(1 + r.IntN(150))
	if !cabin && r.IntN(5) == 0 {
		number += string(rune('A' + r.IntN(4)))
	}
	mp.Address = registry.Address{
		Street:       street + " " + number,
		Postcode:     fmt.Sprintf("%04d", where.postFrom+r.IntN(where.postTo-where.postFrom+1)),
		Municipality: where.municipality,
	}
	mp.GridArea, mp.PriceArea = where.gridArea, where.priceArea
	mp.EstimatedAnnualConsumption = decimal.New(minMilli+r.Int64N(spanMilli+1), -metervalues.Decimals)

	from := metervalues.Date(o.From)
	periodDays := len(o.Days())
	moveIn := from.AddDate(0, 0, -(30 + r.IntN(15*365)))
	first := occupant(r, people)
	switch {
	case periodDays >= 2 && r.Float64() < moveShare:
		moved := from.AddDate(0, 0, 1+r.IntN(periodDays-1))
		first.MoveIn, first.MoveOut = moveIn, moved
		next := occupant(r, people)
		next.MoveIn = moved
		mp.Occupancies = []registry.Occupancy{first, next}
	case r.Float64() < earlierTenantShare:
		earlier := occupant(r, people)
		earlier.MoveIn, earlier.MoveOut = moveIn.AddDate(0, 0, -(60+r.IntN(10*365))), moveIn
		first.MoveIn = moveIn
		mp.Occupancies = []registry.Occupancy{earlier, first}
	default:
		first.MoveIn = moveIn
		mp.Occupancies = []registry.Occupancy{first}
	}

	latest := mp.Occupancies[len(mp.Occupancies)-1].MoveIn
	start := latest
	if days := int(metervalues.Date(o.To).Sub(latest).Hours() / 24); days > 1 && r.Float64() < supplierSwitch {
		start = latest.AddDate(0, 0, r.IntN(days))
	}
	mp.Contract = &registry.Contract{BalanceSupplier: pick(r, suppliers), Start: start}
	return mp
}

// occupant draws an end user: a synthetic national identity number, turned
// into an id at once, and a display name.
func occupant(r *rand.Rand, people People) registry.Occupancy {
	return registry.Occupancy{
		EndUser:     people.Person(nationalID(r)),
		DisplayName: pick(r, firstNames) + " " + pick(r, lastNames),
	}
}

// nationalID draws a Tenor-style synthetic number (month + 80): valid to
// ident, yet it belongs to no real person.
func nationalID(r *rand.Rand) ident.NationalID {
	year := 1940 + r.IntN(65)
	day, month := 1+r.IntN(28), 1+r.IntN(12)
	// Individual numbers 000–499 are the 1900s, 500–999 the 2000s.
	lo := 0
	if year >= 2000 {
		lo = 500
	}
	individual := lo + r.IntN(500)
	for range 500 {
		first9 := fmt.Sprintf("%02d%02d%02d%03d", day, month+80, year%100, individual)
		if id, err := ident.NationalIDWithControlDigits(first9); err == nil {
			return id
		}
		// About one in six has a control digit of 10; try the next.
		individual = lo + (individual-lo+1)%500
	}
	panic("synthetic: no valid national identity number") // cannot happen: most numbers are valid
}
