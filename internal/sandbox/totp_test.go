package sandbox

import (
	"encoding/base32"
	"strings"
	"testing"
	"time"
)

// TestHOTPMatchesRFC6238 checks the HOTP core with the SHA-1 test vectors
// of RFC 6238 Appendix B (eight digits, 30-second steps, the ASCII secret
// "12345678901234567890").
func TestHOTPMatchesRFC6238(t *testing.T) {
	key := []byte("12345678901234567890")
	for _, tc := range []struct {
		unix int64
		want string
	}{
		{59, "94287082"}, {1111111109, "07081804"}, {1111111111, "14050471"},
		{1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"},
	} {
		if got := hotp(key, uint64(tc.unix/30), 8); got != tc.want {
			t.Errorf("T=%d: %s, want %s", tc.unix, got, tc.want)
		}
	}
	// The six-digit code of the same secret written in base32, as an
	// authenticator app reads it: the last six digits.
	secret := base32.StdEncoding.EncodeToString(key)
	if got, err := TOTPCode(secret, time.Unix(59, 0)); err != nil || got != "287082" {
		t.Errorf("TOTPCode = %q, %v", got, err)
	}
}

// TestVerifyTOTP: the current and the previous step count, nothing older
// or newer, and only six digits (spaces ignored).
func TestVerifyTOTP(t *testing.T) {
	secret := newTOTPSecret()
	if len(secret) != 16 {
		t.Fatalf("secret %q: want 16 base32 characters (ten bytes)", secret)
	}
	now := time.Date(2026, 11, 23, 10, 0, 15, 0, time.UTC)
	code := func(d time.Duration) string {
		c, err := TOTPCode(secret, now.Add(d))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	for _, tc := range []struct {
		name, code string
		ok         bool
	}{
		{"current step", code(0), true},
		{"previous step", code(-30 * time.Second), true},
		{"with spaces", code(0)[:3] + " " + code(0)[3:], true},
		{"two steps ago", code(-60 * time.Second), false},
		{"next step", code(30 * time.Second), false},
		{"letters", "12a456", false},
		{"too short", code(0)[:5], false},
		{"empty", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.code == code(0) && !tc.ok {
				t.Skip("the code collides with the current one")
			}
			if got := verifyTOTP(secret, tc.code, now); got != tc.ok {
				t.Errorf("verifyTOTP(%q) = %v, want %v", tc.code, got, tc.ok)
			}
		})
	}
	if verifyTOTP(strings.ToLower(secret), code(0), now) != true {
		t.Error("a lower-case secret is refused")
	}
}

func TestOtpauthURIAndBackupCodes(t *testing.T) {
	if got := otpauthURI("ada@example.org", "JBSWY3DPEHPK3PXP"); got != "otpauth://totp/orcid.org:ada@example.org?secret=JBSWY3DPEHPK3PXP&issuer=orcid.org" {
		t.Errorf("otpauth URI %q", got)
	}
	codes := newBackupCodes()
	seen := map[string]bool{}
	for _, c := range codes {
		if len(c) != 10 || strings.Trim(c, base62) != "" || seen[c] {
			t.Errorf("backup code %q", c)
		}
		seen[c] = true
	}
	if len(codes) != 14 {
		t.Errorf("%d backup codes, want 14", len(codes))
	}
}
