//go:build integration

package e2e_test

// The API reference page (/docs) in a real browser, with headless Chromium
// as in browser_test.go: Redoc draws the OpenAPI document behind the local
// gateway, every operation is in its menu, an operation shows its example,
// and nothing the page asks for leaves the machine.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/tredjepart/tredjepart/localstack/emulate/gateway"
	"github.com/tredjepart/tredjepart/shared/apidocs"
	"github.com/tredjepart/tredjepart/shared/openapi"
	"github.com/tredjepart/tredjepart/shared/resources"
)

// requestLog keeps what the page asked for, as Chromium's network events
// tell it: the URL of each request and why one was blocked, if it was.
type requestLog struct {
	mu      sync.Mutex
	urls    map[network.RequestID]string
	blocked map[network.RequestID]network.BlockedReason
}

func (l *requestLog) add(ev any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		l.urls[ev.RequestID] = ev.Request.URL
	case *network.EventLoadingFailed:
		l.blocked[ev.RequestID] = ev.BlockedReason
	}
}

// cspBlocked are the violations of the page's policy that Redoc 3.0.1
// commits on every load, and why they do no harm: the browser refuses them.
// (The sidebar's Redocly logo, on Redocly's CDN, is not one: apidocs draws
// it from a data: URL.)
var cspBlocked = map[string]string{
	// FlexSearch probes whether it may build its search worker with
	// Function(); it catches the refusal and indexes on the page instead.
	"script-src eval": "the search worker probe",
}

