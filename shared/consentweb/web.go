// Package consentweb is the end user's web pages (Elhub's Web Plug-in and
// Min side): log in with OpenID Connect, decide requests on the metering
// points one holds, and change or remove access later. Pages are rendered on
// the server, in bokmål by default and English on request, and work without
// JavaScript. Sessions are signed, encrypted, HttpOnly, SameSite=Lax cookies;
// every form post carries a CSRF token.
package consentweb

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/gorilla/csrf"

	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/consent"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/pseudonym"
	"github.com/tredjepart/tredjepart/shared/registry"
	"github.com/tredjepart/tredjepart/shared/websession"
)

// ThirdParties names third parties on the pages.
type ThirdParties interface {
	ThirdParty(ctx context.Context, gln ident.GLN) (registry.ThirdParty, bool, error)
}

// Config is what the pages need.
type Config struct {
	Consent      *consent.Service
	ThirdParties ThirdParties
	ReadLog      ReadLog
	OIDC         OIDC
	Pseudonyms   *pseudonym.Pseudonymizer
	// Keys: 32 bytes to sign cookies, 32 to encrypt them, 32 for CSRF tokens.
	SessionKey, EncryptionKey, CSRFKey []byte
	Secure                             bool // Secure cookies; false only for plain-HTTP localhost
	Clock                              clock.Clock
	Logger                             *slog.Logger
}

//go:embed templates/*.html
var templateFiles embed.FS

// pair hands a shared template both the page and one item of it.
func pair(v view, item any) map[string]any { return map[string]any{"View": v, "Item": item} }

var pages = template.Must(template.New("").Funcs(template.FuncMap{"pair": pair}).ParseFS(templateFiles, "templates/*.html"))

type site struct {
	consent      *consent.Service
	thirdParties ThirdParties
	readLog      ReadLog
	login        *websession.Login
	cookies      *websession.Cookies
	pseudonyms   *pseudonym.Pseudonymizer
	secure       bool
	clock        clock.Clock
	logger       *slog.Logger
}

// New builds the pages. It asks the OpenID provider for its configuration.
func New(ctx context.Context, cfg Config) (http.Handler, error) {
	if len(cfg.SessionKey) < 32 || len(cfg.EncryptionKey) != 32 || len(cfg.CSRFKey) != 32 {
		return nil, errors.New("consentweb: session and CSRF keys must be 32 bytes")
	}
	// The site's own origin is the one its login callback is on.
	origin, err := websession.Origin(cfg.OIDC.RedirectURL)
	if err != nil {
		return nil, fmt.Errorf("consentweb: %w", err)
	}
	cookies := newCookies(cfg.SessionKey, cfg.EncryptionKey, cfg.Secure)
	l, err := websession.NewLogin(ctx, cfg.OIDC, cookies, loginCookie)
	if err != nil {
		return nil, err
	}
	s := &site{
		consent: cfg.Consent, thirdParties: cfg.ThirdParties, readLog: cfg.ReadLog, login: l,
		cookies: cookies, pseudonyms: cfg.Pseudonyms,
		secure: cfg.Secure, clock: cfg.Clock, logger: cfg.Logger,
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", s.startLogin)
	mux.HandleFunc("GET /login/callback", s.finishLogin)
	mux.HandleFunc("POST /logout", s.logout)
	mux.HandleFunc("GET /consent/logged-out", s.loggedOut)
	mux.HandleFunc("GET /consent", s.authenticated(s.pending))
	mux.HandleFunc("GET /consent/requests/{id}", s.authenticated(s.oneRequest))
	mux.HandleFunc("POST /consent/decisions", s.authenticated(s.decide))
	mux.HandleFunc("GET /consent/access", s.authenticated(s.access))
	mux.HandleFunc("POST /consent/access", s.authenticated(s.changeAccess))
	mux.HandleFunc("GET /v1/me/access-log", s.accessLog)
	mux.HandleFunc("GET /authorize", s.authorize)
	mux.HandleFunc("POST /authorize", s.authorizeDecision)

	return websession.Protect(mux, websession.Protection{
		CSRFKey: cfg.CSRFKey, Origin: origin, CookieName: "tp_csrf", Path: cookiePath, Secure: cfg.Secure,
		Refused: http.HandlerFunc(s.csrfRefused),
	}), nil
}

type userHandler func(w http.ResponseWriter, r *http.Request, user session)

// authenticated sends visitors without a valid session to log in, and back here after.
func (s *site) authenticated(next userHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		user, err := readSession(s.cookies, r, s.clock.Now())
		if err != nil {
			if r.Method != http.MethodGet {
				s.problem(w, r, http.StatusUnauthorized, "Your session has ended. Please log in again.")
				return
			}
			http.Redirect(w, r, "/login?return="+url.QueryEscape(r.URL.RequestURI()), http.StatusFound)
			return
		}
		next(w, r, user)
	}
}

// view is what every page template gets.
type view struct {
	websession.Translator
	User      session
	CSRFField template.HTML
	Path      string
	Data      any
}

func (s *site) render(w http.ResponseWriter, r *http.Request, status int, name string, user session, data any) {
	v := view{
		Translator: websession.NewTranslator(websession.Language(w, r, langCookie, cookiePath, s.secure), messages),
		User:       user, CSRFField: csrf.TemplateField(r), Path: r.URL.Path, Data: data,
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := pages.ExecuteTemplate(w, name, v); err != nil {
		s.logger.ErrorContext(r.Context(), "render", "page", name, "error", err)
	}
}

// problem shows an error page; the detail is for the person, never a cause.
func (s *site) problem(w http.ResponseWriter, r *http.Request, status int, detail string) {
	s.render(w, r, status, "problem.html", session{}, detail)
}

// fail logs an unexpected error and shows a generic page; domain errors
// show their detail.
func (s *site) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, detail := websession.PageProblem(r.Context(), s.logger, err)
	s.problem(w, r, status, detail)
}

func (s *site) csrfRefused(w http.ResponseWriter, r *http.Request) {
	s.logger.WarnContext(r.Context(), "csrf refused", "reason", csrf.FailureReason(r))
	s.problem(w, r, http.StatusForbidden, "The form had expired or did not come from this site. Please go back, reload and try again.")
}

func (s *site) loggedOut(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "logged-out.html", session{}, nil)
}
