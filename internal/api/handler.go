package api

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/time/rate"

	"github.com/orcidlink/orcidlink/internal/store"
)

// call is one authenticated request, as a handler sees it.
type call struct {
	ctx    context.Context
	r      *http.Request
	key    store.APIKey
	tenant int64  // the key's tenant: every query is scoped by it
	body   []byte // the request body, read whole (bounded by MaxBody)
	// upload is the body of an upload route (Route.upload), unread and
	// bounded by MaxUpload; uploadHash is its SHA-256 when it was spooled
	// to disk to be hashed for an Idempotency-Key.
	upload     io.Reader
	uploadHash []byte
}

// actor names the key in the audit trail and invitations.
func (c *call) actor() string { return "api_key:" + strconv.FormatInt(c.key.ID, 10) }

// reply is a handler's answer: status, a body to encode as JSON (nil for
// none) and, for a created resource, its Location under /api/v1.
type reply struct {
	status   int
	body     any
	location string
	// write, when set, writes a body that is not JSON (a CSV file, say)
	// of contentType instead of body, streamed; filename names it for
	// downloads.
	write       func(io.Writer) error
	contentType string
	filename    string
}

func ok(body any) (reply, error) { return reply{status: http.StatusOK, body: body}, nil }
func created(loc string, body any) (reply, error) {
	return reply{status: http.StatusCreated, body: body, location: Prefix + loc}, nil
}

// wrap turns a route into an http.Handler: authentication, rate limit,
// body limit, idempotency, then the handler, and its error as a problem.
func (s *Server) wrap(rt Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rt.public {
			res, err := rt.handle(&call{ctx: r.Context(), r: r})
			s.finish(w, r, res, err)
			return
		}
		key, ok := s.authenticate(w, r)
		if !ok {
			return
		}
		if !s.allow(w, r, key) {
			return
		}
		c := &call{ctx: r.Context(), r: r, key: key, tenant: key.TenantID}
		if rt.upload {
			cleanup, p := s.openUpload(w, r, c)
			if p != nil {
				s.writeProblem(w, r, p)
				return
			}
			defer cleanup()
		} else if r.Method == http.MethodPost || r.Method == http.MethodPut || r.Method == http.MethodPatch {
			body, p := s.readBody(w, r, rt.Op.Body != "")
			if p != nil {
				s.writeProblem(w, r, p)
				return
			}
			c.body = body
		}
		if r.Method == http.MethodPost {
			if k := r.Header.Get("Idempotency-Key"); k != "" {
				s.idempotent(w, r, c, k, rt)
				return
			}
		}
		res, err := rt.handle(c)
		s.finish(w, r, res, err)
	})
}

