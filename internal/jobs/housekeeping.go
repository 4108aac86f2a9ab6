package jobs

import (
	"context"
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
	return nil
}
