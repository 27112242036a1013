package websession

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/awslabs/aws-lambda-go-api-proxy/core"

	"github.com/tredjepart/tredjepart/shared/apigw"
	"github.com/tredjepart/tredjepart/shared/clock"
)

// Settings are what both sites are configured with alike; Env.Settings
// reads them from a function's environment.
type Settings struct {
	OIDC   OIDC
	Keys   Keys
	Secure bool // Secure cookies; false only for plain-HTTP localhost
}

// CookieNames are a site's own cookies and the path they live on.
type CookieNames struct {
	Session, Login, Language string
	Path                     string
}

// Session is what a site's session cookie keeps of who is logged in.
type Session interface {
	// Valid says whether the session still stands at now. It is checked on
	// every request, so a cookie the codec accepts is not enough.
	Valid(now time.Time) bool
	// Subject is whom the session is for, as the SessionStore records it:
	// a pseudonym or a party's id, never a national identity number.
	Subject() string
}

// SiteConfig is what sets one site apart from the other.
type SiteConfig[S Session, U any] struct {
	Cookies    CookieNames
	SessionTTL time.Duration
	// LoginPath is where a visitor without a session is sent to log in;
	// LoggedOutPath where a logout, or a cancelled login, ends.
	LoginPath, LoggedOutPath string
	// SafeReturn keeps the page to come back to after a login on the
	// site's own pages: it comes from the query, so anyone can write it.
	SafeReturn func(path string) string
	// NewSession is who a verified login is on this site. A domain error
	// (package fault) refuses the login with its status and detail.
	NewSession func(ctx context.Context, c Claims) (S, error)
	// Sessions keeps the sessions that stand on the server: a session is
	// checked there on every request and ended there by a logout.
	Sessions SessionStore
	// Pages draws the site's pages, named as Render names them
	// ("problem.html" and "logged-out.html" among them), from templ
	// components: html/template's reflection would keep every exported method
	// of the bootstrap's types (docs/benchmarks.md, "Bootstrap sizes").
	Pages    func(Page[U]) templ.Component
	Messages Messages
	// Visitor is who the pages show as logged in for a session on a page
	// that does not require one, such as an error page, and whether that
	// session still lets them in. Nil when U is S: the session as it is.
	Visitor func(ctx context.Context, session S) (U, bool)
	// AssetsPath is where the site serves its stylesheet (ServeStylesheet,
	// at AssetsPath+StylesheetRoute), under the site's own paths.
	AssetsPath string
	Clock      clock.Clock
	Logger     *slog.Logger
}

// Site is what a server-rendered site is built on: its pages, its login,
// its session cookie and the protection of its forms. S is the session
// the cookie keeps; U is who the pages show as logged in: the session
// itself, or more that the site reads afresh on each request. The zero U
// is nobody, as on the pages around a login and on error pages.
type Site[S Session, U any] struct {
	config      SiteConfig[S, U]
	cookies     *Cookies
	login       *Login
	origin      *url.URL
	crossOrigin *http.CrossOriginProtection
}

// NewSite builds a site from its settings. It asks the OpenID provider for
// its configuration.
func NewSite[S Session, U any](ctx context.Context, settings Settings, config SiteConfig[S, U]) (*Site[S, U], error) {
	keys := settings.Keys
	for _, k := range append([]Keys{keys}, keys.Also...) {
		if len(k.Session) < 32 || len(k.Encryption) != 32 {
			return nil, errors.New("session keys must be 32 bytes")
		}
	}
	if config.Sessions == nil {
		return nil, errors.New("a site needs a session store")
	}
	origin, err := originOf(settings.OIDC.RedirectURL)
	if err != nil {
		return nil, err
	}
	cookies, err := NewCookies(keys, config.Cookies.Path, config.SessionTTL, settings.Secure)
	if err != nil {
		return nil, err
	}
	login, err := NewLogin(ctx, settings.OIDC, cookies, config.Cookies.Login)
	if err != nil {
		return nil, err
	}
	s := &Site[S, U]{config: config, cookies: cookies, login: login, origin: origin, crossOrigin: http.NewCrossOriginProtection()}
	// Behind API Gateway the request's Host lacks the port a local stack's
	// origin has, so the site's own origin is named as trusted.
	if err := s.crossOrigin.AddTrustedOrigin(origin.String()); err != nil {
		return nil, fmt.Errorf("site origin: %w", err)
	}
	s.crossOrigin.SetDenyHandler(http.HandlerFunc(s.crossOriginRefused))
	return s, nil
}

// originOf is the site's own origin: the one its login callback is on.
func originOf(redirectURL string) (*url.URL, error) {
	site, err := url.Parse(redirectURL)
	if err != nil || site.Host == "" || site.Scheme == "" {
		return nil, fmt.Errorf("OIDC redirect URL %q is not an absolute URL", redirectURL)
	}
	return &url.URL{Scheme: site.Scheme, Host: site.Host}, nil
}

// Origin is scheme://host of the site, for links handed to others.
func (s *Site[S, U]) Origin() string { return s.origin.String() }

// Protect wraps the site's handler with the refusal of cross-origin form
// posts on every unsafe method, and the security headers every page gets.
// The standard library's CrossOriginProtection reads the browser's
// Sec-Fetch-Site, or else compares Origin with the site's own origin: no
// token in forms, no cookie, nothing to expire while a person reads a page.
// The session cookie is SameSite=Lax besides.
func (s *Site[S, U]) Protect(next http.Handler) http.Handler {
	protected := s.crossOrigin.Handler(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "same-origin")
		w.Header().Set("Content-Security-Policy", ContentSecurityPolicy())
		if s.cookies.secure { // not on plain-HTTP localhost, where a browser would remember it for every port
			w.Header().Set("Strict-Transport-Security", StrictTransportSecurity)
		}
		if err := apigw.CheckBodySize(routeKey(r), int(r.ContentLength)); err != nil {
			s.Fail(w, r, err) // a 413 page, before the form is read
			return
		}
		if !s.sameScheme(r) {
			s.crossOriginRefused(w, r)
			return
		}
		protected.ServeHTTP(w, r)
	})
}

// sameScheme: an unsafe request whose Origin names another scheme than the
// site's is refused. CrossOriginProtection, for browsers that send no
// Sec-Fetch-Site, compares only Origin's host with Host, so a form on
// http://<our host> would pass (what gorilla/csrf got wrong, GO-2025-3884).
func (s *Site[S, U]) sameScheme(r *http.Request) bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	origin := r.Header.Get("Origin")
	return origin == "" || strings.HasPrefix(origin, s.origin.Scheme+"://")
}

// StrictTransportSecurity keeps browsers on HTTPS for the site for two
// years once they have seen it.
const StrictTransportSecurity = "max-age=63072000; includeSubDomains"

// RequestID is API Gateway's id of r (its access log's requestId, the
// Apigw-Requestid header) on Lambda; empty on a plain HTTP server.
func RequestID(r *http.Request) string {
	rc, _ := core.GetAPIGatewayV2ContextFromContext(r.Context())
	return rc.RequestID
}

// routeKey is the API Gateway route of r: from its event on Lambda, else
// (on a plain HTTP server) its method and path.
func routeKey(r *http.Request) string {
	if rc, ok := core.GetAPIGatewayV2ContextFromContext(r.Context()); ok && rc.RouteKey != "" {
		return rc.RouteKey
	}
	return r.Method + " " + r.URL.Path
}
