// Command changes is a Lambda main: the function that follows the meter-value stream and delivers late and corrected days.
package main

import (
	"github.com/tredjepart/tredjepart/shared/changefeed"
	"github.com/tredjepart/tredjepart/shared/function"
)

func main() { function.Start("changes", changefeed.ChangesLambda) }
