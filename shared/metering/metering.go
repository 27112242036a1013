// Package metering is a rule: it answers third parties' queries: master data (BRS-NO-303)
// and meter values (BRS-NO-315), each limited to what the active grant
// allows, and each read appended to the end user's read log before the
// data is handed out. The API and the portal both call this package.
package metering

import (
	"context"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
	"golang.org/x/sync/errgroup"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/grant"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/metrics"
	"github.com/tredjepart/tredjepart/shared/readlog"
	"github.com/tredjepart/tredjepart/shared/registry"
)

// Grants finds third parties' access.
type Grants interface {
	Grant(ctx context.Context, tp ident.GLN, mp ident.GSRN) (grant.Grant, bool, error)
	ActiveGrantsOf(ctx context.Context, tp ident.GLN, cursor string, limit int) ([]grant.Grant, string, error)
}

// MeteringPoints reads master data.
type MeteringPoints interface {
	MeteringPoint(ctx context.Context, id ident.GSRN) (registry.MeteringPoint, bool, error)
}

// Days reads stored days, from inclusive to exclusive.
type Days interface {
	Days(ctx context.Context, mp ident.GSRN, from, to time.Time) ([]metervalues.Series, error)
}

// ReadLog records reads.
type ReadLog interface {
	Append(ctx context.Context, e readlog.Entry) error
}

// Service answers queries.
type Service struct {
	Grants         Grants
	MeteringPoints MeteringPoints
	Days           Days
	ReadLog        ReadLog
	Clock          clock.Clock
	NewID          func() string
	Metrics        metrics.Sink // reads logged
}

// MaxPeriodYears is the longest period one meter-value query may ask for.
const MaxPeriodYears = 3

// Window is a span of Oslo days: From inclusive, To exclusive (midnights).
type Window struct {
	From, To time.Time
}

// Empty reports whether the window holds no day.
func (w Window) Empty() bool { return !w.From.Before(w.To) }

// Access is a third party's active grant on a metering point and what it
// opens: the end user who gave it and the window of data it covers.
type Access struct {
	Grant         grant.Grant
	MeteringPoint registry.MeteringPoint // all of it: show a third party only what Visible returns
	Holder        registry.Occupancy     // the end user who gave the access, zero if no longer registered
	Window        Window
}

// DataFrom is where a grant's data window starts at now: the end user's
// move-in, or MaxPeriodYears back if that is later.
func DataFrom(g grant.Grant, now time.Time) time.Time {
	return metervalues.Later(g.DataFrom, metervalues.Date(now).AddDate(-MaxPeriodYears, 0, 0))
}

// DataWindow is the data a grant covers: from the end user's move-in, at
// most MaxPeriodYears back, to their move-out or the end of today. An end
// user the registry no longer shows opens no data at all.
func DataWindow(g grant.Grant, mp registry.MeteringPoint, now time.Time) (registry.Occupancy, Window) {
	today := metervalues.Date(now)
	holder, found := mp.OccupancyFrom(g.EndUser, g.DataFrom)
	w := Window{From: DataFrom(g, now), To: today.AddDate(0, 0, 1)}
	if !found {
		return holder, Window{From: w.From, To: w.From}
	}
	if !holder.MoveOut.IsZero() && holder.MoveOut.Before(w.To) {
		w.To = holder.MoveOut
	}
	return holder, w
}

// MasterData is what a third party sees of a metering point. Its top level
// is the minimum set that limited access shows: id, type, address, price
// area and resolution. Full is the rest, for full access only.
type MasterData struct {
	ID         ident.GSRN
	Type       registry.Type
	Address    registry.Address
	PriceArea  registry.PriceArea
	Resolution metervalues.Resolution
	Full       *FullMasterData // nil for limited access
}

// FullMasterData is master data and contract data beyond the minimum set.
type FullMasterData struct {
	AccountingPoint            bool
	Status                     registry.Status
	GridArea                   string
	MeterNumber                string
	EstimatedAnnualConsumption decimal.Decimal
	Contract                   *registry.Contract  // nil when none, or once the end user who gave access has moved out
	EndUser                    *registry.Occupancy // the end user who gave the access; never anyone else of the history
}

// Visible is the master data the access's level shows. Of the end-user
// history only the end user who gave the access is shown, and the contract
// only while that end user lives there: after a move the supplier is the
// next occupant's business.
func Visible(a Access, now time.Time) MasterData {
	mp := a.MeteringPoint
	md := MasterData{ID: mp.ID, Type: mp.Type, Address: mp.Address, PriceArea: mp.PriceArea, Resolution: mp.Resolution}
	if a.Grant.Level != accessrequest.Full {
		return md
	}
	md.Full = &FullMasterData{
		AccountingPoint: mp.AccountingPoint, Status: mp.Status, GridArea: mp.GridArea, MeterNumber: mp.MeterNumber,
		EstimatedAnnualConsumption: mp.EstimatedAnnualConsumption,
	}
	if a.Holder.EndUser != "" {
		holder := a.Holder
		md.Full.EndUser = &holder
	}
	if mp.Contract != nil && a.Holder.Covers(now) {
		contract := *mp.Contract
		md.Full.Contract = &contract
	}
	return md
}

func noAccess(mp ident.GSRN) error {
	return fault.New(fault.NotFound, "No active access to metering point %s.", mp)
}