// authenticate finds the key of "Authorization: Bearer KEY", or answers
// 401 (the same answer for a missing, unknown or revoked key).
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (store.APIKey, bool) {
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	var key store.APIKey
	err := store.ErrNotFound
	if strings.EqualFold(scheme, "Bearer") && token != "" {
		key, err = s.st.APIKeyByKey(r.Context(), token)
	}
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			s.fail(w, r, err)
			return store.APIKey{}, false
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="orcidlink"`)
		s.writeProblem(w, r, &Problem{Type: typeUnauthorized, Title: "Unauthorized", Status: http.StatusUnauthorized,
			Detail: "Send a valid, unrevoked API key as Authorization: Bearer KEY."})
		return store.APIKey{}, false
	}
	now := s.now()
	if key.LastUsedAt.IsZero() || now.Sub(key.LastUsedAt) >= touchEvery {
		if err := s.st.TouchAPIKey(r.Context(), key.ID, now, touchEvery); err != nil {
			// Bookkeeping: the request goes on.
			s.log.WarnContext(r.Context(), "api: record last use of key", "key", key.ID, "err", err)
		}
	}
	return key, true
}

// allow spends one request of the key's budget, or answers 429 with
// Retry-After.
func (s *Server) allow(w http.ResponseWriter, r *http.Request, key store.APIKey) bool {
	s.mu.Lock()
	lim, ok := s.limiters[key.ID]
	if !ok {
		lim = rate.NewLimiter(rate.Limit(s.cfg.Rate), s.cfg.Burst)
		s.limiters[key.ID] = lim
	}
	s.mu.Unlock()
	now := s.now()
	res := lim.ReserveN(now, 1)
	delay := res.DelayFrom(now)
	if res.OK() && delay == 0 {
		return true
	}
	res.CancelAt(now)
	secs := int(math.Ceil(delay.Seconds()))
	if secs < 1 {
		secs = 1
	}
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	s.writeProblem(w, r, &Problem{Type: typeRateLimited, Title: "Too many requests", Status: http.StatusTooManyRequests,
		Detail: fmt.Sprintf("This API key may make %g requests per second (bursts of %d); retry after %d s.", s.cfg.Rate, s.cfg.Burst, secs)})
	return false
}

// readBody reads a request body up to MaxBody; a body must be JSON when
// the route takes one.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request, wantsBody bool) ([]byte, *Problem) {
	if wantsBody && r.ContentLength != 0 {
		if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil ||
			(mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return nil, &Problem{Type: typeUnsupportedCT, Title: "Unsupported media type", Status: http.StatusUnsupportedMediaType,
				Detail: "Send the body as application/json."}
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBody))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, &Problem{Type: typeTooLarge, Title: "Body too large", Status: http.StatusRequestEntityTooLarge,
			Detail: fmt.Sprintf("A request body may have at most %d bytes.", s.cfg.MaxBody)}
	case err != nil:
		return nil, &Problem{Type: typeMalformed, Title: "Malformed request", Status: http.StatusBadRequest,
			Detail: "The request body could not be read."}
	}
	return body, nil
}

// idempotent runs a POST with an Idempotency-Key: the first request with
// the key runs and its answer is kept; a replay with the same method, path
// and body gets that answer back and runs nothing; the same key with
// another request is a 422; a replay while the first still runs is a 409
// (until idempotencyInFlight has passed: then the first is taken for dead
// and the replay runs). Answers are kept sealed: they may hold a secret.
func (s *Server) idempotent(w http.ResponseWriter, r *http.Request, c *call, key string, rt Route) {
	if len(key) > 255 {
		s.writeProblem(w, r, invalid("The Idempotency-Key header has at most 255 characters."))
		return
	}
	h := sha256.New()
	h.Write([]byte(r.Method + " " + r.URL.RequestURI() + "\n"))
	h.Write(c.body)
	h.Write(c.uploadHash)
	hash := h.Sum(nil)
	prev, first, err := s.st.BeginIdempotent(c.ctx, store.IdempotentRequest{APIKeyID: c.key.ID, Key: key, RequestHash: hash,
		InFlightLease: idempotencyInFlight})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !first {
		switch {
		case !prev.SameRequest(hash):
			s.writeProblem(w, r, &Problem{Type: typeIdemMismatch, Title: "Idempotency-Key reused", Status: http.StatusUnprocessableEntity,
				Detail: "This Idempotency-Key was used for another request; use a new key for a new request."})
		case !prev.Done():
			w.Header().Set("Retry-After", "1")
			s.writeProblem(w, r, &Problem{Type: typeIdemInFlight, Title: "Request in progress", Status: http.StatusConflict,
				Detail: "The first request with this Idempotency-Key is still running; retry shortly."})
		default:
			if prev.Location != "" {
				w.Header().Set("Location", prev.Location)
			}
			w.Header().Set("Idempotent-Replayed", "true")
			writeBody(w, prev.Status, prev.ContentType, prev.Body)
		}
		return
	}
	res, err := s.handleClaimed(c, key, rt)
	status, ct, body, loc := s.render(r, res, err)
	if status >= 500 {
		// Our failure: the client's retry with the same key runs again.
		if aerr := s.st.AbandonIdempotent(context.WithoutCancel(c.ctx), c.key.ID, key); aerr != nil {
			s.log.ErrorContext(r.Context(), "api: abandon idempotency key", "key", c.key.ID, "err", aerr)
		}
	} else if ferr := s.st.FinishIdempotent(context.WithoutCancel(c.ctx), store.IdempotentRequest{APIKeyID: c.key.ID, Key: key,
		Status: status, ContentType: ct, Location: loc, Body: body}); ferr != nil {
		s.log.ErrorContext(r.Context(), "api: store idempotent answer", "key", c.key.ID, "err", ferr)
	}
	if loc != "" {
		w.Header().Set("Location", loc)
	}
	writeBody(w, status, ct, body)
}

// idempotencyInFlight is how long the claim of a first request with an
// Idempotency-Key lasts without an answer. A retry meanwhile is told the
// request is still running (409, Retry-After); a claim this old belongs to
// a process killed mid-request, and the same request sent again runs
// again. It is far longer than any request takes.
const idempotencyInFlight = 10 * time.Minute

// handleClaimed runs the first request with an Idempotency-Key. Should
// the handler panic, the claim is given up before the panic goes on (the
// server answers 500), so that the client's retry runs again instead of
// being told it is still running.
func (s *Server) handleClaimed(c *call, key string, rt Route) (reply, error) {
	defer func() {
		if v := recover(); v != nil {
			if err := s.st.AbandonIdempotent(context.WithoutCancel(c.ctx), c.key.ID, key); err != nil {
				s.log.ErrorContext(c.ctx, "api: abandon idempotency key", "key", c.key.ID, "err", err)
			}
			panic(v)
		}
	}()
	return rt.handle(c)
}

// finish writes a handler's answer or its error.
func (s *Server) finish(w http.ResponseWriter, r *http.Request, res reply, err error) {
	if err == nil && res.write != nil {
		s.stream(w, r, res)
		return
	}
	status, ct, body, loc := s.render(r, res, err)
	if loc != "" {
		w.Header().Set("Location", loc)
	}
	writeBody(w, status, ct, body)
}

// render encodes an answer or an error (logged when unexpected).
func (s *Server) render(r *http.Request, res reply, err error) (status int, contentType string, body []byte, location string) {
	if err == nil && res.write != nil {
		var buf bytes.Buffer
		if err = res.write(&buf); err == nil {
			return cmp.Or(res.status, http.StatusOK), res.contentType, buf.Bytes(), res.location
		}
	}
	if err == nil && res.body != nil {
		body, err = json.Marshal(res.body)
	}
	if err != nil {
		p, log := problemFor(err)
		if log {
			s.log.ErrorContext(r.Context(), "api: "+r.Method+" "+r.URL.Path, "status", p.Status, "err", err)
		}
		b, _ := json.Marshal(p)
		return p.Status, "application/problem+json", b, ""
	}
	if res.status == 0 {
		res.status = http.StatusOK
	}
	return res.status, "application/json", body, res.location
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, ct, body, _ := s.render(r, reply{}, err)
	writeBody(w, status, ct, body)
}

// decode reads the request body into v, refusing unknown fields and
// trailing data; errors are field-level problems under base (a JSON
// pointer prefix).
func decode(body []byte, base string, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return &Problem{Type: typeMalformed, Title: "Malformed request", Status: http.StatusBadRequest,
			Detail: "The request needs a JSON body."}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("data after the JSON value")
	}
	if err == nil {
		return nil
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return &Problem{Type: typeMalformed, Title: "Malformed request", Status: http.StatusBadRequest,
			Detail: fmt.Sprintf("The body is not JSON: %v (at byte %d).", syn, syn.Offset)}
	case errors.As(err, &typ):
		ptr := base
		if typ.Field != "" {
			ptr += "/" + strings.ReplaceAll(escapePointer(typ.Field), ".", "/")
		}
		return invalid("A field has the wrong type.", FieldError{Pointer: ptr, Detail: "must be " + jsonKind(typ.Type.Kind().String())})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// The one error read from its text: encoding/json reports an
		// unknown field (DisallowUnknownFields) as a plain error naming
		// it, with no type to match.
		name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		name = shownName(name)
		return invalid("The body has a field this operation does not know.", FieldError{Pointer: base + "/" + escapePointer(name),
			Detail: "unknown field"})
	}
	return &Problem{Type: typeMalformed, Title: "Malformed request", Status: http.StatusBadRequest,
		Detail: "The body could not be read as JSON: " + err.Error()}
}

// shownName is a client's field name as a problem may echo it: valid
// UTF-8 (invalid bytes become U+FFFD) and at most 64 bytes, cut at a
// character boundary, so that a problem never carries what the client
// sent unbounded or undecodable.
func shownName(name string) string {
	const limit = 64
	name = strings.ToValidUTF8(name, "\uFFFD")
	if len(name) <= limit {
		return name
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(name[cut]) {
		cut--
	}
	return name[:cut] + "…"
}

func jsonKind(goKind string) string {
	switch {
	case strings.HasPrefix(goKind, "int"), strings.HasPrefix(goKind, "uint"), strings.HasPrefix(goKind, "float"):
		return "a number"
	case goKind == "string":
		return "a string"
	case goKind == "bool":
		return "true or false"
	case goKind == "slice", goKind == "array":
		return "an array"
	}
	return "an object"
}
