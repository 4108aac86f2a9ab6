package orcid

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"
)

// failingLimiter fails the way golang.org/x/time/rate does when a permit
// is further away than the context's deadline: with an error that is not a
// context error.
type failingLimiter struct{}

func (failingLimiter) Wait(context.Context) error {
	return errors.New("rate: Wait(n=1) would exceed context deadline")
}

// TestBudgetWaitIsTemporary: whatever ends the wait for a rate permit is
// about our own budget, not ORCID's answer, so it is a temporary failure
// and never one that fails an item for good.
func TestBudgetWaitIsTemporary(t *testing.T) {
	c, err := New(Config{Credential: Credential{ClientID: "a", ClientSecret: "b", Env: Sandbox, API: MemberAPI},
		Limiter: failingLimiter{}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.PostJSON(context.Background(), "token", "0000-0002-1825-0097", "work", map[string]string{})
	if err == nil || IsPermanent(err) || !errors.Is(err, ErrTemporary) {
		t.Fatalf("a failed wait for the budget: %v (permanent: %v)", err, IsPermanent(err))
	}
}

// pausingLimiter admits everything and records the pauses asked of it.
type pausingLimiter struct {
	mu     sync.Mutex
	pauses []time.Duration
}

func (*pausingLimiter) Wait(context.Context) error { return nil }

func (l *pausingLimiter) Pause(_ context.Context, d time.Duration) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pauses = append(l.pauses, d)
	return nil
}

// TestPausesSharedBudget: ORCID's 429 and 503 pause a shared budget (every
// user of the credential, not just this request) for Retry-After, or
// DefaultPause without one; other failures do not.
func TestPausesSharedBudget(t *testing.T) {
	for _, tc := range []struct {
		name     string
		statuses []int
		header   http.Header
		want     []time.Duration
	}{
		{"429 with Retry-After", []int{429, 200}, http.Header{"Retry-After": {"3"}}, []time.Duration{3 * time.Second}},
		{"503 without", []int{503, 503, 200}, nil, []time.Duration{DefaultPause, DefaultPause}},
		{"Retry-After capped", []int{429, 200}, http.Header{"Retry-After": {"3600"}}, []time.Duration{30 * time.Second}},
		// Seconds whose nanoseconds overflow an int64 are still "long".
		{"Retry-After huge", []int{429, 200}, http.Header{"Retry-After": {"10000000000"}}, []time.Duration{30 * time.Second}},
		{"Retry-After beyond int64", []int{429, 200}, http.Header{"Retry-After": {"99999999999999999999"}}, []time.Duration{30 * time.Second}},
		{"Retry-After negative", []int{429, 200}, http.Header{"Retry-After": {"-5"}}, []time.Duration{DefaultPause}},
		{"500 and 502 are not about the rate", []int{500, 502, 200}, nil, nil},
		{"success", []int{200}, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := sequence(t, tc.statuses, tc.header, `{}`)
			lim := &pausingLimiter{}
			c, _, _ := testClient(t, srv, func(cfg *Config) { cfg.Limiter = lim })
			if err := c.GetJSON(context.Background(), "token", id0, "works", &struct{}{}); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(lim.pauses, tc.want) {
				t.Fatalf("pauses %v, want %v", lim.pauses, tc.want)
			}
		})
	}
}
