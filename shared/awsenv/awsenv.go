// Package awsenv is an adapter: it builds the AWS SDK configuration of a Lambda function from
// the environment the Lambda runtime gives it: region, the execution role's
// credentials, and AWS_ENDPOINT_URL for emulators.
//
// It stands in for config.LoadDefaultConfig, which also links the SSO, STS,
// sign-in and IMDS clients that a function never uses: leaving them out
// keeps the bootstrap under its 10 MB budget (see docs/benchmarks.md). The
// local runner's configurations come from here too (moto's from Static), so
// it does not compile those clients either.
package awsenv

import (
	"errors"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Config reads AWS_REGION (or AWS_DEFAULT_REGION), AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN and AWS_ENDPOINT_URL.
func Config(getenv func(string) string) (aws.Config, error) {
	region := getenv("AWS_REGION")
	if region == "" {
		region = getenv("AWS_DEFAULT_REGION")
	}
	if region == "" {
		return aws.Config{}, errors.New("AWS_REGION is not set")
	}
	keyID, secret := getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY")
	if keyID == "" || secret == "" {
		return aws.Config{}, errors.New("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set")
	}
	creds := aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secret, SessionToken: getenv("AWS_SESSION_TOKEN")}
	return Static(region, creds, getenv("AWS_ENDPOINT_URL")), nil
}

// Static is the configuration for region with the fixed credentials creds,
// sending every request to endpoint (an emulator) unless it is empty.
func Static(region string, creds aws.Credentials, endpoint string) aws.Config {
	cfg := aws.Config{
		Region:      region,
		Credentials: aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken)),
	}
	if endpoint != "" {
		cfg.BaseEndpoint = aws.String(endpoint)
	}
	return cfg
}

// FromProcess is Config over the process environment.
func FromProcess() (aws.Config, error) { return Config(os.Getenv) }
