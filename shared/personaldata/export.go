package personaldata

import (
	"archive/zip"
	_ "embed"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/grant"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/oslo"
	"github.com/tredjepart/tredjepart/shared/readlog"
	"github.com/tredjepart/tredjepart/shared/registry"
)

// SchemaVersion is the version of the export's shape, raised by any change
// a reader could notice.
const SchemaVersion = 1

// Schema is the JSON Schema of Export (export.schema.json); the OpenAPI
// document carries the same as PersonalDataExport.
//
//go:embed export.schema.json
var Schema []byte

// Export is everything about one end user, as GET /v1/me/export gives it.
// Instants are UTC (RFC 3339), dates are Oslo calendar dates (YYYY-MM-DD),
// and a period's "to" is the first day not in it.
type Export struct {
	SchemaVersion  int             `json:"schemaVersion"`
	ExportedAt     string          `json:"exportedAt"`
	MeteringPoints []MeteringPoint `json:"meteringPoints"`
	AccessRequests []AccessRequest `json:"accessRequests"`
	Grants         []Grant         `json:"grants"`
	Reads          []Read          `json:"reads"` // newest first, this export first of all
}

// MeteringPoint is one period the end user held a metering point.
type MeteringPoint struct {
	MeteringPointID string `json:"meteringPointId"`
	Address         string `json:"address"`
	From            string `json:"from"`
	To              string `json:"to,omitempty"` // empty while they live there
}

// AccessRequest is a third party's request for access, made while the end
// user held the metering point.
type AccessRequest struct {
	ID                 string `json:"id"`
	ThirdPartyID       string `json:"thirdPartyId"`
	ThirdPartyName     string `json:"thirdPartyName"`
	MeteringPointID    string `json:"meteringPointId"`
	Scope              string `json:"scope"`
	GrantedScope       string `json:"grantedScope,omitempty"`
	AgreementReference string `json:"agreementReference,omitempty"`
	Status             string `json:"status"`
	ReasonCode         string `json:"reasonCode,omitempty"`
	CreatedAt          string `json:"createdAt"`
	ExpiresAt          string `json:"expiresAt"`
	DecidedAt          string `json:"decidedAt,omitempty"`
}

// Grant is access the end user gave, as it is now, with every change.
type Grant struct {
	ThirdPartyID    string `json:"thirdPartyId"`
	ThirdPartyName  string `json:"thirdPartyName"`
	MeteringPointID string `json:"meteringPointId"`
	RequestID       string `json:"requestId,omitempty"` // empty when given directly
	GrantedAt       string `json:"grantedAt"`
	DataFrom        string `json:"dataFrom"`
	Level           string `json:"level"`
	Status          string `json:"status"`
	ChangedAt       string `json:"changedAt"`
	// Changes is every state the grant has had, oldest first: given, level
	// changed, removed. False ChangesComplete: the grant was stored before
	// its versions were kept, and Changes holds only its latest state.
	Changes         []GrantChange `json:"changes"`
	ChangesComplete bool          `json:"changesComplete"`
}

// GrantChange is a grant's state after one change.
type GrantChange struct {
	Version int    `json:"version"`
	At      string `json:"at"`
	Level   string `json:"level"`
	Status  string `json:"status"`
}

// Read is one read of the end user's data, or one export of it.
type Read struct {
	ID              string `json:"id"`
	At              string `json:"at"`
	What            string `json:"what"`
	ThirdPartyID    string `json:"thirdPartyId,omitempty"` // empty for an export
	ThirdPartyName  string `json:"thirdPartyName,omitempty"`
	MeteringPointID string `json:"meteringPointId,omitempty"`
	From            string `json:"from,omitempty"` // the days of meter values read
	To              string `json:"to,omitempty"`
}

func meteringPointOf(mp ident.GSRN, address registry.Address, o registry.Occupancy) MeteringPoint {
	return MeteringPoint{MeteringPointID: string(mp), Address: address.String(), From: day(o.MoveIn), To: day(o.MoveOut)}
}

func accessRequestOf(r accessrequest.Request, name string) AccessRequest {
	return AccessRequest{
		ID: r.ID, ThirdPartyID: string(r.ThirdParty), ThirdPartyName: name, MeteringPointID: string(r.MeteringPoint),
		Scope: string(r.Scope), GrantedScope: string(r.GrantedScope), AgreementReference: r.AgreementReference,
		Status: string(r.Status), ReasonCode: r.ReasonCode,
		CreatedAt: instant(r.CreatedAt), ExpiresAt: instant(r.ExpiresAt), DecidedAt: instant(r.DecidedAt),
	}
}

