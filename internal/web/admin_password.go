package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"
)

// Administrators' passwords are hashed with argon2id and stored in the PHC
// string format ($argon2id$v=19$m=...,t=...,p=...$salt$hash), which carries
// its own parameters: raising them later only affects new hashes, and old
// ones keep verifying.
//
// The parameters are OWASP's recommended minimum for argon2id (19 MiB,
// 2 passes, 1 lane): a sign-in costs tens of milliseconds, which is
// invisible to a person and expensive for someone guessing offline.
const (
	argonMemory  = 19 * 1024 // KiB
	argonTime    = 2
	argonThreads = 1
	argonSaltLen = 16
	argonKeyLen  = 32
)

// Which passwords are accepted is package password's (the policy); this
// file only hashes and verifies them.

var errBadHash = errors.New("not an argon2id hash")

// errHashBusy is a password that could not be hashed because every
// hashing slot stayed taken (signInGuard).
var errHashBusy = errors.New("password hashing is busy: try again in a few seconds")

// hashPassword is HashPassword within the server's limit of hashes at
// once, so that changing passwords adds to the same 19 MiB budget as
// signing in.
func (s *Server) hashPassword(ctx context.Context, password string) (hash string, err error) {
	if !s.signIn.hash(ctx, func() { hash, err = HashPassword(password) }) {
		return "", errHashBusy
	}
	return hash, err
}

// HashPassword hashes a password for store.AdminUser.PasswordHash. It is
// exported for the command that creates the first administrator.
func HashPassword(password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// VerifyPassword reports whether password matches hash. A hash it cannot
// read is an error, never a match.
func VerifyPassword(hash, password string) (bool, error) {
	parts := strings.Split(hash, "$")
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, key
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errBadHash
	}
	var memory, passes uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &passes, &threads); err != nil ||
		memory == 0 || passes == 0 || threads == 0 {
		return false, errBadHash
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, errBadHash
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false, errBadHash
	}
	got := argon2.IDKey([]byte(password), salt, passes, memory, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyHash is verified against when the email is unknown, so that a
// sign-in with an unknown email takes as long as one with a wrong
// password and timing does not tell which addresses have accounts.
// It is made on first use, not at start-up, which needs no sign-in.
var dummyHash = sync.OnceValue(func() string {
	h, err := HashPassword("orcidlink: no such administrator")
	if err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return h
})
