package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Seed is the documented seed file: API clients, test researchers,
// organisations and peer-review groups to create at start. Applying the
// same seed twice changes nothing.
type Seed struct {
	Clients     []NewClient     `json:"clients"`
	Researchers []NewResearcher `json:"researchers"`
	// Organizations are the registry's known disambiguated organisations.
	Organizations []Organization `json:"organizations"`
	// Groups are peer-review groups preloaded with the registry as source.
	Groups []NewGroup `json:"groups"`
}

// LoadSeed reads and strictly decodes a seed file, so that a misspelt key is
// an error rather than silently ignored.
func LoadSeed(path string) (Seed, error) {
	var s Seed
	b, err := os.ReadFile(path)
	if err != nil {
		return s, fmt.Errorf("read seed: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return s, fmt.Errorf("seed %s: %w", path, err)
	}
	return s, nil
}

// ApplySeed creates what the seed describes. Clients are created or
// updated; researchers whose iD or email already exists are left as they are.
func (r *Registry) ApplySeed(ctx context.Context, s Seed) error {
	for i, c := range s.Clients {
		if _, err := r.CreateClient(ctx, c, true); err != nil {
			return fmt.Errorf("seed: clients[%d] (%s): %w", i, c.Name, err)
		}
	}
	for i, in := range s.Researchers {
		if in.ORCID != "" {
			if _, err := r.store.Researcher(ctx, in.ORCID); err == nil {
				continue
			}
		}
		if _, err := r.store.ResearcherByEmail(ctx, in.Email); err == nil {
			continue
		}
		if _, err := r.CreateResearcher(ctx, in); err != nil {
			return fmt.Errorf("seed: researchers[%d] (%s): %w", i, in.Email, err)
		}
	}
	for i, o := range s.Organizations {
		if _, err := r.AddOrganization(ctx, o); err != nil {
			return fmt.Errorf("seed: organizations[%d] (%s): %w", i, o.Identifier, err)
		}
	}
	for i, g := range s.Groups {
		if _, err := r.AddGroup(ctx, g); err != nil {
			return fmt.Errorf("seed: groups[%d] (%s): %w", i, g.GroupID, err)
		}
	}
	return nil
}

// Faults is the switchable fault injection that tests use to see how a
// client copes with a misbehaving registry. It applies to the Member and
// Public APIs only, never to the site or OAuth endpoints.
type Faults struct {
	// Shares of API requests answered with that status instead (0..1).
	Rate500 float64 `json:"rate_500"`
	Rate503 float64 `json:"rate_503"`
	Rate429 float64 `json:"rate_429"`
	// Next lists statuses for the next API requests, one each, before the
	// random shares apply: deterministic sequences such as "500 then OK".
	Next []int `json:"next"`
	// RetryAfterSeconds is sent as Retry-After with injected 429 and 503.
	RetryAfterSeconds int `json:"retry_after_seconds"`
	// LatencyMS delays every API response.
	LatencyMS int `json:"latency_ms"`
	// RateLimit and Burst replace the per-client API limits while set.
	RateLimit float64 `json:"rate_limit,omitempty"`
	Burst     int     `json:"burst,omitempty"`
}

func (f Faults) validate() error {
	for _, v := range []float64{f.Rate500, f.Rate503, f.Rate429} {
		if v < 0 || v > 1 {
			return errors.New("rates must be between 0 and 1")
		}
	}
	if f.Rate500+f.Rate503+f.Rate429 > 1 {
		return errors.New("the rates add up to more than 1")
	}
	for _, s := range f.Next {
		if s < 100 || s > 599 {
			return fmt.Errorf("next: %d is not an HTTP status", s)
		}
	}
	if f.LatencyMS < 0 || f.RetryAfterSeconds < 0 || f.RateLimit < 0 || f.Burst < 0 {
		return errors.New("latency, retry-after, rate limit and burst must not be negative")
	}
	return nil
}

type faultState struct {
	mu sync.Mutex
	f  Faults
}

func (s *faultState) get() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.f
	f.Next = append([]int(nil), s.f.Next...)
	return f
}

func (s *faultState) set(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.f = f
}

// draw decides the fate of one request: a status to answer with (0 for
// none) and the latency to add.
func (s *faultState) draw() (status int, retryAfter int, latency time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	latency = time.Duration(s.f.LatencyMS) * time.Millisecond
	if len(s.f.Next) > 0 {
		status, s.f.Next = s.f.Next[0], s.f.Next[1:]
		return status, s.f.RetryAfterSeconds, latency
	}
	x := rand.Float64()
	switch {
	case x < s.f.Rate500:
		status = 500
	case x < s.f.Rate500+s.f.Rate503:
		status = 503
	case x < s.f.Rate500+s.f.Rate503+s.f.Rate429:
		status = 429
	}
	return status, s.f.RetryAfterSeconds, latency
}

