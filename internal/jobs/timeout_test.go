package jobs_test

import (
	"strings"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/jobs"
	"github.com/orcidlink/orcidlink/internal/jobs/jobstest"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
)

// TestJobTimeoutWaitingForBudget is the crash test's lone failed-permanent
// item, made deterministic. Jobs time out at half of RescueAfter; when a job
// is near its deadline and the credential's budget has no permit before it,
// the in-memory limiter (golang.org/x/time/rate) gives up at once with an
// error that is not a context error ("would exceed context deadline"), and
// that error used to count as ORCID refusing the item.
//
// Here the budget is 2 permits a second with a burst of 2 and jobs time out
// after 300ms: of six works queued at once, four cannot have a permit in
// time. They must fail as retryable, and a restarted queue with an
// ordinary budget must then sync every work exactly once.
func TestJobTimeoutWaitingForBudget(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		f := newFixture(t, driver, fixtureOpts{rate: 2, burst: 2, rescueAfter: 600 * time.Millisecond})
		var keys, dois []string
		for _, k := range []string{"t1", "t2", "t3", "t4", "t5", "t6"} {
			keys, dois = append(keys, k), append(dois, "10.5555/"+k)
			f.put(t, k, jobstest.Work(k, "Waits for the budget "+k))
		}
		f.wait(t, "a work whose job ran out of time waiting for the budget", func(items map[string]store.Item) bool {
			waited := false
			for _, k := range keys {
				it := items[k]
				if it.State == store.ItemFailedPermanent {
					t.Fatalf("%s failed for good: %s", k, it.LastError)
				}
				waited = waited || (it.State == store.ItemFailedRetryable && strings.Contains(it.LastError, "waiting for rate limit"))
			}
			return waited
		})

		// Restart with an ordinary budget: everything converges.
		if err := f.q.Stop(f.ctx); err != nil {
			t.Fatal(err)
		}
		cfg := jobs.Config{Store: f.env.Store, RetryPolicy: jobstest.FastRetry{}, PollInterval: 50 * time.Millisecond}
		if driver == "postgres" {
			cfg.PostgresDSN = f.env.DSN
		}
		q, err := jobs.New(f.ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := q.Start(f.ctx); err != nil {
			t.Fatal(err)
		}
		f.q = q // stopped by newFixture's cleanup
		f.wait(t, "every work synced", allIn(store.ItemSynced, keys...))
		if dup, lost := f.tally(t).Check(dois); dup != 0 || lost != 0 {
			t.Fatalf("duplicates %d, lost %d", dup, lost)
		}
	})
}
