// Package readlog is a rule: the end user's record of who read their metering
// data: every successful third-party read of master data or meter values,
// through the API or the portal, is appended before the data is returned.
package readlog

import (
	"time"

	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/pseudonym"
)

// What names the kind of data read.
type What string

const (
	MasterData  What = "master-data"  // BRS-NO-303
	MeterValues What = "meter-values" // BRS-NO-315
	// Export is the end user downloading everything about themselves
	// (package personaldata): no third party, no metering point.
	Export What = "export"
)

// Retention is how long entries are kept: as long as the history a third
// party may read.
const Retention = 3 * 366 * 24 * time.Hour

// Entry is one read.
type Entry struct {
	ID            string
	EndUser       pseudonym.EndUserID // whose data: the end user who gave the access
	ThirdParty    ident.GLN           // empty for an Export
	MeteringPoint ident.GSRN
	What          What
	From, To      time.Time // the period read (Oslo midnights, To exclusive); zero for master data
	At            time.Time
}

// Page is a page of entries, newest first.
type Page struct {
	Entries    []Entry
	NextCursor string
}
