// Package portal is the third parties' web pages (Elhub's Aktørportal): a
// staff member logs in with OpenID Connect for the organisation they act
// for, asks for access to metering points, follows the requests, reads
// master data and consumption, and manages deliveries. Every page calls
// the same domain code as the API. Pages are rendered on the server, in
// bokmål by default and English on request; the session and CSRF cookies
// live on /portal only, apart from the end users' pages on the same origin.
package portal

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/gorilla/csrf"

	"github.com/tredjepart/tredjepart/shared/accessrequest"
	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/delivery"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/metering"
	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/webhooks"
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
	Webhooks     *webhooks.Service
	Outbox       Outbox
	ThirdParties ThirdParties
	OIDC         websession.OIDC
	// Keys: 32 bytes to sign cookies, 32 to encrypt them, 32 for CSRF tokens.
	SessionKey, EncryptionKey, CSRFKey []byte
	Secure                             bool // Secure cookies; false only for plain-HTTP localhost
	Clock                              clock.Clock
	Logger                             *slog.Logger
}

//go:embed templates/*.html
var templateFiles embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"deref": func(b *bool) bool { return b != nil && *b }, // full master data's yes/no fields
}).ParseFS(templateFiles, "templates/*.html"))

type site struct {
	requests     *accessrequest.Service
	metering     *metering.Service
	webhooks     *webhooks.Service
	outbox       Outbox
	thirdParties ThirdParties
	login        *websession.Login
	cookies      *websession.Cookies
	origin       string // scheme://host of the site, for links handed to end users
	secure       bool
	clock        clock.Clock
	logger       *slog.Logger
}

// New builds the portal. It asks the OpenID provider for its configuration.
func New(ctx context.Context, cfg Config) (http.Handler, error) {
	s, origin, err := newSite(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return websession.Protect(s.routes(), websession.Protection{
		CSRFKey: cfg.CSRFKey, Origin: origin, CookieName: csrfCookie, Path: cookiePath, Secure: cfg.Secure,
		Refused: http.HandlerFunc(s.csrfRefused),
	}), nil
}

func newSite(ctx context.Context, cfg Config) (*site, *url.URL, error) {
	if len(cfg.SessionKey) < 32 || len(cfg.EncryptionKey) != 32 || len(cfg.CSRFKey) != 32 {
		return nil, nil, errors.New("portal: session and CSRF keys must be 32 bytes")
	}
	origin, err := websession.Origin(cfg.OIDC.RedirectURL)
	if err != nil {
		return nil, nil, fmt.Errorf("portal: %w", err)
	}
	cookies := websession.NewCookies(cfg.SessionKey, cfg.EncryptionKey, cookiePath, sessionTTL, cfg.Secure)
	login, err := websession.NewLogin(ctx, cfg.OIDC, cookies, loginCookie)
	if err != nil {
		return nil, nil, err
	}
	return &site{
		requests: cfg.Requests, metering: cfg.Metering, webhooks: cfg.Webhooks, outbox: cfg.Outbox, thirdParties: cfg.ThirdParties,
		login: login, cookies: cookies, origin: origin.String(), secure: cfg.Secure, clock: cfg.Clock, logger: cfg.Logger,
	}, origin, nil
}

func (s *site) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /portal/login", s.startLogin)
	mux.HandleFunc("GET /portal/login/callback", s.finishLogin)
	mux.HandleFunc("POST /portal/logout", s.logout)
	mux.HandleFunc("GET /portal/logged-out", s.loggedOut)
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
	mux.HandleFunc("/portal/", func(w http.ResponseWriter, r *http.Request) { s.problem(w, r, http.StatusNotFound, "") })
	return mux
}

// staff is the logged-in person and the third party they act for, read
// afresh on every request.
type staff struct {
	session
	ThirdParty registry.ThirdParty
}

type staffHandler func(w http.ResponseWriter, r *http.Request, who staff)

// staffOnly sends visitors without a valid session to log in, and back
// here after, and refuses a third party that has been disabled or removed
// since the login: that takes effect on the very next request.
func (s *site) staffOnly(next staffHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sess, err := readSession(s.cookies, r, s.clock.Now())
		if err != nil {
			if r.Method != http.MethodGet {
				s.problem(w, r, http.StatusUnauthorized, "Your session has ended. Please log in again.")
				return
			}
			http.Redirect(w, r, "/portal/login?return="+url.QueryEscape(r.URL.RequestURI()), http.StatusFound)
			return
		}
		tp, found, err := s.thirdParties.ThirdParty(r.Context(), sess.ThirdParty)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if !found || tp.Disabled {
			s.cookies.Clear(w, sessionCookie)
			s.problem(w, r, http.StatusForbidden, refusedDisabled)
			return
		}
		next(w, r, staff{session: sess, ThirdParty: tp})
	}
}

// view is what every page template gets.
type view struct {
	websession.Translator
	Staff     staff
	CSRFField template.HTML
	Path      string // the page the navigation marks as current
	Now       time.Time
	Data      any
}

func (s *site) render(w http.ResponseWriter, r *http.Request, status int, name string, who staff, data any) {
	v := view{
		Translator: websession.NewTranslator(s.language(w, r), messages),
		Staff:      who, CSRFField: csrf.TemplateField(r), Path: r.URL.Path, Now: s.clock.Now(), Data: data,
	}
	if r.Method == http.MethodPost && r.URL.Path == "/portal/requests" {
		v.Path = "/portal/requests/new" // the results of a new request
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := pages.ExecuteTemplate(w, name, v); err != nil {
		s.logger.ErrorContext(r.Context(), "render", "page", name, "error", err)
	}
}

func (s *site) language(w http.ResponseWriter, r *http.Request) string {
	return websession.Language(w, r, langCookie, cookiePath, s.secure)
}

// problem shows an error page; the detail is for the person, never a cause.
func (s *site) problem(w http.ResponseWriter, r *http.Request, status int, detail string) {
	s.render(w, r, status, "problem.html", staff{}, detail)
}

// fail shows a domain error's detail, a 404 for what is missing or not the
// caller's, and a generic page for anything unexpected, which is logged.
func (s *site) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, detail := websession.PageProblem(r.Context(), s.logger, err)
	s.problem(w, r, status, detail)
}

func (s *site) csrfRefused(w http.ResponseWriter, r *http.Request) {
	s.logger.WarnContext(r.Context(), "csrf refused", "reason", csrf.FailureReason(r))
	s.problem(w, r, http.StatusForbidden, "The form had expired or did not come from this site. Please go back, reload and try again.")
}

func (s *site) loggedOut(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "logged-out.html", staff{}, nil)
}
