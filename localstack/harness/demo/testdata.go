package demo

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/tredjepart/tredjepart/localstack/identity/oidcdev"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/pseudonym"
	"github.com/tredjepart/tredjepart/shared/registry"
)

// TestData is what the demo data means to a developer: what a request for
// each metering point answers, who lives there (by the name to log in as on
// the development provider, never a national identity number), who has
// access, who sends its data and which days of meter values there are. The
// banner, the README's table and GET /v1/sandbox/test-data all come from it.
type TestData struct {
	ThirdParties   []TestThirdParty   `json:"thirdParties"`
	DataProviders  []TestDataProvider `json:"dataProviders"`
	MeteringPoints []TestPoint        `json:"meteringPoints"`
	Logins         []TestLogin        `json:"logins"`
}

// TestThirdParty is a demo third party and how to act as it.
type TestThirdParty struct {
	GLN         ident.GLN `json:"gln"`
	Name        string    `json:"name"`
	ClientID    string    `json:"clientId"`
	PortalLogin string    `json:"portalLogin,omitempty"` // who logs in to the portal for it
}

// TestDataProvider is the demo grid company, which sends every demo point's data.
type TestDataProvider struct {
	GLN      ident.GLN `json:"gln"`
	Name     string    `json:"name"`
	ClientID string    `json:"clientId"`
	Role     string    `json:"role"`
}

// TestPoint is one demo metering point and what asking for it shows.
type TestPoint struct {
	MeteringPointID ident.GSRN `json:"meteringPointId"`
	// Answer is what the first demo third party's POST /v1/access-requests
	// gets: ACCEPTED, or the Elhub code of the refusal.
	Answer     string `json:"answer"`
	HTTPStatus int    `json:"httpStatus"`
	Meaning    string `json:"meaning"`
	Registered bool   `json:"registered"`
	Type       string `json:"type,omitempty"`
	Address    string `json:"address,omitempty"`
	PriceArea  string `json:"priceArea,omitempty"`
	Resolution string `json:"resolution,omitempty"`
	// DataProvider sends the point's master data and meter values.
	DataProvider ident.GLN       `json:"dataProvider,omitempty"`
	EndUsers     []TestOccupancy `json:"endUsers"`
	Access       []TestAccess    `json:"access"`
	Pending      []TestPending   `json:"pendingRequests"`
	// MeterValues is the days with values: set by the running stack from
	// its clock (MeterValueDays before today).
	MeterValues *TestWindow `json:"meterValues,omitempty"`
}

// TestOccupancy is who lived or lives at a point, by demo login.
type TestOccupancy struct {
	Login   string `json:"login"`
	ActsFor string `json:"actsFor,omitempty"` // the organisation that is the end user
	MoveIn  string `json:"moveIn"`
	MoveOut string `json:"moveOut,omitempty"`
}

// TestAccess is access the demo data starts with.
type TestAccess struct {
	ThirdParty ident.GLN `json:"thirdParty"`
	Scope      string    `json:"scope"`
	DataFrom   string    `json:"dataFrom"`
	GivenBy    string    `json:"givenBy"`
}

// TestPending is a request the stack makes once it is up, for an end user to decide.
type TestPending struct {
	ThirdParty ident.GLN `json:"thirdParty"`
	Scope      string    `json:"scope"`
}

// TestWindow is a span of days: from the first, to the day after the last.
type TestWindow struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// TestLogin is a demo person on the development OpenID provider.
type TestLogin struct {
	Login   string `json:"login"`
	ActsFor string `json:"actsFor,omitempty"` // the organisation they log in for
	Use     string `json:"use"`
}

// pointCase is what one demo metering point is for.
type pointCase struct {
	id      ident.GSRN
	answer  string
	status  int
	meaning string
}

func cases(d Data) []pointCase {
	return []pointCase{
		{d.Requestable, "ACCEPTED", http.StatusAccepted, "accounting point with an end user"},
		{d.SecondRequestable, "ACCEPTED", http.StatusAccepted, "the same (its end user is an organisation)"},
		{d.AlreadyGranted, "EH017", http.StatusConflict, d.ThirdParties[0].Name + " already has access"},
		{d.NotAccountingPoint, "EH010", http.StatusUnprocessableEntity, "not an accounting point"},
		{d.NoEndUser, "EH016", http.StatusUnprocessableEntity, "the end user moved out"},
		{d.Unregistered, "E10", http.StatusUnprocessableEntity, "valid but not registered"},
	}
}

