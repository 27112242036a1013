//go:build integration

package e2e_test

// The third-party portal in a real browser, with headless Chromium as in
// browser_test.go: Siri logs in for Straumkompis, asks for three metering
// points at once, the end user of the one that can be asked for approves in
// a browser context of their own, and Siri reads the point's 25-hour day as
// a chart and as a downloaded CSV file. Each page Siri sees is checked for
// horizontal scrolling on a 375 px wide phone.

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/shopspring/decimal"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/consumption"
)

// fallBack is the day summer time ends in Norway: 25 hours.
const fallBack, fallBackHours = "2026-10-25", 25

// phoneWidth is the narrowest phone the portal is checked on.
const phoneWidth = 375

// fitsPhone fails when the page scrolls sideways at phoneWidth, then goes
// back to the desktop viewport the screenshots use.
func fitsPhone(page string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if _, err := chromedp.EmulateViewport(phoneWidth, 812, chromedp.EmulateMobile, chromedp.EmulatePortrait)(ctx, t); err != nil {
			return err
		}
		width, err := chromedp.Evaluate[int](`document.documentElement.scrollWidth`)(ctx, t)
		if err != nil {
			return err
		}
		if width > phoneWidth {
			return fmt.Errorf("the %s page is %d px wide on a %d px phone: it scrolls sideways", page, width, phoneWidth)
		}
		_, err = desktop(ctx, t)
		return err
	})
}

// desktop is the viewport of a staff member's laptop.
var desktop = chromedp.EmulateViewport(1024, 768)

// ingestedSum adds up the quantities of a series as sent.
func ingestedSum(t *testing.T, series string) decimal.Decimal {
	t.Helper()
	var s struct{ Quantities []struct{ Quantity string } }
	if err := json.Unmarshal([]byte(series), &s); err != nil {
		t.Fatal(err)
	}
	sum := decimal.Zero
	for _, q := range s.Quantities {
		sum = sum.Add(decimal.RequireFromString(q.Quantity))
	}
	return sum
}

