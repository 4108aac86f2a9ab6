package store

import (
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Errors callers branch on. Every error the store returns wraps at most one
// of them, with context; none is ever replaced by a nil result.
var (
	// ErrNotFound: no such row, or not in the tenant asked about.
	ErrNotFound = errors.New("not found")
	// ErrConflict: the change would break a uniqueness rule (a slug, an
	// email, an iD connected to another person) or remove a row that
	// others still refer to.
	ErrConflict = errors.New("conflict")
	// ErrInvalid: the input breaks a rule the store checks before writing
	// (a malformed slug, unknown state, JSON that does not parse).
	ErrInvalid = errors.New("invalid")

	// ConsumeState's refusals, besides ErrNotFound for a state never issued.
	ErrStateReplayed     = errors.New("OAuth state already used")
	ErrStateExpired      = errors.New("OAuth state expired")
	ErrStateWrongSession = errors.New("OAuth state belongs to another browser session")
)

// LinkConflictError says that an iD is already connected to another person
// of the tenant. It matches ErrConflict.
type LinkConflictError struct {
	TenantID      int64
	ORCIDURI      string
	OtherPersonID int64 // 0 when the other claim won a race and is not known
}

func (e *LinkConflictError) Error() string {
	if e.OtherPersonID == 0 {
		return fmt.Sprintf("iD %s is already connected to another person of tenant %d", e.ORCIDURI, e.TenantID)
	}
	return fmt.Sprintf("iD %s is already connected to person %d of tenant %d", e.ORCIDURI, e.OtherPersonID, e.TenantID)
}

// Is makes errors.Is(err, ErrConflict) true.
func (e *LinkConflictError) Is(target error) bool { return target == ErrConflict }

// violation classifies a driver error: a broken unique rule or foreign key,
// on either engine, by its code rather than its message.
type violation int

const (
	noViolation violation = iota
	uniqueViolation
	foreignKeyViolation
)

// classify also returns the constraint's name when the driver gives it
// apart from the message.
func classify(err error) (violation, string) {
	var se *sqlite.Error
	if errors.As(err, &se) {
		// modernc turns on extended result codes, so the constraint kind
		// is in the code itself.
		switch se.Code() {
		// Its message names the index or columns already.
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return uniqueViolation, ""
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return foreignKeyViolation, ""
		}
		return noViolation, ""
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505": // unique_violation
			return uniqueViolation, pe.ConstraintName
		case "23503": // foreign_key_violation
			return foreignKeyViolation, pe.ConstraintName
		}
	}
	return noViolation, ""
}

// dbErr maps a driver error to the store's kinds: a unique violation is
// ErrConflict; a foreign key violation is onFK (ErrNotFound when a write
// names a missing row, ErrConflict when a delete would orphan others).
// The driver error stays in the chain for logs.
func dbErr(err error, onFK error) error {
	v, name := classify(err)
	kind := ErrConflict
	switch v {
	case noViolation:
		return err
	case foreignKeyViolation:
		kind = onFK
	}
	if name == "" {
		return fmt.Errorf("%w: %w", kind, err)
	}
	return fmt.Errorf("%w (%s): %w", kind, name, err)
}

// wrap adds context to a returned error: defer wrap(&err, "create person").
func wrap(err *error, format string, args ...any) {
	if *err != nil {
		*err = fmt.Errorf("store: "+format+": %w", append(args, *err)...)
	}
}

// RefusalError is a refusal whose reason is written for people: a page
// shows Reason as it is, after its own words, and branches on it with
// errors.As rather than cutting a reason out of an error's text (which
// carries the context of every layer). It matches Kind (ErrConflict,
// ErrInvalid).
type RefusalError struct {
	Kind   error
	Reason string // "the batch is imported", without a full stop
}

func (e *RefusalError) Error() string { return e.Kind.Error() + ": " + e.Reason }

// Unwrap makes errors.Is(err, e.Kind) true.
func (e *RefusalError) Unwrap() error { return e.Kind }

// Refusal returns a *RefusalError of kind, its reason formatted.
func Refusal(kind error, format string, args ...any) error {
	return &RefusalError{Kind: kind, Reason: fmt.Sprintf(format, args...)}
}

// ReasonOf is the reason for people of why err refused: a RefusalError's,
// or every field's problem of a FieldErrors. ok is false when err carries
// none.
func ReasonOf(err error) (reason string, ok bool) {
	var re *RefusalError
	if errors.As(err, &re) {
		return re.Reason, true
	}
	if fes, ok := AsFieldErrors(err); ok {
		msgs := make([]string, len(fes))
		for i, fe := range fes {
			msgs[i] = fe.Message()
		}
		return strings.Join(msgs, "; "), true
	}
	return "", false
}
