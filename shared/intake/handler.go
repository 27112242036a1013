// Package intake is the third-party API for access requests (Elhub
// BRS-NO-622) as an API Gateway HTTP API (payload 2.0) handler.
package intake

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/businessday"
	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/problem"
	"github.com/tredjepart/tredjepart/shared/registry"
)

// Route keys this handler serves; resources.Routes sends them here.
const (
	RouteCreate   = "POST /v1/access-requests"
	RouteList     = "GET /v1/access-requests"
	RouteGet      = "GET /v1/access-requests/{id}"
	RouteWithdraw = "DELETE /v1/access-requests/{id}"
)

// ThirdParties finds the third party an OAuth client acts for.
type ThirdParties interface {
	ThirdPartyByClient(ctx context.Context, clientID string) (registry.ThirdParty, bool, error)
}

// Handler serves the access-request routes.
type Handler struct {
	Requests     *accessrequest.Service
	ThirdParties ThirdParties
	Logger       *slog.Logger
}

type response = events.APIGatewayV2HTTPResponse

// Handle answers one API Gateway event. It never returns an error: failures
// become problem documents, so API Gateway never answers with its own 500.
func (h *Handler) Handle(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (response, error) {
	started := time.Now()
	logger := h.Logger.With("route", ev.RouteKey, "requestId", requestID(ctx, ev))
	res, caller, err := h.route(ctx, ev)
	if err != nil {
		doc := problem.From(ctx, logger, err, ev.RawPath)
		res = jsonResponse(doc.Status, doc.JSON(), problem.ContentType)
		if doc.Status == http.StatusUnauthorized {
			res.Headers["WWW-Authenticate"] = `Bearer error="invalid_token", error_description="the token names no client_id"`
		}
	}
	logger.InfoContext(ctx, "request", "status", res.StatusCode, "thirdParty", string(caller), "durationMs", time.Since(started).Milliseconds())
	return res, nil
}

func requestID(ctx context.Context, ev events.APIGatewayV2HTTPRequest) string {
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		return lc.AwsRequestID
	}
	return ev.RequestContext.RequestID
}

func (h *Handler) route(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (response, ident.GLN, error) {
	caller, err := h.caller(ctx, ev)
	if err != nil {
		return response{}, "", err
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
	return res, caller, err
}

// caller maps the token's client (checked by the JWT authorizer) to a registered third party.
func (h *Handler) caller(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (ident.GLN, error) {
	var clientID string
	if a := ev.RequestContext.Authorizer; a != nil && a.JWT != nil {
		clientID = a.JWT.Claims["client_id"]
	}
	if clientID == "" {
		return "", fault.New(fault.Unauthenticated, "The bearer token names no client_id.")
	}
	tp, found, err := h.ThirdParties.ThirdPartyByClient(ctx, clientID)
	if err != nil {
		return "", err
	}
	if !found {
		return "", fault.New(fault.Forbidden, "Client %q is not registered to a third party.", clientID)
	}
	return tp.GLN, nil
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
	res := jsonResponse(status, mustJSON(view(r)), "application/json")
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
	return jsonResponse(http.StatusOK, mustJSON(body), "application/json"), nil
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
	return jsonResponse(http.StatusOK, mustJSON(view(r)), "application/json"), nil
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
	return jsonResponse(http.StatusOK, mustJSON(view(r)), "application/json"), nil
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
		CreatedAt: businessday.FormatUTC(r.CreatedAt), ExpiresAt: businessday.FormatUTC(r.ExpiresAt),
		Links: links{Self: selfLink(r.ID)},
	}
	if !r.DecidedAt.IsZero() {
		v.DecidedAt = businessday.FormatUTC(r.DecidedAt)
	}
	return v
}

func selfLink(id string) string { return "/v1/access-requests/" + id }

func mustJSON(v any) []byte {
	body, err := json.Marshal(v)
	if err != nil {
		panic(err) // only plain structs of strings reach here
	}
	return body
}

func jsonResponse(status int, body []byte, contentType string) response {
	return response{
		StatusCode: status,
		Headers: map[string]string{
			"Content-Type":  contentType,
			"Cache-Control": "no-store",
		},
		Body: string(body),
	}
}

func decodeBody(ev events.APIGatewayV2HTTPRequest) ([]byte, error) {
	if !ev.IsBase64Encoded {
		return []byte(ev.Body), nil
	}
	body, err := base64.StdEncoding.DecodeString(ev.Body)
	if err != nil {
		return nil, fault.InvalidFields(fault.FieldError{Field: "body", Reason: "is not valid base64"})
	}
	return body, nil
}

func atoiOr(s string, fallback int) (int, error) {
	if s == "" {
		return fallback, nil
	}
	return strconv.Atoi(s)
}
