// Command consent is the Lambda behind the end user's consent pages.
package main

import (
	"github.com/tredjepart/tredjepart/shared/consentweb"
	"github.com/tredjepart/tredjepart/shared/function"
)

func main() { function.Start("consent", consentweb.Lambda) }
