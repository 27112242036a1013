// Package adminapi is an entry point: the operator's API (scope
// tredjepart:admin) over the registry of parties (registry.Parties) and the
// morning's operations (package operations), as an API Gateway HTTP API
// handler, and the Client that cmd/tredjepart-admin calls it with.
package adminapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"slices"
	"strings"

	"github.com/tredjepart/tredjepart/shared/apigw"
	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/registry"
)

// Route keys this handler serves; resources.Routes sends them here with
// the admin scope required.
const (
	RouteListThirdParties     = "GET /v1/admin/third-parties"
	RouteRegisterThirdParty   = "POST /v1/admin/third-parties"
	RouteGetThirdParty        = "GET /v1/admin/third-parties/{gln}"
	RouteUpdateThirdParty     = "PUT /v1/admin/third-parties/{gln}"
	RouteDisableThirdParty    = "POST /v1/admin/third-parties/{gln}/disable"
	RouteEnableThirdParty     = "POST /v1/admin/third-parties/{gln}/enable"
	RouteListDataProviders    = "GET /v1/admin/data-providers"
	RouteRegisterDataProvider = "POST /v1/admin/data-providers"
	RouteGetDataProvider      = "GET /v1/admin/data-providers/{gln}"
	RouteUpdateDataProvider   = "PUT /v1/admin/data-providers/{gln}"
	RouteDisableDataProvider  = "POST /v1/admin/data-providers/{gln}/disable"
	RouteEnableDataProvider   = "POST /v1/admin/data-providers/{gln}/enable"
)

// Paths of the two collections.
const (
	ThirdPartiesPath  = "/v1/admin/third-parties"
	DataProvidersPath = "/v1/admin/data-providers"
)

// Handler serves the admin routes.
type Handler struct {
	Service *registry.Parties
	// Operators are the OAuth clients of the operator. The authorizer checked
	// the admin scope, but which clients get a scope is the issuer's (on AWS,
	// Maskinporten's) to decide; which of them are the operator's is this
	// deployment's.
	Operators []string
	// Operations are the morning's: a day's status, replaying a day,
	// redriving dead letters.
	Operations Operations
	Logger     *slog.Logger
}

// Handle answers one API Gateway event.
func (h *Handler) Handle(ctx context.Context, ev apigw.Request) (apigw.Response, error) {
	return apigw.Handle(ctx, ev, h.Logger, h.route)
}

func (h *Handler) route(ctx context.Context, ev apigw.Request) (apigw.Response, error) {
	// The authorizer checked the admin scope; the client is who did it, in the log.
	client, err := apigw.RequireClientID(ev)
	if err != nil {
		return apigw.Response{}, err
	}
	if !slices.Contains(h.Operators, client) {
		return apigw.Response{}, fault.New(fault.Forbidden, "Client %q is not one of the operator's.", client)
	}
	s := h.Service
	switch ev.RouteKey {
	case RouteListThirdParties:
		return list(ctx, ev, s.ThirdParties, ThirdPartyView)
	case RouteRegisterThirdParty:
		return register(ctx, ev, parseThirdParty, s.RegisterThirdParty, ThirdPartyView)
	case RouteGetThirdParty:
		return withGLN(ctx, ev, s.ThirdParty, ThirdPartyView)
	case RouteUpdateThirdParty:
		return update(ctx, ev, parseThirdParty, s.UpdateThirdParty, ThirdPartyView)
	case RouteDisableThirdParty, RouteEnableThirdParty:
		return withGLN(ctx, ev, disabling(ev, s.SetThirdPartyDisabled), ThirdPartyView)
	case RouteListDataProviders:
		return list(ctx, ev, s.DataProviders, DataProviderView)
	case RouteRegisterDataProvider:
		return register(ctx, ev, parseDataProvider, s.RegisterDataProvider, DataProviderView)
	case RouteGetDataProvider:
		return withGLN(ctx, ev, s.DataProvider, DataProviderView)
	case RouteUpdateDataProvider:
		return update(ctx, ev, parseDataProvider, s.UpdateDataProvider, DataProviderView)
	case RouteDisableDataProvider, RouteEnableDataProvider:
		return withGLN(ctx, ev, disabling(ev, s.SetDataProviderDisabled), DataProviderView)
	case RouteDeliveryStatus, RouteDeliverDay, RouteRedrive:
		return h.operations(ctx, ev)
	}
	return apigw.Response{}, fault.New(fault.NotFound, "No route %s.", ev.RouteKey)
}

func disabling[P any](ev apigw.Request, set func(context.Context, ident.GLN, bool) (P, error)) func(context.Context, ident.GLN) (P, error) {
	disable := ev.RouteKey == RouteDisableThirdParty || ev.RouteKey == RouteDisableDataProvider
	return func(ctx context.Context, gln ident.GLN) (P, error) { return set(ctx, gln, disable) }
}

