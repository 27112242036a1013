// Package pseudonym is a rule: it turns end users into stable, opaque ids, so national
// identity numbers are never stored or logged in clear.
//
// A person's id is a keyed hash (HMAC-SHA256) of the national identity
// number. The key is what keeps it pseudonymous: there are fewer than a
// billion possible numbers, so an unkeyed hash could be reversed by trying
// them all.
package pseudonym

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/tredjepart/tredjepart/shared/ident"
)

// EndUserID identifies an end user across the system: "p1_…" for a person,
// "org_" + organisation number for an organisation.
type EndUserID string

const (
	// minKeyLength is the smallest accepted key, in bytes: the HMAC-SHA256
	// output size, below which the key, not the hash, is the weak point.
	minKeyLength = 32

	// personPrefix names version 1 of the scheme; a new scheme gets a new
	// prefix so that its ids cannot be mistaken for old ones.
	personPrefix = "p1_"
	orgPrefix    = "org_"

	// personDomain separates these hashes from any other use of the key.
	personDomain = "tredjepart/pseudonym/v1/national-id\x00"
)

// Pseudonymizer computes person ids under one secret key. It is safe for
// concurrent use.
type Pseudonymizer struct {
	key []byte
}

// New returns a Pseudonymizer using a copy of key, which must be at least
// 32 bytes.
func New(key []byte) (*Pseudonymizer, error) {
	if len(key) < minKeyLength {
		return nil, fmt.Errorf("pseudonym key must be at least %d bytes, got %d", minKeyLength, len(key))
	}
	return &Pseudonymizer{key: append([]byte(nil), key...)}, nil
}

// FromBase64 decodes a key in standard or URL-safe base64, padded or not,
// and returns New(key). Line breaks are ignored, as by encoding/base64.
func FromBase64(s string) (*Pseudonymizer, error) {
	if s == "" {
		return nil, errors.New("pseudonym key is empty; generate one with GenerateKey and store it base64-encoded")
	}
	for _, enc := range []*base64.Encoding{
		base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding,
	} {
		if key, err := enc.DecodeString(s); err == nil {
			return New(key)
		}
	}
	// The input is secret, so unlike encoding/base64's error this does not
	// point into it.
	return nil, errors.New("pseudonym key is not valid base64 (standard or URL-safe alphabet)")
}

// Person returns the id of the person with national identity number id. It
// panics on the zero NationalID, which would otherwise give every unparsed
// number the same id.
func (p *Pseudonymizer) Person(id ident.NationalID) EndUserID {
	if id.IsZero() {
		panic("pseudonym: Person called with a zero ident.NationalID")
	}
	mac := hmac.New(sha256.New, p.key)
	mac.Write([]byte(personDomain))
	mac.Write([]byte(id.Digits()))
	return EndUserID(personPrefix + base64.RawURLEncoding.EncodeToString(mac.Sum(nil)))
}

// Organisation returns the id of an organisation. Organisation numbers are
// public, so they are used as they are. It panics on an empty number, which
// cannot come from ident.ParseOrgNumber.
func Organisation(o ident.OrgNumber) EndUserID {
	if o == "" {
		panic("pseudonym: Organisation called with an empty ident.OrgNumber")
	}
	return EndUserID(orgPrefix + o.String())
}

// GenerateKey returns a new random 32-byte key, for local setup.
func GenerateKey() ([]byte, error) {
	key := make([]byte, minKeyLength)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("generating pseudonym key: %w", err)
	}
	return key, nil
}

// redacted is how a Pseudonymizer prints, so that the key never reaches logs.
const redacted = "pseudonym.Pseudonymizer{key:REDACTED}"

// Format implements fmt.Formatter: every verb prints redacted.
func (Pseudonymizer) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redacted) }

// LogValue implements slog.LogValuer: logs get redacted.
func (Pseudonymizer) LogValue() slog.Value { return slog.StringValue(redacted) }
