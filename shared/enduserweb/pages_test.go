package enduserweb

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/consent"
	"github.com/tredjepart/tredjepart/shared/grant"
	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/websession"
)

// Every page the site renders is drawn from the data its handler hands it,
// in the language asked for, with what the people's names hold escaped and
// with spaces between inline elements where the eye sees them (whitespace
// runs count as one, as in the browser).
func TestEveryPageIsDrawnFromItsData(t *testing.T) {
	expires := time.Date(2026, 12, 3, 23, 0, 0, 0, time.UTC) // midnight in Oslo
	pending := card{
		Request:        accessrequest.Request{ID: "r-1", ThirdParty: "7080000000017", MeteringPoint: "707057500000000017", Scope: accessrequest.Full, Status: accessrequest.Pending, ExpiresAt: expires},
		ThirdPartyName: `Kraft <script>alert(1)</script>`,
		Address:        registry.Address{Street: "Storgata 1", Postcode: "0155", Municipality: "Oslo"},
	}
	approved := pending
	approved.Status, approved.GrantedScope = accessrequest.Approved, accessrequest.Limited
	holding := holdingRows{
		Holding: consent.Holding{MeteringPoint: "707057500000000017", Address: pending.Address},
		Rows: []row{
			{grant.Grant{ThirdParty: "7080000000017", Level: accessrequest.Limited, Status: grant.Active, GrantedAt: expires, DataFrom: expires}, "Kraft"},
			{grant.Grant{ThirdParty: "7080000000024", Level: accessrequest.Full, Status: grant.Revoked, GrantedAt: expires, DataFrom: expires}, "Strøm"},
		},
	}
	ola := session{EndUser: "p1_pages", Name: "Ola", OrgName: "Borettslaget", Expires: expires}
	for _, tt := range []struct {
		page, lang string
		user       session
		data       any
		want       []string
	}{
		{"pending.html", websession.Bokmal, ola, []card{pending}, []string{
			`<html lang="nb">`, `<a href="/consent" aria-current="page">Forespørsler</a>`,
			`Innlogget som Ola for Borettslaget</span> <form class="inline" method="post" action="/logout">`, `</form> <a href="?lang=en"`,
			`data-testid="request-r-1"`, `<option value="FULL" selected>`, `<time datetime="2026-12-03T23:00:00Z">03.12.2026 24:00</time>`,
			`Kraft &lt;script&gt;alert(1)&lt;/script&gt; (GLN 7080000000017)`, `<a href="?lang=en" lang="en" hreflang="en">English</a>`,
		}},
		{"pending.html", websession.English, ola, []card(nil), []string{`<html lang="en">`, `data-testid="no-pending">You have no open requests.`}},
		{"request.html", websession.Bokmal, ola, pending, []string{`data-testid="approve-r-1"`, `data-testid="submit-decisions"`}},
		{"request.html", websession.English, ola, approved, []string{`data-testid="request-status">Kraft &lt;script&gt;`, `707057500000000017: Approved`}},
		{"result.html", websession.English, ola, []result{{card: approved}, {card: pending, Failed: "Gone."}}, []string{
			`data-testid="result-r-1"`, `Approved (Limited: meter values and basic information)`, `<span class="bad">Not recorded: Gone.</span>`,
		}},
		{"access.html", websession.Bokmal, ola, accessPage{Holdings: []holdingRows{holding}, Reads: []readView{{At: "03.12.2026 12:00", ThirdPartyName: "Kraft", What: "meter-values", From: "2026-01-01", To: "2026-02-01"}}, Done: "revoke"}, []string{
			`<a href="/consent/access" aria-current="page">`, `data-testid="done-revoke">Tilgangen er fjernet.`,
			`</select> <button type="submit" data-testid="change-7080000000017-707057500000000017">`,
			`</form> <form class="inline" method="post" action="/consent/access"><input type="hidden" name="action" value="revoke">`,
			`data-testid="revoke-7080000000017-707057500000000017"`,
			`data-testid="grant-7080000000024-707057500000000017"`, `<span class="bad">Fjernet</span>`,
			`<option value="707057500000000017">Storgata 1, 0155 Oslo (707057500000000017)</option>`, `<td>2026-01-01 – 2026-02-01</td>`,
		}},
		{"access.html", websession.Bokmal, ola, accessPage{}, []string{`Ingen har lest dataene dine ennå.`}},
		{"authorize.html", websession.English, ola, authorizePage{
			Visit:   authorization{ThirdParty: registry.ThirdParty{GLN: "7080000000017"}, RedirectURI: "https://tp.example/back?a=1&b=2", RequestID: "r-1", State: `s"1`, Level: accessrequest.Limited},
			Request: pending,
		}, []string{
			`asks for access to your electricity data</h1>`, `name="redirect_uri" value="https://tp.example/back?a=1&amp;b=2"`,
			`name="state" value="s&#34;1"`, `<option value="LIMITED" selected>`, `data-testid="authorize-approve"`,
		}},
		{"problem.html", websession.English, session{}, "Your session has ended.", []string{`<p data-testid="problem">Your session has ended.</p>`}},
		{"problem.html", websession.Bokmal, session{}, "", []string{`<p data-testid="problem">Fant ingenting her.</p>`}},
		{"logged-out.html", websession.Bokmal, session{}, nil, []string{`<h1>Logg ut</h1>`, `<a href="/login">`}},
	} {
		var body strings.Builder
		p := view{Translator: websession.NewTranslator(tt.lang, messages), User: tt.user, Template: tt.page, Data: tt.data}
		if err := pages(p).Render(context.Background(), &body); err != nil {
			t.Errorf("%s: %v", tt.page, err)
			continue
		}
		drawn := strings.Join(strings.Fields(body.String()), " ")
		for _, want := range tt.want {
			if !strings.Contains(drawn, want) {
				t.Errorf("%s in %s lacks %s\n%s", tt.page, tt.lang, want, body.String())
			}
		}
		if tt.user.EndUser == "" && strings.Contains(body.String(), `data-testid="logout"`) {
			t.Errorf("%s offers a logout to nobody", tt.page)
		}
	}
}

// A page handed data it cannot show, or a page the site lacks, fails to
// draw rather than drawing half a page.
func TestAPageWithTheWrongDataIsNotDrawn(t *testing.T) {
	for _, p := range []view{
		{Template: "pending.html", Data: card{}},
		{Template: "access.html", Data: nil},
		{Template: "nowhere.html"},
	} {
		var body strings.Builder
		if err := pages(p).Render(context.Background(), &body); err == nil || body.Len() != 0 {
			t.Errorf("%s with %T: error %v, drew %q", p.Template, p.Data, err, body.String())
		}
	}
}
