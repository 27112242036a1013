package websession

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/awslabs/aws-lambda-go-api-proxy/core"
	"github.com/gorilla/csrf"

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
	Session, Login, Language, CSRF string
	Path                           string
}

// Session is what a site's session cookie keeps of who is logged in.
type Session interface {
	// Valid says whether the session still stands at now. It is checked on
	// every request, so a cookie the codec accepts is not enough.
	Valid(now time.Time) bool
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
	// Templates are the site's pages; "problem.html" and "logged-out.html"
	// among them.
	Templates *template.Template
	Messages  Messages
	Clock     clock.Clock
	Logger    *slog.Logger
}

// Site is what a server-rendered site is built on: its pages, its login,
// its session cookie and the protection of its forms. S is the session
// the cookie keeps; U is who the pages show as logged in: the session
// itself, or more that the site reads afresh on each request. The zero U
// is nobody, as on the pages around a login and on error pages.
type Site[S Session, U any] struct {
	config  SiteConfig[S, U]
	cookies *Cookies
	login   *Login
	origin  *url.URL
	csrfKey []byte
}

// NewSite builds a site from its settings. It asks the OpenID provider for
// its configuration.
func NewSite[S Session, U any](ctx context.Context, settings Settings, config SiteConfig[S, U]) (*Site[S, U], error) {
	keys := settings.Keys
	if len(keys.Session) < 32 || len(keys.Encryption) != 32 || len(keys.CSRF) != 32 {
		return nil, errors.New("session and CSRF keys must be 32 bytes")
	}
	origin, err := originOf(settings.OIDC.RedirectURL)
	if err != nil {
		return nil, err
	}
	cookies := NewCookies(keys.Session, keys.Encryption, config.Cookies.Path, config.SessionTTL, settings.Secure)
	login, err := NewLogin(ctx, settings.OIDC, cookies, config.Cookies.Login)
	if err != nil {
		return nil, err
	}
	return &Site[S, U]{config: config, cookies: cookies, login: login, origin: origin, csrfKey: keys.CSRF}, nil
}

// originOf is the site's own origin: the one its login callback is on.
// Behind API Gateway the request's host lacks the port a local stack has,
// so the CSRF Origin check needs it named.
func originOf(redirectURL string) (*url.URL, error) {
	site, err := url.Parse(redirectURL)
	if err != nil || site.Host == "" || site.Scheme == "" {
		return nil, fmt.Errorf("OIDC redirect URL %q is not an absolute URL", redirectURL)
	}
	return &url.URL{Scheme: site.Scheme, Host: site.Host}, nil
}

// Origin is scheme://host of the site, for links handed to others.
func (s *Site[S, U]) Origin() string { return s.origin.String() }

// Protect wraps the site's handler with CSRF checks on every unsafe method
// and the security headers every page gets.
func (s *Site[S, U]) Protect(next http.Handler) http.Handler {
	secure := s.cookies.secure
	protect := csrf.Protect(s.csrfKey,
		csrf.TrustedOrigins([]string{s.origin.Host}),
		csrf.Secure(secure), csrf.SameSite(csrf.SameSiteLaxMode), csrf.Path(s.config.Cookies.Path), csrf.CookieName(s.config.Cookies.CSRF),
		csrf.ErrorHandler(http.HandlerFunc(s.csrfRefused)))(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := apigw.CheckBodySize(routeKey(r), int(r.ContentLength)); err != nil {
			s.Fail(w, r, err) // a 413 page, before the form is read
			return
		}
		if !secure {
			r = csrf.PlaintextHTTPRequest(r) // local plain HTTP: no TLS Referer check
		}
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "same-origin")
		w.Header().Set("Content-Security-Policy", ContentSecurityPolicy())
		protect.ServeHTTP(w, r)
	})
}

// routeKey is the API Gateway route of r: from its event on Lambda, else
// (on a plain HTTP server) its method and path.
func routeKey(r *http.Request) string {
	if rc, ok := core.GetAPIGatewayV2ContextFromContext(r.Context()); ok && rc.RouteKey != "" {
		return rc.RouteKey
	}
	return r.Method + " " + r.URL.Path
}