func list[P, V any](ctx context.Context, ev apigw.Request, all func(context.Context) ([]P, error), view func(P) V) (apigw.Response, error) {
	if bad := apigw.KnownParams(ev.QueryStringParameters); len(bad) > 0 {
		return apigw.Response{}, fault.InvalidFields(bad...)
	}
	parties, err := all(ctx)
	if err != nil {
		return apigw.Response{}, err
	}
	body := ListView[V]{Items: make([]V, 0, len(parties))}
	for _, p := range parties {
		body.Items = append(body.Items, view(p))
	}
	return ok(http.StatusOK, body), nil
}

func withGLN[P, V any](ctx context.Context, ev apigw.Request, do func(context.Context, ident.GLN) (P, error), view func(P) V) (apigw.Response, error) {
	gln, err := pathGLN(ev)
	if err != nil {
		return apigw.Response{}, err
	}
	p, err := do(ctx, gln)
	if err != nil {
		return apigw.Response{}, err
	}
	return ok(http.StatusOK, view(p)), nil
}

// parser reads a request body into a party; pathGLN is the GLN the path
// names, or empty when the body must name it.
type parser[P any] func(raw []byte, pathGLN ident.GLN) (P, error)

// located is a view that knows where its party is.
type located interface{ location() string }

func register[P any, V located](ctx context.Context, ev apigw.Request, parse parser[P], do func(context.Context, P) (P, error), view func(P) V) (apigw.Response, error) {
	raw, err := apigw.JSONBody(ev)
	if err != nil {
		return apigw.Response{}, err
	}
	p, err := parse(raw, "")
	if err != nil {
		return apigw.Response{}, err
	}
	if p, err = do(ctx, p); err != nil {
		return apigw.Response{}, err
	}
	v := view(p)
	res := ok(http.StatusCreated, v)
	res.Headers["Location"] = v.location()
	return res, nil
}

func update[P, V any](ctx context.Context, ev apigw.Request, parse parser[P], do func(context.Context, P) (P, error), view func(P) V) (apigw.Response, error) {
	gln, err := pathGLN(ev)
	if err != nil {
		return apigw.Response{}, err
	}
	raw, err := apigw.JSONBody(ev)
	if err != nil {
		return apigw.Response{}, err
	}
	p, err := parse(raw, gln)
	if err != nil {
		return apigw.Response{}, err
	}
	if p, err = do(ctx, p); err != nil {
		return apigw.Response{}, err
	}
	return ok(http.StatusOK, view(p)), nil
}

func (b ThirdPartyBody) location() string   { return ThirdPartiesPath + "/" + b.GLN }
func (b DataProviderBody) location() string { return DataProvidersPath + "/" + b.GLN }

func pathGLN(ev apigw.Request) (ident.GLN, error) {
	gln, err := ident.ParseGLN(ev.PathParameters["gln"])
	if err != nil {
		return "", fault.InvalidFields(fault.FieldError{Field: "gln", Reason: apigw.Reason(err)})
	}
	return gln, nil
}

func ok(status int, body any) apigw.Response {
	return apigw.JSON(status, apigw.MustJSON(body), "application/json")
}

// ListView is a listing of parties.
type ListView[V any] struct {
	Items []V `json:"items"`
}

// ContactBody is whom the operator reaches at a party.
type ContactBody struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	Phone string `json:"phone,omitempty"`
}

// ThirdPartyBody is a third party as the admin API reads and writes it.
// Disabled is only ever written by the disable and enable routes.
type ThirdPartyBody struct {
	GLN          string      `json:"gln"`
	Name         string      `json:"name"`
	OrgNumber    string      `json:"orgNumber"`
	ClientIDs    []string    `json:"clientIds"`
	RedirectURIs []string    `json:"redirectUris"`
	Contact      ContactBody `json:"contact"`
	Disabled     bool        `json:"disabled"`
	Version      int         `json:"version"`
}

// DataProviderBody is a data provider as the admin API reads and writes it.
type DataProviderBody struct {
	GLN       string      `json:"gln"`
	Name      string      `json:"name"`
	OrgNumber string      `json:"orgNumber"`
	Role      string      `json:"role"`
	ClientIDs []string    `json:"clientIds"`
	GridAreas []string    `json:"gridAreas"`
	Contact   ContactBody `json:"contact"`
	Disabled  bool        `json:"disabled"`
	Version   int         `json:"version"`
}

// ThirdPartyView is a third party as the admin API shows it.
func ThirdPartyView(tp registry.ThirdParty) ThirdPartyBody {
	return ThirdPartyBody{GLN: string(tp.GLN), Name: tp.Name, OrgNumber: string(tp.OrgNumber), ClientIDs: nonNil(tp.ClientIDs),
		RedirectURIs: nonNil(tp.RedirectURIs), Contact: ContactBody(tp.Contact), Disabled: tp.Disabled, Version: tp.Version}
}

