// Package consentweb is the end user's web pages (Elhub's Web Plug-in and
// Min side): log in with OpenID Connect, decide requests on the metering
// points one holds, and change or remove access later. Pages are rendered on
// the server, in bokmål by default and English on request, and work without
// JavaScript. Sessions are signed, encrypted, HttpOnly, SameSite=Lax cookies
// that count only while the session store has them; a form post from another
// origin is refused.
package consentweb

import (
	"context"
	"embed"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"

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
	Pseudonyms   *pseudonym.Pseudonymizer
	Sessions     websession.SessionStore
	// The end users' OpenID provider (ID-porten on AWS, the development
	// provider locally) and the cookie keys.
	websession.Settings
	Clock  clock.Clock
	Logger *slog.Logger
}

//go:embed templates/*.html
var templateFiles embed.FS

// pair hands a shared template both the page and one item of it.
func pair(p websession.Page[session], item any) map[string]any {
	return map[string]any{"View": p, "Item": item}
}

var templates = template.Must(template.New("").Funcs(template.FuncMap{"pair": pair}).ParseFS(templateFiles, "templates/*.html"))

// site is the pages. They show the end user just as the session has it,
// hence websession.Site[session, session].
type site struct {
	*websession.Site[session, session]
	consent      *consent.Service
	thirdParties ThirdParties
	readLog      ReadLog
	pseudonyms   *pseudonym.Pseudonymizer
	clock        clock.Clock
	logger       *slog.Logger
}

// New builds the pages. It asks the OpenID provider for its configuration.
func New(ctx context.Context, cfg Config) (http.Handler, error) {
	s, err := newSite(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return s.Protect(s.routes()), nil
}

func newSite(ctx context.Context, cfg Config) (*site, error) {
	s := &site{
		consent: cfg.Consent, thirdParties: cfg.ThirdParties, readLog: cfg.ReadLog, pseudonyms: cfg.Pseudonyms,
		clock: cfg.Clock, logger: cfg.Logger,
	}
	web, err := websession.NewSite(ctx, cfg.Settings, websession.SiteConfig[session, session]{
		Cookies: cookies, SessionTTL: sessionTTL, LoginPath: loginPath, LoggedOutPath: loggedOutPath,
		SafeReturn: safeReturn, NewSession: s.sessionFor, Sessions: cfg.Sessions,
		Templates: templates, Messages: messages, Clock: cfg.Clock, Logger: cfg.Logger,
	})
	if err != nil {
		return nil, fmt.Errorf("consentweb: %w", err)
	}
	s.Site = web
	return s, nil
}

func (s *site) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+loginPath, s.StartLogin)
	mux.HandleFunc("GET /login/callback", s.FinishLogin)
	mux.HandleFunc("POST /logout", s.Logout)
	mux.HandleFunc("GET "+loggedOutPath, s.LoggedOut)
	mux.HandleFunc("GET /consent", s.authenticated(s.pending))
	mux.HandleFunc("GET /consent/requests/{id}", s.authenticated(s.oneRequest))
	mux.HandleFunc("POST /consent/decisions", s.authenticated(s.decide))
	mux.HandleFunc("GET /consent/access", s.authenticated(s.access))
	mux.HandleFunc("POST /consent/access", s.authenticated(s.changeAccess))
	mux.HandleFunc("GET /v1/me/access-log", s.accessLog)
	mux.HandleFunc("GET /authorize", s.authorize)
	mux.HandleFunc("POST /authorize", s.authorizeDecision)
	return mux
}

type userHandler func(w http.ResponseWriter, r *http.Request, user session)

// authenticated hands the handler who is logged in; see Site.Require.
func (s *site) authenticated(next userHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if user, ok := s.Require(w, r); ok {
			next(w, r, user)
		}
	}
}
