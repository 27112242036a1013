//go:build integration

package main

import (
	"os"
	"testing"

	"github.com/tredjepart/tredjepart/localstack/harness/testenv"
	"github.com/tredjepart/tredjepart/shared/adminapi"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// The handler as the function builds it from its environment, on moto.
func init() {
	backends = append(backends, backend{"moto", func(t *testing.T) *adminapi.Handler { return testenv.Admin(t, "operator") }})
}
