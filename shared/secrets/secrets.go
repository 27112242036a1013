// Package secrets is an adapter: it fills a function's secret settings from
// SSM SecureString parameters on AWS, or from the environment on the local
// stack.
//
// It reads them with one GetParameters call through package awsjson, not
// with the SDK's SSM client: that client's schema tables name every SSM
// operation's shapes and add about 1.2 MB to each bootstrap that links it,
// for one call made once at start (docs/benchmarks.md, "Bootstrap sizes").
package secrets

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/tredjepart/tredjepart/shared/awsjson"
)

// Fill returns getenv with each of names filled in: from the
// environment itself when set (the local stack), or else from the SSM
// SecureString parameter that <NAME>_PARAM names (AWS), read once at start.
func Fill(ctx context.Context, cfg aws.Config, getenv func(string) string, names ...string) (func(string) string, error) {
	params := map[string]string{} // setting name -> parameter name
	for _, name := range names {
		if getenv(name) != "" {
			continue
		}
		param := getenv(name + "_PARAM")
		if param == "" {
			return nil, fmt.Errorf("neither %s nor %s_PARAM is set", name, name)
		}
		params[name] = param
	}
	values := map[string]string{}
	if len(params) > 0 {
		read, err := getParameters(ctx, cfg, slices.Compact(slices.Sorted(maps.Values(params))))
		if err != nil {
			return nil, err
		}
		for name, param := range params {
			v, ok := read[param]
			if !ok {
				return nil, fmt.Errorf("read %s: SSM has no parameter %s", name, param)
			}
			values[name] = v
		}
	}
	return func(name string) string {
		if v, ok := values[name]; ok {
			return v
		}
		return getenv(name)
	}, nil
}

// maxNames is how many names one GetParameters call takes.
const maxNames = 10

// getParameters reads the named SecureString parameters, decrypted, by
// their names: SSM's GetParameters.
func getParameters(ctx context.Context, cfg aws.Config, names []string) (map[string]string, error) {
	if len(names) > maxNames {
		return nil, fmt.Errorf("%d SSM parameters to read; one call reads at most %d", len(names), maxNames)
	}
	var out struct {
		Parameters []struct {
			Name  string
			Value string
		}
	}
	err := awsjson.New(cfg, awsjson.SSM).Call(ctx, "GetParameters", struct {
		Names          []string
		WithDecryption bool
	}{names, true}, &out)
	if err != nil {
		return nil, fmt.Errorf("read SSM parameters %s: %w", strings.Join(names, ", "), err)
	}
	values := make(map[string]string, len(out.Parameters))
	for _, p := range out.Parameters {
		values[p.Name] = p.Value
	}
	return values, nil
}
