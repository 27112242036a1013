// Package ingest is a rule: it takes master data and meter values from grid companies and
// metering systems: it validates each item and stores it with conditional
// writes, so a retry changes nothing and a correction raises the revision.
package ingest

import (
	"context"
	"fmt"
	"time"

	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/conflict"
	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/readonce"
	"github.com/tredjepart/tredjepart/shared/registry"
)

// Outcome is what storing one item did.
type Outcome string

const (
	Created   Outcome = "created"   // first master data, or the day's first series
	Updated   Outcome = "updated"   // master data changed
	Corrected Outcome = "corrected" // a day's values changed: its revision went up
	Unchanged Outcome = "unchanged" // the same as stored: a retry, nothing written
)

// MeteringPoints stores master data.
type MeteringPoints interface {
	MeteringPoint(ctx context.Context, id ident.GSRN) (registry.MeteringPoint, bool, error)
	// ReplaceMeteringPoint replaces the master data read as current with
	// mp, conditional on current's version, and reports whether anything
	// changed: ErrConflict if another write came after the read.
	ReplaceMeteringPoint(ctx context.Context, current, mp registry.MeteringPoint) (bool, error)
}

// Values stores day series.
type Values interface {
	// PutDay stores a day's series: unchanged when it equals the stored one,
	// else with the revision raised, conditional on the revision it read.
	PutDay(ctx context.Context, s metervalues.Series) (metervalues.Series, Outcome, error)
}

// Service validates and stores what grid companies send.
type Service struct {
	MeteringPoints MeteringPoints
	Values         Values
	Clock          clock.Clock
}

// PutMasterData validates and stores one metering point's master data and
// end-user history, for the operator's own tools (demo data, the data
// generator): any grid area.
func (s *Service) PutMasterData(ctx context.Context, mp registry.MeteringPoint) (Outcome, error) {
	return s.putMasterData(ctx, nil, mp)
}

// PutMasterDataFrom is PutMasterData for a data provider: the metering
// point must be in one of its grid areas, as stored and as sent, so that
// no one moves another's metering point into their own area.
func (s *Service) PutMasterDataFrom(ctx context.Context, from registry.DataProvider, mp registry.MeteringPoint) (Outcome, error) {
	return s.putMasterData(ctx, &from, mp)
}

func (s *Service) putMasterData(ctx context.Context, from *registry.DataProvider, mp registry.MeteringPoint) (Outcome, error) {
	if err := mp.Validate(); err != nil {
		return "", err
	}
	if err := inGridAreaOf(from, mp); err != nil {
		return "", err
	}
	// Master data is the sender's desired state: a replace that lost a race
	// is made again on what won.
	var outcome Outcome
	err := conflict.Retry(ErrConflict, func() error {
		current, existed, err := s.MeteringPoints.MeteringPoint(ctx, mp.ID)
		if err != nil {
			return err
		}
		if existed {
			if err := inGridAreaOf(from, current); err != nil {
				return err
			}
		}
		changed, err := s.MeteringPoints.ReplaceMeteringPoint(ctx, current, mp)
		switch {
		case err != nil:
			return err
		case !changed:
			outcome = Unchanged
		case existed:
			outcome = Updated
		default:
			outcome = Created
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return outcome, nil
}

// inGridAreaOf refuses a metering point outside the data provider's grid
// areas; nil is the operator's own tools, which may send for any.
func inGridAreaOf(from *registry.DataProvider, mp registry.MeteringPoint) error {
	if from == nil || from.CoversGridArea(mp.GridArea) {
		return nil
	}
	return fault.New(fault.Forbidden, "Metering point %s is in grid area %s, which %s (%s) is not registered for.", mp.ID, mp.GridArea, from.Name, from.GLN)
}

// ErrConflict is what stores return when a conditional write lost to
// another writer; the service reads again and retries, and an item that
// keeps losing is a conflict for its sender.
var ErrConflict = fault.New(fault.Conflict, "What this item changes was changed by another sender at the same time; send the item again.")

// PutSeries validates and stores one day series, for the operator's own
// tools: any grid area. The metering point must be registered and measured
// at the series' resolution.
func (s *Service) PutSeries(ctx context.Context, series metervalues.Series) (metervalues.Series, Outcome, error) {
	return s.newBatch(nil).PutSeries(ctx, series)
}

// PutSeriesFrom is PutSeries for a data provider: the metering point must
// be in one of its grid areas.
func (s *Service) PutSeriesFrom(ctx context.Context, from registry.DataProvider, series metervalues.Series) (metervalues.Series, Outcome, error) {
	return s.BatchFrom(from).PutSeries(ctx, series)
}

// Batch stores the series of one bulk call from one data provider. It reads
// each metering point once however many days are sent for it, and may be
// used from several goroutines.
type Batch struct {
	service *Service
	from    *registry.DataProvider
	points  *readonce.Cache[ident.GSRN, registry.MeteringPoint]
}

// BatchFrom starts a bulk call's worth of series from a data provider.
func (s *Service) BatchFrom(from registry.DataProvider) *Batch { return s.newBatch(&from) }

// Batch starts a bulk load's worth of series from the operator's own tools
// (the data generator), as PutSeries takes them: any grid area.
func (s *Service) Batch() *Batch { return s.newBatch(nil) }

func (s *Service) newBatch(from *registry.DataProvider) *Batch {
	return &Batch{service: s, from: from, points: readonce.New(s.MeteringPoints.MeteringPoint)}
}

// PutSeries validates and stores one day series of the batch.
func (b *Batch) PutSeries(ctx context.Context, series metervalues.Series) (metervalues.Series, Outcome, error) {
	s := b.service
	if err := series.Validate(s.Clock.Now()); err != nil {
		return series, "", err
	}
	mp, found, err := b.points.Get(ctx, series.MeteringPoint)
	if err != nil {
		return series, "", err
	}
	if !found {
		return series, "", fault.Coded(fault.Unprocessable, "E10", fmt.Sprintf("Metering point %s is not registered.", series.MeteringPoint))
	}
	if err := inGridAreaOf(b.from, mp); err != nil {
		return series, "", err
	}
	if mp.Resolution != "" && mp.Resolution != series.Resolution {
		return series, "", fault.InvalidFields(fault.FieldError{Field: "resolution",
			Reason: fmt.Sprintf("metering point %s is read at %s, not %s", mp.ID, mp.Resolution, series.Resolution)})
	}
	series.ReceivedAt = s.Clock.Now().UTC().Truncate(time.Millisecond)
	// A day's values are the sender's desired state too.
	var (
		stored  metervalues.Series
		outcome Outcome
	)
	err = conflict.Retry(ErrConflict, func() (err error) {
		stored, outcome, err = s.Values.PutDay(ctx, series)
		return err
	})
	return stored, outcome, err
}
