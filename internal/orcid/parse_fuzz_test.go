package orcid

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// The identifier parsers read what tenants and strangers type. Each fuzz
// target checks that a parser never panics, that what it accepts is
// canonical (parsing it again, or a form people write it in, gives it
// back), and that its output is bounded by its input.

var issnForm = regexp.MustCompile(`^\d{4}-\d{3}[\dX]$`)

func FuzzParseDOI(f *testing.F) {
	for _, s := range []string{"10.1234/x", "doi:10.1234/x", "DOI 10.1234/x", "https://doi.org/10.1234/x",
		"http://dx.doi.org/10.1234%2Fx", "https://doi.org/%zz", "10.12/x", " 10.1000.1/a b", "doi.org/10.5555/12345678", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		doi, err := ParseDOI(s)
		if err != nil {
			return
		}
		if len(doi) > len(s) || !strings.HasPrefix(doi, "10.") {
			t.Fatalf("ParseDOI(%q) = %q: longer than its input, or not 10.…", s, doi)
		}
		forms := []string{doi, "doi:" + doi, " DOI " + doi + " "}
		if !strings.Contains(doi, "%") { // the URL form unescapes
			forms = append(forms, DOIURL(doi))
		}
		for _, again := range forms {
			if d, err := ParseDOI(again); err != nil || d != doi {
				t.Fatalf("ParseDOI(%q) = %q, but ParseDOI(%q) = %q, %v", s, doi, again, d, err)
			}
		}
	})
}

func FuzzParseISSN(f *testing.F) {
	for _, s := range []string{"0317-8471", "0317847x", "ISSN 0378-5955", "1234 - 567X", "2049–3630", "issn:0317-8471",
		"0317-8472", "12345678", "", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		issn, err := ParseISSN(s)
		if err != nil {
			return
		}
		if !issnForm.MatchString(issn) {
			t.Fatalf("ParseISSN(%q) = %q, not 1234-567X", s, issn)
		}
		for _, again := range []string{issn, strings.ReplaceAll(issn, "-", ""), "ISSN " + issn, strings.ToLower(issn)} {
			if i, err := ParseISSN(again); err != nil || i != issn {
				t.Fatalf("ParseISSN(%q) = %q, but ParseISSN(%q) = %q, %v", s, issn, again, i, err)
			}
		}
		if n, ok := NormalizeExternalID("issn", s); !ok || n != issn {
			t.Fatalf("ParseISSN(%q) = %q, but ORCID's normaliser gives %q, %v", s, issn, n, ok)
		}
	})
}

func FuzzParseROR(f *testing.F) {
	for _, s := range []string{"https://ror.org/05gq02987", "05gq02987", "http://www.ror.org/05GQ02987/", "ror.org/05gq02987",
		"https://ror.org/05gq02988", "0abcdefgh", "", "https://"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ror, err := ParseROR(s)
		if err != nil {
			return
		}
		if len(ror) != len(RORPrefix)+9 || !IsCanonicalROR(ror) {
			t.Fatalf("ParseROR(%q) = %q, not canonical", s, ror)
		}
		bare := strings.TrimPrefix(ror, RORPrefix)
		for _, again := range []string{ror, bare, strings.ToUpper(bare), "http://www.ror.org/" + bare + "/"} {
			if r, err := ParseROR(again); err != nil || r != ror {
				t.Fatalf("ParseROR(%q) = %q, but ParseROR(%q) = %q, %v", s, ror, again, r, err)
			}
		}
	})
}

// FuzzNormalizeExternalID runs ORCID's normalisation of every identifier
// type on any value: it never panics, its output is UTF-8 when its input
// is and bounded by it, and normalising a normalised value changes
// nothing (ORCID compares normalised values for duplicates, so a second
// pass that moved would make one work two).
func FuzzNormalizeExternalID(f *testing.F) {
	names := IdentifierTypeNames()
	for _, v := range []string{"10.1234/ABC", "https://doi.org/10.1234/x&amp;amp;y", "978-0-306-40615-7", "0317-847x",
		"arXiv:1501.00001v2", "PMC1234567", "pubmed/123456", "RRID:AB_123456", "2019ApJ...882...12A", "example.org/x",
		"İİİ", "", "\xff"} {
		for i := range names {
			f.Add(uint8(i), v)
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, value string) {
		typ := names[int(which)%len(names)]
		n, ok := NormalizeExternalID(typ, value)
		if ok != (n != "") {
			t.Fatalf("NormalizeExternalID(%s, %q) = %q, %v: ok must say whether it is empty", typ, value, n, ok)
		}
		if !ok {
			return
		}
		// Lower-casing as Java does turns each invalid byte into U+FFFD
		// (three bytes; Java strings hold no invalid UTF-8) and may grow a
		// character (İ to i̇), and uri adds "http://".
		if len(n) > 3*len(value)+len("http://") {
			t.Fatalf("NormalizeExternalID(%s, %q) = %q, far longer than its input", typ, value, n)
		}
		if utf8.ValidString(value) && !utf8.ValidString(n) {
			t.Fatalf("NormalizeExternalID(%s, %q) = %q, not UTF-8", typ, value, n)
		}
		if again, ok := NormalizeExternalID(typ, n); !ok || again != n {
			t.Fatalf("NormalizeExternalID(%s, %q) = %q, but normalising that gives %q, %v", typ, value, n, again, ok)
		}
	})
}
