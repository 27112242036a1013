package function

import "fmt"

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
