package stdwebhook

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
)

// SecretPrefix starts the text form of a signing secret: "whsec_" followed by
// the standard base64 encoding of the key.
const SecretPrefix = "whsec_"

// Key sizes accepted by ParseSecret, as recommended by Standard Webhooks.
const (
	minKeyLen = 24
	maxKeyLen = 64
	newKeyLen = 32
)

// Secret is one HMAC signing key of a webhook registration. A registration has
// one secret, or two while being rotated: the new one with no end and the old
// one with NotAfter set to the end of the overlap. Until then both sign every
// request, so the receiver can switch to the new secret at any moment.
type Secret struct {
	Key      []byte
	NotAfter time.Time // zero = no end
}

// String keeps the key out of logs.
func (s Secret) String() string {
	if s.NotAfter.IsZero() {
		return SecretPrefix + "[redacted]"
	}
	return SecretPrefix + "[redacted] until " + s.NotAfter.UTC().Format(time.RFC3339)
}

// GoString keeps the key out of %#v output.
func (s Secret) GoString() string { return "webhook.Secret(" + s.String() + ")" }

// ActiveAt reports whether the secret may sign or verify at now: it has a key
// and has not passed its NotAfter.
func (s Secret) ActiveAt(now time.Time) bool {
	return len(s.Key) > 0 && (s.NotAfter.IsZero() || now.Before(s.NotAfter))
}

// NewSecret makes a fresh 32-byte signing key. The text ("whsec_…") is for
// showing to the third party once; store the Secret (its Key) instead.
func NewSecret() (string, Secret, error) {
	key := make([]byte, newKeyLen)
	if _, err := rand.Read(key); err != nil {
		return "", Secret{}, fmt.Errorf("webhook: generating secret: %w", err)
	}
	secret := Secret{Key: key}
	return secret.Text(), secret, nil
}

// Text is the secret's text form, "whsec_" and the base64 of its key, as
// its receiver installs it. Unlike String, it holds the key.
func (s Secret) Text() string { return SecretPrefix + base64.StdEncoding.EncodeToString(s.Key) }

// ErrBadSecret is returned by ParseSecret for text that is not a secret.
var ErrBadSecret = errors.New("webhook: malformed secret")

// ParseSecret reads the "whsec_<base64>" text form. The result has no end.
func ParseSecret(text string) (Secret, error) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(text), SecretPrefix)
	if !ok {
		return Secret{}, fmt.Errorf("%w: missing %q prefix", ErrBadSecret, SecretPrefix)
	}
	key, err := base64.StdEncoding.DecodeString(rest)
	if err != nil {
		return Secret{}, fmt.Errorf("%w: not base64", ErrBadSecret)
	}
	if len(key) < minKeyLen || len(key) > maxKeyLen {
		return Secret{}, fmt.Errorf("%w: key is %d bytes, want %d to %d", ErrBadSecret, len(key), minKeyLen, maxKeyLen)
	}
	return Secret{Key: key}, nil
}

// Active returns the secrets that may sign or verify at now, dropping those
// whose NotAfter has passed and any without a key. The input is not modified.
func Active(secrets []Secret, now time.Time) []Secret {
	var out []Secret
	for _, s := range secrets {
		if s.ActiveAt(now) {
			out = append(out, s)
		}
	}
	return out
}
