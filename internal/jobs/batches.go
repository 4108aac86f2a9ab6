package jobs

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/orcidlink/orcidlink/internal/store"
)

// BatchArgs is the job that imports an uploaded file's rows (package
// batch). The job does a slice of the rows per run and snoozes until the
// rest are done, so that no run comes near the job timeout (after which
// River would run it again while it still works); the rows' outcomes are
// in the database, so a run after a restart picks up where the last one
// stopped.
type BatchArgs struct {
	BatchID int64 `json:"batch_id" river:"unique"`
}

// Kind implements river.JobArgs.
func (BatchArgs) Kind() string { return "batch_import" }

// InsertOpts makes one job per batch wait or run at a time.
func (BatchArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable, rivertype.JobStateRunning,
		rivertype.JobStateScheduled,
	}}}
}

// BatchRunner imports a slice of a batch's rows; *batch.Service is one.
// done is true when the batch needs no more runs. FailBatch ends an import
// that will not run again (its job was cancelled or ran out of attempts),
// so that it does not show as importing for ever.
type BatchRunner interface {
	RunBatch(ctx context.Context, batchID int64) (done bool, err error)
	FailBatch(ctx context.Context, batchID int64, reason string) error
}

// SetBatchRunner sets what runs batch jobs. Package batch needs the queue
// (items go through Put), so it is set after New, before Start; a batch
// job that runs without one waits.
func (q *Queue) SetBatchRunner(r BatchRunner) { q.batches.Store(&r) }

// EnqueueBatch queues the import of a batch inside the caller's
// transaction (the one that moved the batch to importing).
func (q *Queue) EnqueueBatch(ctx context.Context, tx *store.Tx, batchID int64) error {
	if err := q.be.insertTx(ctx, tx, BatchArgs{BatchID: batchID}, nil); err != nil {
		return fmt.Errorf("jobs: enqueue batch %d: %w", batchID, err)
	}
	return nil
}

type batchWorker struct {
	river.WorkerDefaults[BatchArgs]
	q *Queue
}

// batchRunners holds the BatchRunner, set once serve has built it.
type batchRunners = atomic.Pointer[BatchRunner]

func (w *batchWorker) Work(ctx context.Context, job *river.Job[BatchArgs]) error {
	r := w.q.batches.Load()
	if r == nil {
		return river.JobSnooze(5 * time.Second)
	}
	done, err := (*r).RunBatch(ctx, job.Args.BatchID)
	if errors.Is(err, store.ErrNotFound) {
		// The batch, its tenant or the tenant's credential is gone: a
		// batch still there must not show as importing for ever.
		w.fail(ctx, *r, job.Args.BatchID, err)
		return river.JobCancel(err)
	}
	if err != nil {
		if job.Attempt >= job.MaxAttempts {
			w.fail(ctx, *r, job.Args.BatchID, err) // River discards the job now
		}
		return err
	}
	if !done {
		return river.JobSnooze(0)
	}
	return nil
}

// fail marks a batch whose job will not run again as failed.
func (w *batchWorker) fail(ctx context.Context, r BatchRunner, batchID int64, cause error) {
	ctx = context.WithoutCancel(ctx)
	if err := r.FailBatch(ctx, batchID, cause.Error()); err != nil && !errors.Is(err, store.ErrNotFound) {
		w.q.log.WarnContext(ctx, "could not mark a batch import failed", "batch", batchID, "err", err)
	}
}
