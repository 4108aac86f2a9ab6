package jobs_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/jobs"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
)

// TestSharedLimiterAcrossProcesses: two limiters on two stores that share
// one database (two orcidlink processes) grant together no more permits
// than one budget allows: burst + rate × elapsed. Each alone would grant
// that much, so a budget that is not shared fails by a factor of two.
func TestSharedLimiterAcrossProcesses(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		dsn := storetest.NewDSN(t, driver)
		a := storetest.OpenDSN(t, driver, dsn, nil)
		b := storetest.OpenDSN(t, driver, dsn, nil)
		const rate, burst = 100.0, 5
		limiters := []*jobs.SharedLimiter{
			jobs.NewSharedLimiter(a, jobs.BudgetKey(1), rate, burst),
			jobs.NewSharedLimiter(b, jobs.BudgetKey(1), rate, burst),
		}
		// Another credential's budget is separate, and busy meanwhile.
		other := jobs.NewSharedLimiter(b, jobs.BudgetKey(2), rate, burst)

		ctx, cancel := context.WithTimeout(context.Background(), 800*time.Millisecond)
		defer cancel()
		var granted, otherGranted atomic.Int64
		var wg sync.WaitGroup
		start := time.Now()
		for i := range 6 {
			wg.Go(func() {
				for limiters[i%2].Wait(ctx) == nil {
					granted.Add(1)
				}
			})
		}
		wg.Go(func() {
			for other.Wait(ctx) == nil {
				otherGranted.Add(1)
			}
		})
		wg.Wait()
		elapsed := time.Since(start)
		allowed := int64(burst + rate*elapsed.Seconds() + 1)
		if n := granted.Load(); n > allowed || n < burst {
			t.Fatalf("%d permits in %v for one budget of %v/s and burst %d: at most %d allowed", n, elapsed, rate, burst, allowed)
		}
		if otherGranted.Load() < burst {
			t.Fatalf("the other budget granted only %d", otherGranted.Load())
		}
		t.Logf("%d permits in %v (at most %d allowed)", granted.Load(), elapsed, allowed)
	})
}
