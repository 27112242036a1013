package rsakey

import (
	"os"
	"path/filepath"
	"testing"
)

func TestKeyIsCreatedOnceAndKept(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys", "signing.pem")
	first, err := LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	again, err := LoadOrCreate(path)
	if err != nil || !first.Equal(again) {
		t.Fatalf("the second load gave another key (%v)", err)
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("key file %v %v; want mode 0600", info, err)
	}
}

func TestBadKeyFilesAreRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.pem")
	if err := os.WriteFile(path, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreate(path); err == nil {
		t.Fatal("a file without a PEM block was accepted")
	}
}
