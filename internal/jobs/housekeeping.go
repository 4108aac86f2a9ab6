package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
)

// HousekeepingArgs is the hourly job that applies the call-log retention
// and drops expired OAuth states. As a River periodic job it runs once per
// hour across all processes sharing the database.
type HousekeepingArgs struct{}

// Kind implements river.JobArgs.
func (HousekeepingArgs) Kind() string { return "housekeeping" }

type housekeepingWorker struct {
	river.WorkerDefaults[HousekeepingArgs]
	q         *Queue
	retention time.Duration
}

// Chore is a housekeeping task of another package (the REST API's
// idempotency records, for one): it deletes what has expired and says how
// many rows went.
type Chore func(ctx context.Context) (int64, error)

// Housekeep adds a chore to the hourly housekeeping job. Call it before
// Start; the chores of every process must be the same, since whichever
// process gets the hourly job runs them.
func (q *Queue) Housekeep(name string, c Chore) {
	q.chores = append(q.chores, namedChore{name, c})
}

type namedChore struct {
	name string
	run  Chore
}

func (h *housekeepingWorker) Work(ctx context.Context, _ *river.Job[HousekeepingArgs]) error {
	now := time.Now()
	if h.retention > 0 {
		n, err := h.q.st.PruneCalls(ctx, now.Add(-h.retention))
		if err != nil {
			return fmt.Errorf("jobs: prune call log: %w", err)
		}
		if n > 0 {
			h.q.log.InfoContext(ctx, "pruned call log", "calls", n, "older_than", now.Add(-h.retention).Format(time.DateOnly))
		}
	}
	if _, err := h.q.st.DeleteExpiredStates(ctx, now); err != nil {
		return fmt.Errorf("jobs: delete expired OAuth states: %w", err)
	}
	// One failing chore does not stop the others; the job is retried if
	// any failed.
	var errs []error
	// The item counts of tenants whose counts no one read meanwhile
	// (store.FoldItemCounts): a backfill piles up rows for them.
	if _, err := h.q.st.FoldItemCounts(ctx); err != nil {
		errs = append(errs, fmt.Errorf("jobs: housekeeping: %w", err))
	}
	for _, c := range h.q.chores {
		n, err := c.run(ctx)
		if err != nil {
			errs = append(errs, fmt.Errorf("jobs: housekeeping %s: %w", c.name, err))
			continue
		}
		if n > 0 {
			h.q.log.InfoContext(ctx, "housekeeping", "chore", c.name, "deleted", n)
		}
	}
	return errors.Join(errs...)
}
