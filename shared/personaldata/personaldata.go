// Package personaldata is a rule: everything Tredjepart keeps about one end
// user, for them to take with them (the GDPR's rights of access and
// portability): the access requests about the metering points they held, the
// access they gave with every change to it, and every read of their data. Only the end user's own
// periods on each metering point are in it: a request made before they moved
// in or after they moved out belongs to whoever held the point then. Each
// export is itself recorded in the end user's read log.
package personaldata

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/grant"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/oslo"
	"github.com/tredjepart/tredjepart/shared/pseudonym"
	"github.com/tredjepart/tredjepart/shared/readlog"
	"github.com/tredjepart/tredjepart/shared/registry"
)

// Requests finds the access requests on a metering point.
type Requests interface {
	RequestsOn(ctx context.Context, mp ident.GSRN, status accessrequest.Status) ([]accessrequest.Request, error)
}

// Grants finds the grants on a metering point and every version of them.
type Grants interface {
	GrantsOn(ctx context.Context, mp ident.GSRN) ([]grant.Grant, error)
	// GrantHistoryOn is every version of every grant on mp, by third party,
	// grant and version; grants stored before versions were kept have none.
	GrantHistoryOn(ctx context.Context, mp ident.GSRN) ([]grant.Grant, error)
}

// MeteringPoints finds the metering points an end user has held, and who held them when.
type MeteringPoints interface {
	MeteringPoint(ctx context.Context, mp ident.GSRN) (registry.MeteringPoint, bool, error)
	MeteringPointsOf(ctx context.Context, user pseudonym.EndUserID) ([]ident.GSRN, error)
}

// ReadLog is the end users' read logs.
type ReadLog interface {
	List(ctx context.Context, user pseudonym.EndUserID, cursor string, limit int) (readlog.Page, error)
	Append(ctx context.Context, e readlog.Entry) error
}

// ThirdParties names third parties.
type ThirdParties interface {
	ThirdParty(ctx context.Context, gln ident.GLN) (registry.ThirdParty, bool, error)
}

// Service gathers an end user's data.
type Service struct {
	Requests       Requests
	Grants         Grants
	MeteringPoints MeteringPoints
	ReadLog        ReadLog
	ThirdParties   ThirdParties
	Clock          clock.Clock
}

// statuses is every status a request can have: the export has them all.
var statuses = []accessrequest.Status{accessrequest.Pending, accessrequest.Approved, accessrequest.Rejected, accessrequest.Withdrawn}

// readPage is how many read-log entries are fetched at a time.
const readPage = 100

// Export gathers everything about user and records, in their read log, that
// they took it.
func (s *Service) Export(ctx context.Context, user pseudonym.EndUserID) (Export, error) {
	now := s.Clock.Now()
	out := Export{SchemaVersion: SchemaVersion, ExportedAt: oslo.FormatUTC(now),
		MeteringPoints: []MeteringPoint{}, AccessRequests: []AccessRequest{}, Grants: []Grant{}, Reads: []Read{}}
	names := s.namer(ctx)
	points, err := s.MeteringPoints.MeteringPointsOf(ctx, user)
	if err != nil {
		return Export{}, err
	}
	held := map[ident.GSRN][]registry.Occupancy{}
	for _, mp := range points {
		point, found, err := s.MeteringPoints.MeteringPoint(ctx, mp)
		if err != nil {
			return Export{}, err
		}
		if !found {
			continue
		}
		for _, o := range point.Occupancies {
			if o.EndUser == user {
				held[mp] = append(held[mp], o)
				out.MeteringPoints = append(out.MeteringPoints, meteringPointOf(mp, point.Address, o))
			}
		}
		if len(held[mp]) == 0 {
			continue
		}
		requests, err := s.requestsOn(ctx, mp, held[mp])
		if err != nil {
			return Export{}, err
		}
		for _, r := range requests {
			out.AccessRequests = append(out.AccessRequests, accessRequestOf(r, names(r.ThirdParty)))
		}
		grants, err := s.grantsOn(ctx, user, mp)
		if err != nil {
			return Export{}, err
		}
		for _, g := range grants {
			g.ThirdPartyName = names(ident.GLN(g.ThirdPartyID))
			out.Grants = append(out.Grants, g)
		}
	}
	reads, err := s.readsOf(ctx, user, held)
	if err != nil {
		return Export{}, err
	}
	export := readlog.Entry{ID: uuid.NewString(), EndUser: user, What: readlog.Export, At: now}
	if err := s.ReadLog.Append(ctx, export); err != nil {
		return Export{}, err
	}
	out.Reads = append(out.Reads, readOf(export, ""))
	for _, e := range reads {
		out.Reads = append(out.Reads, readOf(e, names(e.ThirdParty)))
	}
	return out, nil
}

