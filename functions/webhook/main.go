// Command webhook is the Lambda that pushes outbox documents to third parties' webhooks.
package main

import (
	"github.com/tredjepart/tredjepart/shared/deliveryfn"
	"github.com/tredjepart/tredjepart/shared/function"
)

func main() { function.Start("webhook", deliveryfn.WebhookLambda) }