func TestAPIReferenceInARealBrowser(t *testing.T) {
	path, err := apidocs.LocalBundle()
	if err != nil {
		t.Fatal(err)
	}
	bundle, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("Redoc's bundle: %v (make npm installs it)", err)
	}
	h, err := apidocs.New(bundle, quiet)
	if err != nil {
		t.Fatal(err)
	}
	w := serveFunctions(t, httptest.NewUnstartedServer(nil), map[string]gateway.Invoker{resources.DocsFunctionID: lambda.NewHandler(h.Handle)})
	gatewayURL, err := url.Parse(w.api)
	if err != nil {
		t.Fatal(err)
	}

	// The operations the page must list, and the example it must show.
	type example struct {
		Summary string `json:"summary"`
		Value   struct {
			MeteringPointID string `json:"meteringPointId"`
		} `json:"value"`
	}
	type operation struct {
		OperationID string `json:"operationId"`
		Summary     string `json:"summary"`
		RequestBody struct {
			Content map[string]struct {
				Examples map[string]example `json:"examples"`
			} `json:"content"`
		} `json:"requestBody"`
	}
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(openapi.Document(), &doc); err != nil {
		t.Fatal(err)
	}
	operations := map[string]string{} // lower-case operationId: summary
	var create operation
	for path, item := range doc.Paths {
		for method, raw := range item {
			if method == "parameters" {
				continue
			}
			var op operation
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatal(err)
			}
			operations[strings.ToLower(op.OperationID)] = op.Summary
			if method == "post" && path == "/v1/access-requests" {
				create = op
			}
		}
	}
	full := create.RequestBody.Content["application/json"].Examples["full"]
	if full.Value.MeteringPointID == "" {
		t.Fatal("POST /v1/access-requests has no example \"full\"")
	}

	ctx := headlessChromium(t)
	requests := &requestLog{urls: map[network.RequestID]string{}, blocked: map[network.RequestID]network.BlockedReason{}}
	if err := chromedp.Do(ctx); err != nil { // the tab, so that Listen misses nothing
		t.Fatal(err)
	}
	if err := chromedp.Listen(ctx, requests.add); err != nil {
		t.Fatal(err)
	}
	// The page's violations of its policy, as the page sees them (a script
	// added through CDP is not subject to it).
	if _, err := chromedp.Call(ctx, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: `window.violations = [];
document.addEventListener("securitypolicyviolation", e => window.violations.push(e.violatedDirective + " " + e.blockedURI));`}); err != nil {
		t.Fatal(err)
	}

	// Drawn: the menu has the tags; open each, and every operation is
	// listed under its summary.
	menuLinks := `Object.fromEntries(Array.from(document.querySelectorAll('[data-component-name="Menu/MenuItem"] a')).map(a => [a.getAttribute("href"), a.innerText]))`
	err = chromedp.Do(ctx,
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(w.api+"/docs"),
		chromedp.WaitVisible(chromedp.CSS(`[data-component-name="Menu/MenuItem"].menu-item-type-group`)),
	)
	if err != nil {
		t.Fatalf("no menu: %v", err)
	}
	groups, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll('[data-component-name="Menu/MenuItem"].menu-item-type-group > a')).map(a => a.getAttribute("href"))`))
	if err != nil || len(groups) == 0 {
		t.Fatalf("no tags in the menu (%v)", err)
	}
	links := map[string]string{} // href: label, over every opened tag
	for _, group := range groups {
		// A click toggles the tag, and opening one may close another: click
		// until its operations are there.
		listed := fmt.Sprintf(`!!document.querySelector('[data-component-name="Menu/MenuItem"] a[href^=%q]')`, group+"/")
		for clicks := 0; ; clicks++ {
			open, err := chromedp.Run(ctx, chromedp.Evaluate[bool](listed))
			if err != nil {
				t.Fatal(err)
			}
			if open {
				break
			}
			if clicks == 3 {
				t.Fatalf("tag %s lists no operation after %d clicks", group, clicks)
			}
			err = chromedp.Do(ctx, chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-component-name="Menu/MenuItem"] a[href=%q]`, group))),
				chromedp.Poll[chromedp.Void](listed, chromedp.WithPollingTimeout(5*time.Second)))
			if err != nil && !errors.Is(err, chromedp.ErrPollingTimeout) {
				t.Fatal(err)
			}
		}
		opened, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]string](menuLinks))
		if err != nil {
			t.Fatal(err)
		}
		maps.Copy(links, opened)
	}
	hrefs := map[string]string{} // lower-case operationId: the menu's link
	for href, label := range links {
		id := href[strings.LastIndex(href, "/")+1:]
		if summary, ok := operations[id]; ok && strings.Contains(label, summary) {
			hrefs[id] = href
		}
	}
	for id, summary := range operations {
		if hrefs[id] == "" {
			t.Errorf("the menu does not list %s (%q)", id, summary)
		}
	}

	// An operation, opened from its address, shows its request example.
	createHref := hrefs[strings.ToLower(create.OperationID)]
	err = chromedp.Do(ctx,
		chromedp.Navigate(w.api+"/docs"+createHref),
		chromedp.Reload(), // a fresh page, the menu still

		// The example, and the search index built (its box says Loading… until then).
		chromedp.Poll[chromedp.Void](fmt.Sprintf(`document.body.innerText.includes(%q) && document.body.innerText.includes(%q) && !document.body.innerText.includes("Loading...")`,
			full.Summary, `"meteringPointId": "`+full.Value.MeteringPointID+`"`)),
		screenshotViewport("api-reference.png"),
	)
	if err != nil {
		t.Fatalf("%s does not show the example %q: %v", createHref, full.Summary, err)
	}

	// Nothing left the machine: every request went to the gateway, or was
	// refused by the policy before it was sent.
	violations, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.violations`))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range violations {
		if _, known := cspBlocked[v]; !known {
			t.Errorf("the page broke its policy: %s", v)
		}
	}
	requests.mu.Lock()
	defer requests.mu.Unlock()
	var local []string
	for id, raw := range requests.urls {
		u, err := url.Parse(raw)
		switch {
		case err == nil && u.Scheme == "data":
		case err == nil && u.Host == gatewayURL.Host:
			local = append(local, u.Path)
		case requests.blocked[id] == network.BlockedReasonCsp:
			t.Logf("refused by the policy, not sent: %s", raw)
		default:
			t.Errorf("the page asked for %s, which is not the local gateway", raw)
		}
	}
	slices.Sort(local)
	local = slices.Compact(local)
	if want := []string{"/docs", "/docs/" + apidocs.BundleFile, "/openapi.json"}; !slices.Equal(local, want) {
		t.Errorf("the page asked the gateway for %q, want %q", local, want)
	}
}

// screenshotViewport saves what the browser window shows as docs/screenshots/<name>.
func screenshotViewport(name string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		png, err := chromedp.CaptureScreenshot()(ctx, t)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join("..", "..", "docs", "screenshots", name), png, 0o644)
	})
}
