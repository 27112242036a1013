// Package seal is an adapter: it encrypts small secrets, such as webhook signing keys, with an
// AWS KMS key before they are stored, and decrypts them when they are used.
// Each call is one KMS Encrypt or Decrypt (the secrets are far below its 4 KB
// limit), under an encryption context that names what the secret belongs to:
// KMS authenticates it with the ciphertext, so a sealed secret copied to
// another item does not open there. It calls KMS through package awsjson,
// not the SDK's KMS client, whose schema tables cost 0.39 MB on a bootstrap.
package seal

import (
	"context"
	"errors"
	"fmt"

	"github.com/tredjepart/tredjepart/shared/awsjson"
)

// KMS is how the box calls KMS: an *awsjson.Client of awsjson.KMS.
type KMS interface {
	Call(ctx context.Context, operation string, in, out any) error
}

// Box seals with one KMS key and opens only what that key sealed.
type Box struct {
	Client KMS
	KeyID  string // the key's ARN (on AWS) or ID
}

// ErrNotOpened is a sealed secret KMS refused to decrypt because it was
// altered, or sealed under another encryption context or key. It never
// carries the secret or the ciphertext.
var ErrNotOpened = errors.New("seal: the sealed secret does not open: it was altered, or belongs to another item or key")

// Seal encrypts plaintext under the encryption context.
func (b Box) Seal(ctx context.Context, plaintext []byte, encryptionContext map[string]string) ([]byte, error) {
	if len(encryptionContext) == 0 {
		return nil, errors.New("seal: an encryption context is required")
	}
	var out struct{ CiphertextBlob []byte }
	err := b.Client.Call(ctx, "Encrypt", struct {
		KeyID             string `json:"KeyId"`
		Plaintext         []byte
		EncryptionContext map[string]string `json:",omitempty"`
	}{b.KeyID, plaintext, encryptionContext}, &out)
	if err != nil {
		return nil, fmt.Errorf("seal: encrypt with %s: %w", b.KeyID, err)
	}
	return out.CiphertextBlob, nil
}

// Open decrypts what Seal returned for the same encryption context. Naming
// the key makes KMS refuse a ciphertext of any other key.
func (b Box) Open(ctx context.Context, sealed []byte, encryptionContext map[string]string) ([]byte, error) {
	var out struct{ Plaintext []byte }
	err := b.Client.Call(ctx, "Decrypt", struct {
		KeyID             string            `json:"KeyId"`
		CiphertextBlob    []byte            `json:",omitempty"`
		EncryptionContext map[string]string `json:",omitempty"`
	}{b.KeyID, sealed, encryptionContext}, &out)
	if awsjson.IsCode(err, "InvalidCiphertextException") || awsjson.IsCode(err, "IncorrectKeyException") {
		return nil, ErrNotOpened
	}
	if err != nil {
		return nil, fmt.Errorf("seal: decrypt with %s: %w", b.KeyID, err)
	}
	return out.Plaintext, nil
}
