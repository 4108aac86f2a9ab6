package store_test

import (
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
)

// testRateBudgetPause: a pause after ORCID's 429/503 holds back every
// store on the database until it ends, then lets permits through at the
// steady rate (no fresh burst); it never shortens a longer pause, and
// leaves other budgets alone.
func testRateBudgetPause(t *testing.T, e *env) {
	second := e.open(t, storetest.Ring(t))
	const interval, burst = 100 * time.Millisecond, 5
	t0 := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	until := t0.Add(2 * time.Second)
	take := func(what string, at time.Time, granted bool, retryAt time.Time) {
		t.Helper()
		p, err := second.TakeRatePermit(e.ctx, "credential:1", at, interval, burst)
		want(t, what, err, nil)
		if p.Granted != granted || (!granted && !p.RetryAt.Equal(retryAt)) {
			t.Fatalf("%s: %+v, want granted=%v retry at %v", what, p, granted, retryAt)
		}
	}
	// A budget never used yet can be paused.
	want(t, "pause", e.s.PauseRateBudget(e.ctx, "credential:1", until, interval, burst), nil)
	take("during the pause, from the other process", t0, false, until)
	take("just before its end", until.Add(-time.Millisecond), false, until)
	take("at its end", until, true, time.Time{})
	take("no fresh burst after it", until, false, until.Add(interval))
	take("then the steady rate", until.Add(interval), true, time.Time{})

	// A shorter pause changes nothing; a longer one extends.
	later := until.Add(interval)
	want(t, "shorter pause", e.s.PauseRateBudget(e.ctx, "credential:1", t0, interval, burst), nil)
	take("after a shorter pause", later, false, later.Add(interval))
	want(t, "longer pause", e.s.PauseRateBudget(e.ctx, "credential:1", later.Add(time.Second), interval, burst), nil)
	take("after a longer pause", later.Add(interval), false, later.Add(time.Second))

	// Another credential's budget is untouched.
	p, err := e.s.TakeRatePermit(e.ctx, "credential:2", t0, interval, burst)
	want(t, "other budget", err, nil)
	if !p.Granted {
		t.Fatalf("another credential's budget was paused: %+v", p)
	}
	want(t, "bad interval", e.s.PauseRateBudget(e.ctx, "credential:1", until, 0, burst), store.ErrInvalid)
}
