package web

import (
	"strings"

	"github.com/orcidlink/orcidlink/internal/store"
)

// adminFormTop is the key of adminFieldErrors for a problem no field of
// the form shows: the top of the form says it.
const adminFormTop = "form"

// adminStoreInvalid puts a store ErrInvalid next to the fields it is about:
// each store.FieldError names its field as the REST API does, which is the
// form's name too unless rename (if not nil) gives another, and says what
// is wrong in the words every door uses (FieldError.Message). Any other
// refusal goes to fallback.
func adminStoreInvalid(errs adminFieldErrors, err error, fallback string, rename func(string) string) {
	fes, ok := store.AsFieldErrors(err)
	if !ok {
		errs.add(fallback, "This was refused: the input is not valid.")
		return
	}
	for _, fe := range fes {
		field := fe.Field
		if rename != nil {
			field = rename(field)
		}
		errs.add(field, adminSentence(fe.Message()))
	}
}

// adminSentence makes a message a sentence: a capital first, a full stop
// last.
func adminSentence(msg string) string {
	if msg == "" {
		return msg
	}
	return strings.ToUpper(msg[:1]) + strings.TrimSuffix(msg[1:], ".") + "."
}

// adminReason is why the store, or a service over it, refused, in its
// words for people (store.ReasonOf), or fallback when err carries none.
func adminReason(err error, fallback string) string {
	if reason, ok := store.ReasonOf(err); ok {
		return reason
	}
	return fallback
}
