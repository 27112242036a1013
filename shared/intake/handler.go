// Package intake is the third-party API for access requests (Elhub
// BRS-NO-622) as an API Gateway HTTP API (payload 2.0) handler.
package intake

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/apigw"
	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/oslo"
)

// Route keys this handler serves; resources.Routes sends them here.
const (
	RouteCreate   = "POST /v1/access-requests"
	RouteList     = "GET /v1/access-requests"
	RouteGet      = "GET /v1/access-requests/{id}"
	RouteWithdraw = "DELETE /v1/access-requests/{id}"
)

// Handler serves the access-request routes.
type Handler struct {
	Requests     *accessrequest.Service
	ThirdParties apigw.ThirdParties
	Logger       *slog.Logger
}

type response = apigw.Response

// Handle answers one API Gateway event.
func (h *Handler) Handle(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (response, error) {
	return apigw.Handle(ctx, ev, h.Logger, h.route)
}

func (h *Handler) route(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (response, error) {
	caller, err := apigw.ThirdParty(ctx, ev, h.ThirdParties)
	if err != nil {
		return response{}, err
	}
	var res response
	switch ev.RouteKey {
	case RouteCreate:
		res, err = h.create(ctx, caller, ev)
	case RouteList:
		res, err = h.list(ctx, caller, ev)
	case RouteGet:
		res, err = h.get(ctx, caller, ev)
	case RouteWithdraw:
		res, err = h.withdraw(ctx, caller, ev)
	default:
		err = fault.New(fault.NotFound, "No route %s.", ev.RouteKey)
	}
	return res, err
}

func (h *Handler) create(ctx context.Context, caller ident.GLN, ev events.APIGatewayV2HTTPRequest) (response, error) {
	in, err := parseCreate(ev)
	if err != nil {
		return response{}, err
	}
	r, outcome, err := h.Requests.Create(ctx, caller, in)
	if err != nil {
		return response{}, err
	}
	status := http.StatusAccepted
	if outcome == accessrequest.AlreadyPending {
		status = http.StatusOK
	}
	res := apigw.JSON(status, apigw.MustJSON(view(r)), "application/json")
	res.Headers["Location"] = selfLink(r.ID)
	return res, nil
}

func (h *Handler) list(ctx context.Context, caller ident.GLN, ev events.APIGatewayV2HTTPRequest) (response, error) {
	q, err := parseList(ev.QueryStringParameters)
	if err != nil {
		return response{}, err
	}
	page, err := h.Requests.List(ctx, caller, q)
	if err != nil {
		return response{}, err
	}
	body := listView{Items: make([]requestView, 0, len(page.Items)), NextCursor: page.NextCursor}
	for _, r := range page.Items {
		body.Items = append(body.Items, view(r))
	}
	return apigw.JSON(http.StatusOK, apigw.MustJSON(body), "application/json"), nil
}

func (h *Handler) get(ctx context.Context, caller ident.GLN, ev events.APIGatewayV2HTTPRequest) (response, error) {
	id, err := parseID(ev.PathParameters["id"])
	if err != nil {
		return response{}, err
	}
	r, err := h.Requests.Get(ctx, caller, id)
	if err != nil {
		return response{}, err
	}
	return apigw.JSON(http.StatusOK, apigw.MustJSON(view(r)), "application/json"), nil
}

func (h *Handler) withdraw(ctx context.Context, caller ident.GLN, ev events.APIGatewayV2HTTPRequest) (response, error) {
	id, err := parseID(ev.PathParameters["id"])
	if err != nil {
		return response{}, err
	}
	r, err := h.Requests.Withdraw(ctx, caller, id)
	if err != nil {
		return response{}, err
	}
	return apigw.JSON(http.StatusOK, apigw.MustJSON(view(r)), "application/json"), nil
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
	CreatedAt          string `json:"createdAt"`
	ExpiresAt          string `json:"expiresAt"`
	DecidedAt          string `json:"decidedAt,omitempty"`
	Links              links  `json:"links"`
}

type links struct {
	Self string `json:"self"`
}

type listView struct {
	Items      []requestView `json:"items"`
	NextCursor string        `json:"nextCursor,omitempty"`
}

func view(r accessrequest.Request) requestView {
	v := requestView{
		ID: r.ID, Status: string(r.Status), MeteringPointID: string(r.MeteringPoint), Scope: string(r.Scope), GrantedScope: string(r.GrantedScope),
		AgreementReference: r.AgreementReference, ThirdPartyID: string(r.ThirdParty), ReasonCode: r.ReasonCode,
		CreatedAt: oslo.FormatUTC(r.CreatedAt), ExpiresAt: oslo.FormatUTC(r.ExpiresAt),
		Links: links{Self: selfLink(r.ID)},
	}
	if !r.DecidedAt.IsZero() {
		v.DecidedAt = oslo.FormatUTC(r.DecidedAt)
	}
	return v
}

func selfLink(id string) string { return "/v1/access-requests/" + id }
