// Command queries is a Lambda main: the function behind the third-party master-data and meter-value queries.
package main

import (
	"github.com/tredjepart/tredjepart/shared/function"
	"github.com/tredjepart/tredjepart/shared/thirdpartyapi"
)

func main() { function.Start("queries", thirdpartyapi.QueriesLambda) }
