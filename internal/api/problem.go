package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/orcidlink/orcidlink/internal/connect"
	"github.com/orcidlink/orcidlink/internal/journal"
	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
)

// Problem is an RFC 9457 problem document: every error the API returns.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	// Errors lists each invalid input: a JSON pointer into the request
	// body, or the name of a query parameter, and what is wrong with it.
	Errors []FieldError `json:"errors,omitempty"`
}

// FieldError is one invalid input of a request.
type FieldError struct {
	Pointer   string `json:"pointer,omitempty"`   // RFC 6901, into the body
	Parameter string `json:"parameter,omitempty"` // a query parameter
	Detail    string `json:"detail"`
}

func (p *Problem) Error() string { return p.Title + ": " + p.Detail }

// Problem types. Clients branch on them (doc/api.md lists them).
const (
	typePrefix        = "urn:orcidlink:problem:"
	typeInvalid       = typePrefix + "invalid-input"
	typeMalformed     = typePrefix + "malformed-request"
	typeTooLarge      = typePrefix + "body-too-large"
	typeUnauthorized  = typePrefix + "unauthorized"
	typeRateLimited   = typePrefix + "rate-limited"
	typeNotFound      = typePrefix + "not-found"
	typeMethod        = typePrefix + "method-not-allowed"
	typeConflict      = typePrefix + "conflict"
	typeAlreadyConn   = typePrefix + "already-connected"
	typeNotConnected  = typePrefix + "not-connected"
	typeIdemMismatch  = typePrefix + "idempotency-key-reused"
	typeIdemInFlight  = typePrefix + "idempotency-key-in-use"
	typeORCID         = typePrefix + "orcid-unavailable"
	typeInternal      = typePrefix + "internal"
	typeUnsupportedCT = typePrefix + "unsupported-media-type"
)

// invalid is a 422 with one problem per field.
func invalid(detail string, errs ...FieldError) *Problem {
	return &Problem{Type: typeInvalid, Title: "Invalid input", Status: http.StatusUnprocessableEntity, Detail: detail, Errors: errs}
}

// fieldErrors collects what is wrong with a request's fields.
type fieldErrors []FieldError

func (f *fieldErrors) body(pointer, detail string) {
	*f = append(*f, FieldError{Pointer: pointer, Detail: detail})
}

func (f *fieldErrors) param(name, detail string) {
	*f = append(*f, FieldError{Parameter: name, Detail: detail})
}

// err is nil or the 422 with every problem.
func (f fieldErrors) err() error {
	if len(f) == 0 {
		return nil
	}
	return invalid("The request has invalid fields; each is listed in errors.", f...)
}

// publicError gives an error a detail safe to show the client: the
// underlying error (wrapping a store sentinel, say) may carry SQL or ids.
type publicError struct {
	detail string
	err    error
}

func (e *publicError) Error() string { return e.detail + ": " + e.err.Error() }
func (e *publicError) Unwrap() error { return e.err }

// withDetail attaches a client-facing detail to err (nil stays nil).
func withDetail(err error, detail string) error {
	if err == nil {
		return nil
	}
	return &publicError{detail: detail, err: err}
}

// conflictDetail is withDetail for a conflict only; other errors keep
// their own words.
func conflictDetail(err error, detail string) error {
	if errors.Is(err, store.ErrConflict) {
		return withDetail(err, detail)
	}
	return err
}

// itemPointer says where an ORCID item sits in the request body, so that
// orcid.Validate's fields become JSON pointers into it.
type itemPointer struct {
	base string
	err  error
}

func (e *itemPointer) Error() string { return e.err.Error() }
func (e *itemPointer) Unwrap() error { return e.err }

