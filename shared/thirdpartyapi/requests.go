// Package thirdpartyapi is an entry point: the API third parties call with
// the tredjepart:thirdparty scope, as API Gateway HTTP API (payload 2.0)
// handlers behind two functions. RequestsHandler (function intake) serves
// access requests (Elhub BRS-NO-622); QueriesHandler (function queries)
// serves master data (BRS-NO-303), meter values (BRS-NO-315), the feed of
// deliveries and the third party's webhook.
package thirdpartyapi

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/apigw"
	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/oslo"
	"github.com/tredjepart/tredjepart/shared/ratelimit"
	"github.com/tredjepart/tredjepart/shared/registry"
)

// Route keys this handler serves; resources.Routes sends them here.
const (
	RouteCreateRequest   = "POST /v1/access-requests"
	RouteListRequests    = "GET /v1/access-requests"
	RouteGetRequest      = "GET /v1/access-requests/{id}"
	RouteWithdrawRequest = "DELETE /v1/access-requests/{id}"
)

// RequestsHandler serves the access-request routes.
type RequestsHandler struct {
	Requests     *accessrequest.Service
	ThirdParties apigw.ThirdParties
	Limiter      *ratelimit.Limiter // each client's calls, shared with QueriesHandler; nil counts nothing
	// ConsentOrigin is the consent site's scheme://host: the consent page
	// and the redirect flow a request's links point at.
	ConsentOrigin string
	Logger        *slog.Logger
}

type response = apigw.Response

// Handle answers one API Gateway event.
func (h *RequestsHandler) Handle(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (response, error) {
	return apigw.HandleLimited(ctx, ev, h.Logger, h.Limiter, h.route)
}

func (h *RequestsHandler) route(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (response, error) {
	caller, err := apigw.Caller(ctx, ev, h.ThirdParties)
	if err != nil {
		return response{}, err
	}
	var res response
	switch ev.RouteKey {
	case RouteCreateRequest:
		res, err = h.create(ctx, caller, ev)
	case RouteListRequests:
		res, err = h.list(ctx, caller, ev)
	case RouteGetRequest:
		res, err = h.get(ctx, caller, ev)
	case RouteWithdrawRequest:
		res, err = h.withdraw(ctx, caller, ev)
	default:
		err = fault.New(fault.NotFound, "No route %s.", ev.RouteKey)
	}
	return res, err
}

func (h *RequestsHandler) create(ctx context.Context, caller registry.ThirdParty, ev events.APIGatewayV2HTTPRequest) (response, error) {
	in, err := parseCreate(ev)
	if err != nil {
		return response{}, err
	}
	r, outcome, replayed, err := h.Requests.Create(ctx, caller.GLN, in)
	if err != nil {
		return response{}, err
	}
	status := http.StatusAccepted
	if outcome == accessrequest.AlreadyPending {
		status = http.StatusOK
	}
	res := apigw.JSON(status, apigw.MustJSON(h.view(caller, r)), "application/json")
	res.Headers["Location"] = accessrequest.Path(r.ID)
	if replayed {
		res.Headers["Idempotent-Replayed"] = "true" // as Stripe marks a replay
	}
	return res, nil
}

func (h *RequestsHandler) list(ctx context.Context, caller registry.ThirdParty, ev events.APIGatewayV2HTTPRequest) (response, error) {
	q, err := parseList(ev.QueryStringParameters)
	if err != nil {
		return response{}, err
	}
	page, err := h.Requests.List(ctx, caller.GLN, q)
	if err != nil {
		return response{}, err
	}
	body := requestListView{Items: make([]requestView, 0, len(page.Items)), NextCursor: page.NextCursor}
	for _, r := range page.Items {
		body.Items = append(body.Items, h.view(caller, r))
	}
	return apigw.JSON(http.StatusOK, apigw.MustJSON(body), "application/json"), nil
}

func (h *RequestsHandler) get(ctx context.Context, caller registry.ThirdParty, ev events.APIGatewayV2HTTPRequest) (response, error) {
	id, err := parseID(ev.PathParameters["id"])
	if err != nil {
		return response{}, err
	}
	r, err := h.Requests.Get(ctx, caller.GLN, id)
	if err != nil {
		return response{}, err
	}
	return apigw.JSON(http.StatusOK, apigw.MustJSON(h.view(caller, r)), "application/json"), nil
}

func (h *RequestsHandler) withdraw(ctx context.Context, caller registry.ThirdParty, ev events.APIGatewayV2HTTPRequest) (response, error) {
	id, err := parseID(ev.PathParameters["id"])
	if err != nil {
		return response{}, err
	}
	r, err := h.Requests.Withdraw(ctx, caller.GLN, id)
	if err != nil {
		return response{}, err
	}
	return apigw.JSON(http.StatusOK, apigw.MustJSON(h.view(caller, r)), "application/json"), nil
}

// requestView is an access request as the API shows it.
type requestView struct {
	ID                 string `json:"id"`
	Status             string `json:"status"`
	MeteringPointID    string `json:"meteringPointId"`
	Scope              string `json:"scope"`
	GrantedScope       string `json:"grantedScope,omitempty"`
	AgreementReference string `json:"agreementReference,omitempty"`
	ThirdPartyID       string `json:"thirdPartyId"`
	ReasonCode         string `json:"reasonCode,omitempty"`
	RejectionReason    string `json:"rejectionReason,omitempty"` // DECLINED or EXPIRED, which EH088 does not tell
	CreatedAt          string `json:"createdAt"`
	ExpiresAt          string `json:"expiresAt"`
	DecidedAt          string `json:"decidedAt,omitempty"`
	Links              links  `json:"links"`
}

// links are where the request is in the API, and the end user's way to
// decide it: the consent page, and the redirect flow (BRS-NO-624) back to
// the third party when it has registered a redirect URI.
type links struct {
	Self      string `json:"self"`
	Consent   string `json:"consent"`
	Authorize string `json:"authorize,omitempty"`
}

type requestListView struct {
	Items      []requestView `json:"items"`
	NextCursor string        `json:"nextCursor,omitempty"`
}

func (h *RequestsHandler) view(caller registry.ThirdParty, r accessrequest.Request) requestView {
	v := requestView{
		ID: r.ID, Status: string(r.Status), MeteringPointID: string(r.MeteringPoint), Scope: string(r.Scope), GrantedScope: string(r.GrantedScope),
		AgreementReference: r.AgreementReference, ThirdPartyID: string(r.ThirdParty), ReasonCode: r.ReasonCode,
		RejectionReason: r.RejectionReason(),
		CreatedAt:       oslo.FormatUTC(r.CreatedAt), ExpiresAt: oslo.FormatUTC(r.ExpiresAt),
		Links: links{Self: accessrequest.Path(r.ID), Consent: accessrequest.ConsentURL(h.ConsentOrigin, r.ID),
			Authorize: accessrequest.AuthorizeURL(h.ConsentOrigin, caller, r)},
	}
	if !r.DecidedAt.IsZero() {
		v.DecidedAt = oslo.FormatUTC(r.DecidedAt)
	}
	return v
}
