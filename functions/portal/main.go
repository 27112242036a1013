// Command portal is the Lambda behind the third parties' portal.
package main

import (
	"github.com/tredjepart/tredjepart/shared/function"
	"github.com/tredjepart/tredjepart/shared/portalweb"
)

func main() { function.Start("portal", portalweb.Lambda) }