// DataProviderView is a data provider as the admin API shows it.
func DataProviderView(dp registry.DataProvider) DataProviderBody {
	return DataProviderBody{GLN: string(dp.GLN), Name: dp.Name, OrgNumber: string(dp.OrgNumber), Role: string(dp.Role),
		ClientIDs: nonNil(dp.ClientIDs), GridAreas: nonNil(dp.GridAreas), Contact: ContactBody(dp.Contact), Disabled: dp.Disabled, Version: dp.Version}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// The fields a request body may carry: everything shown but disabled.
var (
	thirdPartyFields   = []string{"gln", "name", "orgNumber", "clientIds", "redirectUris", "contact", "version"}
	dataProviderFields = []string{"gln", "name", "orgNumber", "role", "clientIds", "gridAreas", "contact", "version"}
	contactFields      = []string{"name", "email", "phone"}
)

// partyInput is what both kinds of request body share; contact is read
// strictly on its own, so a misspelt field inside it is reported too.
type partyInput struct {
	GLN       string          `json:"gln"`
	Name      string          `json:"name"`
	OrgNumber string          `json:"orgNumber"`
	ClientIDs []string        `json:"clientIds"`
	Contact   json.RawMessage `json:"contact"`
	// Version, when given, is the version the caller read: an update of
	// anything newer is refused, so no change is lost unseen. Versions
	// start at 1; absent is "whatever is there". A float, since JSON
	// Schema's integers include 2.0.
	Version *float64 `json:"version"`
}

// maxVersion is the largest version a float holds exactly.
const maxVersion = 1 << 53

// version is the version read, 0 when none was given.
func (in partyInput) version() int {
	if in.Version == nil {
		return 0
	}
	return int(*in.Version)
}

// read decodes the shared fields: the GLN from the path when there is one
// (a body may repeat it, not change it).
func (in partyInput) read(pathGLN ident.GLN, bad []fault.FieldError) (ident.GLN, registry.Contact, []fault.FieldError) {
	gln := ident.GLN(in.GLN)
	if v := in.Version; v != nil && (*v < 1 || *v > maxVersion || *v != math.Trunc(*v)) {
		bad = append(bad, fault.FieldError{Field: "version", Reason: "must be a whole number, 1 or more (leave it out to replace whatever is there)"})
	}
	if pathGLN != "" {
		if in.GLN != "" && gln != pathGLN {
			bad = append(bad, fault.FieldError{Field: "gln", Reason: "must be the GLN in the path, " + string(pathGLN)})
		}
		gln = pathGLN
	}
	var c ContactBody
	if len(in.Contact) > 0 && string(in.Contact) != "null" {
		unknown, err := apigw.DecodeStrict(in.Contact, &c, contactFields...)
		if err != nil {
			unknown = []fault.FieldError{{Field: "contact", Reason: "must be an object with name, email and phone"}}
		}
		for _, f := range unknown {
			bad = append(bad, fault.FieldError{Field: "contact." + f.Field, Reason: f.Reason})
		}
	}
	return gln, registry.Contact(c), bad
}

// decodeParty is apigw.DecodeStrict for a party body, naming a field of the
// wrong type as sent: encoding/json calls the embedded partyInput's fields
// "partyInput.name".
func decodeParty(raw []byte, into any, known []string) ([]fault.FieldError, error) {
	bad, err := apigw.DecodeStrict(raw, into, known...)
	var fe *fault.Error
	if errors.As(err, &fe) && fe.Kind == fault.Invalid {
		fields := slices.Clone(fe.Fields)
		for i := range fields {
			fields[i].Field = strings.TrimPrefix(fields[i].Field, "partyInput.")
		}
		err = fault.InvalidFields(fields...)
	}
	return bad, err
}

func parseThirdParty(raw []byte, pathGLN ident.GLN) (registry.ThirdParty, error) {
	var in struct {
		partyInput
		RedirectURIs []string `json:"redirectUris"`
	}
	bad, err := decodeParty(raw, &in, thirdPartyFields)
	if err != nil {
		return registry.ThirdParty{}, err
	}
	gln, contact, bad := in.read(pathGLN, bad)
	tp := registry.ThirdParty{GLN: gln, Name: in.Name, OrgNumber: ident.OrgNumber(in.OrgNumber), ClientIDs: in.ClientIDs,
		RedirectURIs: in.RedirectURIs, Contact: contact, Version: in.version()}
	return tp, withValidation(bad, tp.Validate())
}

func parseDataProvider(raw []byte, pathGLN ident.GLN) (registry.DataProvider, error) {
	var in struct {
		partyInput
		Role      string   `json:"role"`
		GridAreas []string `json:"gridAreas"`
	}
	bad, err := decodeParty(raw, &in, dataProviderFields)
	if err != nil {
		return registry.DataProvider{}, err
	}
	gln, contact, bad := in.read(pathGLN, bad)
	dp := registry.DataProvider{GLN: gln, Name: in.Name, OrgNumber: ident.OrgNumber(in.OrgNumber), Role: registry.DataProviderRole(in.Role),
		ClientIDs: in.ClientIDs, GridAreas: in.GridAreas, Contact: contact, Version: in.version()}
	return dp, withValidation(bad, dp.Validate())
}

// withValidation reports the body's own bad fields with the rules' ones.
func withValidation(bad []fault.FieldError, invalid error) error {
	if e, ok := invalid.(*fault.Error); ok {
		bad = append(bad, e.Fields...)
	}
	if len(bad) > 0 {
		return fault.InvalidFields(bad...)
	}
	return invalid
}
