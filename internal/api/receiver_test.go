package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/webhooks"
)

// receiver is a tenant's system receiving webhooks: it accepts only
// deliveries signed with the secret it was given, and keeps them in the
// order they arrived. Until it has a secret it answers 503, so that
// deliveries wait.
type receiver struct {
	t   *testing.T
	srv *httptest.Server

	mu       sync.Mutex
	secret   string
	accepted []webhooks.Envelope
	problems []string
}

func newReceiver(t *testing.T) *receiver {
	t.Helper()
	r := &receiver{t: t}
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

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
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
		r.problems = append(r.problems, "event headers do not match the body: "+env.ID+" "+env.Type)
	}
	r.accepted = append(r.accepted, env)
	w.Write([]byte("thanks"))
}

func (r *receiver) setSecret(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secret = s
}

// url is where the endpoint receives.
func (r *receiver) url() string { return r.srv.URL + "/orcidlink" }

// events are the accepted envelopes of a type, in arrival order.
func (r *receiver) events(typ string) []webhooks.Envelope {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []webhooks.Envelope
	for _, e := range r.accepted {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

// wait waits for the n-th event of a type and returns it with its data
// decoded into data.
func (r *receiver) wait(t *testing.T, typ string, n int, data any) webhooks.Envelope {
	t.Helper()
	var evs []webhooks.Envelope
	eventually(t, "webhook "+typ, func() bool { evs = r.events(typ); return len(evs) >= n })
	ev := evs[n-1]
	if err := json.Unmarshal(ev.Data, data); err != nil {
		t.Fatalf("%s data: %v\n%s", typ, err, ev.Data)
	}
	return ev
}
