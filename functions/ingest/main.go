// Command ingest is a Lambda main: the function that takes master data and meter values from grid companies.
package main

import (
	"github.com/tredjepart/tredjepart/shared/dataproviderapi"
	"github.com/tredjepart/tredjepart/shared/function"
)

func main() { function.Start("ingest", dataproviderapi.Lambda) }