// Table is the meaning of d, the demo data. today, when not zero, dates the
// meter values.
func Table(d Data, today time.Time) TestData {
	var t TestData
	for i, tp := range d.ThirdParties {
		p := TestThirdParty{GLN: tp.GLN, Name: tp.Name, ClientID: tp.ClientIDs[0]}
		if i == 0 {
			p.PortalLogin = Siri.Name
		}
		t.ThirdParties = append(t.ThirdParties, p)
	}
	dp := d.GridCompany
	t.DataProviders = []TestDataProvider{{GLN: dp.GLN, Name: dp.Name, ClientID: dp.ClientIDs[0], Role: string(dp.Role)}}

	// The master data with each end user's login in place of their pseudonym.
	points := map[ident.GSRN]registry.MeteringPoint{}
	for _, mp := range MeteringPoints(d, pseudonym.EndUserID(Kari.Name), pseudonym.EndUserID(Ola.Name), pseudonym.EndUserID(Baker.Name)) {
		points[mp.ID] = mp
	}
	pendingFrom, pendingOn, pendingScope := PendingRequest(d)
	for _, c := range cases(d) {
		p := TestPoint{MeteringPointID: c.id, Answer: c.answer, HTTPStatus: c.status, Meaning: c.meaning,
			EndUsers: []TestOccupancy{}, Access: []TestAccess{}, Pending: []TestPending{}}
		if mp, ok := points[c.id]; ok {
			p.Registered, p.Type, p.PriceArea, p.Resolution = true, string(mp.Type), string(mp.PriceArea), string(mp.Resolution)
			p.Address = fmt.Sprintf("%s, %s %s", mp.Address.Street, mp.Address.Postcode, mp.Address.Municipality)
			if dp.CoversGridArea(mp.GridArea) {
				p.DataProvider = dp.GLN
			}
			for _, o := range mp.Occupancies {
				occ := TestOccupancy{Login: string(o.EndUser), MoveIn: day(o.MoveIn)}
				if i := slices.IndexFunc(People, func(u oidcdev.User) bool { return u.Name == occ.Login }); i >= 0 {
					occ.ActsFor = People[i].OrgName
				}
				if !o.MoveOut.IsZero() {
					occ.MoveOut = day(o.MoveOut)
				}
				p.EndUsers = append(p.EndUsers, occ)
			}
			if !today.IsZero() {
				today = metervalues.Date(today)
				p.MeterValues = &TestWindow{From: day(today.AddDate(0, 0, -MeterValueDays)), To: day(today)}
			}
		}
		for _, g := range Grants(d) {
			if g.MeteringPoint == c.id {
				p.Access = append(p.Access, TestAccess{ThirdParty: g.ThirdParty, Scope: string(g.Scope), DataFrom: day(g.DataFrom), GivenBy: g.Login})
			}
		}
		if pendingOn == c.id {
			p.Pending = append(p.Pending, TestPending{ThirdParty: pendingFrom.GLN, Scope: string(pendingScope)})
		}
		t.MeteringPoints = append(t.MeteringPoints, p)
	}

	t.Logins = []TestLogin{
		{Login: Kari.Name, Use: "end user: lives at " + string(d.Requestable) + ", moved out of " + string(d.NoEndUser)},
		{Login: Ola.Name, Use: "end user: lives at " + string(d.AlreadyGranted) + " (gave " + d.ThirdParties[0].Name + " access), moved out of " + string(d.SecondRequestable)},
		{Login: Baker.Name, ActsFor: Baker.OrgName, Use: "end user for " + Baker.OrgName + ", at " + string(d.SecondRequestable)},
		{Login: Siri.Name, ActsFor: Siri.OrgName, Use: "third-party portal for " + Siri.OrgName},
	}
	return t
}

func day(t time.Time) string { return t.Format(metervalues.DayLayout) }

// Markdown is the table the README shows: one row per metering point.
func (t TestData) Markdown() string {
	names := map[ident.GLN]string{}
	for _, tp := range t.ThirdParties {
		names[tp.GLN] = tp.Name
	}
	var b strings.Builder
	fmt.Fprintf(&b, "| Metering point | `POST /v1/access-requests` as %s |", t.ThirdParties[0].Name)
	b.WriteString(" Who lives there (log in as) | Access | Data | Values |\n")
	b.WriteString("| --- | --- | --- | --- | --- | --- |\n")
	for _, p := range t.MeteringPoints {
		var who, access []string
		for _, o := range p.EndUsers {
			span := "from " + o.MoveIn
			if o.MoveOut != "" {
				span = o.MoveIn + " to " + o.MoveOut
			}
			login := o.Login
			if o.ActsFor != "" {
				login += " for " + o.ActsFor
			}
			who = append(who, fmt.Sprintf("%s (%s)", login, span))
		}
		for _, a := range p.Access {
			access = append(access, fmt.Sprintf("%s: %s from %s, given by %s", names[a.ThirdParty], a.Scope, a.DataFrom, a.GivenBy))
		}
		for _, r := range p.Pending {
			access = append(access, fmt.Sprintf("%s: a pending %s request", names[r.ThirdParty], r.Scope))
		}
		data, values := "not registered", "—"
		if p.Registered {
			data = fmt.Sprintf("%s, %s, %s, %s", p.Type, p.Address, p.PriceArea, p.Resolution)
			values = fmt.Sprintf("the %d days before today", MeterValueDays)
		}
		fmt.Fprintf(&b, "| `%s` | %d %s: %s | %s | %s | %s | %s |\n", p.MeteringPointID, p.HTTPStatus, p.Answer, p.Meaning,
			orDash(who), orDash(access), data, values)
	}
	b.WriteString("\n| Log in as | For | Use |\n| --- | --- | --- |\n")
	for _, l := range t.Logins {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", l.Login, orDash([]string{l.ActsFor}), l.Use)
	}
	b.WriteString("\n| Party | GLN | OAuth client id |\n| --- | --- | --- |\n")
	for _, tp := range t.ThirdParties {
		fmt.Fprintf(&b, "| %s (third party) | `%s` | `%s` |\n", tp.Name, tp.GLN, tp.ClientID)
	}
	for _, dp := range t.DataProviders {
		fmt.Fprintf(&b, "| %s (%s; sends every demo point's data) | `%s` | `%s` |\n", dp.Name, dp.Role, dp.GLN, dp.ClientID)
	}
	return b.String()
}

func orDash(parts []string) string {
	parts = slices.DeleteFunc(slices.Clone(parts), func(s string) bool { return s == "" })
	if len(parts) == 0 {
		return "—"
	}
	return strings.Join(parts, "; ")
}
