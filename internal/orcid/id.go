package orcid

import (
	"errors"
	"fmt"
	"strings"
)

// ID is an ORCID iD in its bare form, "0000-0002-1825-0097". The zero value
// is not a valid iD; obtain one with ParseID or ComputeID.
type ID string

// Hosts that issue iDs. The full URI is what an integration must store: an iD
// from the sandbox is a different researcher from the same digits in
// production.
const (
	ProductionHost = "orcid.org"
	SandboxHost    = "sandbox.orcid.org"
)

// ErrInvalidID is returned (wrapped) for anything that is not a well-formed
// iD with a correct check digit.
var ErrInvalidID = errors.New("invalid ORCID iD")

// ParseID accepts the forms people paste: a bare iD, one prefixed with
// https://orcid.org/ or https://sandbox.orcid.org/ (or http://, or no
// scheme), with a lower-case check character, surrounding spaces or a
// trailing slash. It validates the ISO 7064 MOD 11-2 check digit.
func ParseID(s string) (ID, error) {
	orig := s
	s = strings.TrimSpace(s)
	lower := strings.ToLower(s)
	for _, p := range []string{"https://", "http://"} {
		if strings.HasPrefix(lower, p) {
			s, lower = s[len(p):], lower[len(p):]
			break
		}
	}
	for _, h := range []string{"www." + ProductionHost + "/", SandboxHost + "/", ProductionHost + "/"} {
		if strings.HasPrefix(lower, h) {
			s = s[len(h):]
			break
		}
	}
	s = strings.TrimSuffix(s, "/")
	if len(s) != 19 {
		return "", fmt.Errorf("%w: %q is not of the form 0000-0000-0000-000X", ErrInvalidID, orig)
	}
	b := []byte(strings.ToUpper(s))
	digits := make([]byte, 0, 16)
	for i, c := range b {
		switch {
		case i == 4 || i == 9 || i == 14:
			if c != '-' {
				return "", fmt.Errorf("%w: %q is not of the form 0000-0000-0000-000X", ErrInvalidID, orig)
			}
		case c >= '0' && c <= '9', i == 18 && c == 'X':
			digits = append(digits, c)
		default:
			return "", fmt.Errorf("%w: %q is not of the form 0000-0000-0000-000X", ErrInvalidID, orig)
		}
	}
	if want := checkDigit(string(digits[:15])); want != digits[15] {
		return "", fmt.Errorf("%w: %q has a wrong check digit (expected %c)", ErrInvalidID, orig, want)
	}
	return ID(b), nil
}

// ComputeID returns the iD whose first 15 digits are base (hyphens allowed),
// appending the check character. It is how registries mint iDs.
func ComputeID(base string) (ID, error) {
	d := strings.ReplaceAll(base, "-", "")
	if len(d) != 15 || strings.Trim(d, "0123456789") != "" {
		return "", fmt.Errorf("%w: base %q must have 15 digits", ErrInvalidID, base)
	}
	full := d + string(checkDigit(d))
	return ID(full[0:4] + "-" + full[4:8] + "-" + full[8:12] + "-" + full[12:16]), nil
}

// checkDigit computes ISO 7064 MOD 11-2 exactly as ORCID does.
func checkDigit(base string) byte {
	total := 0
	for i := 0; i < len(base); i++ {
		total = (total + int(base[i]-'0')) * 2
	}
	r := (12 - total%11) % 11
	if r == 10 {
		return 'X'
	}
	return byte('0' + r)
}

// URI renders the canonical full https URI of the iD on the given host
// (ProductionHost, SandboxHost, or an emulator's host[:port]).
func (id ID) URI(host string) string {
	return "https://" + host + "/" + string(id)
}

// String returns the bare iD.
func (id ID) String() string { return string(id) }
