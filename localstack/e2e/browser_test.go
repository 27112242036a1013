//go:build integration

package e2e_test

// The consent pages in a real browser: headless Chromium from Debian,
// driven by chromedp. It logs in on the development provider, approves one
// request with FULL, declines another, changes the level and removes the
// access, checking the stored state and the notifications after each step,
// and takes the screenshots in docs/screenshots.

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/tredjepart/tredjepart/localstack/harness/testenv"
	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/grant"
	"github.com/tredjepart/tredjepart/shared/notify"
	"github.com/tredjepart/tredjepart/shared/oslo"
	"github.com/tredjepart/tredjepart/shared/personaldata"
	"github.com/tredjepart/tredjepart/shared/registry"
)

// chromiumPath is Debian's Chromium, which `make test` installs.
const chromiumPath = "/usr/bin/chromium"

func headlessChromium(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("%s is missing: install Debian's chromium (make test does: apt-get install chromium)", chromiumPath)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.NoSandbox, // root in CI
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(412, 915), // a phone
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	return ctx
}

// phone is the viewport the screenshots of the consent pages are taken at.
var phone = chromedp.EmulateViewport(phoneWidth, 812, chromedp.EmulateMobile, chromedp.EmulatePortrait)

func testid(id string) string { return fmt.Sprintf(`[data-testid="%s"]`, id) }

// screenshot saves the whole page as docs/screenshots/<name>.
func screenshot(name string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		png, err := chromedp.FullScreenshot(100)(ctx, t)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join("..", "..", "docs", "screenshots", name), png, 0o644)
	})
}

