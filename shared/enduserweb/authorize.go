package enduserweb

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/websession"
)

// The redirect flow (Elhub BRS-NO-624): a third party sends the end user to
// /authorize?client_id=<GLN>&request_id=<uuid>&scope=Full|Limited&redirect_uri=…&state=…
// and gets the browser back at redirect_uri with the decision. Until the
// client and redirect_uri are known good, errors are shown here and never
// redirected (OAuth's rule against open redirects); after that they go back
// to the third party, with Elhub codes. scope takes BRS-NO-624's Full and
// Limited and the API's FULL and LIMITED, in any case (the API's links send
// BRS's); granted_scope is sent back in BRS's spelling.

// Elhub codes sent back in the redirect flow.
const (
	codeDeclined        = accessrequest.ReasonNotApproved // EH088
	codeNoMeteringPoint = "EH106"                         // the end user holds no such metering point
)

// authorization is one redirect-flow visit, once its client is verified.
type authorization struct {
	ThirdParty  registry.ThirdParty
	RedirectURI string
	RequestID   string
	State       string
	Level       accessrequest.Scope // from scope=, else (zero) the level asked for
}

// authorizePage is what the redirect flow's page shows: the request, and the
// visit it goes back to.
type authorizePage struct {
	Visit   authorization
	Request card
}

// verifyClient checks client_id and redirect_uri; nothing else is trusted before.
func (s *site) verifyClient(r *http.Request, values url.Values) (authorization, bool) {
	gln, err := ident.ParseGLN(values.Get("client_id"))
	if err != nil {
		return authorization{}, false
	}
	tp, found, err := s.thirdParties.ThirdParty(r.Context(), gln)
	if err != nil || !found || !tp.AllowsRedirect(values.Get("redirect_uri")) {
		return authorization{}, false
	}
	return authorization{ThirdParty: tp, RedirectURI: values.Get("redirect_uri"), RequestID: values.Get("request_id"), State: values.Get("state")}, true
}

// back sends the browser to the third party with params and state.
func (s *site) back(w http.ResponseWriter, r *http.Request, a authorization, params url.Values) {
	if a.State != "" {
		params.Set("state", a.State)
	}
	params.Set("request_id", a.RequestID)
	sep := "?"
	if strings.Contains(a.RedirectURI, "?") {
		sep = "&"
	}
	http.Redirect(w, r, a.RedirectURI+sep+params.Encode(), http.StatusFound)
}

func (s *site) backWithError(w http.ResponseWriter, r *http.Request, a authorization, oauthError, code, description string) {
	params := url.Values{"error": {oauthError}, "error_description": {description}}
	if code != "" {
		params.Set("error_code", code)
	}
	s.back(w, r, a, params)
}

func (s *site) backWithDecision(w http.ResponseWriter, r *http.Request, a authorization, req accessrequest.Request) {
	switch req.Status {
	case accessrequest.Approved:
		s.back(w, r, a, url.Values{
			"status": {string(req.Status)}, "granted_scope": {accessrequest.BRSScope(req.GrantedScope)},
			"metering_point_ids": {string(req.MeteringPoint)},
		})
	case accessrequest.Rejected:
		s.backWithError(w, r, a, "access_denied", codeDeclined, "The end user did not approve the request.")
	default:
		s.backWithError(w, r, a, "invalid_request", "", "The request is "+strings.ToLower(string(req.Status))+".")
	}
}

// request finds the visit's request for the user, or answers for it.
func (s *site) request(w http.ResponseWriter, r *http.Request, a authorization, user session) (accessrequest.Request, bool) {
	req, err := s.consent.Request(r.Context(), user.EndUser, a.RequestID)
	switch {
	case fault.KindOf(err) == fault.NotFound:
		s.backWithError(w, r, a, "access_denied", codeNoMeteringPoint, "The end user holds no metering point with this request.")
		return req, false
	case err != nil:
		s.Fail(w, r, err)
		return req, false
	case req.ThirdParty != a.ThirdParty.GLN:
		s.backWithError(w, r, a, "invalid_request", "", "The request is not this client's.")
		return req, false
	}
	return req, true
}

func (s *site) authorize(w http.ResponseWriter, r *http.Request) {
	a, ok := s.verifyClient(r, r.URL.Query())
	if !ok {
		s.Problem(w, r, http.StatusBadRequest, "This link is not valid: the company or its return address is not registered.")
		return
	}
	// A scope the third party got wrong goes back to it at once, whatever
	// the request's state: the end user could not put it right.
	if scope := r.URL.Query().Get("scope"); scope != "" {
		level, err := accessrequest.ParseScopeParam(scope)
		if err != nil {
			s.backWithError(w, r, a, "invalid_scope", "", "scope "+err.Error()+".")
			return
		}
		a.Level = level
	}
	user, ok := s.Require(w, r)
	if !ok {
		return
	}
	req, ok := s.request(w, r, a, user)
	if !ok {
		return
	}
	if req.Status != accessrequest.Pending {
		s.backWithDecision(w, r, a, req)
		return
	}
	if a.Level == "" {
		a.Level = req.Scope
	}
	// Browsers apply form-action to the redirect that follows a form post too,
	// so the decision form may lead to the registered return address.
	if u, err := url.Parse(a.RedirectURI); err == nil && u.Scheme != "" && u.Host != "" {
		w.Header().Set("Content-Security-Policy", websession.ContentSecurityPolicy(u.Scheme+"://"+u.Host))
	}
	_, point, err := s.consent.Describe(r.Context(), user.EndUser, req.ID)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.Render(w, r, http.StatusOK, "authorize.html", user, authorizePage{Visit: a, Request: card{req, a.ThirdParty.Name, point.Address, point.Resolution, req.OpenAt(s.clock.Now())}})
}

func (s *site) authorizeDecision(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.Problem(w, r, http.StatusBadRequest, "The form could not be read.")
		return
	}
	a, ok := s.verifyClient(r, r.PostForm)
	if !ok {
		s.Problem(w, r, http.StatusBadRequest, "This form is not valid: the company or its return address is not registered.")
		return
	}
	user, ok := s.Require(w, r)
	if !ok {
		return
	}
	if _, ok := s.request(w, r, a, user); !ok {
		return
	}
	var (
		req accessrequest.Request
		err error
	)
	switch r.PostForm.Get("decision") {
	case "approve":
		level, perr := accessrequest.ParseScope(r.PostForm.Get("level"))
		if perr != nil {
			s.Problem(w, r, http.StatusBadRequest, "Choose an access level.")
			return
		}
		req, err = s.consent.Approve(r.Context(), user.EndUser, a.RequestID, level)
	case "decline":
		req, err = s.consent.Decline(r.Context(), user.EndUser, a.RequestID)
	default:
		s.Problem(w, r, http.StatusBadRequest, "Choose to approve or decline.")
		return
	}
	if err != nil && fault.KindOf(err) != fault.Conflict {
		s.Fail(w, r, err)
		return
	}
	s.backWithDecision(w, r, a, req) // a conflict answers with the state that won
}
