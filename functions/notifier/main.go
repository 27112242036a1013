// Command notifier is the Lambda that files notifications about requests and grants in the third parties' outboxes.
package main

import (
	"github.com/tredjepart/tredjepart/shared/deliveryfn"
	"github.com/tredjepart/tredjepart/shared/function"
)

func main() { function.Start("notifier", deliveryfn.NotifierLambda) }
