// Command consent is a Lambda main: the function behind the end user's consent pages.
package main

import (
	"github.com/tredjepart/tredjepart/shared/enduserweb"
	"github.com/tredjepart/tredjepart/shared/function"
)

func main() { function.Start("consent", enduserweb.Lambda) }
