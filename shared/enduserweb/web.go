// Package enduserweb is an entry point: the end user's web pages (Elhub's Web Plug-in and
// Min side): log in with OpenID Connect, decide requests on the metering
// points one holds, and change or remove access later. Pages are rendered on
// the server, in bokmål by default and English on request, and work without
// JavaScript. Sessions are signed, encrypted, HttpOnly, SameSite=Lax cookies
// that count only while the session store has them; a form post from another
// origin is refused.
package enduserweb

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"

	"github.com/a-h/templ"

	"github.com/tredjepart/tredjepart/shared/clock"
	"github.com/tredjepart/tredjepart/shared/consent"
	"github.com/tredjepart/tredjepart/shared/ident"
	"github.com/tredjepart/tredjepart/shared/personaldata"
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
	PersonalData *personaldata.Service
	Pseudonyms   *pseudonym.Pseudonymizer
	Sessions     websession.SessionStore
	// The end users' OpenID provider (ID-porten on AWS, the development
	// provider locally) and the cookie keys.
	websession.Settings
	Clock  clock.Clock
	Logger *slog.Logger
}

// view is what every page gets: the language, who is logged in, which page
// it is and its data.
type view = websession.Page[session]

// pages draws the page p names with the templ components (*.templ, and the
// *_templ.go generated from them by templ generate).
func pages(p view) templ.Component {
	switch p.Template {
	case "pending.html":
		return draw(p, pendingHTML)
	case "request.html":
		return draw(p, requestHTML)
	case "result.html":
		return draw(p, resultHTML)
	case "access.html":
		return draw(p, accessHTML)
	case "authorize.html":
		return draw(p, authorizeHTML)
	case "problem.html":
		return draw(p, problemHTML)
	case "logged-out.html":
		return loggedOutHTML(p)
	}
	return failed(fmt.Errorf("consentweb: no page %q", p.Template))
}

// draw draws a page with its data, which must be of the type it shows.
func draw[D any](p view, page func(view, D) templ.Component) templ.Component {
	data, ok := p.Data.(D)
	if !ok {
		return failed(fmt.Errorf("consentweb: page %q cannot show %T", p.Template, p.Data))
	}
	return page(p, data)
}

// failed is a page that draws nothing but err, for Render to log.
func failed(err error) templ.Component {
	return templ.ComponentFunc(func(context.Context, io.Writer) error { return err })
}

// loggedIn is who the header says is logged in, and for whom.
func loggedIn(p view) string {
	who := p.T("loggedInAs") + " " + p.User.Name
	if p.User.OrgName != "" {
		who += " " + p.T("onBehalfOf") + " " + p.User.OrgName
	}
	return who
}

// site is the pages. They show the end user just as the session has it,
// hence websession.Site[session, session].
type site struct {
	*websession.Site[session, session]
	consent      *consent.Service
	thirdParties ThirdParties
	readLog      ReadLog
	personalData *personaldata.Service
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
		consent: cfg.Consent, thirdParties: cfg.ThirdParties, readLog: cfg.ReadLog, personalData: cfg.PersonalData, pseudonyms: cfg.Pseudonyms,
		clock: cfg.Clock, logger: cfg.Logger,
	}
	web, err := websession.NewSite(ctx, cfg.Settings, websession.SiteConfig[session, session]{
		Cookies: cookies, SessionTTL: sessionTTL, LoginPath: loginPath, LoggedOutPath: loggedOutPath,
		SafeReturn: safeReturn, NewSession: s.sessionFor, Sessions: cfg.Sessions,
		Pages: pages, Messages: messages, AssetsPath: assetsPath, Clock: cfg.Clock, Logger: cfg.Logger,
	})
	if err != nil {
		return nil, fmt.Errorf("consentweb: %w", err)
	}
	s.Site = web
	return s, nil
}

func (s *site) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+assetsPath+websession.StylesheetRoute, s.ServeStylesheet)
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
	mux.HandleFunc("GET /v1/me/export", s.export)
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
