package password_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/password"
)

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name, password string
		inputs         []string
		ok             bool
	}{
		{"short", "Xq7#vB2!", nil, false},
		{"eleven characters", "kT9vQm2xLwB", nil, false},
		{"common with digits", "password1234", nil, false},
		{"digits in a row", "123456789012", nil, false},
		{"common phrase", "iloveyou12345", nil, false},
		{"keyboard walk", "qwertyuiopasdf", nil, false},
		{"l33t of a common word, doubled", "Passw0rd!Passw0rd!", nil, false},
		{"repeat", strings.Repeat("a", 40), nil, false},
		{"the site's name", "orcidlink2024!", nil, false},
		{"the person's own address", "ana.garcia2024", []string{"ana.garcia@journal.example.org"}, false},
		{"too long", strings.Repeat("correct horse battery staple ", 40), nil, false},
		{"not text", "correct horse \xff battery", nil, false},
		{"a few unrelated words", "horse staple blanket ocean", nil, true},
		{"a phrase of its own", "the journal's tea kettle hums", nil, true},
		{"random", "7f3a9c2e1b4d8a6f0e2c", nil, true},
		{"long, strong start", "vivid-marble-anchor-" + strings.Repeat("x", 500), nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := password.Check(tc.password, tc.inputs...)
			if (err == nil) != tc.ok {
				t.Fatalf("Check(%.40q) = %v, want ok %v", tc.password, err, tc.ok)
			}
			if err != nil && (!password.Refused(err) || err.Error() == "") {
				t.Fatalf("a refusal is not a Problem with words: %#v", err)
			}
		})
	}
	if password.Refused(errors.New("database down")) {
		t.Error("any error counts as a refusal")
	}
}

// Only the first 100 characters are estimated: a megabyte-long form field
// is refused by length, and 1024 bytes are checked in little time.
func TestCheckIsBoundedInTime(t *testing.T) {
	long := strings.Repeat("ab1!", password.MaxBytes/4)
	start := time.Now()
	_ = password.Check(long)
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("checking %d bytes took %v", len(long), d)
	}
}

func TestGenerate(t *testing.T) {
	seen := map[string]bool{}
	for range 50 {
		p := password.Generate()
		if err := password.Check(p); err != nil {
			t.Fatalf("generated %q is refused: %v", p, err)
		}
		if len(p) != 23 || strings.ContainsAny(p, "0O1lI") {
			t.Fatalf("generated %q: want 20 characters in 4 groups, none of them look-alikes", p)
		}
		if seen[p] {
			t.Fatalf("generated %q twice", p)
		}
		seen[p] = true
	}
}
