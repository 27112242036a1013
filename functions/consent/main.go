// Command consent is the Lambda behind the end user's consent pages.
package main

import (
	"github.com/tredjepart/tredjepart/shared/enduserweb"
	"github.com/tredjepart/tredjepart/shared/function"
)

func main() { function.Start("consent", enduserweb.Lambda) }
