package secrets_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/tredjepart/tredjepart/shared/secrets"
)

// On the local stack the secrets are in the environment: SSM is never
// asked (the config here reaches no service), and one set nowhere is an
// error naming both places.
func TestSecretsInTheEnvironmentNeedNoSSM(t *testing.T) {
	env := map[string]string{"PSEUDONYM_KEY": "from-env", "COOKIE_KEYS": "keys", "OTHER": "x"}
	getenv, err := secrets.Fill(context.Background(), aws.Config{}, func(k string) string { return env[k] }, "PSEUDONYM_KEY", "COOKIE_KEYS")
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range env {
		if got := getenv(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	_, err = secrets.Fill(context.Background(), aws.Config{}, func(k string) string { return env[k] }, "OIDC_CLIENT_SECRET")
	if err == nil || !strings.Contains(err.Error(), "OIDC_CLIENT_SECRET_PARAM") {
		t.Fatalf("a secret set nowhere: %v", err)
	}
}
