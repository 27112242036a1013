// Package secrets is an adapter: it fills a function's secret settings from SSM SecureString
// parameters on AWS, or from the environment on the local stack. It is its
// own package so that functions without secrets do not link the SSM client.
package secrets

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

// Fill returns getenv with each of names filled in: from the
// environment itself when set (the local stack), or else from the SSM
// SecureString parameter that <NAME>_PARAM names (AWS), read once at start.
func Fill(ctx context.Context, cfg aws.Config, getenv func(string) string, names ...string) (func(string) string, error) {
	values := map[string]string{}
	var client *ssm.Client
	for _, name := range names {
		if getenv(name) != "" {
			continue
		}
		param := getenv(name + "_PARAM")
		if param == "" {
			return nil, fmt.Errorf("neither %s nor %s_PARAM is set", name, name)
		}
		if client == nil {
			client = ssm.NewFromConfig(cfg)
		}
		out, err := client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(param), WithDecryption: aws.Bool(true)})
		if err != nil {
			return nil, fmt.Errorf("read %s from SSM parameter %s: %w", name, param, err)
		}
		values[name] = aws.ToString(out.Parameter.Value)
	}
	return func(name string) string {
		if v, ok := values[name]; ok {
			return v
		}
		return getenv(name)
	}, nil
}
