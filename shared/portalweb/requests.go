package portalweb

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/websession"
)

// Limits on the new-request form.
const (
	maxPerSubmission      = 100
	maxAgreementReference = 100
	pageSize              = 25
)

// entry is one metering point typed or pasted into the form.
type entry struct {
	Input string
	GSRN  ident.GSRN
	Err   string // why the input is not a metering point id
}

// errNoMeteringPoints refuses a form without a metering point.
var errNoMeteringPoints = fault.InvalidFields(fault.FieldError{Field: "meteringPoints", Reason: "give at least one metering point id"})

// parseMeteringPoints splits pasted text on newlines, commas, semicolons
// and spaces, and checks each id. The same input twice counts once.
func parseMeteringPoints(text string) ([]entry, error) {
	fields := strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == ';' || unicode.IsSpace(r) })
	if len(fields) == 0 {
		return nil, errNoMeteringPoints
	}
	seen := map[string]bool{}
	var entries []entry
	for _, f := range fields {
		if seen[f] {
			continue
		}
		seen[f] = true
		e := entry{Input: f}
		id, err := ident.ParseGSRN(f)
		if err != nil {
			e.Err = err.Error()
		}
		e.GSRN = id
		entries = append(entries, e)
	}
	if len(entries) > maxPerSubmission {
		return nil, fault.InvalidFields(fault.FieldError{Field: "meteringPoints", Reason: fmt.Sprintf("at most %d metering points at once; this was %d", maxPerSubmission, len(entries))})
	}
	return entries, nil
}

// newRequestForm is the form, with what was typed when it is shown again.
type newRequestForm struct {
	Submission         string // one per shown form: a double submit creates nothing twice
	MeteringPoints     string
	Level              accessrequest.Scope
	AgreementReference string
	Error              string // the message key of why the form was refused (formErrors)
	Results            []result
}

// result is what became of one entry.
type result struct {
	entry
	Outcome     string // created, pending, rejected or invalid
	Code        string // the Elhub code of a rejection
	Detail      string
	Request     accessrequest.Request
	ConsentURL  string
	RedirectURL string
}

func (s *site) newRequests(w http.ResponseWriter, r *http.Request, who staff) {
	s.Render(w, r, http.StatusOK, "new.html", who, newRequestForm{Submission: websession.Random(), Level: accessrequest.DefaultScope})
}

// createRequests asks for access to each metering point of the form, each
// through the same domain code as the API, and shows every result.
func (s *site) createRequests(w http.ResponseWriter, r *http.Request, who staff) {
	if err := r.ParseForm(); err != nil {
		s.Problem(w, r, http.StatusBadRequest, "The form could not be read.")
		return
	}
	form := newRequestForm{
		Submission: r.PostForm.Get("submission"), MeteringPoints: r.PostForm.Get("meteringPoints"),
		AgreementReference: strings.TrimSpace(r.PostForm.Get("agreementReference")),
	}
	level, err := accessrequest.ParseScope(r.PostForm.Get("level"))
	form.Level = level
	entries, perr := parseMeteringPoints(form.MeteringPoints)
	switch {
	case err != nil:
		form.Error = "form.chooseLevel"
	case len(form.Submission) < 16 || len(form.Submission) > 64:
		form.Error = "form.expired"
	case len(form.AgreementReference) > maxAgreementReference:
		form.Error = "form.referenceTooLong"
	case errors.Is(perr, errNoMeteringPoints):
		form.Error = "form.noMeteringPoints"
	case perr != nil:
		form.Error = "form.tooManyMeteringPoints"
	}
	if form.Error != "" {
		form.Level = accessrequest.DefaultScope
		s.Render(w, r, http.StatusBadRequest, "new.html", who, form)
		return
	}
	for _, en := range entries {
		form.Results = append(form.Results, s.createOne(r, who, en, form))
	}
	// A fresh form for the next batch; the results stay on show above it.
	next := newRequestForm{Submission: websession.Random(), Level: form.Level, Results: form.Results}
	s.Render(w, r, http.StatusOK, "new.html", who, next)
}

func (s *site) createOne(r *http.Request, who staff, en entry, form newRequestForm) result {
	res := result{entry: en}
	if en.Err != "" {
		res.Outcome, res.Detail = "invalid", en.Err
		return res
	}
	req, outcome, _, err := s.requests.Create(r.Context(), who.ThirdParty.GLN, accessrequest.CreateInput{
		MeteringPoint: en.GSRN, Scope: form.Level, AgreementReference: form.AgreementReference,
		IdempotencyKey: "portal:" + form.Submission + ":" + string(en.GSRN),
	})
	var e *fault.Error
	switch {
	case errors.As(err, &e) && e.Kind != fault.Internal:
		res.Outcome, res.Code, res.Detail = "rejected", e.Code, e.Detail
		return res
	case err != nil:
		s.logger.ErrorContext(r.Context(), "portal request failed", "meteringPoint", string(en.GSRN), "error", err)
		res.Outcome, res.Detail = "failed", "An internal error occurred; please try again."
		return res
	}
	res.Outcome, res.Request = "created", req
	if outcome == accessrequest.AlreadyPending {
		res.Outcome = "pending"
	}
	res.ConsentURL, res.RedirectURL = accessrequest.ConsentURL(s.Origin(), req.ID), accessrequest.AuthorizeURL(s.Origin(), who.ThirdParty, req)
	return res
}

// requestsPage is one page of the third party's requests.
type requestsPage struct {
	Status   accessrequest.Status
	Statuses []accessrequest.Status
	Items    []requestRow
	Next     string // link to the next page, empty on the last
	Done     string
}

type requestRow struct {
	accessrequest.Request
	Open       bool
	Left       time.Duration // until the request expires
	ConsentURL string
}

func (s *site) listRequests(w http.ResponseWriter, r *http.Request, who staff) {
	q := accessrequest.ListQuery{Cursor: r.URL.Query().Get("cursor"), Limit: pageSize}
	if st := r.URL.Query().Get("status"); st != "" {
		status, err := accessrequest.ParseStatus(st)
		if err != nil {
			s.Problem(w, r, http.StatusBadRequest, "status "+err.Error())
			return
		}
		q.Status = status
	}
	page, err := s.requests.List(r.Context(), who.ThirdParty.GLN, q)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	now := s.clock.Now()
	data := requestsPage{Status: q.Status, Statuses: []accessrequest.Status{accessrequest.Pending, accessrequest.Approved, accessrequest.Rejected, accessrequest.Withdrawn}}
	for _, req := range page.Items {
		data.Items = append(data.Items, requestRow{Request: req, Open: req.OpenAt(now), Left: req.ExpiresAt.Sub(now), ConsentURL: accessrequest.ConsentURL(s.Origin(), req.ID)})
	}
	if page.NextCursor != "" {
		data.Next = "/portal/requests?" + url.Values{"status": {string(q.Status)}, "cursor": {page.NextCursor}}.Encode()
	}
	if r.URL.Query().Get("done") == "withdrawn" {
		data.Done = "withdrawn"
	}
	s.Render(w, r, http.StatusOK, "requests.html", who, data)
}

// withdraw withdraws one of the third party's requests; another's is not found.
func (s *site) withdraw(w http.ResponseWriter, r *http.Request, who staff) {
	if _, err := s.requests.Withdraw(r.Context(), who.ThirdParty.GLN, r.PathValue("id")); err != nil {
		s.Fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/portal/requests?done=withdrawn", http.StatusSeeOther)
}
