// Package openapi is an adapter: it holds the OpenAPI 3.1 contract of the third-party API
// (openapi.json): the routes in resources.Routes, what the intake function
// answers, and what the API Gateway in front of it answers on its own.
package openapi

import (
	"bytes"
	_ "embed"
)

//go:embed openapi.json
var document []byte

// Document returns the OpenAPI document (JSON). The caller may keep or
// change the slice.
func Document() []byte { return bytes.Clone(document) }
