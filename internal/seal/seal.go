// Package seal encrypts secrets at rest (ORCID tokens, client secrets) with
// AES-256-GCM under a ring of named keys, so that keys can be rotated
// without downtime: new data is sealed with the primary key, old data opens
// with whichever key sealed it, and Reseal moves it to the primary.
//
// A sealed value is "v1:" + key id + ":" + base64(nonce|ciphertext|tag), as
// bytes. The additional data binds a value to where it is stored (say, the
// table, the row id and the iD), so a ciphertext copied to another row
// fails to open.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
)

// Errors callers branch on.
var (
	ErrUnknownKey = errors.New("sealed with a key that is not configured")
	ErrCorrupt    = errors.New("sealed value is corrupt or bound to other data")
)

// Key is one named 256-bit key.
type Key struct {
	ID     string
	Secret []byte // 32 bytes
}

var keyID = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,32}$`)

// ParseKey reads "ID:HEX" or "ID:BASE64" (a 32-byte key), the form keys
// take in configuration files and environment variables.
func ParseKey(s string) (Key, error) {
	id, enc, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || !keyID.MatchString(id) {
		return Key{}, errors.New(`encryption key must look like "KEYID:KEY" with KEYID of letters, digits, '.', '_' or '-'`)
	}
	var b []byte
	var err error
	if len(enc) == 64 {
		b, err = hex.DecodeString(enc)
	} else {
		b, err = base64.StdEncoding.DecodeString(enc)
	}
	if err != nil || len(b) != 32 {
		return Key{}, fmt.Errorf("encryption key %q must be 32 bytes, hex (64 characters) or base64", id)
	}
	return Key{ID: id, Secret: b}, nil
}

// Ring seals with its primary key and opens with any of its keys.
type Ring struct {
	primary string
	aeads   map[string]cipher.AEAD
}

// NewRing builds a ring; the first key is the primary.
func NewRing(keys ...Key) (*Ring, error) {
	if len(keys) == 0 {
		return nil, errors.New("seal: no key")
	}
	r := &Ring{primary: keys[0].ID, aeads: map[string]cipher.AEAD{}}
	for _, k := range keys {
		if len(k.Secret) != 32 {
			return nil, fmt.Errorf("seal: key %q must be 32 bytes", k.ID)
		}
		if _, dup := r.aeads[k.ID]; dup {
			return nil, fmt.Errorf("seal: key id %q given twice", k.ID)
		}
		block, err := aes.NewCipher(k.Secret)
		if err != nil {
			return nil, err
		}
		// Random 96-bit nonces: safe for far more values than an
		// integration will ever seal under one key.
		aead, err := cipher.NewGCMWithRandomNonce(block)
		if err != nil {
			return nil, err
		}
		r.aeads[k.ID] = aead
	}
	return r, nil
}

// PrimaryID is the id of the key new values are sealed with.
func (r *Ring) PrimaryID() string { return r.primary }

// Seal encrypts plaintext bound to aad. An empty plaintext seals to nil, so
// that "no token" stays distinguishable without a ciphertext.
func (r *Ring) Seal(plaintext, aad []byte) []byte {
	if len(plaintext) == 0 {
		return nil
	}
	ct := r.aeads[r.primary].Seal(nil, nil, plaintext, aad)
	return []byte("v1:" + r.primary + ":" + base64.RawStdEncoding.EncodeToString(ct))
}

// Open decrypts a sealed value bound to aad.
func (r *Ring) Open(sealed, aad []byte) ([]byte, error) {
	if len(sealed) == 0 {
		return nil, nil
	}
	id, ct, err := split(sealed)
	if err != nil {
		return nil, err
	}
	aead, ok := r.aeads[id]
	if !ok {
		return nil, fmt.Errorf("seal: key %q: %w", id, ErrUnknownKey)
	}
	pt, err := aead.Open(nil, nil, ct, aad)
	if err != nil {
		return nil, fmt.Errorf("seal: key %q: %w", id, ErrCorrupt)
	}
	return pt, nil
}

// KeyID reports which key sealed a value ("" for an empty value).
func KeyID(sealed []byte) (string, error) {
	if len(sealed) == 0 {
		return "", nil
	}
	id, _, err := split(sealed)
	return id, err
}

// NeedsReseal reports whether a value is sealed with a key other than the
// primary.
func (r *Ring) NeedsReseal(sealed []byte) bool {
	id, err := KeyID(sealed)
	return err == nil && id != "" && id != r.primary
}

// Reseal opens a value and seals it again under the primary key.
func (r *Ring) Reseal(sealed, aad []byte) ([]byte, error) {
	pt, err := r.Open(sealed, aad)
	if err != nil {
		return nil, err
	}
	return r.Seal(pt, aad), nil
}

func split(sealed []byte) (string, []byte, error) {
	parts := strings.SplitN(string(sealed), ":", 3)
	if len(parts) != 3 || parts[0] != "v1" {
		return "", nil, ErrCorrupt
	}
	ct, err := base64.RawStdEncoding.DecodeString(parts[2])
	if err != nil {
		return "", nil, ErrCorrupt
	}
	return parts[1], ct, nil
}

// DevelopmentKey reads the key kept in a file for development, creating
// the file (mode 0600) with a new random key the first time, so that a
// deployment with no key configured can still open after a restart what it
// sealed before. created reports a new key, for a warning: production
// configures its keys and never uses this.
func DevelopmentKey(path string) (_ Key, created bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		secret := make([]byte, 32)
		_, _ = rand.Read(secret)
		b = []byte("dev1:" + hex.EncodeToString(secret) + "\n")
		// O_EXCL: two processes starting at once must not each write a
		// key and seal with different ones.
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, os.ErrExist) {
			return DevelopmentKey(path)
		}
		if err != nil {
			return Key{}, false, fmt.Errorf("write development key: %w", err)
		}
		if _, err := f.Write(b); err != nil {
			f.Close()
			return Key{}, false, fmt.Errorf("write development key: %w", err)
		}
		if err := f.Close(); err != nil {
			return Key{}, false, fmt.Errorf("write development key: %w", err)
		}
		created = true
	} else if err != nil {
		return Key{}, false, fmt.Errorf("read development key: %w", err)
	}
	k, err := ParseKey(string(b))
	if err != nil {
		return Key{}, false, fmt.Errorf("development key %s: %w", path, err)
	}
	return k, created, nil
}
