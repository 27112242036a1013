//go:build integration

package e2e_test

// A session ends on the server: a cookie kept from before a logout, or
// from before the operator disabled the third party, replayed later, is no
// session; it gets the login page.

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/tredjepart/tredjepart/shared/resources"
)

// keep copies the browser's cookies for path, as someone who took them would.
func (b *browser) keep(path string) []*http.Cookie {
	u, _ := url.Parse(b.resolve(path))
	return b.client.Jar.Cookies(u)
}

// replay is a new browser holding only the cookies kept for path.
func replay(t *testing.T, w *world, path string, kept []*http.Cookie) *browser {
	b := newBrowser(t, w)
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(b.resolve(path))
	jar.SetCookies(u, kept)
	b.client.Jar = jar
	return b
}

// isLoginPage says whether p is the OpenID provider's login page.
func isLoginPage(p page) bool {
	return p.status == http.StatusOK && strings.Contains(p.body, "login_request")
}

// A cookie kept from before a logout and replayed afterwards gets the login
// page, on the consent pages and in the portal; logging out an ended session
// again is harmless.
func TestACookieReplayedAfterLogoutGetsTheLoginPage(t *testing.T) {
	for _, site := range []struct {
		name, who, start, logout, loggedOut, page string
	}{
		{"consent pages", "ola", "/consent", "/logout", "/consent/logged-out", "/consent"},
		{"portal", siri, "/portal", "/portal/logout", "/portal/logged-out", "/portal/deliveries"},
	} {
		t.Run(site.name, func(t *testing.T) {
			w, _ := consentWorld(t)
			person := newBrowser(t, w)
			if p := person.logIn(site.start, site.who); p.status != http.StatusOK || !strings.Contains(p.body, `data-testid="logout"`) {
				t.Fatalf("%s (%d at %s):\n%s", site.start, p.status, p.url, p.body)
			}
			kept := person.keep(site.start)
			if out := person.post(site.logout, nil); out.status != http.StatusOK || !strings.HasSuffix(out.url, site.loggedOut) {
				t.Fatalf("logout ended at %d %s", out.status, out.url)
			}

			thief := replay(t, w, site.start, kept)
			if p := thief.get(site.page); !isLoginPage(p) {
				t.Fatalf("the kept cookie still opens %s after logout (%d at %s)", site.page, p.status, p.url)
			}
			if out := thief.post(site.logout, nil); out.status != http.StatusOK || !strings.HasSuffix(out.url, site.loggedOut) {
				t.Fatalf("a second logout ended at %d %s", out.status, out.url)
			}
		})
	}
}

func TestDisablingAThirdPartyEndsItsStaffsPortalSessions(t *testing.T) {
	w, _ := consentWorld(t)
	straumkompisTP := w.demo.ThirdParties[0].GLN
	staff := newBrowser(t, w)
	if p := staff.logIn("/portal/deliveries", siri); p.status != http.StatusOK {
		t.Fatalf("deliveries (%d at %s):\n%s", p.status, p.url, p.body)
	}
	kept := staff.keep("/portal")

	w.withScope(t, operator, resources.AdminScope)
	w.setThirdParty(t, straumkompisTP, true)
	t.Cleanup(func() { w.setThirdParty(t, straumkompisTP, false) })
	if p := replay(t, w, "/portal", kept).get("/portal/deliveries"); p.status != http.StatusForbidden || !strings.Contains(p.body, "stengt") {
		t.Fatalf("a disabled third party's staff: %d at %s\n%s", p.status, p.url, p.body)
	}

	// The session ended when the third party was disabled: enabling it
	// again lets its staff log in, not the old cookie back in.
	w.setThirdParty(t, straumkompisTP, false)
	if p := replay(t, w, "/portal", kept).get("/portal/deliveries"); !isLoginPage(p) {
		t.Fatalf("the session outlived the disabling (%d at %s)", p.status, p.url)
	}
	if p := staff.logIn("/portal/deliveries", siri); p.status != http.StatusOK {
		t.Fatalf("a new login after enabling (%d at %s):\n%s", p.status, p.url, p.body)
	}
}
