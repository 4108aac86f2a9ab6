package store_test

import (
	"errors"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/orcidlink/orcidlink/internal/store"
)

func TestCheckText(t *testing.T) {
	cases := []struct {
		value     string
		multiline bool
		bad       bool
	}{
		{"Ada Lovelace", false, false},
		{"José Núñez-O'Brien 李小龍 محمد", false, false},
		{"", false, false},
		{"A\x00B", false, true},
		{"A\x00B", true, true},
		{"tab\there", false, true},
		{"tab\there", true, false},
		{"two\nlines\r\n", true, false},
		{"two\nlines", false, true},
		{"bell\a", true, true},
		{"esc\x1b[2J", true, true},
		{"del\x7f", false, true},
		{"next line\u0085", true, true},
		{"line separator\u2028", true, true},
		{"not UTF-8 \xff", false, true},
		{"zero\u200bwidth", false, false}, // a format character, not a control one
	}
	for _, tc := range cases {
		err := store.CheckText("given_names", tc.value, tc.multiline)
		fe, isField := store.AsFieldError(err)
		switch {
		case !tc.bad && err != nil:
			t.Errorf("%q (multiline %v): %v", tc.value, tc.multiline, err)
		case tc.bad && (!isField || fe.Field != "given_names" || !errors.Is(err, store.ErrInvalid)):
			t.Errorf("%q (multiline %v): err = %v, want a FieldError for given_names", tc.value, tc.multiline, err)
		}
	}
}

// FuzzCheckText: CheckText refuses exactly the strings that are not
// UTF-8 or hold a control character the kind of text may not, and says
// which field.
func FuzzCheckText(f *testing.F) {
	for _, s := range []string{"Ada", "A\x00B", "a\tb", "a\nb\r\n", "\x1b[31m", "\u0085\u2028\u2029", "\xff\xfe", "李"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, multiline bool) {
		bad := !utf8.ValidString(s)
		for _, r := range s {
			if (unicode.IsControl(r) || r == '\u2028' || r == '\u2029') && !(multiline && (r == '\n' || r == '\r' || r == '\t')) {
				bad = true
			}
		}
		err := store.CheckText("f", s, multiline)
		fe, isField := store.AsFieldError(err)
		if bad != (err != nil) || (bad && (!isField || fe.Field != "f" || !errors.Is(err, store.ErrInvalid))) {
			t.Fatalf("CheckText(%q, %v) = %v, want refused %v", s, multiline, err, bad)
		}
		if r, found := store.ControlCharacter(s, multiline); found && !unicode.IsControl(r) && r != '\u2028' && r != '\u2029' {
			t.Fatalf("ControlCharacter(%q) = %U, not a control character", s, r)
		}
	})
}
