package websession

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/a-h/templ"
)

// bundle is the stylesheet as tools/sitecss.mjs writes it.
var bundle = func() []byte {
	b, err := os.ReadFile("style/bundle.css")
	if err != nil {
		panic(err)
	}
	return b
}()

// The bootstraps embed the stylesheet gzipped, as tools/sitecss.mjs writes
// it beside the plain bundle; both must be of the same run.
func TestTheEmbeddedStylesheetIsTheBundle(t *testing.T) {
	gz, err := gzip.NewReader(bytes.NewReader(bundleGzipped))
	if err != nil {
		t.Fatal(err)
	}
	unzipped, err := io.ReadAll(gz)
	if err != nil || !bytes.Equal(unzipped, bundle) {
		t.Fatalf("style/bundle.css.gz is not style/bundle.css gzipped (run make sitecss and commit both): %d bytes, %d unzipped, %v", len(bundleGzipped), len(unzipped), err)
	}
	if len(bundleGzipped) > len(bundle)/4 {
		t.Errorf("gzipped to %d bytes of %d", len(bundleGzipped), len(bundle))
	}
}

// The stylesheet is served under its content's name, gzipped to a browser
// that asks for it and plain to one that does not, kept a year; any other
// name is the 404 page. Every page links to it, and the pages' policy
// lets no inline style or script in.
func TestTheStylesheetIsServedByItsNameAndNothingInline(t *testing.T) {
	s := testSite("k")
	s.config.AssetsPath = "/site/assets"
	s.origin, s.crossOrigin = &url.URL{Scheme: "https", Host: "consent.example"}, http.NewCrossOriginProtection()
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+s.config.AssetsPath+StylesheetRoute, s.ServeStylesheet)
	mux.HandleFunc("GET /page", func(w http.ResponseWriter, r *http.Request) {
		var nobody visit
		s.Render(w, r, http.StatusOK, "page.html", nobody, nil)
	})
	h := s.Protect(mux)
	get := func(path, acceptEncoding string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", path, nil)
		if acceptEncoding != "" {
			r.Header.Set("Accept-Encoding", acceptEncoding)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec
	}

	var linked string
	s.config.Pages = func(p Page[visit]) templ.Component { linked = p.Stylesheet; return problemPage(p) }
	page := get("/page", "")
	if csp := page.Header().Get("Content-Security-Policy"); strings.Contains(csp, "unsafe") || !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("the pages' policy %q", csp)
	}
	if !strings.HasPrefix(linked, "/site/assets/site.") || !strings.HasSuffix(linked, ".css") {
		t.Fatalf("pages link to the stylesheet at %q", linked)
	}

	zipped := get(linked, "br, gzip;q=0.9")
	if zipped.Code != http.StatusOK || zipped.Header().Get("Content-Encoding") != "gzip" ||
		!strings.HasPrefix(zipped.Header().Get("Content-Type"), "text/css") || !strings.Contains(zipped.Header().Get("Cache-Control"), "immutable") {
		t.Fatalf("gzipped: %d %v", zipped.Code, zipped.Header())
	}
	sent := zipped.Body.Len() // before the reader below drains the body
	gz, err := gzip.NewReader(zipped.Body)
	if err != nil {
		t.Fatal(err)
	}
	unzipped, err := io.ReadAll(gz)
	if err != nil || !bytes.Equal(unzipped, bundle) || sent > len(bundle)/4 {
		t.Errorf("gzipped: %d bytes of %d, unzipped equal: %v (%v)", sent, len(bundle), bytes.Equal(unzipped, bundle), err)
	}
	if !bytes.Contains(bundle, []byte(".ds-button")) || !bytes.Contains(bundle, []byte(".site-header")) {
		t.Error("the bundle lacks Designsystemet's components or the sites' own rules")
	}

	for _, refused := range []string{"gzip;q=0", ""} {
		if plain := get(linked, refused); plain.Code != http.StatusOK || plain.Header().Get("Content-Encoding") != "" || !bytes.Equal(plain.Body.Bytes(), bundle) {
			t.Errorf("Accept-Encoding %q: %d %v", refused, plain.Code, plain.Header())
		}
	}
	if other := get("/site/assets/site.0000.css", "gzip"); other.Code != http.StatusNotFound || other.Header().Get("Content-Type") == "text/css; charset=utf-8" {
		t.Errorf("another name: %d %v", other.Code, other.Header())
	}
}
