package websession

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
)

// bundle is the sites' one stylesheet: Designsystemet's theme and
// components with the sites' own rules (style/site.css), as tools/sitecss.mjs
// writes it from the pinned npm packages. It is committed because the
// bootstraps embed it and `go build` runs without npm; `make vet` checks
// that it is current.
//
//go:embed style/bundle.css
var bundle []byte

// stylesheet is the bundle as served: named by its content, so that a
// browser may keep it for a year, and gzipped once (about 25 of its 180
// kB), which is what nearly every browser asks for.
var stylesheet = func() struct{ name, gzipped string } {
	sum := sha256.Sum256(bundle)
	var gz bytes.Buffer
	w, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	w.Write(bundle)
	w.Close()
	return struct{ name, gzipped string }{"site." + hex.EncodeToString(sum[:6]) + ".css", gz.String()}
}()

// StylesheetRoute is the route pattern, under a site's AssetsPath, that
// ServeStylesheet answers.
const StylesheetRoute = "/{file}"

// ServeStylesheet answers GET <AssetsPath>/{file} with the stylesheet, or
// the 404 page for any other name.
func (s *Site[S, U]) ServeStylesheet(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("file") != stylesheet.name {
		s.Problem(w, r, http.StatusNotFound, "")
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/css; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("Vary", "Accept-Encoding")
	body := string(bundle)
	if acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		body = stylesheet.gzipped
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write([]byte(body))
	}
}

func acceptsGzip(r *http.Request) bool {
	for _, coding := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(coding), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") && strings.ReplaceAll(params, " ", "") != "q=0" {
			return true
		}
	}
	return false
}
