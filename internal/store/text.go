package store

import (
	"errors"
	"fmt"
	"unicode"
	"unicode/utf8"
)

// FieldError is ErrInvalid about one field, so that each front end (the
// admin UI's forms, the REST API's JSON pointers, batch files' columns)
// can put the problem next to the field it is about.
type FieldError struct {
	Field   string // the REST API's name of the field, e.g. given_names or contributors/2/name
	Problem string // what is wrong, for people: "contains a control character (U+0000)"
	// Kind is which rule the value breaks, for a door that classifies
	// problems (batch files' codes); "" is FieldBadValue.
	Kind FieldKind
}

// FieldKind is the kind of rule a FieldError's value breaks.
type FieldKind string

// The kinds of FieldError.
const (
	FieldRequired FieldKind = "required"  // a value is needed
	FieldTooLong  FieldKind = "too-long"  // longer than the field takes
	FieldBadText  FieldKind = "bad-text"  // not UTF-8, or a control character
	FieldBadValue FieldKind = "bad-value" // not of the form, or not one of the values, the field takes
)

func (e *FieldError) Error() string { return ErrInvalid.Error() + ": " + e.Field + " " + e.Problem }

// Is makes errors.Is(err, ErrInvalid) true.
func (e *FieldError) Is(target error) bool { return target == ErrInvalid }

// AsFieldError returns the FieldError in err's chain, if there is one.
func AsFieldError(err error) (*FieldError, bool) {
	var fe *FieldError
	ok := errors.As(err, &fe)
	return fe, ok
}

// ControlCharacter returns the first control character in s that text of
// its kind may not hold, and whether there is one. Names, references,
// titles and subjects are one line: no control character at all, not even
// a tab. Multi-line text (an abstract, an email's body) may hold newlines,
// carriage returns and tabs, and nothing else.
//
// This is the one rule for control characters, applied by the store to
// everything people type, and by the batch files' checks: PostgreSQL
// refuses NUL in text outright (a 500 rather than a field error), and the
// others have no place in a name and hide in an email header or a record.
func ControlCharacter(s string, multiline bool) (rune, bool) {
	for _, r := range s {
		if !unicode.IsControl(r) && r != '\u2028' && r != '\u2029' {
			continue
		}
		if multiline && (r == '\n' || r == '\r' || r == '\t') {
			continue
		}
		return r, true
	}
	return 0, false
}

// CheckText is the FieldError for field when value is not UTF-8 or holds
// a control character it may not (see ControlCharacter), else nil. Both
// would otherwise reach PostgreSQL, which refuses them with an error that
// says nothing of the field.
func CheckText(field, value string, multiline bool) error {
	if !utf8.ValidString(value) {
		return &FieldError{Field: field, Problem: "is not UTF-8 text", Kind: FieldBadText}
	}
	r, bad := ControlCharacter(value, multiline)
	if !bad {
		return nil
	}
	what := "a control character"
	if !multiline && (r == '\n' || r == '\r' || r == '\u2028' || r == '\u2029') {
		what = "a line break"
	}
	return &FieldError{Field: field, Problem: fmt.Sprintf("contains %s (%U): only printable text is accepted", what, r),
		Kind: FieldBadText}
}

// checkTexts checks one-line fields given as name, value pairs, and
// returns the first problem.
func checkTexts(pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if err := CheckText(pairs[i], pairs[i+1], false); err != nil {
			return err
		}
	}
	return nil
}
