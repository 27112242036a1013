// Command ingest is the Lambda that takes master data and meter values from grid companies.
package main

import (
	"github.com/tredjepart/tredjepart/shared/function"
	"github.com/tredjepart/tredjepart/shared/ingestapi"
)

func main() { function.Start("ingest", ingestapi.Lambda) }
