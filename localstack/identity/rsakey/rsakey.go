// Package rsakey is an identity stand-in: it keeps the local stack's signing
// keys (the token issuer's and the development OpenID provider's) in PEM
// files, so that tokens stay valid across restarts. Both sign their RS256
// tokens with Signer and publish the key as PublicJWK.
package rsakey

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// keyBits is the size of a newly generated key, and the smallest accepted.
const keyBits = 2048

// LoadOrCreate reads the RSA private key at path, or creates it. A new key
// is written to a temporary file and hard-linked into place, so a concurrent
// start never sees a half-written file and never replaces a key another
// process already saved.
func LoadOrCreate(path string) (*rsa.PrivateKey, error) {
	key, err := readKey(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("rsakey: create key directory: %w", err)
	}
	key, err = rsa.GenerateKey(rand.Reader, keyBits)
	if err != nil {
		return nil, fmt.Errorf("rsakey: generate key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("rsakey: encode key: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".rsa-key-*") // mode 0600
	if err != nil {
		return nil, fmt.Errorf("rsakey: write key: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := pem.Encode(tmp, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("rsakey: write key: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("rsakey: write key: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return readKey(path) // another process won the race; use its key
		}
		return nil, fmt.Errorf("rsakey: write key: %w", err)
	}
	return key, nil
}

func readKey(path string) (*rsa.PrivateKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("rsakey: %s holds no PEM block", path)
	}
	var parsed any
	switch block.Type {
	case "PRIVATE KEY":
		parsed, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		parsed, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("rsakey: %s: unexpected PEM block %q", path, block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("rsakey: %s: %w", path, err)
	}
	key, ok := parsed.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("rsakey: %s does not hold an RSA key", path)
	}
	if key.N.BitLen() < keyBits {
		return nil, fmt.Errorf("rsakey: %s: RSA key of %d bits is too small", path, key.N.BitLen())
	}
	return key, nil
}
