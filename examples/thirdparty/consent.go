package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"

	"github.com/google/uuid"

	"github.com/tredjepart/tredjepart/client"
)

// requestAccess asks for access to one metering point and prints the two
// ways to send its end user to decide.
func (a *app) requestAccess(ctx context.Context, meteringPoint string) error {
	scope := client.Scope(a.scope)
	res, err := a.api.CreateAccessRequestWithResponse(ctx, nil, client.CreateAccessRequest{MeteringPointId: meteringPoint, Scope: &scope})
	var problem *client.ProblemError
	switch {
	case errors.As(err, &problem) && problem.Code == "EH017":
		// We have access already: read the last month now.
		a.say("%s: access already granted (EH017)", meteringPoint)
		return a.printMonth(ctx, meteringPoint)
	case errors.As(err, &problem):
		// E10 not registered, EH010 not an accounting point, EH016 no end
		// user, or a bad GSRN (400, with the field in problem.Errors).
		a.say("%s: refused: %v", meteringPoint, problem)
		return nil
	case err != nil:
		return err
	}
	req := res.JSON202 // 202: a new request
	if req == nil {
		req = res.JSON200 // 200: one of ours was pending already
	}
	a.say("%s: request %s is %s until %s", meteringPoint, req.Id, req.Status, req.ExpiresAt.Format("2006-01-02 15:04 MST"))
	// The plain consent link: the end user logs in and decides there.
	a.say("  consent link: %s", req.Links.Consent)
	// The redirect flow (BRS-NO-624) brings the end user back to us
	// afterwards. The API's link returns to our first registered
	// redirect_uri; we send our own (it must be registered too) and a state
	// that only this link carries.
	if req.Links.Authorize == nil {
		a.say("  no redirect flow: ask the operator to register your redirect_uri")
		return nil
	}
	link, err := a.authorizeLink(*req.Links.Authorize, req.Id.String())
	if err != nil {
		return err
	}
	a.say("  authorize link: %s", link)
	return nil
}

// authorizeLink sets our return URL and a fresh state on the API's link.
func (a *app) authorizeLink(apiLink, requestID string) (string, error) {
	u, err := url.Parse(apiLink)
	if err != nil {
		return "", err
	}
	visit := rand.Text() // unguessable: the return URL trusts no other
	if err := a.state.update(func(s *state) { s.Visits[visit] = requestID }); err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("redirect_uri", a.returnURL)
	q.Set("state", visit)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

var decisionPage = template.Must(template.New("decision").Parse(`<!doctype html>
<html lang="en"><meta charset="utf-8"><title>Your decision</title>
<h1 id="decision">Access to {{.MeteringPoint}}: {{.Status}}</h1>
{{if .GrantedScope}}<p>You gave us {{.GrantedScope}} access. Thank you.</p>{{end}}
{{if .ErrorCode}}<p>Not approved ({{.ErrorCode}}).</p>{{end}}
</html>`))

// showDecision is the return URL (redirect_uri): GET /return.
func (a *app) showDecision(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var requestID string
	a.state.read(func(s *state) { requestID = s.Visits[q.Get("state")] })
	if requestID == "" || requestID != q.Get("request_id") {
		http.Error(w, "This is not a link we made.", http.StatusBadRequest)
		return
	}
	// Anyone can type this URL: take the decision from the API, not from
	// the query.
	id, err := uuid.Parse(requestID)
	if err != nil {
		http.Error(w, "bad request id", http.StatusBadRequest)
		return
	}
	res, err := a.api.GetAccessRequestWithResponse(r.Context(), id)
	if err != nil {
		a.say("return: %v", err)
		http.Error(w, "We could not check your decision; please try again.", http.StatusBadGateway)
		return
	}
	req := res.JSON200
	page := struct{ MeteringPoint, Status, GrantedScope, ErrorCode string }{
		MeteringPoint: req.MeteringPointId, Status: string(req.Status), ErrorCode: q.Get("error_code")}
	if req.GrantedScope != nil {
		page.GrantedScope = string(*req.GrantedScope)
	}
	a.say("return: request %s for %s is %s %s", requestID, req.MeteringPointId, req.Status, page.GrantedScope)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := decisionPage.Execute(w, page); err != nil {
		a.say("return: %v", fmt.Errorf("write the page: %w", err))
	}
}
