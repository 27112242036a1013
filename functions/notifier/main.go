// Command notifier is a Lambda main: the function that files notifications about requests and grants in the third parties' outboxes.
package main

import (
	"github.com/tredjepart/tredjepart/shared/function"
	"github.com/tredjepart/tredjepart/shared/sender"
)

func main() { function.Start("notifier", sender.NotifierLambda) }
