package seal_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/tredjepart/tredjepart/shared/awsenv/awsenvtest"
	"github.com/tredjepart/tredjepart/shared/seal"
)

// MethodsOf's Encrypt and Decrypt run the client's operations of the same name.
func TestMethodsOfCallsTheClient(t *testing.T) {
	rec := &awsenvtest.Recorder{}
	var o kms.Options
	o.Region, o.Credentials, o.APIOptions = rec.Options()
	api, ctx := seal.MethodsOf(kms.New(o)), context.Background()
	_, encryptErr := api.Encrypt(ctx, &kms.EncryptInput{})
	_, decryptErr := api.Decrypt(ctx, &kms.DecryptInput{})
	if want := []string{"*kms.EncryptInput", "*kms.DecryptInput"}; !slices.Equal(rec.Called, want) {
		t.Errorf("operations run %v, want %v", rec.Called, want)
	}
	if !errors.Is(encryptErr, awsenvtest.ErrStopped) || !errors.Is(decryptErr, awsenvtest.ErrStopped) {
		t.Errorf("errors %v and %v, want the client's", encryptErr, decryptErr)
	}
}
