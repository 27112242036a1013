// Package synthetic is support: it makes realistic, made-up master data and meter values for
// load tests and demos: households and cabins with Norwegian addresses, end
// users who move, daily and seasonal consumption profiles, estimated values
// and later corrections. Everything is a pure function of Options.Seed and
// the point's index or GSRN, so a run can be repeated exactly.
package synthetic

import (
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/pseudonym"
)

// Options describes a data set.
type Options struct {
	Points             int
	From, To           time.Time // Oslo midnights; To is exclusive
	Seed               uint64
	QuarterHourlyShare float64 // share of points read at PT15M, e.g. 0.2
	CabinShare         float64 // share of points that are cabins, e.g. 0.15
	CorrectionShare    float64 // share of days re-sent later with changed values, e.g. 0.01
}

// MaxPoints is how many points fit the 7-digit serial range above the demo's.
const MaxPoints = 9_000_000

// Validate reports what is wrong with o, or nil.
func (o Options) Validate() error {
	var errs []error
	if o.Points < 0 || o.Points > MaxPoints {
		errs = append(errs, fmt.Errorf("points must be 0 to %d, got %d", MaxPoints, o.Points))
	}
	if !o.From.Equal(metervalues.Date(o.From)) || !o.To.Equal(metervalues.Date(o.To)) {
		errs = append(errs, errors.New("from and to must be midnights in Europe/Oslo"))
	}
	if !o.From.Before(o.To) {
		errs = append(errs, errors.New("from must be before to"))
	}
	for name, share := range map[string]float64{"quarter-hourly": o.QuarterHourlyShare, "cabin": o.CabinShare, "correction": o.CorrectionShare} {
		if share < 0 || share > 1 {
			errs = append(errs, fmt.Errorf("%s share must be between 0 and 1, got %g", name, share))
		}
	}
	return errors.Join(errs...)
}

// Days returns the Oslo midnights from From up to, not including, To.
func (o Options) Days() []time.Time {
	var days []time.Time
	for d := metervalues.Date(o.From); d.Before(o.To); d = d.AddDate(0, 0, 1) {
		days = append(days, d)
	}
	return days
}

// People turns a national identity number into an end-user id;
// *pseudonym.Pseudonymizer is one. The number itself is never kept.
type People interface {
	Person(ident.NationalID) pseudonym.EndUserID
}

// GSRN returns the i-th point's id. Serials start at 1000000 so they never
// meet the demo's 0000101–0009999.
func GSRN(i int) ident.GSRN {
	id, err := ident.GSRNWithCheckDigit(fmt.Sprintf("7070575000%07d", 1_000_000+i))
	if err != nil {
		panic(fmt.Sprintf("synthetic.GSRN(%d): %v", i, err)) // i out of range
	}
	return id
}

// Stream names separate random streams, so that adding a draw to one never
// shifts the values of another.
const (
	streamPoint uint64 = iota + 1
	streamKind
	streamDay
	streamCorrection
	streamCorrected
	streamWeather
	streamVisit
	streamLongStay
	streamUser
)

// mix folds keys into one well-spread 64-bit value (splitmix64 steps).
func mix(keys ...uint64) uint64 {
	h := uint64(0x9e3779b97f4a7c15)
	for _, k := range keys {
		h ^= k
		h += 0x9e3779b97f4a7c15
		h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9
		h = (h ^ (h >> 27)) * 0x94d049bb133111eb
		h ^= h >> 31
	}
	return h
}

// rng returns a generator that depends only on the seed and keys.
func rng(seed uint64, keys ...uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, mix(keys...)))
}

// uniform returns a number in [0, 1) that depends only on the seed and keys.
func uniform(seed uint64, keys ...uint64) float64 {
	return rng(seed, keys...).Float64()
}

// idKey turns a GSRN into a key; any string works, so hand-made points do too.
func idKey(id ident.GSRN) uint64 {
	if n, err := strconv.ParseUint(string(id), 10, 64); err == nil {
		return n
	}
	return stringKey(string(id))
}

func stringKey(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// dayKey is the Oslo calendar day as a day count, for seeding.
func dayKey(day time.Time) uint64 {
	y, m, d := metervalues.Date(day).Date()
	return uint64(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// IsCabin reports whether the point with this id is a cabin rather than a
// household. It depends on the id, not the index, so Day can tell too.
func IsCabin(o Options, id ident.GSRN) bool {
	return uniform(o.Seed, streamKind, idKey(id)) < o.CabinShare
}