// problemFor is the one place that chooses an error's status and words.
// Unexpected errors become a 500 without detail (the log has them); log
// reports whether to log err.
func problemFor(err error) (p *Problem, log bool) {
	var detail string
	var pe *publicError
	if errors.As(err, &pe) {
		detail = pe.detail
	}
	var prob *Problem
	var ve *orcid.ValidationError
	var tooBig *http.MaxBytesError
	var jps journal.Problems
	fes, isField := store.AsFieldErrors(err)
	switch {
	case errors.As(err, &prob):
		return prob, false
	case errors.As(err, &jps):
		// The journal's rules (articles, editors), field by
		// field: its names are this API's.
		errs := make([]FieldError, len(jps))
		for i, jp := range jps {
			errs[i] = FieldError{Pointer: "/" + jp.Field, Detail: jp.Message}
		}
		return invalid("The request has invalid fields; each is listed in errors.", errs...), false
	case errors.As(err, &tooBig):
		// An upload streamed past its limit while being read.
		return &Problem{Type: typeTooLarge, Title: "Body too large", Status: http.StatusRequestEntityTooLarge,
			Detail: "An uploaded file may have at most " + strconv.FormatInt(tooBig.Limit, 10) + " bytes."}, false
	case errors.As(err, &ve):
		base := ""
		var ip *itemPointer
		if errors.As(err, &ip) {
			base = ip.base
		}
		errs := make([]FieldError, len(ve.Problems))
		for i, vp := range ve.Problems {
			errs[i] = FieldError{Pointer: base + orcidFieldPointer(vp.Field), Detail: vp.Message}
		}
		return invalid("ORCID would refuse this "+string(ve.Kind)+"; each problem is listed in errors.", errs...), false
	case errors.Is(err, journal.ErrNoGroupScope):
		return &Problem{Type: typeConflict, Title: "Conflict", Status: http.StatusConflict,
			Detail: "The review was not recorded: " + journal.ErrNoGroupScope.Error() + "."}, false
	case errors.Is(err, journal.ErrNoReviewConsent):
		return &Problem{Type: typeConflict, Title: "Conflict", Status: http.StatusConflict,
			Detail: "The reviewer asked that their reviews not be added to their ORCID record; nothing was recorded or sent."}, false
	case errors.Is(err, connect.ErrAlreadyConnected):
		return &Problem{Type: typeAlreadyConn, Title: "Already connected", Status: http.StatusConflict,
			Detail: "The person is already connected to ORCID with every permission the tenant asks for."}, false
	case errors.Is(err, connect.ErrNotConnected):
		return &Problem{Type: typeNotConnected, Title: "Not connected", Status: http.StatusConflict,
			Detail: "The person is not connected to ORCID."}, false
	case errors.Is(err, store.ErrNotFound):
		return &Problem{Type: typeNotFound, Title: "Not found", Status: http.StatusNotFound,
			Detail: or(detail, "There is no such resource.")}, false
	case errors.Is(err, store.ErrConflict):
		return &Problem{Type: typeConflict, Title: "Conflict", Status: http.StatusConflict,
			Detail: or(detail, "The change conflicts with an existing resource.")}, false
	case isField:
		// The store's rules, field by field (store.CheckPerson and the
		// like, the same for every door): its names are this API's.
		errs := make([]FieldError, len(fes))
		for i, fe := range fes {
			errs[i] = FieldError{Pointer: "/" + fe.Field, Detail: fe.Message()}
		}
		return invalid("The request has invalid fields; each is listed in errors.", errs...), false
	case errors.Is(err, store.ErrInvalid):
		return invalid(or(detail, "The request is not valid.")), false
	case errors.Is(err, connect.ErrORCID), errors.Is(err, orcid.ErrTemporary), errors.Is(err, orcid.ErrRateLimited):
		return &Problem{Type: typeORCID, Title: "ORCID unavailable", Status: http.StatusBadGateway,
			Detail: "ORCID could not be reached or did not answer as expected; try again later."}, true
	}
	return &Problem{Type: typeInternal, Title: "Internal error", Status: http.StatusInternalServerError,
		Detail: "Something went wrong on our side; the server log has the details."}, true
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// orcidFieldPointer turns orcid.Validate's field names
// ("external-ids.external-id[0].external-id-value") into a JSON pointer
// ("/external-ids/external-id/0/external-id-value").
func orcidFieldPointer(field string) string {
	if field == "" {
		return ""
	}
	var b strings.Builder
	for _, part := range strings.Split(field, ".") {
		name, rest, _ := strings.Cut(part, "[")
		b.WriteString("/" + escapePointer(name))
		for rest != "" {
			idx, after, _ := strings.Cut(rest, "]")
			b.WriteString("/" + idx)
			_, rest, _ = strings.Cut(after, "[")
		}
	}
	return b.String()
}

func escapePointer(s string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}

// writeProblem writes a problem document.
func (s *Server) writeProblem(w http.ResponseWriter, r *http.Request, p *Problem) {
	b, _ := json.Marshal(p) // plain strings and ints
	writeBody(w, p.Status, "application/problem+json", b)
}

// writeBody writes a JSON body; API answers are never cached.
func writeBody(w http.ResponseWriter, status int, contentType string, body []byte) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	if len(body) > 0 {
		h.Set("Content-Type", contentType)
		h.Set("Content-Length", strconv.Itoa(len(body)))
	}
	w.WriteHeader(status)
	w.Write(body)
}
