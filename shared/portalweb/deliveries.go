package portalweb

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/delivery"
	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/metervalues"
	"github.com/tredjepart/tredjepart/shared/stdwebhook"
	"github.com/tredjepart/tredjepart/shared/webhook"
)

// How many requests, grants and attempts the overview counts at most: the
// portal is for small third parties, and "100+" says enough beyond that.
const (
	countLimit    = 1000
	attemptsShown = 50
)

// overviewPage holds the counts on the first page.
type overviewPage struct {
	Pending, Grants, DeliveredToday, FailedToday int
	PendingMore, GrantsMore                      bool // the count stopped at countLimit
}

func (s *site) overview(w http.ResponseWriter, r *http.Request, who staff) {
	ctx, tp := r.Context(), who.ThirdParty.GLN
	var page overviewPage
	var err error
	if page.Pending, page.PendingMore, err = s.countPending(ctx, tp); err != nil {
		s.Fail(w, r, err)
		return
	}
	if page.Grants, page.GrantsMore, err = s.countGrants(ctx, tp); err != nil {
		s.Fail(w, r, err)
		return
	}
	today := metervalues.Date(s.clock.Now())
	if page.DeliveredToday, err = s.outbox.CountSince(ctx, tp, today); err != nil {
		s.Fail(w, r, err)
		return
	}
	attempts, err := s.webhooks.Attempts(ctx, tp, attemptsShown)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	for _, a := range attempts {
		if a.Outcome != stdwebhook.Delivered && !a.At.Before(today) {
			page.FailedToday++
		}
	}
	s.Render(w, r, http.StatusOK, "overview.html", who, page)
}

func (s *site) countPending(ctx context.Context, tp ident.GLN) (int, bool, error) {
	n, cursor := 0, ""
	for n < countLimit {
		page, err := s.requests.List(ctx, tp, accessrequest.ListQuery{Status: accessrequest.Pending, Cursor: cursor, Limit: 100})
		if err != nil {
			return 0, false, err
		}
		n += len(page.Items)
		if cursor = page.NextCursor; cursor == "" {
			return n, false, nil
		}
	}
	return n, true, nil
}

func (s *site) countGrants(ctx context.Context, tp ident.GLN) (int, bool, error) {
	n, cursor := 0, ""
	for n < countLimit {
		grants, next, err := s.metering.List(ctx, tp, cursor, 100)
		if err != nil {
			return 0, false, err
		}
		n += len(grants)
		if cursor = next; cursor == "" {
			return n, false, nil
		}
	}
	return n, true, nil
}

// deliveriesPage is the outbox, the webhook and its attempts.
type deliveriesPage struct {
	Documents []delivery.Document
	Older     string // link to the next page of older documents
	Webhook   *webhook.Endpoint
	Secret    string // a secret just made, shown with it
	Tested    *webhook.Attempt
	Done      string       // the change just made
	Error     string       // the message key of why the change was refused (webhookRefusal)
	Form      *webhookForm // what the refused registration sent, shown again
	Attempts  []webhook.Attempt
}

// webhookForm is what the webhook form sent.
type webhookForm struct {
	URL    string
	Events []delivery.Kind // nil: every kind
}

func (s *site) deliveries(w http.ResponseWriter, r *http.Request, who staff) {
	page := deliveriesPage{}
	if done := r.URL.Query().Get("done"); done == "deleted" {
		page.Done = done
	}
	s.showDeliveries(w, r, who, http.StatusOK, page)
}

// showDeliveries fills in the page around what a change put in it.
func (s *site) showDeliveries(w http.ResponseWriter, r *http.Request, who staff, status int, page deliveriesPage) {
	ctx, tp := r.Context(), who.ThirdParty.GLN
	feed, err := s.outbox.Latest(ctx, tp, r.URL.Query().Get("before"), pageSize)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	page.Documents = feed.Documents
	if feed.Next != "" {
		page.Older = "/portal/deliveries?before=" + url.QueryEscape(feed.Next)
	}
	switch e, err := s.webhooks.Get(ctx, tp); {
	case err == nil:
		page.Webhook = &e
	case fault.KindOf(err) != fault.NotFound:
		s.Fail(w, r, err)
		return
	}
	if page.Attempts, err = s.webhooks.Attempts(ctx, tp, attemptsShown); err != nil {
		s.Fail(w, r, err)
		return
	}
	s.Render(w, r, status, "deliveries.html", who, page)
}

