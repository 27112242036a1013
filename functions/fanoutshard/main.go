// Command fanoutshard is a Lambda main: the function that turns one delivery shard of a third
// party's active grants into the daily delivery's jobs.
package main

import (
	"github.com/tredjepart/tredjepart/shared/dailyrun"
	"github.com/tredjepart/tredjepart/shared/function"
)

func main() { function.Start("fanoutshard", dailyrun.FanOutShardLambda) }
