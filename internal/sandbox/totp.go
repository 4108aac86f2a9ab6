package sandbox

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1" //nolint:gosec // RFC 6238's default and what authenticator apps and ORCID use
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP), as ORCID's
// two-factor sign-in uses them: TwoFactorAuthenticationManagerImpl builds an
// aerogear-otp-java Totp from a random base32 secret (Base32.random(), ten
// bytes, sixteen characters), which is HMAC-SHA1, 30-second steps and six
// digits, the defaults authenticator apps assume. The standard library has
// everything this needs.

const (
	totpStep   = 30 * time.Second
	totpDigits = 6
	// totpSecretBytes is aerogear's Base32.random(): ten random bytes, so
	// a sixteen-character secret without padding.
	totpSecretBytes = 10
	// totpIssuer is ORCID's APP_NAME in the otpauth URI.
	totpIssuer = "orcid.org"
	// Backup codes as BackupCodeManagerImpl makes them: fourteen codes of
	// ten letters and digits, each usable once.
	backupCodeCount  = 14
	backupCodeLength = 10
)

var totpBase32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// newTOTPSecret returns a fresh base32 secret.
func newTOTPSecret() string {
	b := make([]byte, totpSecretBytes)
	_, _ = rand.Read(b)
	return totpBase32.EncodeToString(b)
}

// decodeTOTPSecret reads a base32 secret as people type or paste it: any
// case, with spaces or padding.
func decodeTOTPSecret(secret string) ([]byte, error) {
	s := strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(secret), " ", ""))
	s = strings.TrimRight(s, "=")
	key, err := totpBase32.DecodeString(s)
	if err != nil || len(key) == 0 {
		return nil, fmt.Errorf("not a base32 secret")
	}
	return key, nil
}

// hotp is RFC 4226's HOTP with dynamic truncation, for any hash and
// number of digits (RFC 6238's test vectors use eight).
func hotp(key []byte, counter uint64, digits int) string {
	mac := hmac.New(sha1.New, key)
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	bin := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for range digits {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", digits, bin%mod)
}

// TOTPCode is the six-digit code of a base32 secret at a time; tests and
// scripts that sign in with two-factor authentication compute their codes
// with it, as an authenticator app would.
func TOTPCode(secret string, at time.Time) (string, error) {
	key, err := decodeTOTPSecret(secret)
	if err != nil {
		return "", err
	}
	return hotp(key, uint64(at.Unix()/int64(totpStep/time.Second)), totpDigits), nil
}

// verifyTOTP accepts the code of the current step or of the one before
// (aerogear's Totp.verify, delay window 1: a code typed just as it
// changes still counts). Spaces are ignored and anything but digits is
// refused, as verificationCodeIsValid does.
func verifyTOTP(secret, code string, now time.Time) bool {
	code = strings.Join(strings.Fields(code), "")
	if len(code) != totpDigits || strings.Trim(code, "0123456789") != "" {
		return false
	}
	key, err := decodeTOTPSecret(secret)
	if err != nil {
		return false
	}
	step := uint64(now.Unix() / int64(totpStep/time.Second))
	for _, s := range []uint64{step, step - 1} {
		if hmac.Equal([]byte(hotp(key, s, totpDigits)), []byte(code)) {
			return true
		}
	}
	return false
}

// otpauthURI is the key URI an authenticator app reads (from a QR code or
// pasted), in ORCID's form: otpauth://totp/orcid.org:EMAIL?secret=…&issuer=orcid.org,
// deliberately not URL-encoded ("do not URL encode - authenticator app
// throws error", getQRCode).
func otpauthURI(email, secret string) string {
	return fmt.Sprintf("otpauth://totp/%s:%s?secret=%s&issuer=%s", totpIssuer, email, secret, totpIssuer)
}

// newBackupCodes returns fresh backup codes of letters and digits.
func newBackupCodes() []string {
	out := make([]string, backupCodeCount)
	for i := range out {
		// base62 is RandomStringUtils.random(n, true, true)'s alphabet.
		out[i] = randomString(backupCodeLength, base62)
	}
	return out
}

// hashBackupCode is how backup codes are kept: only a hash, as ORCID keeps
// them (hashForInternalUse). Codes are random, so no salt is needed.
func hashBackupCode(code string) string {
	sum := sha256.Sum256([]byte(strings.TrimSpace(code)))
	return hex.EncodeToString(sum[:])
}