func TestPortalInARealBrowser(t *testing.T) {
	started := time.Now()
	w := newMeteringWorld(t)
	bg := context.Background()

	// A metering point of its own, whose end user moved in before the
	// 25-hour day and has values for it, sent as a grid company does.
	mp, owner := freshGSRN(t), person(t)
	w.register(t, mp, "PT60M", endUser{id: owner, name: "Nettleser Testesen", moveIn: "2026-01-01"})
	series := seriesJSON(mp, fallBack, "PT60M", fallBackHours, 0.5)
	if res := w.ingest(t, "/v1/ingest/meter-values", "series", series); res[0]["outcome"] != "created" {
		t.Fatalf("meter values: %v", res[0])
	}
	want := ingestedSum(t, series)
	unregistered, bad := string(w.demo.Unregistered), badCheckDigit(t)

	ctx := headlessChromium(t)
	downloads := t.TempDir()
	a := newAuditor(t)

	// Siri logs in through the development provider and lands on the overview.
	err := chromedp.Do(ctx,
		desktop,
		chromedp.Navigate(w.api+"/portal"),
		chromedp.WaitVisible(testid("login-"+siri)),
		chromedp.Click(testid("login-"+siri)),
		chromedp.WaitVisible(testid("count-pending")),
		a.inBoth(w.api+"/portal", "overview"),
		a.inBoth(w.api+"/portal/requests/new", "new request"),
		a.inBoth(w.api+"/portal/requests", "requests"),
		a.inBoth(w.api+"/portal/deliveries", "deliveries"),
		a.inBoth(w.api+"/portal/metering-points/"+unregistered, "not found"),
		chromedp.WaitVisible(testid("who")), // a page that is not there still shows who is logged in
		chromedp.WaitVisible(testid("logout")),
		// Refused forms say why in bokmål, in an error summary that takes focus.
		chromedp.Navigate(w.api+"/portal/requests/new"),
		chromedp.SetValue(testid("metering-points"), " "),
		chromedp.Click(testid("submit-requests")),
		chromedp.WaitVisible(testid("error-summary")),
		chromedp.Poll[chromedp.Void](`document.activeElement.dataset.testid === "error-summary"`),
		a.audit("new request (nb)"),
		chromedp.Navigate(w.api+"/portal/deliveries"),
		chromedp.SetValue(testid("webhook-url"), "ftp://example.com/hook"),
		chromedp.Click(testid("webhook-save")),
		chromedp.WaitVisible(testid("error-summary")),
		chromedp.Poll[chromedp.Void](`document.activeElement.dataset.testid === "error-summary"`),
		a.audit("deliveries (nb)"),
		chromedp.Navigate(w.api+"/portal"),
		chromedp.WaitVisible(testid("count-pending")),
		fitsPhone("overview"),
		chromedp.EmulateViewport(phoneWidth, 812, chromedp.EmulateMobile, chromedp.EmulatePortrait),
		screenshot("portal-overview.png"),
		desktop,
	)
	if err != nil {
		t.Fatalf("log in to the portal: %v", err)
	}
	who, err := chromedp.Run(ctx, chromedp.Text(testid("who")))
	if err != nil || !strings.Contains(who, "Siri Straum") || !strings.Contains(who, "Straumkompis AS") {
		t.Fatalf("logged in as %q: %v", who, err)
	}

	// New request: three metering points pasted at once.
	row := func(input string) string { return testid("result-" + input) }
	err = chromedp.Do(ctx,
		chromedp.Click(`a[href="/portal/requests/new"]`),
		chromedp.WaitVisible(testid("metering-points")),
		chromedp.SetValue(testid("metering-points"), fmt.Sprintf("%s\n%s\n%s", mp, unregistered, bad)),
		chromedp.Click(testid("level-full")),
		chromedp.Click(testid("submit-requests")),
		chromedp.WaitVisible(row(string(mp))),
		chromedp.WaitVisible(row(unregistered)),
		chromedp.WaitVisible(row(bad)),
		fitsPhone("new request results"),
		a.audit("new request (nb)"),
		desktop,
		screenshot("portal-new-request.png"),
	)
	if err != nil {
		t.Fatalf("request three metering points: %v", err)
	}
	outcome := func(input string) string {
		t.Helper()
		a, err := chromedp.Run(ctx, chromedp.AttributeValue(row(input), "data-outcome"))
		if err != nil {
			t.Fatalf("the outcome of %s: %v", input, err)
		}
		return a.Value
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(sel))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	if got := outcome(string(mp)); got != "created" {
		t.Fatalf("the requestable point: %q\n%s", got, text(row(string(mp))))
	}
	if got, code := outcome(unregistered), text(row(unregistered)+" "+testid("code")); got != "rejected" || code != "E10" {
		t.Errorf("the unregistered point: %q with %q, want rejected with E10", got, code)
	}
	if got, shown := outcome(bad), text(row(bad)); got != "invalid" || !strings.Contains(shown, bad) || !strings.Contains(shown, "kontrollsifferet skal være") {
		t.Errorf("the bad check digit: %q, row %q", got, shown)
	}
	link, err := chromedp.Run(ctx, chromedp.Value(row(string(mp))+" "+testid("consent-link")))
	m := consentLink.FindStringSubmatch(link)
	if err != nil || m == nil || !strings.HasPrefix(link, w.api+"/consent/requests/") {
		t.Fatalf("consent link %q: %v", link, err)
	}
	id := m[1]

	// The end user, in a browser context of their own (no shared cookies),
	// opens the link, logs in with their national identity number and approves.
	endUserCtx, cancelEndUser := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	defer cancelEndUser()
	err = chromedp.Do(endUserCtx,
		chromedp.Navigate(link),
		chromedp.WaitVisible(testid("pid")),
		chromedp.SetValue(testid("pid"), owner.Digits()),
		chromedp.Click(testid("login-pid")),
		chromedp.WaitVisible(testid("request-"+id)),
		chromedp.Click(testid("approve-"+id)),
		chromedp.Click(testid("submit-decisions")),
		chromedp.WaitVisible(testid("result-"+id)),
	)
	if err != nil {
		t.Fatalf("the end user approves: %v", err)
	}
	if r, _ := w.stores.Requests.Get(bg, id); r.Status != accessrequest.Approved || r.GrantedScope != accessrequest.Full {
		t.Fatalf("approved request %+v", r)
	}
	cancelEndUser()

	// Back to Siri: the point is among those with access, page after page
	// (other tests' grants sort by metering point too).
	next := w.api + "/portal/metering-points"
	for pages := 1; ; pages++ {
		if err := chromedp.Do(ctx, chromedp.Navigate(next), chromedp.WaitVisible(testid("who"))); err != nil {
			t.Fatalf("metering points with access: %v", err)
		}
		found, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`!!document.querySelector(%q)`, testid("point-"+string(mp)))))
		if err != nil {
			t.Fatal(err)
		}
		if found {
			break
		}
		next, err = chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector(".pager a") || {}).href || ""`))
		if err != nil || next == "" || pages > 50 {
			t.Fatalf("%s is not among the metering points with access (%d pages): %v", mp, pages, err)
		}
	}

	// Its consumption on the 25-hour day: a bar and an hour label per hour.
	dayURL := fmt.Sprintf("%s/portal/metering-points/%s/consumption?view=day&date=%s", w.api, mp, fallBack)
	err = chromedp.Do(ctx,
		a.inBoth(w.api+"/portal/metering-points", "metering points"),
		a.inBoth(w.api+"/portal/metering-points/"+string(mp), "metering point"),
		a.inBoth(dayURL, "consumption"),
		desktop,
		chromedp.Navigate(next),
		chromedp.WaitVisible(testid("point-"+string(mp))),
		chromedp.Click(testid("consumption-"+string(mp))),
		chromedp.WaitVisible(testid("view-day")),
		chromedp.Navigate(dayURL),
		chromedp.WaitVisible(testid("chart")+" svg"),
		fitsPhone("consumption"),
		screenshot("portal-consumption-dst.png"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector("details").open = true`),
		chromedp.WaitVisible(testid("values")),
		fitsPhone("consumption with the values table"),
	)
	if err != nil {
		t.Fatalf("the consumption of %s: %v", fallBack, err)
	}
	labels, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('[data-testid="chart"] svg text'))
		.map(e => e.textContent.trim()).filter(s => /^[0-2][0-9][AB]?$/.test(s))`))
	if err != nil || len(labels) != fallBackHours || !slices.Contains(labels, "02A") || !slices.Contains(labels, "02B") {
		t.Errorf("hour labels %v (%d), want %d with 02A and 02B: %v", labels, len(labels), fallBackHours, err)
	}
	// Bars are the filled paths in the two bar colours, less the legend's
	// two swatches (see shared/consumption/chart.go), and they are drawn in
	// those colours (the Content Security Policy lets no inline style through).
	bars, err := chromedp.Run(ctx, chromedp.Evaluate[int](`Array.from(document.querySelectorAll('[data-testid="chart"] svg path'))
		.filter(p => ["rgb(31, 95, 139)", "rgb(166, 200, 224)"].includes(getComputedStyle(p).fill)).length - 2`))
	if err != nil || bars != fallBackHours {
		t.Errorf("%d bars, want %d: %v", bars, fallBackHours, err)
	}
	// On a phone the chart fills the column and its smallest text is
	// readable (the issue saw 263 px and labels of about 5 px).
	if err := chromedp.Do(ctx, phone); err != nil {
		t.Fatal(err)
	}
	chart, err := chromedp.Run(ctx, chromedp.Evaluate[struct{ Width, Text float64 }](`(() => {
		const svg = document.querySelector('[data-testid="chart"] svg');
		const sizes = Array.from(svg.querySelectorAll("text")).map(e => e.getBoundingClientRect().height);
		return {Width: svg.getBoundingClientRect().width, Text: Math.min(...sizes)};
	})()`))
	if err != nil || chart.Width < phoneWidth-2*16-1 || chart.Text < 11 {
		t.Errorf("on a %d px phone the chart is %.0f px wide, its smallest text %.1f px high (%v)", phoneWidth, chart.Width, chart.Text, err)
	}
	if total := text(testid("total")); total == "" {
		t.Error("no total under the chart")
	}

	// The CSV download, saved by the browser.
	_, err = chromedp.CallBrowser(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads,
	})
	if err != nil {
		t.Fatalf("allow downloads: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(testid("download-csv"))); err != nil {
		t.Fatalf("download the CSV: %v", err)
	}
	raw := downloaded(t, downloads, fmt.Sprintf("consumption-%s-day-%s.csv", mp, fallBack))
	lines, err := csv.NewReader(strings.NewReader(string(raw))).ReadAll()
	if err != nil || len(lines) != fallBackHours+1 || !slices.Equal(lines[0], consumption.CSVHeader) {
		t.Fatalf("CSV (%v, %d lines, want a header and %d rows):\n%s", err, len(lines), fallBackHours, raw)
	}
	sum := decimal.Zero
	for _, line := range lines[1:] {
		if line[0] != string(mp) {
			t.Fatalf("a row for %s: %v", line[0], line)
		}
		sum = sum.Add(decimal.RequireFromString(line[3]))
	}
	if !sum.Equal(want) {
		t.Errorf("the CSV sums to %s kWh, %s were sent", sum, want)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(testid("logout")),
		chromedp.WaitVisible(testid("logged-out")),
		a.inBoth(w.api+"/portal/logged-out", "logged out"),
		chromedp.WaitVisible(testid("front-page")),
	)
	if err != nil {
		t.Fatalf("log out: %v", err)
	}
	t.Logf("audited %d pages × widths × languages; portal browser test took %s", a.pages, time.Since(started).Round(time.Millisecond))
}
