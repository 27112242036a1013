//go:build integration

package e2e_test

// What the browser tests check on every page they audit, at a 375 px phone
// and a 1280 px screen: axe-core's WCAG 2.0/2.1 A and AA rules (0
// violations), no sideways scrolling on the phone, targets of at least
// 24 × 24 px (WCAG 2.5.8) for every control and every link in the
// header, identifiers (metering points, class "id") on one line and in
// view, a page in one language, and a title of its own.
// docs/accessibility.md says what this covers and what a person still
// has to check.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// axeTags are the rules axe runs: WCAG 2.0 and 2.1, levels A and AA.
const axeTags = `["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]`

// auditWidths are the viewports every page is audited at.
var auditWidths = []int64{phoneWidth, 1280}

// auditor audits the pages one browser shows, and remembers their titles.
type auditor struct {
	axe    string
	titles map[string]string // page name by title
	pages  int               // page × width × language audited
}

// newAuditor reads axe-core from node_modules, which `make npm` installs.
func newAuditor(t *testing.T) *auditor {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("..", "..", "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		t.Fatalf("axe-core is missing (make npm installs it): %v", err)
	}
	return &auditor{axe: string(src), titles: map[string]string{}}
}

// english are words that give English away on a bokmål page.
var english = regexp.MustCompile(`(?i)\b(the|you|your|should|already|please|not found|check digit)\b`)

// audit checks the page shown as name, at each of auditWidths, and leaves
// the browser at the last of them.
func (a *auditor) audit(name string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		for _, width := range auditWidths {
			var opts []chromedp.EmulateViewportOption
			if width == phoneWidth {
				opts = append(opts, chromedp.EmulateMobile, chromedp.EmulatePortrait)
			}
			if _, err := chromedp.EmulateViewport(width, 800, opts...)(ctx, tg); err != nil {
				return err
			}
			at := fmt.Sprintf("%s at %d px", name, width)
			loaded, err := chromedp.Evaluate[bool](`typeof window.axe === "object"`)(ctx, tg)
			if err != nil {
				return err
			}
			if !loaded {
				if _, err := chromedp.Evaluate[chromedp.Void](a.axe)(ctx, tg); err != nil {
					return fmt.Errorf("%s: injecting axe-core: %w", at, err)
				}
			}
			violations, err := chromedp.Evaluate[[]string](`axe.run(document, {runOnly: {type: "tag", values: `+axeTags+`}, resultTypes: ["violations"]})
				.then(r => r.violations.map(v => v.id + " (" + v.impact + "): " + v.help + " at " + v.nodes.map(n => n.target.join(" ")).join(", ")))`,
				chromedp.EvalAwaitPromise)(ctx, tg)
			if err != nil {
				return fmt.Errorf("%s: axe: %w", at, err)
			}
			if len(violations) > 0 {
				return fmt.Errorf("%s: %d axe violations:\n%s", at, len(violations), strings.Join(violations, "\n"))
			}
			page, err := chromedp.Evaluate[pageFacts](`(() => {
				const visible = e => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== "hidden";
				const small = Array.from(document.querySelectorAll('button, input:not([type=hidden]), select, textarea, summary, header a, nav a'))
					.filter(visible)
					.map(e => [e, e.getBoundingClientRect()])
					.filter(([e, r]) => r.width < 24 || r.height < 24)
					.map(([e, r]) => e.outerHTML.slice(0, 80) + " is " + Math.round(r.width) + "×" + Math.round(r.height));
				const broken = Array.from(document.querySelectorAll(".id")).filter(visible)
					.filter(e => e.getClientRects().length > 1 || e.scrollWidth > e.clientWidth + 1 || e.getBoundingClientRect().right > document.documentElement.clientWidth)
					.map(e => e.textContent);
				const main = document.querySelector("main").cloneNode(true);
				main.querySelectorAll("[lang], code, .id").forEach(e => e.remove());
				const wide = Array.from(document.querySelectorAll("main *")).filter(visible)
					.filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1 && e.children.length === 0)
					.map(e => e.tagName.toLowerCase() + " " + e.textContent.trim().slice(0, 60));
				return {Lang: document.documentElement.lang, Title: document.title, Text: main.innerText,
					ScrollWidth: document.documentElement.scrollWidth, Small: small, Broken: broken, Wide: wide};
			})()`)(ctx, tg)
			if err != nil {
				return fmt.Errorf("%s: %w", at, err)
			}
			if width == phoneWidth && page.ScrollWidth > phoneWidth {
				return fmt.Errorf("%s: the page is %d px wide: it scrolls sideways (wider than the screen: %q)", at, page.ScrollWidth, page.Wide)
			}
			if len(page.Broken) > 0 {
				return fmt.Errorf("%s: identifiers broken or cut off: %v", at, page.Broken)
			}
			if len(page.Small) > 0 {
				return fmt.Errorf("%s: targets under 24 × 24 px:\n%s", at, strings.Join(page.Small, "\n"))
			}
			if page.Lang == "nb" {
				if m := english.FindString(page.Text); m != "" {
					return fmt.Errorf("%s: English (%q) on a bokmål page:\n%s", at, m, page.Text)
				}
			}
			if other, taken := a.titles[page.Title]; taken && other != name {
				return fmt.Errorf("%s is titled %q, as %s is", at, page.Title, other)
			}
			a.titles[page.Title] = name
			a.pages++
		}
		return nil
	})
}

// pageFacts are what audit reads from a page besides axe's verdict.
type pageFacts struct {
	Lang, Title, Text string
	ScrollWidth       int
	Small             []string // controls under 24 × 24 px
	Broken            []string // identifiers broken over lines or cut off
	Wide              []string // elements reaching past the screen's right edge
}

// inBoth audits the page at url in bokmål and in English, and leaves it
// in bokmål.
func (a *auditor) inBoth(url, name string) chromedp.Action[chromedp.Void] {
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		for _, lang := range []string{"en", "nb"} {
			if _, err := chromedp.Navigate(url+sep+"lang="+lang)(ctx, tg); err != nil {
				return err
			}
			if _, err := chromedp.WaitVisible("main")(ctx, tg); err != nil {
				return err
			}
			if _, err := a.audit(name+" ("+lang+")")(ctx, tg); err != nil {
				return err
			}
		}
		return nil
	})
}
