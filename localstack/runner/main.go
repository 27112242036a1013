// Command runner is the local runner: the local stand-in for what AWS does
// around the functions. It starts the moto server (or uses AWS_ENDPOINT_URL,
// e.g. LocalStack), provisions the stack from shared/resources, seeds demo
// data, and serves the HTTP API gateway with its JWT authorizer and a token
// issuer.
//
//	runner run     in the foreground (make run)
//	runner up      in the background, until `runner down` (make up / make down)
//	runner token   a bearer token for a demo third party (make token GLN=…)
//	runner reset   the running sandbox back to its seeded state (make reset)
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: runner run|up|down|token|deliver|reset [flags]")
		os.Exit(2)
	}
	var err error
	switch cmd, args := os.Args[1], os.Args[2:]; cmd {
	case "run":
		err = run(args)
	case "up":
		err = up(args)
	case "down":
		err = down()
	case "token":
		err = token(args)
	case "deliver":
		err = deliver(args)
	case "reset":
		err = reset(args)
	default:
		err = fmt.Errorf("unknown command %q: use run, up, down, token, deliver or reset", cmd)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "runner:", err)
		os.Exit(1)
	}
}
