//go:build integration

package thirdpartyapi_test

import (
	"os"
	"testing"

	"github.com/tredjepart/tredjepart/localstack/harness/testenv"
	"github.com/tredjepart/tredjepart/shared/thirdpartyapi"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// The handler wired as the Lambda is, on moto with the demo data.
func init() {
	backends = append(backends, backend{"moto", func(t *testing.T) *thirdpartyapi.RequestsHandler {
		h, _ := testenv.Intake(t)
		return h
	}})
}