// SetFaults replaces the fault configuration (used by tests in-process).
func (r *Registry) SetFaults(f Faults) error {
	if err := f.validate(); err != nil {
		return err
	}
	r.faults.set(f)
	r.limits.configure(f.RateLimit, f.Burst)
	return nil
}

// limiters keeps one limiter per API client. ORCID's proxy queues requests
// over the rate and answers 503 once more than the burst are waiting; a
// token bucket of size one with a bounded wait reproduces that.
type limiters struct {
	mu        sync.Mutex
	defRate   float64
	defBurst  int
	rate      float64
	burst     int
	perClient map[string]*rate.Limiter
}

func newLimiters(r float64, burst int) *limiters {
	return &limiters{defRate: r, defBurst: burst, rate: r, burst: burst, perClient: map[string]*rate.Limiter{}}
}

func (l *limiters) configure(r float64, burst int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if r == 0 {
		r = l.defRate
	}
	if burst == 0 {
		burst = l.defBurst
	}
	l.rate, l.burst = r, burst
	l.perClient = map[string]*rate.Limiter{}
}

// wait admits a request for key, sleeping while it is queued. It reports
// false when the queue is full (the caller answers 503).
func (l *limiters) wait(ctx context.Context, key string) bool {
	l.mu.Lock()
	lim, ok := l.perClient[key]
	if !ok {
		lim = rate.NewLimiter(rate.Limit(l.rate), 1)
		l.perClient[key] = lim
	}
	maxWait := time.Duration(float64(l.burst) / l.rate * float64(time.Second))
	l.mu.Unlock()
	res := lim.Reserve()
	d := res.Delay()
	if d > maxWait {
		res.Cancel()
		return false
	}
	if d == 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		res.Cancel()
		return false
	}
}

// apiGuard applies fault injection and the per-client rate limit in front
// of the Member and Public APIs.
func (r *Registry) apiGuard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		status, retryAfter, latency := r.faults.draw()
		if latency > 0 {
			select {
			case <-time.After(latency):
			case <-req.Context().Done():
				return
			}
		}
		if status != 0 {
			if retryAfter > 0 && (status == 429 || status == 503) {
				w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
			}
			http.Error(w, fmt.Sprintf("%d %s (injected fault)", status, http.StatusText(status)), status)
			return
		}
		if !r.limits.wait(req.Context(), r.rateKey(req)) {
			// What ORCID's proxy answers once the burst is exhausted.
			http.Error(w, "503 Service Temporarily Unavailable", http.StatusServiceUnavailable)
			return
		}
		next.ServeHTTP(w, req)
	})
}

// rateKey is the client a request counts against: the client that owns the
// bearer token, else the caller's address.
func (r *Registry) rateKey(req *http.Request) string {
	if tok, ok := strings.CutPrefix(req.Header.Get("Authorization"), "Bearer "); ok {
		if t, err := r.store.Token(req.Context(), strings.TrimSpace(tok)); err == nil {
			return "client:" + t.ClientID
		}
	}
	host, _, err := net.SplitHostPort(req.RemoteAddr)
	if err != nil {
		host = req.RemoteAddr
	}
	return "ip:" + host
}

// registerControlRoutes serves the emulator's own JSON API, which has no
// counterpart at ORCID: register clients, create researchers, read the
// outbox, switch faults on and off, force a token invalid, register
// organisations and peer-review groups. It is meant for
// tests and demos on a machine you control and has no authentication.
func (r *Registry) registerControlRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /_sandbox/clients", r.ctlListClients)
	mux.HandleFunc("POST /_sandbox/clients", r.ctlCreateClient)
	mux.HandleFunc("PUT /_sandbox/clients/{id}", r.ctlReplaceClient)
	mux.HandleFunc("GET /_sandbox/researchers", r.ctlListResearchers)
	mux.HandleFunc("POST /_sandbox/researchers", r.ctlCreateResearcher)
	mux.HandleFunc("PATCH /_sandbox/researchers/{orcid}", r.ctlUpdateResearcher)
	mux.HandleFunc("PUT /_sandbox/researchers/{orcid}/state", r.ctlSetResearcherState)
	mux.HandleFunc("GET /_sandbox/emails", r.ctlEmails)
	mux.HandleFunc("GET /_sandbox/faults", r.ctlGetFaults)
	mux.HandleFunc("PUT /_sandbox/faults", r.ctlSetFaults)
	mux.HandleFunc("DELETE /_sandbox/faults", r.ctlResetFaults)
	mux.HandleFunc("POST /_sandbox/tokens/invalidate", r.ctlInvalidateToken)
	mux.HandleFunc("GET /_sandbox/organizations", r.ctlListOrganizations)
	mux.HandleFunc("POST /_sandbox/organizations", r.ctlAddOrganization)
	mux.HandleFunc("GET /_sandbox/groups", r.ctlListGroups)
	mux.HandleFunc("POST /_sandbox/groups", r.ctlAddGroup)
}

