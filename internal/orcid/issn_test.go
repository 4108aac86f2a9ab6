package orcid

import (
	"errors"
	"testing"
)

func TestParseISSN(t *testing.T) {
	valid := []struct{ in, want string }{
		{"1741-4857", "1741-4857"}, // the ISSN of ORCID's peer-review samples
		{"0953-1513", "0953-1513"},
		{"03785955", "0378-5955"},
		{"2049-3630", "2049-3630"},
		{"0000-0019", "0000-0019"},
		{"1050-124x", "1050-124X"}, // check character X, lower case
		{"1050-124X", "1050-124X"},
		{"1050 - 124X", "1050-124X"},
		{"1050–124X", "1050-124X"}, // en dash, which ORCID's pattern allows
		{"ISSN 1741-4857", "1741-4857"},
		{" 1741-4857 ", "1741-4857"},
	}
	for _, c := range valid {
		got, err := ParseISSN(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseISSN(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
		if !ValidISSN(c.in) {
			t.Errorf("ValidISSN(%q) = false", c.in)
		}
	}
	invalid := []string{
		"", "1234-5678", "1741-4858", "1050-1240", "174-14857", "1741-485", "1741-48577",
		"X741-4857", "1741--4857", "1741-4857a", "abcd-efgh",
	}
	for _, in := range invalid {
		if got, err := ParseISSN(in); !errors.Is(err, ErrInvalidISSN) {
			t.Errorf("ParseISSN(%q) = %q, %v; want ErrInvalidISSN", in, got, err)
		}
		if ValidISSN(in) {
			t.Errorf("ValidISSN(%q) = true", in)
		}
	}
}
