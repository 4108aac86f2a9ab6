package orcid

import (
	"errors"
	"testing"
)

func TestParseID(t *testing.T) {
	tests := []struct {
		in   string
		want ID
		ok   bool
	}{
		{"0000-0002-1825-0097", "0000-0002-1825-0097", true},
		{"https://orcid.org/0000-0002-1825-0097", "0000-0002-1825-0097", true},
		{"http://orcid.org/0000-0002-1825-0097", "0000-0002-1825-0097", true},
		{"https://sandbox.orcid.org/0009-0003-7578-3214", "0009-0003-7578-3214", true},
		{"orcid.org/0000-0001-5109-3700", "0000-0001-5109-3700", true},
		{"HTTPS://ORCID.ORG/0000-0001-5109-3700/", "0000-0001-5109-3700", true},
		{"https://www.orcid.org/0000-0001-5109-3700", "0000-0001-5109-3700", true},
		{"  0000-0002-4325-871x ", "0000-0002-4325-871X", true},
		{"0000-0002-1694-233X", "0000-0002-1694-233X", true},
		{"0000-0002-1825-0098", "", false},                     // wrong check digit
		{"0000-0002-1825-009", "", false},                      // too short
		{"0000000218250097", "", false},                        // no hyphens
		{"0000-0002-1825-0X97", "", false},                     // X not last
		{"https://example.org/0000-0002-1825-0097", "", false}, // foreign host
		{"", "", false},
		{"garbage", "", false},
		{"0000–0002–1825–0097", "", false}, // en dashes
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseID(tc.in)
			if tc.ok {
				if err != nil || got != tc.want {
					t.Fatalf("ParseID(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
				}
				return
			}
			if !errors.Is(err, ErrInvalidID) {
				t.Fatalf("ParseID(%q) = %q, %v; want ErrInvalidID", tc.in, got, err)
			}
		})
	}
}

func TestComputeID(t *testing.T) {
	for base, want := range map[string]ID{
		"0000-0002-1825-009": "0000-0002-1825-0097",
		"0009-0003-7578-321": "0009-0003-7578-3214",
		"0000-0001-5109-370": "0000-0001-5109-3700",
		"000000021694233":    "0000-0002-1694-233X",
	} {
		got, err := ComputeID(base)
		if err != nil || got != want {
			t.Errorf("ComputeID(%q) = %q, %v; want %q", base, got, err, want)
		}
	}
	if _, err := ComputeID("12"); err == nil {
		t.Error("ComputeID accepted a short base")
	}
}

func TestIDURI(t *testing.T) {
	id := ID("0000-0002-1825-0097")
	if got := id.URI(SandboxHost); got != "https://sandbox.orcid.org/0000-0002-1825-0097" {
		t.Fatalf("URI = %q", got)
	}
}

// FuzzParseID checks that parsing never panics and that whatever it accepts
// is canonical: re-parsing the result and its URI gives the same iD.
func FuzzParseID(f *testing.F) {
	for _, s := range []string{"0000-0002-1825-0097", "https://orcid.org/0000-0002-4325-871x", "x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseID(s)
		if err != nil {
			return
		}
		for _, again := range []string{string(id), id.URI(ProductionHost), id.URI(SandboxHost)} {
			if id2, err := ParseID(again); err != nil || id2 != id {
				t.Fatalf("ParseID(%q) = %q but re-parsing %q gave %q, %v", s, id, again, id2, err)
			}
		}
		if base := string(id)[:18]; true {
			if id3, _ := ComputeID(base); id3 != id {
				t.Fatalf("check digit of %q disagrees with ComputeID: %q", id, id3)
			}
		}
	})
}
