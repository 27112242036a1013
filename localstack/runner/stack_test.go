package main

import (
	"io"
	"log/slog"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/tredjepart/tredjepart/localstack/emulate/moto"
)

// With AWS_ENDPOINT_URL set (LocalStack) the runner takes the endpoint,
// credentials and region from the environment, moto's region by default, as
// the README says.
func TestEmulatorFromTheEnvironment(t *testing.T) {
	const endpoint = "http://localhost:4566"
	t.Setenv("AWS_ENDPOINT_URL", endpoint)
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_SESSION_TOKEN", "")
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	for region, want := range map[string]string{"": moto.Region, "eu-west-1": "eu-west-1"} {
		t.Setenv("AWS_REGION", region)
		s := &stack{}
		cfg, err := s.emulator(t.Context(), logger)
		if err != nil {
			t.Fatal(err)
		}
		creds, err := cfg.Credentials.Retrieve(t.Context())
		if err != nil || creds.AccessKeyID != "test" || creds.SecretAccessKey != "secret" {
			t.Errorf("credentials %+v, %v", creds, err)
		}
		if cfg.Region != want || aws.ToString(cfg.BaseEndpoint) != endpoint || s.endpoint != endpoint {
			t.Errorf("AWS_REGION=%q: region %q, endpoint %q (stack's %q)", region, cfg.Region, aws.ToString(cfg.BaseEndpoint), s.endpoint)
		}
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	if _, err := (&stack{}).emulator(t.Context(), logger); err == nil {
		t.Error("no credentials: accepted")
	}
}
