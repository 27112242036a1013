package delivery

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"reflect"
	"time"

	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/grant"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/metering"
	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/metrics"
	"github.com/tredjepart/tredjepart/shared/oslo"
	"github.com/tredjepart/tredjepart/shared/registry"
)

// DayStored is a day of meter values as a change on the table shows it:
// the series now stored and the revision before (0 for a new day).
type DayStored struct {
	Series         metervalues.Series
	BeforeRevision int
}

// ChangeStore is what following changes needs.
type ChangeStore interface {
	// Awaiting lists the third parties a day was due to before its values arrived.
	Awaiting(ctx context.Context, mp ident.GSRN, day time.Time) ([]ident.GLN, error)
	ClearAwaiting(ctx context.Context, mp ident.GSRN, day time.Time, tp ident.GLN) error
	Put(ctx context.Context, d Document) (bool, error)
}

// Grants lists every grant on a metering point.
type GrantsOn interface {
	GrantsOn(ctx context.Context, mp ident.GSRN) ([]grant.Grant, error)
}

// MeteringPoints reads a metering point's end users, for data windows.
type MeteringPoints interface {
	MeteringPoint(ctx context.Context, id ident.GSRN) (registry.MeteringPoint, bool, error)
}

// Changes delivers what changed after the daily delivery: a day whose
// values arrive late goes to the third parties it was due to, marked late;
// a corrected day that was already delivered goes to every third party with
// access as a correction.
type Changes struct {
	Store          ChangeStore
	Grants         GrantsOn
	MeteringPoints MeteringPoints
	Webhooks       Announcer
	Clock          clock.Clock
	Logger         *slog.Logger
	Metrics        metrics.Sink // documents delivered, by kind
}

// deliveryHour is when a day is delivered: 09:00 Oslo time the day after.
const deliveryHour = 9

// Delivered reports whether the daily delivery of day has run by now.
func Delivered(day, now time.Time) bool {
	d := day.In(oslo.Oslo)
	due := time.Date(d.Year(), d.Month(), d.Day()+1, deliveryHour, 0, 0, 0, oslo.Oslo)
	return !now.Before(due)
}

// DayStored delivers a stored day to whoever should now have it.
func (c *Changes) DayStored(ctx context.Context, change DayStored) error {
	s, now := change.Series, c.Clock.Now()
	mp, _, err := c.MeteringPoints.MeteringPoint(ctx, s.MeteringPoint)
	if err != nil {
		return err
	}
	covering := func(g grant.Grant) bool {
		if g.Status != grant.Active {
			return false
		}
		holder, found := mp.OccupancyFrom(g.EndUser, g.DataFrom)
		f := Facts{Grant: g, HasGrant: true}
		if found {
			f.Occupancy = holder
		}
		return Covers(f, s.Day, now)
	}
	grants, err := c.Grants.GrantsOn(ctx, s.MeteringPoint)
	if err != nil {
		return err
	}
	active := map[ident.GLN]grant.Grant{}
	for _, g := range grants {
		if covering(g) {
			active[g.ThirdParty] = g
		}
	}
	var targets []ident.GLN
	kind, late := Correction, false
	if change.BeforeRevision == 0 {
		kind, late = DailySeries, true
		if targets, err = c.Store.Awaiting(ctx, s.MeteringPoint, s.Day); err != nil {
			return err
		}
	} else if s.Revision > change.BeforeRevision && Delivered(s.Day, now) {
		for tp := range active {
			targets = append(targets, tp)
		}
	}
	for _, tp := range targets {
		if _, ok := active[tp]; ok {
			doc := SeriesDocument(tp, s, kind, late, now)
			wrote, err := c.Store.Put(ctx, doc)
			if err != nil {
				return err
			}
			if wrote {
				metricKind := metrics.KindCorrection
				if late {
					metricKind = metrics.KindLate
				}
				metrics.Or(c.Metrics).Add(metrics.DocumentsDelivered, 1, metrics.Kind(metricKind))
			}
			if err := c.Webhooks.Announce(ctx, tp, doc.ID); err != nil {
				return err
			}
		}
		if late {
			if err := c.Store.ClearAwaiting(ctx, s.MeteringPoint, s.Day, tp); err != nil {
				return err
			}
		}
	}
	if len(targets) > 0 {
		c.Logger.InfoContext(ctx, "changed day delivered", "meteringPoint", string(s.MeteringPoint), "day", s.Day.Format(metervalues.DayLayout),
			"kind", string(kind), "thirdParties", len(targets))
	}
	return nil
}

