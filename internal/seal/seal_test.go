package seal

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func key(t *testing.T, s string) Key {
	t.Helper()
	k, err := ParseKey(s)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

const (
	k1 = "k1:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	k2 = "k2:ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8="
)

func TestSealOpenRotate(t *testing.T) {
	old, err := NewRing(key(t, k1))
	if err != nil {
		t.Fatal(err)
	}
	aad := []byte("orcid_links/42/0000-0002-1825-0097")
	secret := []byte("5b1a3f5e-8c2d-4c4e-9f10-123456789abc")
	sealed := old.Seal(secret, aad)
	if bytes.Contains(sealed, secret) || !strings.HasPrefix(string(sealed), "v1:k1:") {
		t.Fatalf("sealed = %s", sealed)
	}
	if again := old.Seal(secret, aad); bytes.Equal(again, sealed) {
		t.Fatal("two seals of one value are equal: nonce reuse")
	}
	if pt, err := old.Open(sealed, aad); err != nil || !bytes.Equal(pt, secret) {
		t.Fatalf("open = %q, %v", pt, err)
	}
	if _, err := old.Open(sealed, []byte("orcid_links/43/0000-0002-1825-0097")); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("opened with other row's aad: %v", err)
	}
	tampered := bytes.Clone(sealed)
	tampered[len(tampered)-2] ^= 1
	if _, err := old.Open(tampered, aad); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("tampered value opened: %v", err)
	}

	// Rotation: the new ring seals with k2 and still opens k1 values.
	rotated, err := NewRing(key(t, k2), key(t, k1))
	if err != nil {
		t.Fatal(err)
	}
	if !rotated.NeedsReseal(sealed) {
		t.Fatal("k1 value not flagged for reseal")
	}
	resealed, err := rotated.Reseal(sealed, aad)
	if err != nil || rotated.NeedsReseal(resealed) {
		t.Fatalf("reseal: %s, %v", resealed, err)
	}
	if pt, err := rotated.Open(resealed, aad); err != nil || !bytes.Equal(pt, secret) {
		t.Fatalf("open resealed = %q, %v", pt, err)
	}
	// Once k1 is dropped, k1 values no longer open, and say why.
	k2only, _ := NewRing(key(t, k2))
	if _, err := k2only.Open(sealed, aad); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("k1 value with k2 only: %v", err)
	}
	if got := old.Seal(nil, aad); got != nil {
		t.Fatalf("empty plaintext sealed to %q", got)
	}
}

func TestParseKey(t *testing.T) {
	for _, bad := range []string{"", "nokey", ":00", "k1:zz", "k1:0001", "bad id:" + strings.Repeat("0", 64)} {
		if _, err := ParseKey(bad); err == nil {
			t.Errorf("ParseKey(%q) accepted", bad)
		}
	}
	if _, err := NewRing(key(t, k1), key(t, k1)); err == nil {
		t.Error("duplicate key id accepted")
	}
}

func FuzzOpen(f *testing.F) {
	r, _ := NewRing(Key{ID: "k", Secret: make([]byte, 32)})
	f.Add([]byte("v1:k:AAAA"), []byte("x"))
	f.Add(r.Seal([]byte("hello"), nil), []byte(nil))
	f.Fuzz(func(t *testing.T, sealed, aad []byte) {
		_, _ = r.Open(sealed, aad) // must never panic
	})
}

// TestDevelopmentKey: the first call creates a private key file, later
// calls read the same key, and a damaged file is an error, not a new key
// (which would make everything sealed before unreadable).
func TestDevelopmentKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "encryption.key")
	first, created, err := DevelopmentKey(path)
	if err != nil || !created || len(first.Secret) != 32 {
		t.Fatalf("first call: %v created=%v key %d bytes", err, created, len(first.Secret))
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, mode %v", err, fi.Mode())
	}
	again, created, err := DevelopmentKey(path)
	if err != nil || created || again.ID != first.ID || !bytes.Equal(again.Secret, first.Secret) {
		t.Fatalf("second call: %v created=%v, same key %v", err, created, bytes.Equal(again.Secret, first.Secret))
	}
	if err := os.WriteFile(path, []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := DevelopmentKey(path); err == nil {
		t.Fatal("a damaged key file was accepted")
	}
}
