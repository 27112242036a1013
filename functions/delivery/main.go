// Command delivery is a Lambda main: the function that turns delivery jobs into documents in the outbox.
package main

import (
	"github.com/tredjepart/tredjepart/shared/dailyrun"
	"github.com/tredjepart/tredjepart/shared/function"
)

func main() { function.Start("delivery", dailyrun.DeliveryLambda) }
