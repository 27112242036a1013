// Package portalweb is an entry point: the third parties' web pages (Elhub's Aktørportal): a
// staff member logs in with OpenID Connect for the organisation they act
// for, asks for access to metering points, follows the requests, reads
// master data and consumption, and manages deliveries. Every page calls
// the same domain code as the API. Pages are rendered on the server, in
// bokmål by default and English on request; its cookies live on /portal
// only, apart from the end users' pages on the same origin.
package portalweb

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/delivery"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/metering"
	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/webhook"
	"github.com/tredjepart/tredjepart/shared/websession"
)

// ThirdParties finds registered third parties, by GLN and by the
// organisation number their staff log in for.
type ThirdParties interface {
	ThirdParty(ctx context.Context, gln ident.GLN) (registry.ThirdParty, bool, error)
	ThirdPartyByOrg(ctx context.Context, org ident.OrgNumber) (registry.ThirdParty, bool, error)
}

// Outbox is a third party's delivered documents, seen newest first.
type Outbox interface {
	Latest(ctx context.Context, tp ident.GLN, cursor string, limit int) (delivery.FeedPage, error)
	CountSince(ctx context.Context, tp ident.GLN, since time.Time) (int, error)
}

// Config is what the portal needs.
type Config struct {
	Requests     *accessrequest.Service
	Metering     *metering.Service
	Webhooks     *webhook.Service
	Outbox       Outbox
	ThirdParties ThirdParties
	Sessions     websession.SessionStore
	// The staff's OpenID provider and the cookie keys.
	websession.Settings
	Clock  clock.Clock
	Logger *slog.Logger
}

// site is the portal. Its session cookie keeps the third party's GLN; its
// pages show the staff member with the third party as it is now.
type site struct {
	*websession.Site[session, staff]
	requests     *accessrequest.Service
	metering     *metering.Service
	webhooks     *webhook.Service
	outbox       Outbox
	thirdParties ThirdParties
	clock        clock.Clock
	logger       *slog.Logger
}

// New builds the portal. It asks the OpenID provider for its configuration.
func New(ctx context.Context, cfg Config) (http.Handler, error) {
	s, err := newSite(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return s.Protect(s.routes()), nil
}

func newSite(ctx context.Context, cfg Config) (*site, error) {
	s := &site{
		requests: cfg.Requests, metering: cfg.Metering, webhooks: cfg.Webhooks, outbox: cfg.Outbox, thirdParties: cfg.ThirdParties,
		clock: cfg.Clock, logger: cfg.Logger,
	}
	web, err := websession.NewSite(ctx, cfg.Settings, websession.SiteConfig[session, staff]{
		Cookies: cookies, SessionTTL: sessionTTL, LoginPath: loginPath, LoggedOutPath: loggedOutPath,
		SafeReturn: safeReturn, NewSession: s.sessionFor, Sessions: cfg.Sessions,
		Pages: pages, Messages: messages, Visitor: s.visitor, AssetsPath: assetsPath, Clock: cfg.Clock, Logger: cfg.Logger,
	})
	if err != nil {
		return nil, fmt.Errorf("portal: %w", err)
	}
	s.Site = web
	return s, nil
}

func (s *site) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+assetsPath+websession.StylesheetRoute, s.ServeStylesheet)
	mux.HandleFunc("GET "+loginPath, s.StartLogin)
	mux.HandleFunc("GET /portal/login/callback", s.FinishLogin)
	mux.HandleFunc("POST /portal/logout", s.Logout)
	mux.HandleFunc("GET "+loggedOutPath, s.LoggedOut)
	mux.HandleFunc("GET /portal", s.staffOnly(s.overview))
	mux.HandleFunc("GET /portal/requests", s.staffOnly(s.listRequests))
	mux.HandleFunc("GET /portal/requests/new", s.staffOnly(s.newRequests))
	mux.HandleFunc("POST /portal/requests", s.staffOnly(s.createRequests))
	mux.HandleFunc("POST /portal/requests/{id}/withdraw", s.staffOnly(s.withdraw))
	mux.HandleFunc("GET /portal/metering-points", s.staffOnly(s.meteringPoints))
	mux.HandleFunc("GET /portal/metering-points/{id}", s.staffOnly(s.meteringPoint))
	mux.HandleFunc("GET /portal/metering-points/{id}/consumption", s.staffOnly(s.consumption))
	mux.HandleFunc("GET /portal/deliveries", s.staffOnly(s.deliveries))
	mux.HandleFunc("POST /portal/webhook", s.staffOnly(s.registerWebhook))
	mux.HandleFunc("POST /portal/webhook/rotate", s.staffOnly(s.rotateWebhook))
	mux.HandleFunc("POST /portal/webhook/delete", s.staffOnly(s.deleteWebhook))
	mux.HandleFunc("POST /portal/webhook/test", s.staffOnly(s.testWebhook))
	mux.HandleFunc("/portal/", func(w http.ResponseWriter, r *http.Request) { s.Problem(w, r, http.StatusNotFound, "") })
	return mux
}

// staff is the logged-in person and the third party they act for, read
// afresh on every request.
type staff struct {
	session
	ThirdParty registry.ThirdParty
}

type staffHandler func(w http.ResponseWriter, r *http.Request, who staff)

// staffOf is the session's person with their third party as registered now.
func (s *site) staffOf(ctx context.Context, sess session) (staff, bool, error) {
	tp, found, err := s.thirdParties.ThirdParty(ctx, sess.ThirdParty)
	return staff{session: sess, ThirdParty: tp}, found, err
}

// visitor is who the pages that do not require a login (error pages) show
// as logged in: staff whose session would let them in (see staffOnly).
func (s *site) visitor(ctx context.Context, sess session) (staff, bool) {
	who, found, err := s.staffOf(ctx, sess)
	return who, err == nil && found && !who.ThirdParty.Disabled && who.ThirdParty.Version == sess.Registration
}

// staffOnly hands the handler who is logged in (see Site.Require). A
// session stands only on the registration it was let in on: once the
// operator disables the third party, or changes its registration in any
// way (which raises its version), the session has ended, even if the third
// party is enabled again before the next request. A disabled or removed
// third party's staff are refused; otherwise they log in again.
func (s *site) staffOnly(next staffHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sess, ok := s.Require(w, r)
		if !ok {
			return
		}
		who, found, err := s.staffOf(r.Context(), sess)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		if found && !who.ThirdParty.Disabled && who.ThirdParty.Version == sess.Registration {
			next(w, r, who)
			return
		}
		if err := s.EndSession(w, r); err != nil {
			s.Fail(w, r, err)
			return
		}
		if !found || who.ThirdParty.Disabled {
			s.Problem(w, r, http.StatusForbidden, refusedDisabled)
			return
		}
		s.LogInAgain(w, r)
	}
}
