// Command webhook is a Lambda main: the function that pushes outbox documents to third parties' webhooks.
package main

import (
	"github.com/tredjepart/tredjepart/shared/function"
	"github.com/tredjepart/tredjepart/shared/sender"
)

func main() { function.Start("webhook", sender.WebhookLambda) }