// MasterDataChange is the kind of a document carrying changed master data.
const MasterDataChange Kind = "master-data-change"

// MasterDataChanged tells every third party with access that the metering
// point's master data changed, as its level shows it: a change outside
// what a level shows (for limited access, outside the minimum set) sends
// that third party nothing. before and after are the master data without
// end users; the end users are read as they are now.
func (c *Changes) MasterDataChanged(ctx context.Context, before, after registry.MeteringPoint) error {
	current, found, err := c.MeteringPoints.MeteringPoint(ctx, after.ID)
	if err != nil || !found {
		return err
	}
	before.Occupancies, after.Occupancies = current.Occupancies, current.Occupancies
	return c.notify(ctx, fmt.Sprintf("%s:%s:v%d", MasterDataChange, after.ID, after.Version), before, after)
}

// EndUserChange is one end user's occupancy as it was and as it is: Before
// is nil for a move-in just registered, After nil for an occupancy removed.
// Version is the metering point's version that made the change.
type EndUserChange struct {
	MeteringPoint ident.GSRN
	Before, After *registry.Occupancy
	Version       int
}

// EndUserChanged tells the third parties whose view of the metering point
// the change alters: a move-out ends the data window of the access its end
// user gave, and full access shows that end user's dates and name. Another
// end user's move-in or move-out changes nothing a third party sees.
func (c *Changes) EndUserChanged(ctx context.Context, change EndUserChange) error {
	current, found, err := c.MeteringPoints.MeteringPoint(ctx, change.MeteringPoint)
	if err != nil || !found {
		return err
	}
	occupancy, version, suffix := change.After, change.Version, ""
	if occupancy == nil {
		occupancy, suffix = change.Before, ":removed"
	}
	id := fmt.Sprintf("%s:%s:v%d:end-user:%s%s", MasterDataChange, change.MeteringPoint, version, occupancy.MoveIn.Format(registry.DateLayout), suffix)
	return c.notify(ctx, id, withOccupancy(current, occupancy.MoveIn, change.Before), withOccupancy(current, occupancy.MoveIn, change.After))
}

// withOccupancy is mp with the end user who moved in on moveIn replaced by
// o, or removed when o is nil.
func withOccupancy(mp registry.MeteringPoint, moveIn time.Time, o *registry.Occupancy) registry.MeteringPoint {
	occupancies := make([]registry.Occupancy, 0, len(mp.Occupancies)+1)
	for _, existing := range mp.Occupancies {
		if !existing.MoveIn.Equal(moveIn) {
			occupancies = append(occupancies, existing)
		}
	}
	if o != nil {
		occupancies = append(occupancies, *o)
	}
	mp.Occupancies = occupancies
	return mp
}

// notify puts document id, the master data as after shows it, in the outbox
// of every active grant holder whose view differs from before's.
func (c *Changes) notify(ctx context.Context, id string, before, after registry.MeteringPoint) error {
	now := c.Clock.Now()
	grants, err := c.Grants.GrantsOn(ctx, after.ID)
	if err != nil {
		return err
	}
	for _, g := range grants {
		if g.Status != grant.Active {
			continue
		}
		view := func(mp registry.MeteringPoint) metering.MasterDataDocument {
			holder, window := metering.DataWindow(g, mp, now)
			a := metering.Access{Grant: g, MeteringPoint: mp, Holder: holder, Window: window}
			return metering.MasterDataView(a, metering.Visible(a, now))
		}
		was, is := view(before), view(after)
		if reflect.DeepEqual(was, is) {
			continue
		}
		body, err := json.Marshal(is)
		if err != nil {
			return err
		}
		doc := Document{ID: id, ThirdParty: g.ThirdParty, Kind: MasterDataChange, MeteringPoint: after.ID, CreatedAt: now, Body: body}
		wrote, err := c.Store.Put(ctx, doc)
		if err != nil {
			return err
		}
		if wrote {
			metrics.Or(c.Metrics).Add(metrics.DocumentsDelivered, 1, metrics.Kind(metrics.KindMasterData))
		}
		if err := c.Webhooks.Announce(ctx, g.ThirdParty, doc.ID); err != nil {
			return err
		}
	}
	return nil
}
