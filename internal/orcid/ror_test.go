package orcid

import (
	"errors"
	"testing"
)

func TestParseROR(t *testing.T) {
	// Real ROR iDs (Carberry's Brown University 05gq02987, Boston University
	// 05qwgg493, and those of ORCID's v3.0 write samples) in every form.
	valid := []struct{ in, want string }{
		{"https://ror.org/05gq02987", "https://ror.org/05gq02987"},
		{"http://ror.org/05qwgg493", "https://ror.org/05qwgg493"},
		{"ror.org/04bj28v14", "https://ror.org/04bj28v14"},
		{"021nxhr62", "https://ror.org/021nxhr62"},
		{"  https://www.ror.org/04fa4r544/ ", "https://ror.org/04fa4r544"},
		{"HTTPS://ROR.ORG/027KA1X80", "https://ror.org/027ka1x80"},
		{"00jmfr291", "https://ror.org/00jmfr291"},
	}
	for _, c := range valid {
		got, err := ParseROR(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseROR(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	invalid := []string{
		"",
		"05gq02988",                 // checksum off by one
		"https://ror.org/04fa4r545", // checksum off by one
		"15gq02987",                 // must start with 0
		"05gq0298",                  // too short
		"05gq029870",                // too long
		"05gqo2987",                 // o is not Crockford base32
		"05gq029a7",                 // checksum must be digits
		"https://example.org/05gq02987",
		"grid.455335.1",
	}
	for _, in := range invalid {
		if got, err := ParseROR(in); !errors.Is(err, ErrInvalidROR) {
			t.Errorf("ParseROR(%q) = %q, %v; want ErrInvalidROR", in, got, err)
		}
	}
}

// TestRORChecksumEveryDigit proves the checksum catches any single changed
// character, the error ISO 7064 MOD 97-10 is made to detect.
func TestRORChecksumEveryDigit(t *testing.T) {
	const id = "05gq02987"
	for i := 1; i < 9; i++ {
		for _, c := range crockford {
			if byte(c) == id[i] || (i >= 7 && (c < '0' || c > '9')) {
				continue
			}
			mutated := id[:i] + string(c) + id[i+1:]
			if _, err := ParseROR(mutated); err == nil {
				t.Errorf("ParseROR(%q) accepted a mutation of %s", mutated, id)
			}
		}
	}
}

func TestIsCanonicalROR(t *testing.T) {
	for in, want := range map[string]bool{
		"https://ror.org/05gq02987": true,
		"http://ror.org/05gq02987":  false, // ORCID matches the stored form only
		"05gq02987":                 false,
		"https://ror.org/05GQ02987": false,
		"https://ror.org/05gq02988": false,
	} {
		if got := IsCanonicalROR(in); got != want {
			t.Errorf("IsCanonicalROR(%q) = %v, want %v", in, got, want)
		}
	}
}
