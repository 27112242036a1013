package seal

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"maps"
	"slices"
	"sync"
	"time"
)

// Opener is what Cache wraps: Box, on AWS.
type Opener interface {
	Seal(ctx context.Context, plaintext []byte, encryptionContext map[string]string) ([]byte, error)
	Open(ctx context.Context, sealed []byte, encryptionContext map[string]string) ([]byte, error)
}

// Cache keeps what Open returned for a while, so that a process opening the
// same sealed secret again and again (the webhook pusher signs every push
// with it) asks KMS once per TTL instead of once per use. An entry is found
// only by the sealed bytes and the whole encryption context together, so a
// sealed secret moved to another context is opened by KMS, and refused,
// however recently it opened in its own.
type Cache struct {
	Opener
	TTL   time.Duration
	Clock interface{ Now() time.Time }

	mu      sync.Mutex
	entries map[[sha256.Size]byte]cached
}

type cached struct {
	plaintext []byte
	until     time.Time
}

// maxCached bounds the cache: far more secrets than one process signs with
// in a TTL (two per third party at most).
const maxCached = 4096

// Open returns the cached plaintext, or opens the sealed secret and keeps
// the result for TTL.
func (c *Cache) Open(ctx context.Context, sealed []byte, encryptionContext map[string]string) ([]byte, error) {
	id := cacheID(sealed, encryptionContext)
	now := c.Clock.Now()
	c.mu.Lock()
	entry, ok := c.entries[id]
	c.mu.Unlock()
	if ok && now.Before(entry.until) {
		return bytes.Clone(entry.plaintext), nil
	}
	plaintext, err := c.Opener.Open(ctx, sealed, encryptionContext)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) >= maxCached {
		c.entries = map[[sha256.Size]byte]cached{} // full: start over rather than grow
	}
	c.entries[id] = cached{plaintext: bytes.Clone(plaintext), until: now.Add(c.TTL)}
	return plaintext, nil
}

// cacheID identifies a sealed secret under its encryption context.
func cacheID(sealed []byte, encryptionContext map[string]string) [sha256.Size]byte {
	h := sha256.New()
	for _, name := range slices.Sorted(maps.Keys(encryptionContext)) {
		// Lengths first, so that no two contexts write the same bytes.
		writeField(h, []byte(name))
		writeField(h, []byte(encryptionContext[name]))
	}
	writeField(h, sealed)
	var id [sha256.Size]byte
	h.Sum(id[:0])
	return id
}

func writeField(h hash.Hash, b []byte) {
	h.Write(binary.BigEndian.AppendUint64(nil, uint64(len(b))))
	h.Write(b)
}
