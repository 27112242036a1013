package portalweb

import (
	"context"
	"go/build"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/consumption"
	"github.com/tredjepart/tredjepart/shared/delivery"
	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/metering"
	"github.com/tredjepart/tredjepart/shared/oslo"
	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/stdwebhook"
	"github.com/tredjepart/tredjepart/shared/webhook"
	"github.com/tredjepart/tredjepart/shared/websession"
)

// TestPagesDrawEveryPage draws each page the handlers render, with the
// data type they give it, in both languages: a page named but not drawn,
// or given data of another type, fails here rather than in a browser.
func TestPagesDrawEveryPage(t *testing.T) {
	who := staff{session: session{Name: "Kari"}, ThirdParty: registry.ThirdParty{GLN: ident.GLN("7090000000011"), Name: "Strøm & Co"}}
	span := consumption.SpanOf(consumption.Day, time.Date(2026, 3, 29, 0, 0, 0, 0, oslo.Oslo))
	titles := map[string]string{} // page by title: each page has its own
	for _, c := range []struct {
		name, heading string
		user          staff
		data          any
	}{
		{"overview.html", "overview.heading", who, overviewPage{}},
		{"new.html", "new.heading", who, newRequestForm{}},
		{"requests.html", "requests.heading", who, requestsPage{}},
		{"points.html", "points.heading", who, pointsPage{}},
		{"point.html", "point.heading", who, metering.MasterDataDocument{}},
		{"consumption.html", "consumption.heading", who, consumptionPage{Span: span, Chart: consumption.Chart(nil, span, websession.Bokmal)}},
		{"deliveries.html", "deliveries.heading", who, deliveriesPage{}},
		{"problem.html", "error", staff{}, "refused.disabled"},
		{"logged-out.html", "loggedOut", staff{}, nil},
	} {
		for _, lang := range []string{websession.Bokmal, websession.English} {
			tr := websession.NewTranslator(lang, messages)
			var b strings.Builder
			if err := pages(page{Translator: tr, User: c.user, Template: c.name, Data: c.data}).Render(context.Background(), &b); err != nil {
				t.Errorf("%s (%s): %v", c.name, lang, err)
				continue
			}
			html := b.String()
			if !strings.Contains(html, `<html lang="`+lang+`" data-color-scheme="light">`) || !strings.Contains(html, `<h1 class="ds-heading" data-size="lg"`) ||
				!strings.Contains(html, ">"+tr.T(c.heading)) || !strings.HasSuffix(html, "</html>") {
				t.Errorf("%s (%s): no page in %s, or not its heading %q:\n%s", c.name, lang, lang, tr.T(c.heading), html)
			}
			title := html[strings.Index(html, "<title>")+len("<title>") : strings.Index(html, "</title>")]
			if other, taken := titles[title]; taken || strings.HasPrefix(title, "page.") {
				t.Errorf("%s (%s) is titled %q, as %s is", c.name, lang, title, other)
			}
			titles[title] = c.name
		}
	}
}

func TestPagesRefuseAnUnknownPage(t *testing.T) {
	var b strings.Builder
	if err := pages(page{Template: "nothing.html"}).Render(context.Background(), &b); err == nil || b.Len() > 0 {
		t.Errorf("drew %q, error %v; want an error and nothing drawn", b.String(), err)
	}
}

