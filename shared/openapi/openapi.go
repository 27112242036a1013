// Package openapi is an adapter: it holds the OpenAPI 3.1 contract of the third-party API
// (openapi.json): the routes in resources.Routes, what the intake function
// answers, and what the API Gateway in front of it answers on its own.
package openapi

import (
	"bytes"
	_ "embed"
	"net/http"
	"strconv"
)

//go:embed openapi.json
var document []byte

// Document returns the OpenAPI document (JSON). The caller may keep or
// change the slice.
func Document() []byte { return bytes.Clone(document) }

// Handler serves the document on GET and HEAD at whatever path it is
// mounted on, as application/json; other methods get 405.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusMethodNotAllowed)
			_, _ = w.Write([]byte(`{"message":"Method Not Allowed"}`))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(document)))
		w.WriteHeader(http.StatusOK)
		if r.Method == http.MethodGet {
			_, _ = w.Write(document)
		}
	})
}