// namer names third parties, asking for each once; a name it cannot find is
// the GLN.
func (s *Service) namer(ctx context.Context) func(ident.GLN) string {
	names := map[ident.GLN]string{"": ""}
	return func(gln ident.GLN) string {
		if name, ok := names[gln]; ok {
			return name
		}
		names[gln] = string(gln)
		if tp, found, err := s.ThirdParties.ThirdParty(ctx, gln); err == nil && found {
			names[gln] = tp.Name
		}
		return names[gln]
	}
}

// requestsOn is the requests on mp made while the end user held it, oldest first.
func (s *Service) requestsOn(ctx context.Context, mp ident.GSRN, periods []registry.Occupancy) ([]accessrequest.Request, error) {
	var theirs []accessrequest.Request
	for _, status := range statuses {
		requests, err := s.Requests.RequestsOn(ctx, mp, status)
		if err != nil {
			return nil, err
		}
		for _, r := range requests {
			if coveredBy(periods, r.CreatedAt) {
				theirs = append(theirs, r)
			}
		}
	}
	slices.SortFunc(theirs, func(a, b accessrequest.Request) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	return theirs, nil
}

// grantsOn is the access the end user gave on mp, each with its changes:
// from its kept versions, or, for a grant stored before versions were kept,
// from the grant as it is now (Changes then holds its latest state only).
func (s *Service) grantsOn(ctx context.Context, user pseudonym.EndUserID, mp ident.GSRN) ([]Grant, error) {
	history, err := s.Grants.GrantHistoryOn(ctx, mp)
	if err != nil {
		return nil, err
	}
	current, err := s.Grants.GrantsOn(ctx, mp)
	if err != nil {
		return nil, err
	}
	type given struct {
		tp ident.GLN
		at time.Time
	}
	var out []Grant
	index := map[given]int{}
	for _, version := range history {
		if version.EndUser != user {
			continue
		}
		k := given{version.ThirdParty, version.GrantedAt}
		i, ok := index[k]
		if !ok {
			i, index[k] = len(out), len(out)
			out = append(out, Grant{ChangesComplete: true})
		}
		out[i].apply(version)
	}
	for _, g := range current {
		if _, kept := index[given{g.ThirdParty, g.GrantedAt}]; g.EndUser != user || kept {
			continue
		}
		legacy := Grant{}
		legacy.apply(g)
		out = append(out, legacy)
	}
	slices.SortFunc(out, func(a, b Grant) int {
		return cmp.Or(cmp.Compare(a.GrantedAt, b.GrantedAt), cmp.Compare(a.ThirdPartyID, b.ThirdPartyID))
	})
	return out, nil
}

// readsOf is the end user's read log, newest first, without any read of a
// metering point outside the periods they held it.
func (s *Service) readsOf(ctx context.Context, user pseudonym.EndUserID, held map[ident.GSRN][]registry.Occupancy) ([]readlog.Entry, error) {
	var theirs []readlog.Entry
	cursor := ""
	for {
		page, err := s.ReadLog.List(ctx, user, cursor, readPage)
		if err != nil {
			return nil, err
		}
		for _, e := range page.Entries {
			if e.What == readlog.Export || inPeriods(held[e.MeteringPoint], e) {
				theirs = append(theirs, e)
			}
		}
		if cursor = page.NextCursor; cursor == "" {
			return theirs, nil
		}
	}
}

// inPeriods: a read of meter values is the end user's if the days read
// overlap a period they held the point; any other read, if it was made in one.
func inPeriods(periods []registry.Occupancy, e readlog.Entry) bool {
	if e.From.IsZero() {
		return coveredBy(periods, e.At)
	}
	for _, o := range periods {
		if e.To.After(o.MoveIn) && (o.MoveOut.IsZero() || e.From.Before(o.MoveOut)) {
			return true
		}
	}
	return false
}

func coveredBy(periods []registry.Occupancy, t time.Time) bool {
	for _, o := range periods {
		if o.Covers(t) {
			return true
		}
	}
	return false
}
