package enduserweb

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/consent"
	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/grant"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/registry"
)

// card is one request as the pages show it.
type card struct {
	accessrequest.Request
	ThirdPartyName string
	Address        registry.Address
	Resolution     metervalues.Resolution // how often the point is metered, which the consent text says
	Open           bool                   // whether it can still be decided: accessrequest.Request.OpenAt now
}

// row is one grant as the pages show it.
type row struct {
	grant.Grant
	ThirdPartyName string
	MovedOut       time.Time // the giver's move-out, the end of the data the access covers; zero while they live there
}

func (s *site) name(ctx context.Context, gln ident.GLN) string {
	tp, found, err := s.thirdParties.ThirdParty(ctx, gln)
	if err != nil || !found {
		return string(gln)
	}
	return tp.Name
}

func (s *site) pending(w http.ResponseWriter, r *http.Request, user session) {
	holdings, err := s.consent.Overview(r.Context(), user.EndUser)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	var cards []card
	for _, h := range holdings {
		for _, req := range h.Pending {
			cards = append(cards, card{req, s.name(r.Context(), req.ThirdParty), h.Address, h.Resolution, true}) // Overview holds only open requests
		}
	}
	s.Render(w, r, http.StatusOK, "pending.html", user, cards)
}

// oneRequest is the page behind a consent link. A request on a metering
// point the user does not hold shows nothing about it.
func (s *site) oneRequest(w http.ResponseWriter, r *http.Request, user session) {
	req, point, err := s.consent.Describe(r.Context(), user.EndUser, r.PathValue("id"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	open := req.OpenAt(s.clock.Now()) // past expiresAt it is expired, whether or not its timer has run
	s.Render(w, r, http.StatusOK, "request.html", user, card{req, s.name(r.Context(), req.ThirdParty), point.Address, point.Resolution, open})
}

// result is the outcome of one decision.
type result struct {
	card
	Failed string // why it was not recorded, or empty
}

// decide records the decisions posted for one or more requests.
func (s *site) decide(w http.ResponseWriter, r *http.Request, user session) {
	if err := r.ParseForm(); err != nil {
		s.Problem(w, r, http.StatusBadRequest, "The form could not be read.")
		return
	}
	var results []result
	for _, id := range r.PostForm["request"] {
		var (
			req accessrequest.Request
			err error
		)
		switch r.PostForm.Get("decision-" + id) {
		case "approve":
			level, perr := accessrequest.ParseScope(r.PostForm.Get("level-" + id))
			if perr != nil {
				err = fault.New(fault.Invalid, "Choose an access level.")
				break
			}
			req, err = s.consent.Approve(r.Context(), user.EndUser, id, level)
		case "decline":
			req, err = s.consent.Decline(r.Context(), user.EndUser, id)
		default:
			continue // decide later
		}
		if req.ID == "" {
			req.ID = id // a refusal before the request was read: say which it was
		}
		res := result{card: card{Request: req}}
		if req.ThirdParty != "" {
			res.ThirdPartyName = s.name(r.Context(), req.ThirdParty)
		}
		if err != nil {
			var e *fault.Error
			if !errors.As(err, &e) || e.Kind == fault.Internal {
				s.logger.ErrorContext(r.Context(), "decision failed", "requestId", id, "error", err)
				res.Failed = "An internal error occurred; please try again."
			} else {
				res.Failed = e.Detail
			}
		}
		results = append(results, res)
	}
	s.Render(w, r, http.StatusOK, "result.html", user, results)
}

// accessPage is what My access shows.
type accessPage struct {
	Holdings []holdingRows
	Reads    []readView
	Done     string // the change just made, confirmed at the top: level, grant or revoke
	// What was typed into the form to give access, and the message key
	// of what is wrong with it.
	GrantGLN, GrantError string
}

type holdingRows struct {
	consent.Holding
	Rows []row
}

// held is the metering points the user lives at now: where access can be
// given.
func (a accessPage) held() []holdingRows {
	var held []holdingRows
	for _, h := range a.Holdings {
		if h.MoveOut.IsZero() {
			held = append(held, h)
		}
	}
	return held
}

func (s *site) access(w http.ResponseWriter, r *http.Request, user session) {
	page, err := s.accessPage(r.Context(), user)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if done := r.URL.Query().Get("done"); done == "level" || done == "grant" || done == "revoke" {
		page.Done = done
	}
	s.Render(w, r, http.StatusOK, "access.html", user, page)
}

// accessPage is My access for user: the grants on each metering point
// they hold, and on those they have left, and the latest reads.
func (s *site) accessPage(ctx context.Context, user session) (accessPage, error) {
	holdings, err := s.consent.Overview(ctx, user.EndUser)
	if err != nil {
		return accessPage{}, err
	}
	var page accessPage
	for _, h := range holdings {
		hr := holdingRows{Holding: h}
		for _, g := range h.Grants {
			hr.Rows = append(hr.Rows, row{Grant: g, ThirdPartyName: s.name(ctx, g.ThirdParty), MovedOut: h.MoveOut})
		}
		page.Holdings = append(page.Holdings, hr)
	}
	reads, err := s.reads(ctx, user.EndUser, "", recentReads)
	if err != nil {
		return accessPage{}, err
	}
	page.Reads = reads.Items
	return page, nil
}

// refuseGrant shows My access again with the GLN typed into the form to
// give access, and what is wrong with it in an error summary that takes
// focus.
func (s *site) refuseGrant(w http.ResponseWriter, r *http.Request, user session, status int, problem string) {
	page, err := s.accessPage(r.Context(), user)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	page.GrantGLN, page.GrantError = r.PostForm.Get("thirdParty"), problem
	s.Render(w, r, status, "access.html", user, page)
}

// changeAccess changes a level, removes access or gives it directly, then
// shows My access again.
func (s *site) changeAccess(w http.ResponseWriter, r *http.Request, user session) {
	if err := r.ParseForm(); err != nil {
		s.Problem(w, r, http.StatusBadRequest, "The form could not be read.")
		return
	}
	mp, err := ident.ParseGSRN(r.PostForm.Get("meteringPoint"))
	if err != nil {
		s.Problem(w, r, http.StatusBadRequest, "Metering point: "+err.Error())
		return
	}
	tp, err := ident.ParseGLN(r.PostForm.Get("thirdParty"))
	if err != nil && r.PostForm.Get("action") == "grant" {
		s.refuseGrant(w, r, user, http.StatusBadRequest, "grant.invalidGLN")
		return
	}
	if err != nil {
		s.Problem(w, r, http.StatusBadRequest, "The company's "+err.Error())
		return
	}
	ctx := r.Context()
	switch r.PostForm.Get("action") {
	case "level", "grant":
		level, perr := accessrequest.ParseScope(r.PostForm.Get("level"))
		if perr != nil {
			s.Problem(w, r, http.StatusBadRequest, "Choose an access level.")
			return
		}
		if r.PostForm.Get("action") == "grant" {
			if _, found, lerr := s.thirdParties.ThirdParty(ctx, tp); lerr != nil || !found {
				s.refuseGrant(w, r, user, http.StatusNotFound, "grant.unknownGLN")
				return
			}
			_, err = s.consent.GrantDirectly(ctx, user.EndUser, tp, mp, level)
		} else {
			_, err = s.consent.ChangeLevel(ctx, user.EndUser, tp, mp, level)
		}
	case "revoke":
		_, err = s.consent.Revoke(ctx, user.EndUser, tp, mp)
	default:
		s.Problem(w, r, http.StatusBadRequest, "Unknown action.")
		return
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/consent/access?done="+r.PostForm.Get("action"), http.StatusSeeOther)
}
