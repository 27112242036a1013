// Command portal is a Lambda main: the function behind the third parties' portal.
package main

import (
	"github.com/tredjepart/tredjepart/shared/function"
	"github.com/tredjepart/tredjepart/shared/portalweb"
)

func main() { function.Start("portal", portalweb.Lambda) }