// apply makes g the grant as version left it, and adds version to its changes.
func (g *Grant) apply(version grant.Grant) {
	g.ThirdPartyID, g.MeteringPointID, g.RequestID = string(version.ThirdParty), string(version.MeteringPoint), version.RequestID
	g.GrantedAt, g.DataFrom, g.ChangedAt = instant(version.GrantedAt), day(version.DataFrom), instant(version.ChangedAt)
	g.Level, g.Status = string(version.Level), string(version.Status)
	g.Changes = append(g.Changes, GrantChange{Version: version.Version, At: g.ChangedAt, Level: g.Level, Status: g.Status})
}

func readOf(e readlog.Entry, name string) Read {
	return Read{
		ID: e.ID, At: instant(e.At), What: string(e.What), ThirdPartyID: string(e.ThirdParty), ThirdPartyName: name,
		MeteringPointID: string(e.MeteringPoint), From: day(e.From), To: day(e.To),
	}
}

func instant(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return oslo.FormatUTC(t)
}

func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(oslo.Oslo).Format(registry.DateLayout)
}

// WriteJSON writes the export as one JSON document.
func (x Export) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(x)
}

// Files of the zip, one per kind, each a CSV with a header row.
const (
	MeteringPointsFile = "metering-points.csv"
	AccessRequestsFile = "access-requests.csv"
	GrantsFile         = "grants.csv"
	GrantChangesFile   = "grant-changes.csv"
	ReadsFile          = "reads.csv"
)

// WriteZip writes the export as a zip of CSV files, one per kind, with the
// columns named as the JSON's fields; grant-changes.csv has a row per change,
// keyed by the grant's third party, metering point and grantedAt.
func (x Export) WriteZip(w io.Writer) error {
	z := zip.NewWriter(w)
	files := []struct {
		name string
		rows [][]string
	}{
		{MeteringPointsFile, rowsOf(x.MeteringPoints, []string{"meteringPointId", "address", "from", "to"}, func(m MeteringPoint) []string {
			return []string{m.MeteringPointID, m.Address, m.From, m.To}
		})},
		{AccessRequestsFile, rowsOf(x.AccessRequests, []string{"id", "thirdPartyId", "thirdPartyName", "meteringPointId", "scope", "grantedScope",
			"agreementReference", "status", "reasonCode", "createdAt", "expiresAt", "decidedAt"}, func(r AccessRequest) []string {
			return []string{r.ID, r.ThirdPartyID, r.ThirdPartyName, r.MeteringPointID, r.Scope, r.GrantedScope,
				r.AgreementReference, r.Status, r.ReasonCode, r.CreatedAt, r.ExpiresAt, r.DecidedAt}
		})},
		{GrantsFile, rowsOf(x.Grants, []string{"thirdPartyId", "thirdPartyName", "meteringPointId", "requestId", "grantedAt", "dataFrom",
			"level", "status", "changedAt", "changesComplete"}, func(g Grant) []string {
			return []string{g.ThirdPartyID, g.ThirdPartyName, g.MeteringPointID, g.RequestID, g.GrantedAt, g.DataFrom,
				g.Level, g.Status, g.ChangedAt, fmt.Sprint(g.ChangesComplete)}
		})},
		{GrantChangesFile, changeRows(x.Grants)},
		{ReadsFile, rowsOf(x.Reads, []string{"id", "at", "what", "thirdPartyId", "thirdPartyName", "meteringPointId", "from", "to"}, func(r Read) []string {
			return []string{r.ID, r.At, r.What, r.ThirdPartyID, r.ThirdPartyName, r.MeteringPointID, r.From, r.To}
		})},
	}
	for _, f := range files {
		out, err := z.Create(f.name)
		if err != nil {
			return err
		}
		c := csv.NewWriter(out)
		for _, row := range f.rows {
			for i := range row {
				row[i] = inert(row[i])
			}
		}
		if err := c.WriteAll(f.rows); err != nil {
			return err
		}
	}
	return z.Close()
}

func rowsOf[T any](items []T, header []string, row func(T) []string) [][]string {
	rows := [][]string{header}
	for _, it := range items {
		rows = append(rows, row(it))
	}
	return rows
}

func changeRows(grants []Grant) [][]string {
	rows := [][]string{{"thirdPartyId", "meteringPointId", "grantedAt", "version", "at", "level", "status"}}
	for _, g := range grants {
		for _, c := range g.Changes {
			rows = append(rows, []string{g.ThirdPartyID, g.MeteringPointID, g.GrantedAt, fmt.Sprint(c.Version), c.At, c.Level, c.Status})
		}
	}
	return rows
}

// inert keeps a spreadsheet from reading a cell as a formula: a third
// party's name is theirs to choose.
func inert(cell string) string {
	if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
		return "'" + cell
	}
	return cell
}
