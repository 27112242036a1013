// Command admin is a Lambda main: the function behind the operator's API for registering
// third parties and data providers.
package main

import (
	"github.com/tredjepart/tredjepart/shared/adminapi"
	"github.com/tredjepart/tredjepart/shared/function"
)

func main() { function.Start("admin", adminapi.Lambda) }
