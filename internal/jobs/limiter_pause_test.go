package jobs_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/jobs"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
)

// TestSharedLimiterPause: after ORCID's 429 or 503 seen by one process
// (Pause), the other process, whose own in-memory bucket is full, gets no
// permit until the pause ends; another credential's budget goes on.
func TestSharedLimiterPause(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		dsn := storetest.NewDSN(t, driver)
		a := jobs.NewSharedLimiter(storetest.OpenDSN(t, driver, dsn, nil), jobs.BudgetKey(1), 100, 5)
		b := jobs.NewSharedLimiter(storetest.OpenDSN(t, driver, dsn, nil), jobs.BudgetKey(1), 100, 5)
		other := jobs.NewSharedLimiter(storetest.OpenDSN(t, driver, dsn, nil), jobs.BudgetKey(2), 100, 5)
		ctx := context.Background()
		if err := b.Wait(ctx); err != nil {
			t.Fatalf("before the pause: %v", err)
		}
		if err := a.Pause(ctx, time.Hour); err != nil {
			t.Fatal(err)
		}
		// An hour's pause cannot end within this wait, however slow the
		// machine: the wait must give up.
		short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		if err := b.Wait(short); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("the other process got a permit during the pause: %v", err)
		}
		if err := other.Wait(ctx); err != nil {
			t.Fatalf("another credential's budget: %v", err)
		}
	})
}