func TestEndUserInARealBrowser(t *testing.T) {
	started := time.Now()
	w, store := consentWorld(t)
	ctx := headlessChromium(t)
	mp := w.demo.Requestable // Kari's
	ladeklarGLN, straumkompisGLN := w.demo.ThirdParties[1].GLN, w.demo.ThirdParties[0].GLN
	toApprove := w.call(t, ladeklar, "POST", "/v1/access-requests", fmt.Sprintf(`{"meteringPointId":%q}`, mp)).str("id")
	toDecline := w.call(t, straumkompis, "POST", "/v1/access-requests", fmt.Sprintf(`{"meteringPointId":%q,"scope":"FULL"}`, mp)).str("id")

	a := newAuditor(t)

	// Log in on the development provider and see both requests, on their
	// own and behind a consent link; sent with no answer, they stay.
	err := chromedp.Do(ctx,
		chromedp.Navigate(w.api+"/consent"),
		chromedp.WaitVisible(testid("login-kari")),
		chromedp.Click(testid("login-kari")),
		chromedp.WaitVisible(testid("request-"+toApprove)),
		chromedp.WaitVisible(testid("request-"+toDecline)),
		a.inBoth(w.api+"/consent", "pending"),
		a.inBoth(w.api+"/consent/requests/"+toApprove, "request"),
		chromedp.Navigate(w.api+"/consent"),
		chromedp.Click(testid("submit-decisions")),
		chromedp.WaitVisible(testid("result-none")),
		a.audit("result"),
		// The same answer in English: the language the visitor chose is kept
		// across the form's post.
		chromedp.Navigate(w.api+"/consent?lang=en"),
		chromedp.WaitVisible(testid("submit-decisions")),
		chromedp.Click(testid("submit-decisions")),
		chromedp.WaitVisible(testid("result-none")),
		chromedp.Poll[chromedp.Void](`document.documentElement.lang === "en"`),
		a.audit("result (en)"),
		chromedp.Navigate(w.api+"/consent?lang=nb"),
		// A decision that cannot be recorded (a level the form does not
		// offer) is listed in an error summary that takes focus.
		chromedp.Navigate(w.api+"/consent"),
		chromedp.WaitVisible(testid("request-"+toApprove)),
		chromedp.Evaluate[chromedp.Void](`(() => {
			const f = document.querySelector('form[action="/consent/decisions"]');
			f.querySelector('[name="level-`+toApprove+`"]').outerHTML = '<input type="hidden" name="level-`+toApprove+`" value="EVERYTHING">';
			f.querySelector('[data-testid="approve-`+toApprove+`"]').checked = true;
			f.querySelector('[data-testid="submit-decisions"]').click();
		})()`),
		chromedp.WaitVisible(testid("error-summary")),
		chromedp.Poll[chromedp.Void](`document.activeElement.dataset.testid === "error-summary"`),
		a.audit("result"),
		chromedp.Navigate(w.api+"/consent"),
		chromedp.WaitVisible(testid("request-"+toApprove)),
		phone,
		screenshot("consent-pending.png"),
	)
	if err != nil {
		t.Fatalf("log in and see the requests: %v", err)
	}

	// Approve one with FULL (it asked for LIMITED), decline the other, in one go.
	err = chromedp.Do(ctx,
		chromedp.Click(testid("approve-"+toApprove)),
		chromedp.SetValue(testid("level-"+toApprove), "FULL"),
		chromedp.Click(testid("decline-"+toDecline)),
		chromedp.Click(testid("submit-decisions")),
		chromedp.WaitVisible(testid("result-"+toApprove)),
		a.audit("result"),
		phone,
		screenshot("consent-result.png"),
	)
	if err != nil {
		t.Fatalf("decide: %v", err)
	}
	bg := context.Background()
	if r, _ := store.Requests.Get(bg, toApprove); r.Status != accessrequest.Approved || r.GrantedScope != accessrequest.Full {
		t.Fatalf("approved request %+v", r)
	}
	if n := testenv.Notification(t, toApprove+":approved"); n.Level != "FULL" {
		t.Errorf("approval notification %+v", n)
	}
	if r, _ := store.Requests.Get(bg, toDecline); r.Status != accessrequest.Rejected || r.ReasonCode != "EH088" {
		t.Fatalf("declined request %+v", r)
	}
	if n := testenv.Notification(t, toDecline+":rejected"); n.ReasonCode != "EH088" || n.ThirdPartyID != string(straumkompisGLN) {
		t.Errorf("rejection notification %+v", n)
	}

	// The company reads the point's data, which My access lists.
	w.call(t, ladeklar, "GET", fmt.Sprintf("/v1/metering-points/%s", mp), "").expect(t, 200)

	// My access: change the level to LIMITED, then remove the access.
	row := fmt.Sprintf("%s-%s", ladeklarGLN, mp)
	err = chromedp.Do(ctx,
		a.inBoth(w.api+"/consent/access", "my access"),
		chromedp.WaitVisible(testid("grant-"+row)),
		chromedp.WaitVisible(testid("read")),
		phone,
		screenshot("consent-my-access.png"),
		chromedp.SetValue(testid("level-"+row), "LIMITED"),
		chromedp.Click(testid("change-"+row)),
		chromedp.WaitVisible(testid("done-level")),
		chromedp.WaitVisible(testid("revoke-"+row)),
	)
	if err != nil {
		t.Fatalf("change the level: %v", err)
	}
	g, _, _ := store.Grants.Grant(bg, ladeklarGLN, mp)
	if g.Level != accessrequest.Limited || g.Status != grant.Active {
		t.Fatalf("after the level change: %+v", g)
	}
	if n := testenv.Notification(t, fmt.Sprintf("grant:%s:%s:%d", ladeklarGLN, mp, g.Version)); n.Type != notify.LevelChanged || n.Level != "LIMITED" {
		t.Errorf("level notification %+v", n)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(testid("revoke-"+row)),
		chromedp.WaitNotPresent(testid("revoke-"+row)),
	)
	if err != nil {
		t.Fatalf("remove the access: %v", err)
	}
	g, _, _ = store.Grants.Grant(bg, ladeklarGLN, mp)
	if g.Status != grant.Revoked {
		t.Fatalf("after removal: %+v", g)
	}
	if n := testenv.Notification(t, fmt.Sprintf("grant:%s:%s:%d", ladeklarGLN, mp, g.Version)); n.Type != notify.GrantRevoked {
		t.Errorf("removal notification %+v", n)
	}

	// Download my data, both ways, saved by the browser: the grant with its
	// three states, and each download in the log of reads.
	downloads, day := t.TempDir(), time.Now().In(oslo.Oslo).Format(registry.DateLayout)
	_, err = chromedp.CallBrowser(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads,
	})
	if err != nil {
		t.Fatalf("allow downloads: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(testid("export-json"))); err != nil {
		t.Fatalf("download as JSON: %v", err)
	}
	var x personaldata.Export
	if err := json.Unmarshal(downloaded(t, downloads, "tredjepart-"+day+".json"), &x); err != nil {
		t.Fatal(err)
	}
	if len(x.Grants) != 1 || len(x.Grants[0].Changes) != 3 || x.Grants[0].Status != "REVOKED" || len(x.AccessRequests) != 2 {
		t.Errorf("the JSON download: %+v", x)
	}
	if err := chromedp.Do(ctx, chromedp.Click(testid("export-zip"))); err != nil {
		t.Fatalf("download as CSV: %v", err)
	}
	raw := downloaded(t, downloads, "tredjepart-"+day+".zip")
	if z, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw))); err != nil || len(z.File) != 5 {
		t.Errorf("the zip download: %v", err)
	}
	err = chromedp.Do(ctx,
		chromedp.Navigate(w.api+"/consent/access"),
		chromedp.WaitVisible(testid("export")),
	)
	if err != nil {
		t.Fatalf("My access after the downloads: %v", err)
	}
	if exports, err := chromedp.Run(ctx, chromedp.Evaluate[int](`Array.from(document.querySelectorAll('[data-testid="read"]'))
		.filter(r => r.textContent.includes("Nedlasting av dataene dine")).length`)); err != nil || exports != 2 {
		t.Errorf("My access lists %d downloads, want 2 (%v)", exports, err)
	}

	// The error pages: a page that is not there still shows who is logged
	// in and the way out; then the logout, and the page it ends on.
	err = chromedp.Do(ctx,
		a.inBoth(w.api+"/consent/requests/no-such-request", "not found"),
		chromedp.WaitVisible(testid("problem")),
		chromedp.WaitVisible(testid("who")),
		phone,
		screenshot("consent-not-found.png"),
		chromedp.Click(testid("logout")),
		chromedp.WaitVisible(testid("logged-out")),
		a.inBoth(w.api+"/consent/logged-out", "logged out"),
		chromedp.WaitVisible(testid("front-page")),
	)
	if err != nil {
		t.Fatalf("the error pages: %v", err)
	}
	t.Logf("audited %d pages × widths × languages; browser test took %s", a.pages, time.Since(started).Round(time.Millisecond))
}

// downloaded waits for the browser to save the file name in dir, and returns it.
func downloaded(t *testing.T, dir, name string) []byte {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if raw, err := os.ReadFile(filepath.Join(dir, name)); err == nil {
			return raw
		}
		if time.Now().After(deadline) {
			entries, _ := os.ReadDir(dir)
			t.Fatalf("no %s after 10 s; the download folder holds %v", name, entries)
		}
	}
}
