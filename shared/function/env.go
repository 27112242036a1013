package function

import (
	"fmt"

	"github.com/tredjepart/tredjepart/shared/resources"
)

// Need reads the named settings from a function's environment, failing on
// the first that is not set: a function without its table or queue is
// misconfigured, and says so when it starts rather than at its first call.
func Need(getenv func(string) string, names ...string) (map[string]string, error) {
	values := make(map[string]string, len(names))
	for _, n := range names {
		if values[n] = getenv(n); values[n] == "" {
			return nil, fmt.Errorf("environment variable %s is not set", n)
		}
	}
	return values, nil
}

// NeedTables is Need for tables: their names from the environment, by
// table ID.
func NeedTables(getenv func(string) string, tables ...resources.Table) (map[string]string, error) {
	vars := make([]string, len(tables))
	for i, t := range tables {
		vars[i] = t.EnvVar
	}
	env, err := Need(getenv, vars...)
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(tables))
	for _, t := range tables {
		names[t.ID] = env[t.EnvVar]
	}
	return names, nil
}
