package rie

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// InstallHint is how to install the emulator this package expects.
const InstallHint = "go install github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@v0.0.0-20261030222936-bef5c4ba774d (make rie)"

// Find locates aws-lambda-rie: $AWS_LAMBDA_RIE, then PATH, then
// $(go env GOPATH)/bin, where `go install` puts it.
func Find() (string, error) {
	if p := os.Getenv("AWS_LAMBDA_RIE"); p != "" {
		return p, nil
	}
	if p, err := exec.LookPath("aws-lambda-rie"); err == nil {
		return p, nil
	}
	if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		for dir := range strings.SplitSeq(strings.TrimSpace(string(out)), string(os.PathListSeparator)) {
			p := filepath.Join(dir, "bin", "aws-lambda-rie")
			if _, err := os.Stat(p); err == nil {
				return p, nil
			}
		}
	}
	return "", errors.New("aws-lambda-rie not found (set AWS_LAMBDA_RIE, or put it on PATH or in $(go env GOPATH)/bin); install it with: " + InstallHint)
}
