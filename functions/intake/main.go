// Command intake is the Lambda behind the third-party access-request API.
package main

import (
	"github.com/tredjepart/tredjepart/shared/function"
	"github.com/tredjepart/tredjepart/shared/intake"
)

func main() { function.Start("intake", intake.Lambda) }
