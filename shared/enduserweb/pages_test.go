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
		Open:           true,
	}
	approved := pending
	approved.Status, approved.GrantedScope, approved.Open = accessrequest.Approved, accessrequest.Limited, false
	holding := holdingRows{
		Holding: consent.Holding{MeteringPoint: "707057500000000017", Address: pending.Address},
		Rows: []row{
			{Grant: grant.Grant{ThirdParty: "7080000000017", Level: accessrequest.Limited, Status: grant.Active, GrantedAt: expires, DataFrom: expires}, ThirdPartyName: "Kraft"},
			{Grant: grant.Grant{ThirdParty: "7080000000024", Level: accessrequest.Full, Status: grant.Revoked, GrantedAt: expires, DataFrom: expires}, ThirdPartyName: "Strøm"},
		},
	}
	left := holdingRows{ // a point ola has moved out of, with the access ola gave there
		Holding: consent.Holding{MeteringPoint: "707057500000000024", Address: registry.Address{Street: "Gamleveien 2", Postcode: "0155", Municipality: "Oslo"},
			Since: registry.Date(2021, 8, 1), MoveOut: registry.Date(2026, 11, 5)},
		Rows: []row{{Grant: grant.Grant{ThirdParty: "7080000000031", Level: accessrequest.Full, Status: grant.Active, GrantedAt: expires, DataFrom: registry.Date(2021, 8, 1)},
			ThirdPartyName: "Gammel", MovedOut: registry.Date(2026, 11, 5)}},
	}
	ola := session{EndUser: "p1_pages", Name: "Ola", OrgName: "Borettslaget", Expires: expires}
	for _, tt := range []struct {
		page, lang string
		user       session
		data       any
		want       []string
	}{
		{"pending.html", websession.Bokmal, ola, []card{pending}, []string{
			`<html lang="nb" data-color-scheme="light">`, `<title>Forespørsler om tilgang – Tilgang til strømdata</title>`,
			`<a class="ds-link" href="/consent" data-testid="nav-pending" aria-current="page">Forespørsler</a>`,
			`Innlogget som Ola for Borettslaget</span> <form class="inline" method="post" action="/logout">`, `</form> <a class="ds-link" href="?lang=en"`,
			`data-testid="request-r-1"`, `<option value="FULL" selected>`, `<time datetime="2026-12-03T23:00:00Z">03.12.2026 24:00</time>`,
			`id="tp-r-1">Kraft &lt;script&gt;alert(1)&lt;/script&gt;</h2>`, `<span class="id">707057500000000017</span>`,
			`<a class="ds-link" href="?lang=en" lang="en" hreflang="en">English</a>`,
		}},
		{"pending.html", websession.English, ola, []card(nil), []string{`<html lang="en" data-color-scheme="light">`, `data-testid="no-pending">You have no open requests.`}},
		{"request.html", websession.Bokmal, ola, pending, []string{`data-testid="approve-r-1"`, `data-testid="submit-decisions"`}},
		{"request.html", websession.English, ola, approved, []string{`data-testid="request-status">Kraft &lt;script&gt;`, `<span class="id">707057500000000017</span>: Approved`}},
		{"result.html", websession.English, ola, []result{{card: approved}, {card: pending, Failed: "Gone."}}, []string{
			`data-testid="result-r-1"`, `Approved (Limited)`, `<strong>Not recorded: Gone.</strong>`, `data-color="danger" role="status"`,
			`<div class="ds-error-summary" tabindex="-1" autofocus data-testid="error-summary"`, `These answers were not recorded:`,
			`<li><a class="ds-link" href="/consent/requests/r-1">Kraft &lt;script&gt;alert(1)&lt;/script&gt;: Gone.</a></li>`,
		}},
		{"result.html", websession.Bokmal, ola, []result(nil), []string{`<title>Svarene dine – `, `role="status"`, `data-testid="result-none">Du svarte ikke på noen forespørsler.`}},
		{"access.html", websession.Bokmal, ola, accessPage{Holdings: []holdingRows{holding}, Reads: []readView{
			{At: "2026-12-03T11:00:00Z", ThirdPartyName: "Kraft", What: "meter-values", at: time.Date(2026, 12, 3, 11, 0, 0, 0, time.UTC),
				from: time.Date(2025, 12, 31, 23, 0, 0, 0, time.UTC), to: time.Date(2026, 1, 31, 23, 0, 0, 0, time.UTC)},
			{At: "2026-12-05T07:35:46Z", ThirdPartyName: "Kraft", What: "meter-values", at: time.Date(2026, 12, 5, 7, 35, 46, 0, time.UTC),
				from: time.Date(2026, 12, 3, 23, 0, 0, 0, time.UTC), to: time.Date(2026, 12, 4, 23, 0, 0, 0, time.UTC)},
			{At: "2026-12-05T09:00:00Z", What: "export", at: time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)},
		}, Done: "revoke"}, []string{
			`<td data-label="Aktør">Du selv</td>`, `<td data-label="Hva">Nedlasting av dataene dine</td>`,
			`<a class="ds-link" href="/v1/me/export" download data-testid="export-json">Last ned som JSON</a>`,
			`<a class="ds-link" href="/v1/me/export?format=zip" download data-testid="export-zip">Last ned som CSV-filer (zip)</a>`,
			`<title>Mine tilganger – Tilgang til strømdata</title>`,
			`<a class="ds-link" href="/consent/access" data-testid="nav-access" aria-current="page">`, `role="status" data-testid="done-revoke"><p class="ds-paragraph">Tilgangen er fjernet.`,
			`data-testid="change-7080000000017-707057500000000017">`,
			`<form method="post" action="/consent/access"><input type="hidden" name="action" value="revoke">`,
			`data-testid="revoke-7080000000017-707057500000000017"`,
			`data-testid="grant-7080000000024-707057500000000017"`, `<span class="ds-tag" data-color="danger">Fjernet</span>`,
			`<option value="707057500000000017">Storgata 1, 0155 Oslo</option>`,
			`<time datetime="2026-12-03T11:00:00Z">03.12.2026 12:00</time>`, `<td data-label="Periode">01.01.2026 – 31.01.2026</td>`,
			`<time datetime="2026-12-05T07:35:46Z">05.12.2026 08:35</time>`, `<td data-label="Periode">04.12.2026</td>`,
		}},
		{"access.html", websession.English, ola, accessPage{Holdings: []holdingRows{holding, left}}, []string{
			`data-testid="moved-out-707057500000000024"><span class="ds-tag" data-color="warning">You have moved out</span>`,
			`<dt>Data for</dt><dd>01.08.2021 – 04.11.2026</dd>`,
			`data-testid="change-7080000000031-707057500000000024">`, `data-testid="revoke-7080000000031-707057500000000024"`,
			`<option value="707057500000000017">Storgata 1, 0155 Oslo</option></select>`, // access is given only where one lives
		}},
		{"access.html", websession.Bokmal, ola, accessPage{}, []string{`Ingen har lest dataene dine ennå.`}},
		{"access.html", websession.Bokmal, ola, accessPage{Holdings: []holdingRows{holding}, GrantGLN: "7080000000018", GrantError: "grant.invalidGLN"}, []string{
			`<div class="ds-error-summary" tabindex="-1" autofocus data-testid="error-summary"`,
			`<a class="ds-link" href="#grant-gln">Aktørens GLN er ikke gyldig.`,
			`value="7080000000018"`, `aria-invalid="true" aria-describedby="grant-gln-help grant-gln-error"`,
		}},
		{"authorize.html", websession.English, ola, authorizePage{
			Visit:   authorization{ThirdParty: registry.ThirdParty{GLN: "7080000000017"}, RedirectURI: "https://tp.example/back?a=1&b=2", RequestID: "r-1", State: `s"1`, Level: accessrequest.Limited},
			Request: pending,
		}, []string{
			`asks for access to your electricity data</h1>`, `name="redirect_uri" value="https://tp.example/back?a=1&amp;b=2"`,
			`name="state" value="s&#34;1"`, `<option value="LIMITED" selected>`, `data-testid="authorize-approve"`,
		}},
		{"problem.html", websession.English, session{}, "Your session has ended.", []string{`<p class="ds-paragraph" data-testid="problem">Your session has ended.</p>`}},
		{"problem.html", websession.Bokmal, session{}, "", []string{`<title>Noe gikk galt – `, `<h1 class="ds-heading" data-size="lg">Fant ikke siden</h1>`, `<p class="ds-paragraph" data-testid="problem">Fant ingenting her.</p>`}},
		{"logged-out.html", websession.Bokmal, session{}, nil, []string{`<title>Du er logget ut – `, `data-testid="logged-out">Du er logget ut</h1>`, `<a class="ds-link" href="/login">Logg inn igjen</a>`,
			`<a class="ds-link" href="/consent" data-testid="front-page">Til forsiden for tilgang til strømdata</a>`}},
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
		if strings.Contains(drawn, "GLN") && tt.page != "access.html" { // the form to give access asks for one
			t.Errorf("%s shows the end user a GLN", tt.page)
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
