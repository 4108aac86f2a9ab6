// Package password is the one home of orcidlink's password policy: every
// place an administrator's password is set (the account page, accepting an
// invitation, a configured first password) asks Check, and every password
// orcidlink makes up itself (first start, `orcidlink admin reset-password`)
// comes from Generate.
//
// The policy follows NIST SP 800-63B: a minimum length, no composition
// rules, and a refusal of passwords that are common or easily guessed.
// "Common" is not a list kept here: it is zxcvbn's (github.com/trustelem/
// zxcvbn, a port of Dropbox's estimator), which matches a password against
// frequency lists of leaked passwords, English words, names and surnames,
// keyboard walks, repeats, sequences, dates and l33t substitutions, and
// estimates how many guesses an attacker needs (doc/design.md says why this
// library).
package password

import (
	"crypto/rand"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn"
)

const (
	// MinLength is the fewest characters a password may have: length is
	// what makes a password strong, and a few words reach it easily.
	MinLength = 12
	// MaxBytes bounds what is hashed (argon2id takes any length, but a
	// form should not make the server hash megabytes).
	MaxBytes = 1024
	// MinScore is zxcvbn's score a password must reach: 3 is "safely
	// unguessable" (about 10^8 guesses or more), which with argon2id's
	// cost keeps an offline attack on a stolen database out of reach.
	MinScore = 3
	// estimateRunes is how much of a password zxcvbn looks at: its
	// matching grows faster than linearly with length (400 characters
	// take most of a second), and its authors advise a limit of about 100.
	estimateRunes = 100
)

// Problem is why a password is refused, in words for the person choosing it.
type Problem struct{ msg string }

func (p *Problem) Error() string { return p.msg }

// Refused reports whether err is a Problem, as opposed to a failure.
func Refused(err error) bool {
	var p *Problem
	return errors.As(err, &p)
}

// Check returns nil for a password the policy accepts, or a *Problem that
// says why not. userInputs are words the password must not be built from:
// the person's email and name, the site's name; they count as guessed
// first, as an attacker who knows whose account it is would try them.
func Check(password string, userInputs ...string) error {
	n := utf8.RuneCountInString(password)
	switch {
	case n < MinLength:
		return &Problem{"Use at least 12 characters: a few words make a good password."}
	case len(password) > MaxBytes:
		return &Problem{"Use at most 1024 bytes."}
	case !utf8.ValidString(password):
		return &Problem{"This password has bytes that are not text."}
	}
	inputs := []string{"orcidlink", "orcid", "admin", "administrator"}
	for _, in := range userInputs {
		in = strings.ToLower(strings.TrimSpace(in))
		if in == "" {
			continue
		}
		inputs = append(inputs, in)
		if local, _, ok := strings.Cut(in, "@"); ok {
			inputs = append(inputs, local)
		}
		// An email counts by its parts too: "ana.garcia", "ana", "garcia",
		// "journal" and "example" from ana.garcia@journal.example.org.
		inputs = append(inputs, strings.FieldsFunc(in, func(r rune) bool {
			return r == '@' || r == '.' || r == '-' || r == '_' || r == '+' || r == ' '
		})...)
	}
	if score(password, inputs) < MinScore {
		return &Problem{"This password is too common or too easy to guess (a known password, words with obvious changes, " +
			"a keyboard pattern, a repeat or your own name or address). A few unrelated words make a good one."}
	}
	return nil
}

func score(password string, inputs []string) int {
	if utf8.RuneCountInString(password) > estimateRunes {
		r := []rune(password)
		password = string(r[:estimateRunes])
	}
	return zxcvbn.PasswordStrength(password, inputs).Score
}

// generatedAlphabet has no look-alike characters (0/O, 1/l/I), so that a
// printed password is typed right the first time.
const generatedAlphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// Generate returns a new random password of 20 characters from a
// 57-character alphabet: about 116 bits, far past what Check asks. It is
// grouped by dashes for reading aloud or typing from a screen.
func Generate() string {
	var b strings.Builder
	for i := range 20 {
		if i > 0 && i%5 == 0 {
			b.WriteByte('-')
		}
		b.WriteByte(generatedAlphabet[randIndex(len(generatedAlphabet))])
	}
	return b.String()
}

// randIndex is uniform in [0, n): bytes past the largest multiple of n
// are drawn again, so that no character is likelier than another.
func randIndex(n int) int {
	limit := 256 - 256%n
	var b [1]byte
	for {
		_, _ = rand.Read(b[:]) // crypto/rand does not fail on supported platforms
		if int(b[0]) < limit {
			return int(b[0]) % n
		}
	}
}
