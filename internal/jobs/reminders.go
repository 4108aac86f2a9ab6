package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
)

// ReminderInterval is how often due invitation reminders are looked for.
// Schedules count in days, so an hour late is on time.
const ReminderInterval = time.Hour

// Reminder sends the invitation reminders that are due and says how many
// went; *connect.Service is one (SendReminders).
type Reminder interface {
	SendReminders(ctx context.Context) (int, error)
}

// RemindersArgs is the periodic job that sends invitation reminders. As a
// River periodic job it runs once per interval across all processes
// sharing the database, so that nobody gets a reminder twice.
type RemindersArgs struct{}

// Kind implements river.JobArgs.
func (RemindersArgs) Kind() string { return "invitation_reminders" }

type remindersWorker struct {
	river.WorkerDefaults[RemindersArgs]
	q *Queue
	r Reminder
}

func (w *remindersWorker) Work(ctx context.Context, _ *river.Job[RemindersArgs]) error {
	n, err := w.r.SendReminders(ctx)
	if n > 0 {
		w.q.log.InfoContext(ctx, "invitation reminders queued", "emails", n)
	}
	if err != nil {
		return fmt.Errorf("jobs: invitation reminders: %w", err)
	}
	return nil
}

// addReminders registers the reminder job when the queue has a Reminder.
func (q *Queue) addReminders(workers *river.Workers, rc *river.Config, r Reminder) error {
	if r == nil {
		return nil
	}
	if err := river.AddWorkerSafely(workers, &remindersWorker{q: q, r: r}); err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	rc.PeriodicJobs = append(rc.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(ReminderInterval),
		func() (river.JobArgs, *river.InsertOpts) { return RemindersArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true}))
	return nil
}
