package websession

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	_ "embed"
	"encoding/binary"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// bundleGzipped is the sites' one stylesheet, gzipped: Designsystemet's
// theme and components with the sites' own rules (style/site.css), as
// tools/sitecss.mjs writes it from the pinned npm packages (26 of its 183
// kB). It is committed because the bootstraps embed it and `go build` runs
// without npm; `make vet` checks that the plain bundle beside it is
// current, and the tests that this is that bundle. Embedded compressed, it
// is 0.13 MB less on each site's bootstrap than the plain text was.
//
//go:embed style/bundle.css.gz
var bundleGzipped []byte

// stylesheetName names the stylesheet by its content, so that a browser may
// keep it for a year.
var stylesheetName = func() string {
	sum := sha256.Sum256(bundleGzipped)
	return "site." + hex.EncodeToString(sum[:6]) + ".css"
}()

// StylesheetRoute is the route pattern, under a site's AssetsPath, that
// ServeStylesheet answers.
const StylesheetRoute = "/{file}"

// ServeStylesheet answers GET <AssetsPath>/{file} with the stylesheet, or
// the 404 page for any other name.
func (s *Site[S, U]) ServeStylesheet(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("file") != stylesheetName {
		s.Problem(w, r, http.StatusNotFound, "")
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/css; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("Vary", "Accept-Encoding")
	if !acceptsGzip(r) { // nearly every browser asks for gzip
		plain, err := gzip.NewReader(bytes.NewReader(bundleGzipped))
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		// A gzip member ends with the length of what it holds.
		h.Set("Content-Length", strconv.Itoa(int(binary.LittleEndian.Uint32(bundleGzipped[len(bundleGzipped)-4:]))))
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			_, _ = io.Copy(w, plain)
		}
		return
	}
	h.Set("Content-Encoding", "gzip")
	h.Set("Content-Length", strconv.Itoa(len(bundleGzipped)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(bundleGzipped)
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
