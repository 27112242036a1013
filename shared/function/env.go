package function

import (
	"errors"
	"fmt"

	"github.com/tredjepart/tredjepart/shared/resources"
)

// Env reads a function's environment. It notes every required variable
// that is not set and every value that is not valid, so that one error
// names them all: a function without its table or queue is misconfigured,
// and says so when it starts rather than at its first call.
type Env struct {
	getenv  func(string) string
	missing []string
	invalid []error
}

// NewEnv reads the environment through getenv.
func NewEnv(getenv func(string) string) *Env { return &Env{getenv: getenv} }

// Get is the value of a variable that may be unset.
func (e *Env) Get(name string) string { return e.getenv(name) }

// Need is the value of a variable that must be set.
func (e *Env) Need(name string) string {
	v := e.getenv(name)
	if v == "" {
		e.missing = append(e.missing, name)
	}
	return v
}

// Invalid notes a value that is set but not valid.
func (e *Env) Invalid(err error) { e.invalid = append(e.invalid, err) }

// Err names the variables missing and the values not valid; it is nil
// when there are none.
func (e *Env) Err() error {
	var missing error
	if len(e.missing) == 1 {
		missing = fmt.Errorf("environment variable %s is not set", e.missing[0])
	} else if len(e.missing) > 1 {
		missing = fmt.Errorf("environment variables not set: %v", e.missing)
	}
	return errors.Join(append([]error{missing}, e.invalid...)...)
}

// Need reads the named settings, all of which must be set.
func Need(getenv func(string) string, names ...string) (map[string]string, error) {
	env := NewEnv(getenv)
	values := make(map[string]string, len(names))
	for _, n := range names {
		values[n] = env.Need(n)
	}
	if err := env.Err(); err != nil {
		return nil, err
	}
	return values, nil
}

// NeedTables is Need for tables: their names from the environment, by
// table ID.
func NeedTables(getenv func(string) string, tables ...resources.Table) (map[string]string, error) {
	env := NewEnv(getenv)
	names := env.Tables(tables...)
	if err := env.Err(); err != nil {
		return nil, err
	}
	return names, nil
}

// Tables are the names of tables that must be set, by table ID, as
// dynamo.Open takes them.
func (e *Env) Tables(tables ...resources.Table) map[string]string {
	names := make(map[string]string, len(tables))
	for _, t := range tables {
		names[t.ID] = e.Need(t.EnvVar)
	}
	return names
}
