// Package apidocs is an adapter: the API reference page at /docs, drawn in the
// browser by Redoc (its standalone bundle, pinned in package.json) from the
// OpenAPI document (package openapi), which it serves at /openapi.json too.
//
// Nothing on the page leaves the origin: the script is the bundle served
// here, the document is fetched from here, Redoc's telemetry is turned off,
// and the Content-Security-Policy allows nothing else (the sidebar's "API
// docs by Redocly" logo, an image on Redocly's CDN, is drawn from a data:
// URL instead). The
// page carries no inline script, so scripts come from 'self' only; Redoc's
// styles (styled-components) are inserted at run time with the page's
// nonce, which styled-components reads from <meta property="csp-nonce">.
package apidocs

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/tredjepart/tredjepart/shared/apigw"
	"github.com/tredjepart/tredjepart/shared/fault"
	"github.com/tredjepart/tredjepart/shared/openapi"
)

// The routes (resources.Routes) and the page's own paths.
const (
	RoutePage     = "GET /docs"
	RouteFile     = "GET /docs/{file}"
	RouteDocument = "GET /openapi.json"

	// BundleFile is Redoc's bundle: its name under /docs/, and beside the
	// bootstrap on AWS, where `make build` puts it.
	BundleFile = "redoc.standalone.js"
	// BundleEnv, when set, is the bundle's path instead (the local stack:
	// node_modules/redoc/bundles/redoc.standalone.js).
	BundleEnv = "REDOC_BUNDLE"
)

// Handler serves the page, the bundle and the document.
type Handler struct {
	bundle, bundleGzip []byte
	logger             *slog.Logger
}

// redoclyLogos are the images of Redoc's sidebar badge ("API docs by" and
// the logo, which Redoc 3 has no option to leave out) on Redocly's CDN, and
// what the script served draws instead: the name, as an SVG in a data: URL
// that the page's policy allows, so the page asks nothing of the CDN and its
// policy refuses nothing there.
var redoclyLogos = strings.NewReplacer(
	"https://cdn.redoc.ly/redoc/logo-mini-full.svg", logoSVG("Redocly", 66),
	"https://cdn.redoc.ly/redoc/logo-mini.svg", logoSVG("R", 12), // the collapsed sidebar's
)

// logoSVG is text (no quotes, no markup) drawn width pixels wide, as a
// data: URL that needs no quoting inside a JavaScript string.
func logoSVG(text string, width int) string {
	return fmt.Sprintf("data:image/svg+xml,%%3Csvg xmlns='http://www.w3.org/2000/svg' width='%d' height='16'%%3E"+
		"%%3Ctext x='0' y='13' font-family='sans-serif' font-size='14' font-weight='bold' fill='%%23333'%%3E%s%%3C/text%%3E%%3C/svg%%3E", width, text)
}

// New serves bundle, Redoc's standalone script, compressed once here, at
// the function's start, its logos drawn from data: URLs (redoclyLogos). The
// default level, not the best: measured on the 2,290,276-byte bundle, 28 ms
// and 675,272 bytes against 87 ms and 652,155 bytes on a whole core, and a
// small Lambda has a fraction of one.
func New(bundle []byte, logger *slog.Logger) (*Handler, error) {
	bundle = []byte(redoclyLogos.Replace(string(bundle)))
	var gz bytes.Buffer
	w, err := gzip.NewWriterLevel(&gz, gzip.DefaultCompression)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(bundle); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return &Handler{bundle: bundle, bundleGzip: gz.Bytes(), logger: logger}, nil
}

// Lambda builds the handler from the environment: the bundle at BundleEnv,
// else BundleFile in the function's directory (LAMBDA_TASK_ROOT).
func Lambda(_ context.Context, _ aws.Config, getenv func(string) string, logger *slog.Logger) (any, error) {
	path := getenv(BundleEnv)
	if path == "" {
		root := getenv("LAMBDA_TASK_ROOT")
		if root == "" {
			return nil, fmt.Errorf("apidocs: neither %s nor LAMBDA_TASK_ROOT is set: no Redoc bundle", BundleEnv)
		}
		path = filepath.Join(root, BundleFile)
	}
	bundle, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("apidocs: the Redoc bundle (make npm installs it, make build puts it beside the bootstrap): %w", err)
	}
	h, err := New(bundle, logger)
	if err != nil {
		return nil, err
	}
	return h.Handle, nil
}

