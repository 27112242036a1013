// Command fanout is a Lambda main: the function that starts the daily delivery at 09:00 Oslo time.
package main

import (
	"github.com/tredjepart/tredjepart/shared/dailyrun"
	"github.com/tredjepart/tredjepart/shared/function"
)

func main() { function.Start("fanout", dailyrun.FanOutLambda) }
