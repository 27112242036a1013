package rie

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
)

// InstallHint is how to build the emulator this package expects: go.mod
// names it as a tool, at the version the local stack is tested with.
const InstallHint = "make rie (go build -o build/local/aws-lambda-rie github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie)"

// Built is where make rie and make build-local put the emulator, relative to
// the repository's root.
var Built = filepath.Join("build", "local", "aws-lambda-rie")

// Find locates aws-lambda-rie: $AWS_LAMBDA_RIE, then the repository's
// build/local (this or a parent directory's), then PATH.
func Find() (string, error) {
	if p := os.Getenv("AWS_LAMBDA_RIE"); p != "" {
		return p, nil
	}
	if dir, err := os.Getwd(); err == nil {
		for {
			p := filepath.Join(dir, Built)
			if _, err := os.Stat(p); err == nil {
				return p, nil
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	if p, err := exec.LookPath("aws-lambda-rie"); err == nil {
		return p, nil
	}
	return "", errors.New("aws-lambda-rie not found (set AWS_LAMBDA_RIE, or build it into the repository's " + Built + " or put it on PATH); build it with: " + InstallHint)
}
