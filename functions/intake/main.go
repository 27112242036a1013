// Command intake is a Lambda main: the function behind the third-party access-request API.
package main

import (
	"github.com/tredjepart/tredjepart/shared/function"
	"github.com/tredjepart/tredjepart/shared/thirdpartyapi"
)

func main() { function.Start("intake", thirdpartyapi.RequestsLambda) }