// Access returns the third party's active access to a metering point, or
// NotFound: an unknown metering point and one without access look the same.
func (s *Service) Access(ctx context.Context, tp ident.GLN, id ident.GSRN) (Access, error) {
	g, found, err := s.Grants.Grant(ctx, tp, id)
	if err != nil {
		return Access{}, err
	}
	if !found || g.Status != grant.Active {
		return Access{}, noAccess(id)
	}
	mp, found, err := s.MeteringPoints.MeteringPoint(ctx, id)
	if err != nil {
		return Access{}, err
	}
	if !found {
		return Access{}, noAccess(id)
	}
	holder, window := DataWindow(g, mp, s.Clock.Now())
	return Access{Grant: g, MeteringPoint: mp, Holder: holder, Window: window}, nil
}

// List pages through the metering points the third party has access to.
func (s *Service) List(ctx context.Context, tp ident.GLN, cursor string, limit int) ([]grant.Grant, string, error) {
	return s.Grants.ActiveGrantsOf(ctx, tp, cursor, limit)
}

// windowReads bounds the metering points Windows reads at once.
const windowReads = 10

// Windows is the data window each grant opens at now, as Access has it: a
// move-out, which only the registry knows, closes it. A grant on a point
// the registry does not show opens an empty one.
func (s *Service) Windows(ctx context.Context, grants []grant.Grant, now time.Time) ([]Window, error) {
	windows := make([]Window, len(grants))
	var g errgroup.Group
	g.SetLimit(windowReads)
	for i, gr := range grants {
		g.Go(func() error {
			mp, _, err := s.MeteringPoints.MeteringPoint(ctx, gr.MeteringPoint)
			_, windows[i] = DataWindow(gr, mp, now)
			return err
		})
	}
	return windows, g.Wait()
}

// MasterData is BRS-NO-303: the master data the access shows, logged as a read.
func (s *Service) MasterData(ctx context.Context, tp ident.GLN, id ident.GSRN) (Access, MasterData, error) {
	a, err := s.Access(ctx, tp, id)
	if err != nil {
		return a, MasterData{}, err
	}
	now := s.Clock.Now()
	if err := s.log(ctx, a, readlog.MasterData, Window{}, now); err != nil {
		return a, MasterData{}, err
	}
	return a, Visible(a, now), nil
}

// Query asks for meter values over Oslo days From (inclusive) to To (exclusive).
type Query struct {
	From, To    time.Time
	Aggregation metervalues.Aggregation
}

// Validate checks the period's shape, naming the bad fields.
func (q Query) Validate() error {
	switch {
	case q.From.IsZero() || q.To.IsZero():
		return nil // the parser reports missing dates
	case !q.From.Before(q.To):
		return fault.InvalidFields(fault.FieldError{Field: "to", Reason: "must be after from"})
	case q.To.After(q.From.AddDate(MaxPeriodYears, 0, 0)):
		return fault.InvalidFields(fault.FieldError{Field: "to", Reason: fmt.Sprintf("at most %d years after from", MaxPeriodYears)})
	}
	return nil
}

// Values is the answer to a meter-value query.
type Values struct {
	Access  Access
	Period  Window // the period asked for, cut to the data window
	Periods []metervalues.Period
}

// CodeOutsideDataWindow is our own code (Elhub has none) for a query whose
// period has no day in the access's data window.
const CodeOutsideDataWindow = "outside-data-window"

// MeterValues is BRS-NO-315: the meter values inside both the period asked
// for and the grant's data window, logged as a read.
func (s *Service) MeterValues(ctx context.Context, tp ident.GLN, id ident.GSRN, q Query) (Values, error) {
	if err := q.Validate(); err != nil {
		return Values{}, err
	}
	a, err := s.Access(ctx, tp, id)
	if err != nil {
		return Values{}, err
	}
	period := Window{From: metervalues.Later(q.From, a.Window.From), To: metervalues.Earlier(q.To, a.Window.To)}
	if period.Empty() {
		return Values{}, fault.Coded(fault.Unprocessable, CodeOutsideDataWindow, fmt.Sprintf("The period %s–%s is outside the data window of this access, %s.",
			day(q.From), day(q.To), describe(a.Window)))
	}
	days, err := s.Days.Days(ctx, id, period.From, period.To)
	if err != nil {
		return Values{}, err
	}
	if err := s.log(ctx, a, readlog.MeterValues, period, s.Clock.Now()); err != nil {
		return Values{}, err
	}
	return Values{Access: a, Period: period, Periods: metervalues.Clip(metervalues.Aggregate(days, q.Aggregation), period.From, period.To)}, nil
}

func (s *Service) log(ctx context.Context, a Access, what readlog.What, period Window, now time.Time) error {
	err := s.ReadLog.Append(ctx, readlog.Entry{
		ID: s.NewID(), EndUser: a.Grant.EndUser, ThirdParty: a.Grant.ThirdParty, MeteringPoint: a.Grant.MeteringPoint,
		What: what, From: period.From, To: period.To, At: now,
	})
	if err == nil {
		metrics.Or(s.Metrics).Add(metrics.ReadsLogged, 1, metrics.Kind(string(what)))
	}
	return err
}

func describe(w Window) string {
	if w.Empty() {
		return "which is empty"
	}
	return fmt.Sprintf("from %s up to %s", day(w.From), day(w.To))
}

func day(t time.Time) string { return t.Format(metervalues.DayLayout) }
