package web

import (
	"strings"

	"github.com/orcidlink/orcidlink/internal/store"
)

// adminStoreInvalid puts a store ErrInvalid next to the field it is about:
// a store.FieldError names its field as the REST API does, which is the
// form's name too unless rename (if not nil) gives another; any other
// refusal goes to fallback, in the store's words.
func adminStoreInvalid(errs adminFieldErrors, err error, fallback string, rename func(string) string) {
	fe, ok := store.AsFieldError(err)
	if !ok {
		errs.add(fallback, "This was refused: "+adminStoreReason(err))
		return
	}
	field := fe.Field
	if rename != nil {
		field = rename(field)
	}
	msg := fe.Problem
	if msg != "" {
		msg = strings.ToUpper(msg[:1]) + msg[1:] + "."
	}
	errs.add(field, msg)
}
