package jobs_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"

	"github.com/orcidlink/orcidlink/internal/jobs"
	"github.com/orcidlink/orcidlink/internal/jobs/jobstest"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
)

// countingReminder counts the periodic job's runs; fail makes each run
// fail, as a database outage would.
type countingReminder struct {
	runs atomic.Int32
	fail bool
}

func (c *countingReminder) SendReminders(context.Context) (int, error) {
	c.runs.Add(1)
	if c.fail {
		return 0, errors.New("database unreachable")
	}
	return 2, nil
}

// TestRemindersJob: a queue given a Reminder runs it as a River periodic
// job from the start (connect.Service.SendReminders decides what is due);
// a failing run is retried rather than lost.
func TestRemindersJob(t *testing.T) {
	for _, tc := range []struct {
		name     string
		fail     bool
		wantRuns int32
	}{
		{"sends", false, 1},
		{"fails and is retried", true, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Engines(t, func(t *testing.T, driver string) {
				ctx := context.Background()
				env := jobstest.New(t, driver, nil)
				r := &countingReminder{fail: tc.fail}
				q, err := jobs.New(ctx, jobs.Config{Store: env.Store, PostgresDSN: env.DSN, PollInterval: 50 * time.Millisecond,
					Reminders: r, RetryPolicy: quickRetry{}})
				if err != nil {
					t.Fatal(err)
				}
				if err := q.Start(ctx); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() {
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					defer cancel()
					q.Stop(ctx)
				})
				waitFor(t, "the reminder job", func() bool { return r.runs.Load() >= tc.wantRuns })
			})
		})
	}
}

// quickRetry retries a failed job at once, so that a test sees the retry.
type quickRetry struct{}

func (quickRetry) NextRetry(*rivertype.JobRow) time.Time { return time.Now() }
