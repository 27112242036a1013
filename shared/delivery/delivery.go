// Package delivery is a rule: the daily delivery of meter values (Elhub BRS-NO-313)
// and the outbox every third party can pull: the fan-out turns the active
// grants into jobs, a job becomes one document per metering point and day,
// and each document is written once to the third party's outbox (its id is
// deterministic, so a repeated fan-out or a retried job writes nothing twice).
package delivery

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/oslo"
)

// Kind is what a document carries.
type Kind string

const (
	DailySeries Kind = "meter-values"            // the previous day's values, at 09:00
	Correction  Kind = "meter-values-correction" // a day already delivered, with a higher revision
	Notice      Kind = "notification"            // a request decided or expired, a grant given, changed or removed
)

// JobSize is how many metering points one job (one queue message) carries:
// a tenth of a message per metering point and day.
const JobSize = 10

// Job is one third party's delivery of one day for up to JobSize metering points.
type Job struct {
	ThirdParty     ident.GLN    `json:"thirdPartyId"`
	Day            string       `json:"day"` // Oslo calendar date
	MeteringPoints []ident.GSRN `json:"meteringPointIds"`
}

// Document is one delivery to one third party.
type Document struct {
	ID            string // deterministic: the same content always has the same id
	ThirdParty    ident.GLN
	Kind          Kind
	MeteringPoint ident.GSRN
	Day           time.Time
	CreatedAt     time.Time
	Body          json.RawMessage
}

// DocumentID names a series document: its kind, metering point, day and revision.
func DocumentID(kind Kind, mp ident.GSRN, day time.Time, revision int) string {
	return fmt.Sprintf("%s:%s:%s:r%d", kind, mp, day.Format(metervalues.DayLayout), revision)
}

// seriesBody is a BRS-NO-313 volume series as JSON.
type seriesBody struct {
	DocumentID      string      `json:"documentId"`
	Type            Kind        `json:"type"`
	CreatedAt       string      `json:"createdAt"`
	ThirdPartyID    string      `json:"thirdPartyId"`
	MeteringPointID string      `json:"meteringPointId"`
	Period          periodBody  `json:"period"`
	Resolution      string      `json:"resolution"`
	Unit            string      `json:"unit"`
	Revision        int         `json:"revision"`
	Late            bool        `json:"late"` // the values arrived after the day's 09:00 delivery
	Points          []pointBody `json:"points"`
	// Test marks a sample the third party asked for (SampleDocument): its
	// values are made up.
	Test bool `json:"test,omitempty"`
}

type periodBody struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

type pointBody struct {
	Position int    `json:"position"`
	Quantity string `json:"quantity"`
	Quality  string `json:"quality"`
}

// SeriesDocument is the BRS-NO-313 document of one day's series for a third party.
func SeriesDocument(tp ident.GLN, s metervalues.Series, kind Kind, late bool, now time.Time) Document {
	return seriesDocument(tp, s, DocumentID(kind, s.MeteringPoint, s.Day, s.Revision), kind, late, false, now)
}

// SampleDocument is a daily document (DailySeries) of made-up values, for
// a third party to try its receiver on: marked "test": true, with an id of
// its own, which no delivered document has, so that a receiver that drops
// duplicates by id never drops a real document for it.
func SampleDocument(tp ident.GLN, s metervalues.Series, id string, now time.Time) Document {
	return seriesDocument(tp, s, id, DailySeries, false, true, now)
}

func seriesDocument(tp ident.GLN, s metervalues.Series, id string, kind Kind, late, test bool, now time.Time) Document {
	end := s.Day.AddDate(0, 0, 1)
	body := seriesBody{
		DocumentID: id, Type: kind, CreatedAt: oslo.FormatUTC(now), ThirdPartyID: string(tp), Test: test,
		MeteringPointID: string(s.MeteringPoint),
		Period:          periodBody{Start: s.Day.In(oslo.Oslo).Format(time.RFC3339), End: end.In(oslo.Oslo).Format(time.RFC3339)},
		Resolution:      string(s.Resolution), Unit: metervalues.Unit, Revision: s.Revision, Late: late,
		Points: make([]pointBody, len(s.Quantities)),
	}
	for i, q := range s.Quantities {
		body.Points[i] = pointBody{Position: i + 1, Quantity: metervalues.FormatQuantity(q.Value), Quality: string(q.Quality)}
	}
	raw, err := json.Marshal(body)
	if err != nil {
		panic(err) // plain strings and numbers only
	}
	return Document{ID: id, ThirdParty: tp, Kind: kind, MeteringPoint: s.MeteringPoint, Day: s.Day, CreatedAt: now, Body: raw}
}

// PreviousDay is the Oslo day a 09:00 run at now delivers.
func PreviousDay(now time.Time) time.Time { return metervalues.Date(now).AddDate(0, 0, -1) }

// CodeDayNotOver is our own code for a delivery asked for a day that is not
// over in Oslo.
const CodeDayNotOver = "day-not-over"

// CheckDeliverable refuses a day that is not over in Oslo at now: before
// then its values are not all measured, and a delivery would only record
// it as awaited.
func CheckDeliverable(day, now time.Time) error {
	if latest := PreviousDay(now); day.After(latest) {
		return fault.Coded(fault.Unprocessable, CodeDayNotOver, fmt.Sprintf("Day %s is not over in Oslo yet: the latest day to deliver is %s.",
			day.Format(metervalues.DayLayout), latest.Format(metervalues.DayLayout)))
	}
	return nil
}

// SettleLag is how old a document must be before the feed shows it: a write
// stamped just before another committed first, and the index behind the
// feed is eventually consistent, so the newest seconds are not yet final.
const SettleLag = 5 * time.Second

// FeedPage is a page of a third party's outbox in arrival order.
type FeedPage struct {
	Documents []Document
	Next      string // where the next page starts; the same cursor when nothing new has settled
}

// NotificationDocument is the outbox document of a notification (package
// notify's shape, as the consent function and the expiry state machine send
// it). Its id is the notification's, which is the same for every retry.
func NotificationDocument(body []byte, now time.Time) (Document, error) {
	var n struct {
		NotificationID  string `json:"notificationId"`
		ThirdPartyID    string `json:"thirdPartyId"`
		MeteringPointID string `json:"meteringPointId"`
	}
	if err := json.Unmarshal(body, &n); err != nil {
		return Document{}, fmt.Errorf("%w: not a notification: %v", ErrBadJob, err)
	}
	tp, err := ident.ParseGLN(n.ThirdPartyID)
	if err != nil || n.NotificationID == "" {
		return Document{}, fmt.Errorf("%w: a notification needs a notificationId and a third party's GLN", ErrBadJob)
	}
	return Document{ID: string(Notice) + ":" + n.NotificationID, ThirdParty: tp, Kind: Notice,
		MeteringPoint: ident.GSRN(n.MeteringPointID), CreatedAt: now, Body: body}, nil
}
