// Package seal is an adapter: it encrypts small secrets, such as webhook signing keys, with an
// AWS KMS key before they are stored, and decrypts them when they are used.
// Each call is one KMS Encrypt or Decrypt (the secrets are far below its 4 KB
// limit), under an encryption context that names what the secret belongs to:
// KMS authenticates it with the ciphertext, so a sealed secret copied to
// another item does not open there.
package seal

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// KMS is what the box needs of the KMS client.
type KMS interface {
	Encrypt(ctx context.Context, in *kms.EncryptInput, optFns ...func(*kms.Options)) (*kms.EncryptOutput, error)
	Decrypt(ctx context.Context, in *kms.DecryptInput, optFns ...func(*kms.Options)) (*kms.DecryptOutput, error)
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
	out, err := b.Client.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(b.KeyID), Plaintext: plaintext, EncryptionContext: encryptionContext})
	if err != nil {
		return nil, fmt.Errorf("seal: encrypt with %s: %w", b.KeyID, err)
	}
	return out.CiphertextBlob, nil
}

// Open decrypts what Seal returned for the same encryption context. Naming
// the key makes KMS refuse a ciphertext of any other key.
func (b Box) Open(ctx context.Context, sealed []byte, encryptionContext map[string]string) ([]byte, error) {
	out, err := b.Client.Decrypt(ctx, &kms.DecryptInput{KeyId: aws.String(b.KeyID), CiphertextBlob: sealed, EncryptionContext: encryptionContext})
	var invalid *types.InvalidCiphertextException
	var incorrectKey *types.IncorrectKeyException
	if errors.As(err, &invalid) || errors.As(err, &incorrectKey) {
		return nil, ErrNotOpened
	}
	if err != nil {
		return nil, fmt.Errorf("seal: decrypt with %s: %w", b.KeyID, err)
	}
	return out.Plaintext, nil
}
