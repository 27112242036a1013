//go:build integration

package e2e_test

// A person with only a keyboard approves a request, changes the level of
// the access, removes it and mistypes a GLN to give access anew: Tab and Shift-Tab to move, the arrow keys
// within a radio group and a select (as browsers do), Space and Enter to
// act. Every element that takes focus must show it with a ring of at least
// 2 px and 3:1 against the page (WCAG 2.4.7, 1.4.11), the skip link must
// move focus to the content, and the error summary must take focus.

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/grant"
)

// focusRing reads how the focused element shows its focus: its selector
// as a test id or tag, the ring's width and its contrast with white.
const focusRing = `(() => {
	const e = document.activeElement, s = getComputedStyle(e);
	const lum = c => { const [r, g, b] = c.match(/[\d.]+/g).slice(0, 3).map(v => v / 255)
		.map(v => v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4)); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
	const width = s.outlineStyle === "none" ? 0 : parseFloat(s.outlineWidth);
	return {Id: e.dataset.testid || e.id || e.tagName.toLowerCase(), Width: width,
		Contrast: width ? (1.05) / (lum(s.outlineColor) + 0.05) : 0};
})()`

type focused struct {
	Id       string
	Width    float64
	Contrast float64
}

// tabTo presses Tab (or Shift-Tab, back) until the element with test id
// id has focus, checking the focus ring of every element on the way.
func tabTo(id string, back bool) chromedp.Action[chromedp.Void] {
	key, opts := kb.Tab, []chromedp.KeyOption(nil)
	if back {
		opts = append(opts, chromedp.KeyModifiers(chromedp.ModifierShift))
	}
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		var seen []string
		for range 60 {
			if _, err := chromedp.KeyEvent(key, opts...)(ctx, tg); err != nil {
				return err
			}
			f, err := chromedp.Evaluate[focused](focusRing)(ctx, tg)
			if err != nil {
				return err
			}
			seen = append(seen, f.Id)
			if f.Width < 2 || f.Contrast < 3 {
				return fmt.Errorf("%s has focus without a visible ring: %+v", f.Id, f)
			}
			if f.Id == id {
				return nil
			}
		}
		return fmt.Errorf("Tab never reached %s; focus went %v", id, seen)
	})
}

// press presses a key on what has focus.
func press(key string) chromedp.Action[chromedp.Void] { return chromedp.KeyEvent(key) }

func TestEndUserWithTheKeyboardOnly(t *testing.T) {
	w, store := consentWorld(t)
	ctx := headlessChromium(t)
	mp := w.demo.Requestable // Kari's
	tp := w.demo.ThirdParties[1].GLN
	id := w.call(t, ladeklar, "POST", "/v1/access-requests", fmt.Sprintf(`{"meteringPointId":%q}`, mp)).str("id")
	row := fmt.Sprintf("%s-%s", tp, mp)

	err := chromedp.Do(ctx,
		phone,
		chromedp.Navigate(w.api+"/consent"),
		chromedp.WaitVisible(testid("login-kari")),
		chromedp.Click(testid("login-kari")), // the development provider's page, not ours
		chromedp.WaitVisible(testid("request-"+id)),
		// The skip link is the first stop and takes focus into the content.
		tabTo("skip", false), press(kb.Enter),
		chromedp.Poll[chromedp.Void](`document.activeElement.id === "main"`),
		// Approve: the group's checked radio takes focus, an arrow key
		// chooses. The level is asked for only while "approve" is chosen.
		tabTo("later-"+id, false), press(kb.ArrowDown), press(kb.ArrowDown),
		chromedp.Poll[chromedp.Void](fmt.Sprintf(`document.querySelector(%q).checked && document.querySelector(%q).getClientRects().length === 0`,
			testid("decline-"+id), testid("level-"+id))),
		press(kb.ArrowUp),
		chromedp.Poll[chromedp.Void](fmt.Sprintf(`document.querySelector(%q).checked && document.querySelector(%q).getClientRects().length > 0`,
			testid("approve-"+id), testid("level-"+id))),
		tabTo("level-"+id, false),
		tabTo("submit-decisions", false), press(kb.Enter),
		chromedp.WaitVisible(testid("result-"+id)),
	)
	if err != nil {
		t.Fatalf("approve with the keyboard: %v", err)
	}
	if r, _ := store.Requests.Get(context.Background(), id); r.Status != accessrequest.Approved || r.GrantedScope != accessrequest.Limited {
		t.Fatalf("after approving: %+v", r)
	}

	// My access through the navigation; FULL chosen from the select with an
	// arrow key, then the access removed.
	err = chromedp.Do(ctx,
		tabTo("nav-access", false), press(kb.Enter),
		chromedp.WaitVisible(testid("grant-"+row)),
		tabTo("level-"+row, false), press(kb.ArrowDown),
		tabTo("change-"+row, false), press(kb.Enter),
		chromedp.WaitVisible(testid("done-level")),
	)
	if err != nil {
		t.Fatalf("change the level with the keyboard: %v", err)
	}
	if g, _, _ := store.Grants.Grant(context.Background(), tp, mp); g.Level != accessrequest.Full || g.Status != grant.Active {
		t.Fatalf("after the level change: %+v", g)
	}
	err = chromedp.Do(ctx,
		tabTo("revoke-"+row, false), press(" "),
		chromedp.WaitNotPresent(testid("revoke-"+row)),
		// Shift-Tab goes back as far as the header: nothing traps focus.
		tabTo("logout", true),
	)
	if err != nil {
		t.Fatalf("remove the access with the keyboard: %v", err)
	}
	if g, _, _ := store.Grants.Grant(context.Background(), tp, mp); g.Status != grant.Revoked {
		t.Fatalf("after removal: %+v", g)
	}

	// Giving access with a GLN whose check digit is wrong: the error
	// summary takes focus and shows it.
	wrong := string(tp)[:12] + string('0'+(tp[12]-'0'+1)%10)
	err = chromedp.Do(ctx,
		tabTo("grant-gln", false), chromedp.KeyEvent(wrong), press(kb.Enter),
		chromedp.WaitVisible(testid("error-summary")),
		chromedp.Poll[chromedp.Void](`document.activeElement.dataset.testid === "error-summary"`),
	)
	if err != nil {
		t.Fatalf("a wrong GLN: %v", err)
	}
	if f, err := chromedp.Run(ctx, chromedp.Evaluate[focused](focusRing)); err != nil || f.Width < 2 || f.Contrast < 3 {
		t.Errorf("the error summary has focus without a visible ring: %+v (%v)", f, err)
	}
	// Its link names the field (without script, following it moves only
	// where Tab starts from, not the focus itself).
	if href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid="error-summary"] a').getAttribute("href")`)); err != nil || href != "#grant-gln" {
		t.Errorf("the error summary links to %q (%v)", href, err)
	}
	if err := chromedp.Do(ctx, newAuditor(t).audit("my access with an error")); err != nil {
		t.Error(err)
	}
}
