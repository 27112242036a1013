//go:build integration

package secrets_test

import (
	"context"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/tredjepart/tredjepart/localstack/harness/testenv"
	"github.com/tredjepart/tredjepart/shared/secrets"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

func TestSecretsComeFromTheEnvironmentOrSSM(t *testing.T) {
	ctx := context.Background()
	cfg := testenv.Get(t).Config
	_, err := ssm.NewFromConfig(cfg).PutParameter(ctx, &ssm.PutParameterInput{
		Name: aws.String("/tredjepart/cookie-keys"), Value: aws.String("from-ssm"), Type: ssmtypes.ParameterTypeSecureString, Overwrite: aws.Bool(true),
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = ssm.NewFromConfig(cfg).PutParameter(ctx, &ssm.PutParameterInput{
		Name: aws.String("/tredjepart/oidc-client-secret"), Value: aws.String("secret, from SSM"), Type: ssmtypes.ParameterTypeSecureString, Overwrite: aws.Bool(true),
	})
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"COOKIE_KEYS_PARAM": "/tredjepart/cookie-keys", "OIDC_CLIENT_SECRET_PARAM": "/tredjepart/oidc-client-secret", "PSEUDONYM_KEY": "from-env", "OTHER": "x"}
	getenv, err := secrets.Fill(ctx, cfg, func(k string) string { return env[k] }, "COOKIE_KEYS", "OIDC_CLIENT_SECRET", "PSEUDONYM_KEY")
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"COOKIE_KEYS": "from-ssm", "OIDC_CLIENT_SECRET": "secret, from SSM", "PSEUDONYM_KEY": "from-env", "OTHER": "x"} {
		if got := getenv(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if _, err := secrets.Fill(ctx, cfg, func(string) string { return "" }, "OIDC_CLIENT_SECRET"); err == nil {
		t.Error("a secret set nowhere was accepted")
	}
	missing := map[string]string{"OIDC_CLIENT_SECRET_PARAM": "/tredjepart/no-such-parameter"}
	if _, err := secrets.Fill(ctx, cfg, func(k string) string { return missing[k] }, "OIDC_CLIENT_SECRET"); err == nil {
		t.Error("a missing parameter was accepted")
	}
	unsigned := cfg.Copy()
	unsigned.Credentials = aws.AnonymousCredentials{}
	if _, err := secrets.Fill(ctx, unsigned, func(k string) string { return env[k] }, "COOKIE_KEYS"); err == nil {
		t.Error("a read without credentials was accepted")
	}
}
