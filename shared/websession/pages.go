package websession

import (
	"net/http"

	"github.com/tredjepart/tredjepart/shared/problem"
)

// Page is what every page template gets.
type Page[U any] struct {
	Translator
	User     U      // the zero U when nobody is logged in
	Template string // the page shown: the navigation marks it as current
	Data     any
	// Stylesheet is the URL of the site's stylesheet (ServeStylesheet).
	Stylesheet string
}

// Render shows the template name with data, to user.
func (s *Site[S, U]) Render(w http.ResponseWriter, r *http.Request, status int, name string, user U, data any) {
	page := Page[U]{
		Translator: NewTranslator(s.Language(w, r), s.config.Messages),
		User:       user, Template: name, Data: data,
		Stylesheet: s.config.AssetsPath + "/" + stylesheetName,
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := s.config.Pages(page).Render(r.Context(), w); err != nil {
		s.config.Logger.ErrorContext(r.Context(), "render", "page", name, "error", err)
	}
}

// Language is the visitor's language: ?lang=, which the site's cookie
// remembers, else that cookie, else bokmål.
func (s *Site[S, U]) Language(w http.ResponseWriter, r *http.Request) string {
	return s.cookies.language(w, r, s.config.Cookies.Language)
}

// Problem shows an error page; the detail is for the person, never a cause.
// Like every page it shows who is logged in, and the way out.
func (s *Site[S, U]) Problem(w http.ResponseWriter, r *http.Request, status int, detail string) {
	s.Render(w, r, status, "problem.html", s.visitor(r), detail)
}

// visitor is who is logged in, as the pages show them (SiteConfig.Visitor),
// or nobody.
func (s *Site[S, U]) visitor(r *http.Request) U {
	var nobody U
	session, err := s.Session(r)
	if err != nil {
		return nobody
	}
	if s.config.Visitor != nil {
		if u, ok := s.config.Visitor(r.Context(), session); ok {
			return u
		}
		return nobody
	}
	if u, same := any(session).(U); same {
		return u
	}
	return nobody
}

// Fail shows what a page shows for err: the status and detail of its
// problem document, so pages and the API map domain errors alike. A page
// for what is missing, or not the visitor's, says nothing more; an error
// outside the domain is logged and shown as a generic 500.
func (s *Site[S, U]) Fail(w http.ResponseWriter, r *http.Request, err error) {
	doc := problem.From(r.Context(), s.config.Logger, err, "")
	if doc.Status == http.StatusNotFound {
		doc.Detail = ""
	}
	s.Problem(w, r, doc.Status, doc.Detail)
}

func (s *Site[S, U]) crossOriginRefused(w http.ResponseWriter, r *http.Request) {
	s.config.Logger.WarnContext(r.Context(), "cross-origin request refused",
		"method", r.Method, "path", r.URL.Path, "secFetchSite", r.Header.Get("Sec-Fetch-Site"), "origin", r.Header.Get("Origin"))
	s.Problem(w, r, http.StatusForbidden, "The form had expired or did not come from this site. Please go back, reload and try again.")
}

// LoggedOut is the page a logout ends on.
func (s *Site[S, U]) LoggedOut(w http.ResponseWriter, r *http.Request) {
	var nobody U
	s.Render(w, r, http.StatusOK, "logged-out.html", nobody, nil)
}
