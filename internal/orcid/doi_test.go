package orcid

import (
	"errors"
	"testing"
)

func TestParseDOI(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"10.5555/jx.1", "10.5555/jx.1"},
		{"  10.1000/ABC-def(12) ", "10.1000/ABC-def(12)"},
		{"doi:10.5555/jx.1", "10.5555/jx.1"},
		{"DOI: 10.5555/jx.1", "10.5555/jx.1"},
		{"DOI 10.5555/jx.1", "10.5555/jx.1"},
		{"https://doi.org/10.5555/jx.1", "10.5555/jx.1"},
		{"HTTPS://DOI.ORG/10.5555/JX.1", "10.5555/JX.1"},
		{"http://dx.doi.org/10.5555/jx.1", "10.5555/jx.1"},
		{"https://dx.doi.org/10.5555%2Fjx.1", "10.5555/jx.1"},
		{"doi.org/10.1002/(SICI)1097-4571", "10.1002/(SICI)1097-4571"},
		{"10.12345.6/x", "10.12345.6/x"},
	} {
		got, err := ParseDOI(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseDOI(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "10.5555", "10.55/x", "11.5555/x", "https://example.org/10.5555/x", "10.5555/ x",
		"https://doi.org/https://doi.org/10.5555/x", "doi:", "10.5555/"} {
		if got, err := ParseDOI(bad); !errors.Is(err, ErrInvalidDOI) {
			t.Errorf("ParseDOI(%q) = %q, %v; want ErrInvalidDOI", bad, got, err)
		}
	}
}