// TestPagesUseNoHTMLTemplate: html/template's reflection would keep every
// exported method in the bootstrap (issue 12); the pages and the chart are
// templ components.
func TestPagesUseNoHTMLTemplate(t *testing.T) {
	for _, dir := range []string{".", "../consumption"} {
		pkg, err := build.ImportDir(dir, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, banned := range []string{"html/template", "text/template"} {
			if slices.Contains(pkg.Imports, banned) {
				t.Errorf("package %s (%s) imports %s", pkg.Name, dir, banned)
			}
		}
	}
}

// Every refusal of a webhook change has its words in both languages, and
// the page shows it in an error summary at the URL field.
func TestWebhookRefusalsAreTranslated(t *testing.T) {
	for _, c := range []struct {
		err  *fault.Error
		want string
	}{
		{fault.InvalidFields(fault.FieldError{Field: "url", Reason: "The URL must start with https://."}), "webhook.invalidURL"},
		{fault.InvalidFields(fault.FieldError{Field: "events", Reason: "must name at least one event; leave it out for all of them"}), "webhook.noEvents"},
		{fault.InvalidFields(fault.FieldError{Field: "url", Reason: "The URL must start with https://, not ftp://."},
			fault.FieldError{Field: "events", Reason: "must name at least one event; leave it out for all of them"}), "webhook.invalidURL"},
		{fault.InvalidFields(fault.FieldError{Field: "events[0]", Reason: "must be one of meter-values, notification"}), "webhook.refused"},
		{webhook.ErrStale, "webhook.changedMeanwhile"},
		{fault.New(fault.NotFound, "No webhook is registered; PUT /v1/webhook registers one."), "webhook.noneToChange"},
		{fault.New(fault.Conflict, "Something else."), "webhook.refused"},
	} {
		if got := webhookRefusal(c.err); got != c.want {
			t.Errorf("%v: %s, want %s", c.err, got, c.want)
		}
		for _, lang := range []string{websession.Bokmal, websession.English} {
			if text := websession.NewTranslator(lang, messages).T(c.want); text == c.want {
				t.Errorf("%s has no %s text", c.want, lang)
			}
		}
	}
	var b strings.Builder
	p := page{Translator: websession.NewTranslator(websession.Bokmal, messages), Template: "deliveries.html", Data: deliveriesPage{Error: "webhook.invalidURL"}}
	if err := pages(p).Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`data-testid="error-summary"`, `href="#webhook-url" data-testid="form-error">URL-en ble ikke godtatt.`, `aria-invalid`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the page lacks %s", want)
		}
	}
}

// The consumption page says in the page's language why it has nothing to
// show.
func TestTheConsumptionRefusalIsTranslated(t *testing.T) {
	span := consumption.SpanOf(consumption.Day, time.Date(2019, 1, 1, 0, 0, 0, 0, oslo.Oslo))
	var b strings.Builder
	p := page{Translator: websession.NewTranslator(websession.Bokmal, messages), Template: "consumption.html",
		Data: consumptionPage{Span: span, Chart: consumption.Chart(nil, span, websession.Bokmal), Problem: "consumption.outsideWindow"}}
	if err := pages(p).Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "Perioden ligger utenfor tiden tilgangen gir data for.") {
		t.Errorf("the page:\n%s", b.String())
	}
}

// Every code a request is refused with has its words in both languages,
// ours beside Elhub's.
func TestRefusalCodesAreTranslated(t *testing.T) {
	for _, code := range []string{accessrequest.CodeUnknownMeteringPoint, accessrequest.CodeNotAccountingPoint, accessrequest.CodeNoEndUser,
		accessrequest.CodeAlreadyHasAccess, accessrequest.CodePendingOtherScope} {
		res := result{Outcome: "rejected", Code: code, Detail: "the service's English detail"}
		for _, lang := range []string{websession.Bokmal, websession.English} {
			if got := resultDetail(page{Translator: websession.NewTranslator(lang, messages)}, res); got == res.Detail || got == "code."+code {
				t.Errorf("%s in %s: %q", code, lang, got)
			}
		}
	}
}

// The webhook's test form offers the test event and the sample daily
// document, the two types POST /v1/webhook/test takes.
func TestTheWebhookCanBeSentEitherTest(t *testing.T) {
	hook := &webhook.Endpoint{URL: "https://hooks.example.com/tredjepart", Enabled: true, Keys: []webhook.Key{{CreatedAt: time.Now()}}}
	for _, lang := range []string{websession.Bokmal, websession.English} {
		var b strings.Builder
		p := page{Translator: websession.NewTranslator(lang, messages), Template: "deliveries.html", Data: deliveriesPage{Webhook: hook}}
		if err := pages(p).Render(context.Background(), &b); err != nil {
			t.Fatal(err)
		}
		for _, eventType := range webhook.TestTypes {
			if !strings.Contains(b.String(), `name="type" value="`+eventType+`"`) {
				t.Errorf("%s: no button sends %s", lang, eventType)
			}
		}
		if strings.Contains(b.String(), ">webhook.testSample<") {
			t.Errorf("%s: the sample's button has no words", lang)
		}
	}
}