type ctlError struct {
	Error string      `json:"error"`
	Field *FieldError `json:"field,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func (r *Registry) ctlFail(w http.ResponseWriter, err error) {
	var fe *FieldError
	if errors.As(err, &fe) {
		writeJSON(w, http.StatusBadRequest, ctlError{Error: fe.Error(), Field: fe})
		return
	}
	r.log.Error("sandbox control API", "err", err)
	writeJSON(w, http.StatusInternalServerError, ctlError{Error: "internal error"})
}

func decodeStrict(req *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, req.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return &FieldError{Field: "body", Message: "invalid JSON: " + err.Error()}
	}
	return nil
}

func (r *Registry) ctlListClients(w http.ResponseWriter, req *http.Request) {
	cs, err := r.store.Clients(req.Context())
	if err != nil {
		r.ctlFail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, cs)
}

func (r *Registry) ctlCreateClient(w http.ResponseWriter, req *http.Request) {
	var in NewClient
	if err := decodeStrict(req, &in); err != nil {
		r.ctlFail(w, err)
		return
	}
	c, err := r.CreateClient(req.Context(), in, false)
	if err != nil {
		r.ctlFail(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, c)
}

// ctlReplaceClient replaces a client's registration, its secret included
// (a new one is made when none is given): what ORCID's "reset client
// secret" does, for testing how an integration notices its credential
// stopped working.
func (r *Registry) ctlReplaceClient(w http.ResponseWriter, req *http.Request) {
	var in NewClient
	if err := decodeStrict(req, &in); err != nil {
		r.ctlFail(w, err)
		return
	}
	in.ID = req.PathValue("id")
	c, err := r.CreateClient(req.Context(), in, true)
	if err != nil {
		r.ctlFail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (r *Registry) ctlListResearchers(w http.ResponseWriter, req *http.Request) {
	rs, err := r.store.Researchers(req.Context())
	if err != nil {
		r.ctlFail(w, err)
		return
	}
	out := make([]researcherJSON, 0, len(rs))
	for _, x := range rs {
		out = append(out, r.researcherJSON(x))
	}
	writeJSON(w, http.StatusOK, out)
}

func (r *Registry) ctlCreateResearcher(w http.ResponseWriter, req *http.Request) {
	var in NewResearcher
	if err := decodeStrict(req, &in); err != nil {
		r.ctlFail(w, err)
		return
	}
	x, err := r.CreateResearcher(req.Context(), in)
	if err != nil {
		r.ctlFail(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, r.researcherJSON(x))
}

func (r *Registry) ctlEmails(w http.ResponseWriter, req *http.Request) {
	es, err := r.store.Emails(req.Context())
	if err != nil {
		r.ctlFail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, es)
}

func (r *Registry) ctlGetFaults(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, r.faults.get())
}

func (r *Registry) ctlSetFaults(w http.ResponseWriter, req *http.Request) {
	var f Faults
	if err := decodeStrict(req, &f); err != nil {
		r.ctlFail(w, err)
		return
	}
	if err := r.SetFaults(f); err != nil {
		r.ctlFail(w, &FieldError{Field: "faults", Message: err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, r.faults.get())
}

func (r *Registry) ctlResetFaults(w http.ResponseWriter, _ *http.Request) {
	_ = r.SetFaults(Faults{})
	writeJSON(w, http.StatusOK, r.faults.get())
}

func (r *Registry) ctlInvalidateToken(w http.ResponseWriter, req *http.Request) {
	var in struct {
		Token string `json:"token"`
	}
	if err := decodeStrict(req, &in); err != nil {
		r.ctlFail(w, err)
		return
	}
	ok, err := r.store.RevokeToken(req.Context(), in.Token, RevokedByFault, r.now())
	if err != nil {
		r.ctlFail(w, err)
		return
	}
	if !ok {
		writeJSON(w, http.StatusNotFound, ctlError{Error: "no live token with that value"})
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
