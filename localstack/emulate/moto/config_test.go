package moto

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// Config gives what config.LoadDefaultConfig gave before it: the region,
// the dummy credentials, the endpoint, and clients with the SDK's standard
// retryer.
func TestConfigReachesTheServerAsTheSDKDefaultsWould(t *testing.T) {
	const endpoint = "http://127.0.0.1:4012"
	cfg := Config(endpoint)
	creds, err := cfg.Credentials.Retrieve(t.Context())
	if err != nil || creds.AccessKeyID != "test" || creds.SecretAccessKey != "test" {
		t.Errorf("credentials %+v, %v", creds, err)
	}
	if cfg.Region != Region || aws.ToString(cfg.BaseEndpoint) != endpoint {
		t.Errorf("region %q, endpoint %q", cfg.Region, aws.ToString(cfg.BaseEndpoint))
	}
	retryer := sqs.NewFromConfig(cfg).Options().Retryer
	if standard, ok := retryer.(*retry.Standard); !ok || standard.MaxAttempts() != retry.DefaultMaxAttempts {
		t.Errorf("retryer %T, want the standard one with %d attempts", retryer, retry.DefaultMaxAttempts)
	}
}
