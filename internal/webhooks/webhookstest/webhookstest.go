// Package webhookstest is a tenant's system receiving orcidlink's webhooks,
// for tests: an HTTP server that accepts only requests signed with the
// secret it was given, keeps what it accepted in arrival order, and can be
// told to be down or to refuse the deliveries about a person, so that tests
// see retries and per-person ordering. Anything wrong with a request (a bad
// signature, a body that is not an envelope, event headers that disagree
// with the body) fails the test when it ends.
package webhookstest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/webhooks"
)

// Request is one delivery the receiver accepted.
type Request struct {
	Envelope webhooks.Envelope
	// DeliveryID is the request's Orcidlink-Delivery-Id header: a
	// redelivery carries the same event under a new one.
	DeliveryID string
}

// Receiver is the webhook endpoint of a tenant's system. Until it has a
// secret it answers 503, so that deliveries made before the test learns
// the endpoint's secret wait rather than fail.
type Receiver struct {
	srv *httptest.Server

	mu       sync.Mutex
	secret   string
	down     bool
	refuse   map[int64]bool
	accepted []Request
	problems []string
}

// New starts a receiver that is closed, and its problems reported, when
// the test ends.
func New(t *testing.T) *Receiver {
	t.Helper()
	r := &Receiver{refuse: map[int64]bool{}}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	t.Cleanup(func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		for _, p := range r.problems {
			t.Error("webhook receiver: " + p)
		}
	})
	return r
}

// URL is the receiver's base URL; any path under it receives.
func (r *Receiver) URL() string { return r.srv.URL }

// SetSecret sets the secret requests must be signed with.
func (r *Receiver) SetSecret(secret string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secret = secret
}

// SetDown makes the receiver answer every valid request 503 (down) or
// accept it again.
func (r *Receiver) SetDown(down bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.down = down
}

// Refuse makes the receiver answer 503 to deliveries about a person until
// Allow.
func (r *Receiver) Refuse(personID int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.refuse[personID] = true
}

// Allow lifts Refuse.
func (r *Receiver) Allow(personID int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.refuse, personID)
}

// Requests are the accepted requests, in arrival order.
func (r *Receiver) Requests() []Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Request(nil), r.accepted...)
}

// Wait polls until ok holds for the accepted requests and returns those it
// held for. The deadline only bounds a hung test; it asserts nothing about
// speed.
func (r *Receiver) Wait(t *testing.T, what string, ok func([]Request) bool) []Request {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := r.Requests()
		if ok(got) {
			return got
		}
		if time.Now().After(deadline) {
			var lines []string
			for _, h := range got {
				lines = append(lines, h.Envelope.Type+" "+h.Envelope.ID+" delivery "+h.DeliveryID)
			}
			t.Fatalf("timed out waiting for %s; received:\n%s", what, strings.Join(lines, "\n"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (r *Receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.secret == "" {
		http.Error(w, "not ready", http.StatusServiceUnavailable)
		return
	}
	if err := webhooks.Verify(r.secret, req.Header.Get(webhooks.SignatureHeader), body, time.Now(), 0); err != nil {
		r.problems = append(r.problems, "bad signature: "+err.Error())
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var env webhooks.Envelope
	if err := json.Unmarshal(body, &env); err != nil {
		r.problems = append(r.problems, "not an envelope: "+err.Error())
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	if req.Header.Get(webhooks.EventIDHeader) != env.ID || req.Header.Get(webhooks.EventTypeHeader) != env.Type {
		r.problems = append(r.problems, fmt.Sprintf("event headers %s %s do not match the envelope %s %s",
			req.Header.Get(webhooks.EventIDHeader), req.Header.Get(webhooks.EventTypeHeader), env.ID, env.Type))
	}
	if r.down || (env.Person != nil && r.refuse[env.Person.ID]) {
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
		return
	}
	r.accepted = append(r.accepted, Request{Envelope: env, DeliveryID: req.Header.Get(webhooks.DeliveryIDHeader)})
	w.WriteHeader(http.StatusNoContent)
}
