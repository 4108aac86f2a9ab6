package orcid

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalidISSN is returned (wrapped) for anything that is not an ISSN with
// a correct check digit.
var ErrInvalidISSN = errors.New("invalid ISSN")

// ParseISSN accepts an ISSN as people write it, "1234-567X", "1234567x",
// "1234 - 567X" or "ISSN 1234-567X", checks its check digit (ISO 3297: the
// seven digits weighted 8 down to 2, and the check character makes the sum a
// multiple of 11, X standing for 10) and returns it as ORCID normalises
// ISSNs, "1234-567X" (ORCID-Source orcid-core/.../identifiers/normalizers/
// ISSNNormalizer.java: hyphen added, x upper-cased).
func ParseISSN(s string) (string, error) {
	orig := s
	s = strings.TrimSpace(s)
	if len(s) >= 4 && strings.EqualFold(s[:4], "issn") {
		s = strings.TrimLeft(s[4:], " :")
	}
	var b strings.Builder
	// Between the two halves: an optional hyphen (or en dash) with at most
	// one space before it and one after, as ORCID's
	// "\d{4} ?[-–]? ?\d{3}[\dX]" (so "1234  567X" but not "1234  -567X").
	before, dash, after := false, false, false
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == 'x' || r == 'X':
			b.WriteByte('X')
		case r == ' ' && b.Len() == 4 && !dash && !before:
			before = true
		case r == ' ' && b.Len() == 4 && !after:
			after = true
		case (r == '-' || r == '–') && b.Len() == 4 && !dash && !after:
			dash = true
		default:
			return "", fmt.Errorf("%w: %q is not of the form 1234-567X", ErrInvalidISSN, orig)
		}
	}
	d := b.String()
	if len(d) != 8 || strings.IndexByte(d[:7], 'X') >= 0 {
		return "", fmt.Errorf("%w: %q is not of the form 1234-567X", ErrInvalidISSN, orig)
	}
	if want := issnCheck(d[:7]); want != d[7] {
		return "", fmt.Errorf("%w: %q has a wrong check digit (expected %c)", ErrInvalidISSN, orig, want)
	}
	return d[:4] + "-" + d[4:], nil
}

// ValidISSN reports whether s is an ISSN with a correct check digit, in any
// form ParseISSN accepts.
func ValidISSN(s string) bool {
	_, err := ParseISSN(s)
	return err == nil
}

// issnCheck is the check character of the first seven digits.
func issnCheck(seven string) byte {
	sum := 0
	for i := 0; i < 7; i++ {
		sum += int(seven[i]-'0') * (8 - i)
	}
	switch c := (11 - sum%11) % 11; c {
	case 10:
		return 'X'
	default:
		return byte('0' + c)
	}
}