// Handle answers one API Gateway event.
func (h *Handler) Handle(ctx context.Context, ev apigw.Request) (apigw.Response, error) {
	return apigw.Handle(ctx, ev, h.logger, h.route)
}

func (h *Handler) route(_ context.Context, ev apigw.Request) (apigw.Response, error) {
	switch ev.RouteKey {
	case RoutePage:
		return page()
	case RouteFile:
		if file := ev.PathParameters["file"]; file != BundleFile {
			return apigw.Response{}, fault.New(fault.NotFound, "No file %q.", file)
		}
		return h.script(ev), nil
	case RouteDocument:
		doc := openapi.Document()
		return apigw.Response{StatusCode: http.StatusOK, Headers: map[string]string{
			"Content-Type":  "application/json",
			"Cache-Control": "no-cache",
		}, Body: string(doc)}, nil
	}
	return apigw.Response{}, fault.New(fault.NotFound, "No route %s.", ev.RouteKey)
}

// CSP is the page's Content-Security-Policy for a nonce: scripts, the
// document and images from this origin only; styles from here or inserted
// with the nonce; no frames, forms, plugins or base URL.
func CSP(nonce string) string {
	return strings.Join([]string{
		"default-src 'none'",
		"script-src 'self'",
		"style-src 'self' 'nonce-" + nonce + "'",
		"img-src 'self' data:",
		"font-src 'self' data:",
		"connect-src 'self'",
		"base-uri 'none'",
		"form-action 'none'",
		"frame-ancestors 'none'",
	}, "; ")
}

// pageHTML is the page: Redoc reads its options from the <redoc> element's
// attributes (disable-telemetry: no usage reports to Redocly), so there is
// no inline script. The empty icon saves a request for /favicon.ico.
const pageHTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta property="csp-nonce" content="%s">
<title>Tredjepart API reference</title>
<link rel="icon" href="data:,">
</head>
<body>
<redoc spec-url="/openapi.json" disable-telemetry="true"></redoc>
<script type="module" src="/docs/` + BundleFile + `"></script>
</body>
</html>
`

func page() (apigw.Response, error) {
	raw := make([]byte, 18)
	if _, err := rand.Read(raw); err != nil {
		return apigw.Response{}, err
	}
	nonce := base64.StdEncoding.EncodeToString(raw)
	return apigw.Response{StatusCode: http.StatusOK, Headers: map[string]string{
		"Content-Type":            "text/html; charset=utf-8",
		"Cache-Control":           "no-store", // a nonce is good for one page
		"Content-Security-Policy": CSP(nonce),
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "no-referrer",
	}, Body: fmt.Sprintf(pageHTML, nonce)}, nil
}

// script is the bundle, gzipped when the client takes gzip: 2.3 MB of
// JavaScript are 0.65 MB so, well under Lambda's 6 MB response limit even
// as base64.
func (h *Handler) script(ev apigw.Request) apigw.Response {
	res := apigw.Response{StatusCode: http.StatusOK, Headers: map[string]string{
		"Content-Type":           "text/javascript; charset=utf-8",
		"Cache-Control":          "public, max-age=86400",
		"Vary":                   "Accept-Encoding",
		"X-Content-Type-Options": "nosniff",
	}, Body: string(h.bundle)}
	if acceptsGzip(ev.Headers["accept-encoding"]) {
		res.Headers["Content-Encoding"] = "gzip"
		res.Body, res.IsBase64Encoded = base64.StdEncoding.EncodeToString(h.bundleGzip), true
	}
	return res
}

// acceptsGzip reads an Accept-Encoding header: gzip (or *) without q=0.
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		if coding != "gzip" && coding != "*" {
			continue
		}
		q := strings.ReplaceAll(strings.ToLower(params), " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}

// LocalBundle is the path of Redoc's bundle in node_modules (make npm), in
// the working directory or the nearest folder above it that has one: the
// local runner runs from the repository, tests from their package.
func LocalBundle() (string, error) {
	const bundle = "node_modules/redoc/bundles/" + BundleFile
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		path := filepath.Join(dir, bundle)
		if _, err := os.Stat(path); err == nil {
			return path, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("%s is missing: run `make npm` (make run does); /docs draws the API reference with it", bundle)
		}
		dir = parent
	}
}
