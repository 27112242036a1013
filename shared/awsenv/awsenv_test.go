package awsenv

import (
	"context"
	"testing"
)

func TestConfigFromLambdaEnvironment(t *testing.T) {
	env := map[string]string{
		"AWS_REGION": "eu-north-1", "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret",
		"AWS_SESSION_TOKEN": "token", "AWS_ENDPOINT_URL": "http://127.0.0.1:4012",
	}
	cfg, err := Config(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	creds, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil || creds.AccessKeyID != "AKIDEXAMPLE" || creds.SessionToken != "token" {
		t.Fatalf("credentials %+v, %v", creds, err)
	}
	if cfg.Region != "eu-north-1" || cfg.BaseEndpoint == nil || *cfg.BaseEndpoint != "http://127.0.0.1:4012" {
		t.Fatalf("config %+v", cfg)
	}
}

func TestConfigNamesWhatIsMissing(t *testing.T) {
	cases := map[string]map[string]string{
		"no region":      {"AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b"},
		"no credentials": {"AWS_REGION": "eu-north-1"},
	}
	for name, env := range cases {
		if _, err := Config(func(k string) string { return env[k] }); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	fallback := map[string]string{"AWS_DEFAULT_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b"}
	if cfg, err := Config(func(k string) string { return fallback[k] }); err != nil || cfg.Region != "eu-west-1" || cfg.BaseEndpoint != nil {
		t.Errorf("AWS_DEFAULT_REGION: %+v %v", cfg, err)
	}
}
