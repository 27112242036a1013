package accessrequest

import (
	"net/url"
	"testing"

	"github.com/tredjepart/tredjepart/shared/registry"
)

func TestTheHandOffLinksNameTheRequestOnTheConsentSite(t *testing.T) {
	const origin = "https://consent.example"
	r := Request{ID: "0b6c1f3e-5d7a-4c2e-9f10-3a4b5c6d7e8f", Scope: Full}
	if got, want := ConsentURL(origin, r.ID), origin+"/consent/requests/"+r.ID; got != want {
		t.Errorf("consent URL %q, want %q", got, want)
	}
	tp := registry.ThirdParty{GLN: "7080005051286", RedirectURIs: []string{"https://app.example/return?x=1", "https://other.example/"}}
	link, err := url.Parse(AuthorizeURL(origin, tp, r))
	if err != nil {
		t.Fatal(err)
	}
	q := link.Query()
	if link.Scheme+"://"+link.Host != origin || link.Path != "/authorize" || q.Get("client_id") != "7080005051286" ||
		q.Get("request_id") != r.ID || q.Get("scope") != "Full" || q.Get("redirect_uri") != "https://app.example/return?x=1" {
		t.Errorf("authorize URL %s", link)
	}
	r.Scope = Limited
	if got := AuthorizeURL(origin, tp, r); got == "" || mustQuery(t, got).Get("scope") != "Limited" {
		t.Errorf("a LIMITED request's authorize URL %q", got)
	}
	if got := AuthorizeURL(origin, registry.ThirdParty{GLN: tp.GLN}, r); got != "" {
		t.Errorf("a third party without a redirect URI got authorize URL %q", got)
	}
}

func mustQuery(t *testing.T, raw string) url.Values {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}

func TestTheRedirectFlowTakesEitherSpellingOfALevel(t *testing.T) {
	for in, want := range map[string]Scope{"Full": Full, "FULL": Full, "full": Full, "Limited": Limited, "LIMITED": Limited, "limited": Limited} {
		if got, err := ParseScopeParam(in); err != nil || got != want {
			t.Errorf("scope=%s: %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "Fully", "READ", "Full Limited"} {
		if got, err := ParseScopeParam(in); err == nil {
			t.Errorf("scope=%q read as %q; want an error", in, got)
		}
	}
	if BRSScope(Full) != "Full" || BRSScope(Limited) != "Limited" {
		t.Errorf("BRS spelling: %q, %q", BRSScope(Full), BRSScope(Limited))
	}
}
