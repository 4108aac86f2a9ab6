package orcid

import (
	"errors"
	"fmt"
	"strings"
)

// RORPrefix is how ORCID stores a ROR iD as a disambiguated organisation:
// the full https URI, exactly as the "id" field of ROR's data dump, which
// ORCID's loader copies verbatim (ORCID-Source orcid-scheduler-web/.../ror/
// RorOrgLoadSource.java) and OrgManagerImpl.getOrgEntity later matches
// with plain equality (OrgDisambiguatedDaoImpl.findBySourceIdAndSourceType).
// So an integration must send this form: ORCID refuses a bare or http iD
// with 9045 although it names the same organisation.
const RORPrefix = "https://ror.org/"

// DisambiguationSourceROR is the disambiguation-source value of ROR iDs
// (ORCID-Source OrgDisambiguatedSourceType: RINGGOLD, GRID, FUNDREF, LEI, ROR).
const DisambiguationSourceROR = "ROR"

// ErrInvalidROR is returned (wrapped) for anything that is not a
// well-formed ROR iD with a correct checksum.
var ErrInvalidROR = errors.New("invalid ROR iD")

// crockford is the Crockford base32 alphabet ROR iDs are written in: the
// digits and the letters without i, l, o and u.
const crockford = "0123456789abcdefghjkmnpqrstvwxyz"

// ParseROR accepts the forms people paste, https://ror.org/ID,
// http://ror.org/ID, ror.org/ID (with www. or a trailing slash, any case) or
// the bare ID, and returns the canonical form ORCID stores,
// "https://ror.org/0abcdef12".
//
// A ROR iD (https://ror.org/about/faqs, "ROR identifier pattern") is a
// leading 0, six Crockford base32 characters and a two-digit checksum: ISO
// 7064 MOD 97-10 of the number the first seven characters write in base 32.
func ParseROR(s string) (string, error) {
	orig := s
	id := strings.ToLower(strings.TrimSpace(s))
	for _, p := range []string{"https://", "http://"} {
		if rest, ok := strings.CutPrefix(id, p); ok {
			id = rest
			break
		}
	}
	id = strings.TrimPrefix(id, "www.")
	id = strings.TrimPrefix(id, "ror.org/")
	id = strings.TrimSuffix(id, "/")
	if len(id) != 9 || id[0] != '0' {
		return "", fmt.Errorf("%w: %q is not of the form 0 + 6 characters + 2 digits", ErrInvalidROR, orig)
	}
	var n uint64
	for i := 0; i < 7; i++ {
		v := strings.IndexByte(crockford, id[i])
		if v < 0 {
			return "", fmt.Errorf("%w: %q has %q, which ROR iDs never contain", ErrInvalidROR, orig, id[i])
		}
		n = n*32 + uint64(v)
	}
	if id[7] < '0' || id[7] > '9' || id[8] < '0' || id[8] > '9' {
		return "", fmt.Errorf("%w: %q does not end in two checksum digits", ErrInvalidROR, orig)
	}
	want := rorChecksum(n)
	if got := uint64(id[7]-'0')*10 + uint64(id[8]-'0'); got != want {
		return "", fmt.Errorf("%w: %q has a wrong checksum (expected %02d)", ErrInvalidROR, orig, want)
	}
	return RORPrefix + id, nil
}

// IsCanonicalROR reports whether s is a valid ROR iD written exactly as
// ORCID stores it, the only form ORCID's organisation lookup matches.
func IsCanonicalROR(s string) bool {
	canon, err := ParseROR(s)
	return err == nil && canon == s
}

// rorChecksum is ISO 7064 MOD 97-10 for n: the two digits that make
// n*100 + checksum leave a remainder of 1 when divided by 97.
func rorChecksum(n uint64) uint64 {
	return 98 - (n*100)%97
}
