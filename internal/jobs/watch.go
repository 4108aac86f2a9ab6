package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/orcidlink/orcidlink/internal/store"
)

// Watcher keeps an eye on what needs administrators (*problems.Service):
// the queue tells it when ORCID refuses a credential, and its periodic job
// has it check every credential and send the daily digests.
type Watcher interface {
	// Refused: ORCID refused the credential while the worker used it.
	Refused(ctx context.Context, credentialID int64, cause error)
	// CheckAll checks every credential with ORCID.
	CheckAll(ctx context.Context) error
	// SendDigests emails the administrators whose daily digest is due.
	SendDigests(ctx context.Context) error
}

// WatchInterval is how often credentials are checked and digests looked
// at. Credentials are also checked whenever ORCID refuses one.
const WatchInterval = time.Hour

// WatchArgs is the periodic job that runs the Watcher (River's leader runs
// it once across processes).
type WatchArgs struct{}

// Kind implements river.JobArgs.
func (WatchArgs) Kind() string { return "watch" }

type watchWorker struct {
	river.WorkerDefaults[WatchArgs]
	watcher Watcher
}

// Work checks the credentials, then sends the digests, so that a digest
// says how the credentials are now; one failing does not stop the other.
func (w *watchWorker) Work(ctx context.Context, _ *river.Job[WatchArgs]) error {
	return errors.Join(w.watcher.CheckAll(ctx), w.watcher.SendDigests(ctx))
}

// Timeout: a check waits for ORCID, once per credential.
func (w *watchWorker) Timeout(*river.Job[WatchArgs]) time.Duration { return 10 * time.Minute }

// addWatch registers the watch job when the configuration has a Watcher.
func (q *Queue) addWatch(workers *river.Workers, rc *river.Config, cfg Config) error {
	if cfg.Watcher == nil {
		return nil
	}
	if err := river.AddWorkerSafely(workers, &watchWorker{watcher: cfg.Watcher}); err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	rc.PeriodicJobs = append(rc.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(WatchInterval),
		func() (river.JobArgs, *river.InsertOpts) { return WatchArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true}))
	return nil
}

// ResumeCredential queues the items that waited for a credential to be
// repaired (parked by the worker when ORCID refused it), each with its job,
// and says how many.
func (q *Queue) ResumeCredential(ctx context.Context, credentialID int64) (n int, err error) {
	err = q.st.InTx(ctx, func(tx *store.Tx) error {
		ids, err := tx.ResumeCredentialItems(ctx, credentialID, reasonCredential)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if err := q.Enqueue(ctx, tx, id); err != nil {
				return err
			}
		}
		n = len(ids)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("jobs: resume the items of credential %d: %w", credentialID, err)
	}
	return n, nil
}