// webhookChange shows the outcome of a change: the page with the new secret
// or test result, or the reason the change was refused.
func (s *site) webhookChange(w http.ResponseWriter, r *http.Request, who staff, page deliveriesPage, err error) {
	var e *fault.Error
	switch {
	case errors.As(err, &e) && e.Kind != fault.Internal:
		page.Done, page.Error = "", webhookRefusal(e)
		s.showDeliveries(w, r, who, http.StatusUnprocessableEntity, page)
	case err != nil:
		s.Fail(w, r, err)
	default:
		s.showDeliveries(w, r, who, http.StatusOK, page)
	}
}

func (s *site) registerWebhook(w http.ResponseWriter, r *http.Request, who staff) {
	if err := r.ParseForm(); err != nil {
		s.Problem(w, r, http.StatusBadRequest, "The form could not be read.")
		return
	}
	form := webhookForm{URL: r.PostForm.Get("url"), Events: chosenEvents(r.PostForm["events"])}
	_, secret, err := s.webhooks.RegisterFor(r.Context(), who.ThirdParty.GLN, form.URL, form.Events)
	page := deliveriesPage{Secret: secret, Done: "registered"}
	if err != nil {
		page.Form = &form
	}
	s.webhookChange(w, r, who, page, err)
}

// chosenEvents are the kinds of document the form's boxes chose: nil when
// every box is ticked, so a kind added later is pushed too (as when PUT
// /v1/webhook leaves events out); empty, which RegisterFor refuses, when
// none is.
func chosenEvents(ticked []string) []delivery.Kind {
	chosen := make([]delivery.Kind, 0, len(ticked))
	for _, k := range ticked {
		chosen = append(chosen, delivery.Kind(k))
	}
	for _, k := range webhook.Events {
		if !slices.Contains(chosen, k) {
			return chosen
		}
	}
	return nil
}

func (s *site) rotateWebhook(w http.ResponseWriter, r *http.Request, who staff) {
	_, secret, err := s.webhooks.Rotate(r.Context(), who.ThirdParty.GLN)
	s.webhookChange(w, r, who, deliveriesPage{Secret: secret, Done: "rotated"}, err)
}

func (s *site) deleteWebhook(w http.ResponseWriter, r *http.Request, who staff) {
	if err := s.webhooks.Remove(r.Context(), who.ThirdParty.GLN); err != nil {
		s.Fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/portal/deliveries?done=deleted", http.StatusSeeOther)
}

// testWebhook pushes the test event or the sample daily document the
// button names, as POST /v1/webhook/test does.
func (s *site) testWebhook(w http.ResponseWriter, r *http.Request, who staff) {
	if err := r.ParseForm(); err != nil {
		s.Problem(w, r, http.StatusBadRequest, "The form could not be read.")
		return
	}
	a, err := s.webhooks.SendTest(r.Context(), who.ThirdParty.GLN, r.PostForm.Get("type"))
	s.webhookChange(w, r, who, deliveriesPage{Tested: &a, Done: "tested"}, err)
}

// webhookRefusal is the message key of why package webhook refused a change:
// of a form with a bad URL and no box ticked, the URL first.
func webhookRefusal(e *fault.Error) string {
	refused := func(field string) bool {
		return slices.ContainsFunc(e.Fields, func(f fault.FieldError) bool { return f.Field == field })
	}
	switch {
	case errors.Is(e, webhook.ErrStale):
		return "webhook.changedMeanwhile"
	case e.Kind == fault.NotFound:
		return "webhook.noneToChange"
	case refused("url"):
		return "webhook.invalidURL"
	case refused("events"):
		return "webhook.noEvents"
	}
	return "webhook.refused"
}
