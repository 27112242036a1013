// Command docs is a Lambda main: the function behind the API reference page (/docs) and
// the OpenAPI document (/openapi.json).
package main

import (
	"github.com/tredjepart/tredjepart/shared/apidocs"
	"github.com/tredjepart/tredjepart/shared/function"
)

func main() { function.Start("docs", apidocs.Lambda) }