// The webhook form has a box for each kind of document it can be pushed,
// labelled in the page's language inside a fieldset with its legend,
// ticked as the endpoint is registered: every box for every kind (no
// list), the listed ones otherwise, and every one before there is an
// endpoint.
func TestTheWebhookFormShowsTheEventsItIsRegisteredFor(t *testing.T) {
	all := map[delivery.Kind]bool{}
	for _, k := range webhook.Events {
		all[k] = true
	}
	for _, c := range []struct {
		name    string
		webhook *webhook.Endpoint
		ticked  map[delivery.Kind]bool
	}{
		{"no webhook", nil, all},
		{"every kind", &webhook.Endpoint{URL: "https://hooks.example.com/all", Enabled: true}, all},
		{"notifications only", &webhook.Endpoint{URL: "https://hooks.example.com/notices", Enabled: true, Events: []delivery.Kind{delivery.Notice}},
			map[delivery.Kind]bool{delivery.Notice: true}},
	} {
		for _, lang := range []string{websession.Bokmal, websession.English} {
			var b strings.Builder
			p := page{Translator: websession.NewTranslator(lang, messages), Template: "deliveries.html", Data: deliveriesPage{Webhook: c.webhook}}
			if err := pages(p).Render(context.Background(), &b); err != nil {
				t.Fatal(err)
			}
			html := b.String()
			form := html[strings.Index(html, `<form method="post" action="/portal/webhook">`):]
			form = form[:strings.Index(form, "</form>")]
			if !regexp.MustCompile(`<fieldset class="ds-fieldset"[^>]*><legend class="ds-label">[^<]+</legend>`).MatchString(form) ||
				strings.Contains(form, ">webhook.") {
				t.Errorf("%s (%s): no fieldset with a legend in words:\n%s", c.name, lang, form)
			}
			for _, k := range webhook.Events {
				id := "webhook-event-" + string(k)
				box := regexp.MustCompile(`<input[^>]* type="checkbox" id="` + id + `" name="events" value="` + string(k) + `"[^>]*>`).FindString(form)
				if box == "" {
					t.Errorf("%s (%s): no box for %s:\n%s", c.name, lang, k, form)
					continue
				}
				if ticked := strings.Contains(box, " checked"); ticked != c.ticked[k] {
					t.Errorf("%s (%s): %s ticked %v, want %v", c.name, lang, k, ticked, c.ticked[k])
				}
				label := regexp.MustCompile(`<label for="` + id + `">([^<]+)<code>` + string(k) + `</code></label>`).FindStringSubmatch(form)
				if label == nil || strings.HasPrefix(label[1], "event.") {
					t.Errorf("%s (%s): %s has no label in words: %q", c.name, lang, k, label)
				}
			}
		}
	}
}

// No box ticked is refused in an error summary linking to the first box,
// in the page's language, with the boxes marked; the boxes show what was
// sent, not what is registered.
func TestTheWebhookFormRefusesNoEventsInItsLanguage(t *testing.T) {
	hook := &webhook.Endpoint{URL: "https://hooks.example.com/all", Enabled: true}
	for lang, words := range map[string]string{websession.Bokmal: "Velg minst én", websession.English: "Choose at least one"} {
		var b strings.Builder
		p := page{Translator: websession.NewTranslator(lang, messages), Template: "deliveries.html",
			Data: deliveriesPage{Webhook: hook, Error: "webhook.noEvents", Form: &webhookForm{URL: "https://hooks.example.com/new", Events: []delivery.Kind{}}}}
		if err := pages(p).Render(context.Background(), &b); err != nil {
			t.Fatal(err)
		}
		html := b.String()
		first := "webhook-event-" + string(webhook.Events[0])
		if !strings.Contains(html, `href="#`+first+`" data-testid="form-error">`+words) {
			t.Errorf("%s: no error summary linking to %s in words %q:\n%s", lang, first, words, html)
		}
		if strings.Count(html, `name="events"`) != len(webhook.Events) || strings.Count(html, "aria-invalid") != len(webhook.Events) || strings.Contains(html, `name="events" value="meter-values" checked`) {
			t.Errorf("%s: the boxes are not all shown unticked and marked invalid:\n%s", lang, html)
		}
		if !strings.Contains(html, `value="https://hooks.example.com/new"`) {
			t.Errorf("%s: the URL sent is not shown again", lang)
		}
	}
}

// A test push the endpoint refused says it failed, not that it will be
// retried: a test is made once.
func TestAFailedTestPushIsNotShownAsRetried(t *testing.T) {
	tested := webhook.Attempt{DocumentID: "webhook.test:1", Number: 1, Outcome: stdwebhook.Failed, Status: 401, Error: "endpoint answered 401"}
	var b strings.Builder
	p := page{Translator: websession.NewTranslator(websession.English, messages), Template: "deliveries.html", Data: deliveriesPage{Tested: &tested, Done: "tested"}}
	if err := pages(p).Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "Failed (a test is not retried) (HTTP 401): endpoint answered 401") || strings.Contains(b.String(), "will retry") {
		t.Errorf("the page:\n%s", b.String())
	}
}
