package accessrequest

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/tredjepart/tredjepart/shared/registry"
)

// The hand-off of a request to its end user: the consent page where they
// decide it, and Elhub BRS-NO-624's redirect flow, which brings them back
// to the third party with the decision. Both are on the consent site, at
// origin (scheme://host). The API's answers and the portal show the same
// links, made here.

// Path is the request's path in the third parties' API.
func Path(id string) string { return "/v1/access-requests/" + id }

// ConsentURL is the end user's page where they decide the request.
func ConsentURL(origin, id string) string {
	return origin + "/consent/requests/" + url.PathEscape(id)
}

// AuthorizeURL is the BRS-NO-624 link that asks the end user to decide the
// request and brings them back to the third party's first registered
// redirect URI, or empty when it has none.
func AuthorizeURL(origin string, tp registry.ThirdParty, r Request) string {
	if len(tp.RedirectURIs) == 0 {
		return ""
	}
	q := url.Values{"client_id": {string(tp.GLN)}, "request_id": {r.ID}, "scope": {BRSScope(r.Scope)}, "redirect_uri": {tp.RedirectURIs[0]}}
	return origin + "/authorize?" + q.Encode()
}

// BRSScope is BRS-NO-624's spelling of a level, Full or Limited, as the
// redirect flow's scope and granted_scope parameters carry it; the API
// spells the same levels FULL and LIMITED.
func BRSScope(level Scope) string {
	if level == Full {
		return "Full"
	}
	return "Limited"
}

// ParseScopeParam reads the redirect flow's scope parameter: BRS-NO-624's
// Full or Limited, or the API's FULL or LIMITED, in any case.
func ParseScopeParam(s string) (Scope, error) {
	for _, level := range []Scope{Full, Limited} {
		if strings.EqualFold(s, string(level)) {
			return level, nil
		}
	}
	return "", fmt.Errorf("must be Full or Limited (FULL or LIMITED, in any case)")
}
