// Command portal is the Lambda behind the third parties' portal.
package main

import (
	"github.com/tredjepart/tredjepart/shared/function"
	"github.com/tredjepart/tredjepart/shared/portal"
)

func main() { function.Start("portal", portal.Lambda) }
