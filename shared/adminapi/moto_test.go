//go:build integration

package adminapi_test

import (
	"io"
	"log/slog"
	"os"
	"testing"

	"github.com/tredjepart/tredjepart/localstack/harness/testenv"
	"github.com/tredjepart/tredjepart/shared/adminapi"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// The handler as the function builds it from its environment, on moto.
func init() {
	backends = append(backends, backend{"moto", func(t *testing.T) *adminapi.Handler {
		t.Helper()
		env := testenv.Get(t)
		functionEnv := env.Stack.Env()
		functionEnv[adminapi.OperatorClientsEnv] = "operator, second-operator"
		h, err := adminapi.FromEnv(env.Config, func(k string) string { return functionEnv[k] }, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		return h
	}})
}
