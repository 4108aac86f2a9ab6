package jobs

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/webhooks"
)

// Webhook deliveries run in a River queue of their own, so that a flood of
// items waiting for ORCID's rate budget never holds them up (nor they the
// items).
const webhookQueue = "webhooks"

// WebhookDeliverer sends one delivery; *webhooks.Deliverer is one.
type WebhookDeliverer interface {
	Deliver(ctx context.Context, deliveryID int64) (next int64, err error)
}

// DefaultWebhookSweep is how often the queue looks for due deliveries
// (retries, and deliveries whose nudge was lost).
const DefaultWebhookSweep = 30 * time.Second

// DefaultWebhookWorkers is how many deliveries a process sends at once. A
// worker waiting for a receiver holds no database connection, so they are
// cheap; by default a tenant may hold a quarter of them.
const DefaultWebhookWorkers = 16

// WebhookDeliveryArgs is the job of one delivery (and of those after it
// about the same person to the same endpoint, while they are due).
type WebhookDeliveryArgs struct {
	DeliveryID int64 `json:"delivery_id" river:"unique"`
	// TenantID is the delivery's tenant, for the tenant's share of the
	// workers (0 in jobs queued by older versions: they share one).
	TenantID int64 `json:"tenant_id,omitempty"`
	// Backlog: not the first due delivery of its endpoint, which takes
	// only a few at once; it yields to every endpoint's first.
	Backlog bool `json:"-"`
}

// Kind implements river.JobArgs.
func (WebhookDeliveryArgs) Kind() string { return "webhook_delivery" }

// InsertOpts makes one job per delivery while it waits or runs; a completed
// one does not count, so that a retry gets a new job. (Not that the job
// guards anything: the delivery row's lease keeps two workers, of any
// process, from sending it at once.)
func (a WebhookDeliveryArgs) InsertOpts() river.InsertOpts {
	priority := 1
	if a.Backlog {
		priority = 2
	}
	return river.InsertOpts{Queue: webhookQueue, Priority: priority, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable, rivertype.JobStateRunning,
		rivertype.JobStateScheduled,
	}}}
}

// WebhookSweepArgs is the periodic job that queues every due delivery:
// retries, and deliveries whose nudge was lost.
type WebhookSweepArgs struct{}

// Kind implements river.JobArgs.
func (WebhookSweepArgs) Kind() string { return "webhook_sweep" }

// InsertOpts puts the sweep in the webhook queue.
func (WebhookSweepArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: webhookQueue} }

// addWebhooks registers the delivery workers, their queue and the periodic
// sweep, when the configuration has a deliverer.
func (q *Queue) addWebhooks(rc *river.Config, cfg Config) error {
	if cfg.Webhooks == nil {
		return nil
	}
	n := cfg.WebhookWorkers
	if n <= 0 {
		n = DefaultWebhookWorkers
	}
	share := cfg.WebhookTenantShare
	if share <= 0 {
		share = max(1, n/4)
	}
	share = min(share, n)
	if err := river.AddWorkerSafely(rc.Workers, &webhookWorker{q: q, d: cfg.Webhooks, budget: cfg.RescueAfter / 4,
		slots: newTenantSlots(share)}); err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	if err := river.AddWorkerSafely(rc.Workers, &webhookSweepWorker{q: q}); err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	rc.Queues[webhookQueue] = river.QueueConfig{MaxWorkers: n}
	every := cfg.WebhookSweep
	if every <= 0 {
		every = DefaultWebhookSweep
	}
	rc.PeriodicJobs = append(rc.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(every),
		func() (river.JobArgs, *river.InsertOpts) { return WebhookSweepArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true}))
	q.webhooks = true
	q.w.kick = q.kickWebhooks
	return nil
}

// KickWebhooks queues the jobs of every due delivery now, rather than at
// the next sweep: call it after committing a transaction that recorded
// events. Without a deliverer configured it does nothing.
//
// It queues deliveries itself instead of a sweep job: a sweep already
// running might have looked before the events were committed, and a
// second one would be refused as a duplicate of it. A delivery that is
// not first of its lane yet is left to the job of the one before it,
// which goes on to it when done.
func (q *Queue) KickWebhooks(ctx context.Context) error {
	if !q.webhooks {
		return nil
	}
	if err := q.sweepWebhooks(ctx); err != nil {
		return fmt.Errorf("jobs: nudge webhook deliveries: %w", err)
	}
	return nil
}

// sweepWebhooks queues a job for each due delivery (one batch: with more
// due, the jobs just queued are not claimed yet and a second look would
// list them again; the next sweep goes on).
//
// The list takes endpoints in turn (store.DueWebhookWork), and each
// endpoint's first delivery is queued ahead of the rest: a tenant with a
// backlog on many endpoints does not put another's one delivery at the
// back of the line.
func (q *Queue) sweepWebhooks(ctx context.Context) error {
	due, err := q.st.DueWebhookWork(ctx, 500)
	if err != nil {
		return err
	}
	for _, d := range due {
		if err := q.be.insert(ctx, WebhookDeliveryArgs{DeliveryID: d.ID, TenantID: d.TenantID, Backlog: d.Rank > 1}); err != nil {
			return err
		}
	}
	return nil
}

// kickWebhooks is KickWebhooks for background work, which logs instead of
// failing: the sweep sends what a lost nudge would have.
func (q *Queue) kickWebhooks(ctx context.Context) {
	if err := q.KickWebhooks(context.WithoutCancel(ctx)); err != nil {
		q.log.WarnContext(ctx, "could not nudge webhook deliveries", "err", err)
	}
}

// recordEvent records ev in tx (see store.RecordEvent).
func recordEvent(ctx context.Context, tx *store.Tx, ev store.Event) error {
	if _, err := tx.RecordEvent(ctx, ev); err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	return nil
}

type webhookSweepWorker struct {
	river.WorkerDefaults[WebhookSweepArgs]
	q *Queue
}

func (w *webhookSweepWorker) Work(ctx context.Context, _ *river.Job[WebhookSweepArgs]) error {
	if err := w.q.sweepWebhooks(ctx); err != nil {
		return fmt.Errorf("jobs: webhook sweep: %w", err)
	}
	return nil
}

type webhookWorker struct {
	river.WorkerDefaults[WebhookDeliveryArgs]
	q      *Queue
	d      WebhookDeliverer
	budget time.Duration
	slots  *tenantSlots
}

// Work sends the delivery, then the deliveries queued behind it for the
// same person and endpoint, for as long as its time budget lasts (then a
// new job goes on): in order, without waiting for a sweep between two.
//
// A tenant holding its share of the workers already, or an endpoint with
// its deliveries in flight already, puts the job back for a moment
// (snoozed, which costs no attempt) and frees the worker for someone else:
// a receiver that hangs holds at most its tenant's share of them, and a
// tenant's deliveries never wait behind another tenant's.
func (w *webhookWorker) Work(ctx context.Context, job *river.Job[WebhookDeliveryArgs]) error {
	args := job.Args
	if !w.slots.take(args.TenantID) {
		return river.JobSnooze(snoozeFor())
	}
	defer w.slots.give(args.TenantID)
	id, start := args.DeliveryID, time.Now()
	for id != 0 {
		if time.Since(start) > w.budget {
			return w.q.be.insert(ctx, WebhookDeliveryArgs{DeliveryID: id, TenantID: args.TenantID})
		}
		next, err := w.d.Deliver(ctx, id)
		if errors.Is(err, webhooks.ErrEndpointBusy) {
			if id == args.DeliveryID {
				return river.JobSnooze(snoozeFor())
			}
			// A later delivery of the lane: this job's own is settled,
			// so the later one gets a job of its own.
			return w.q.be.insert(ctx, WebhookDeliveryArgs{DeliveryID: id, TenantID: args.TenantID})
		}
		if err != nil {
			return err
		}
		id = next
	}
	return nil
}

// snoozeFor is how long a job that may not run yet waits: about a second,
// at random so that a crowd of them does not come back at once. (A short
// snooze leaves the job available in River, without the scheduler.)
func snoozeFor() time.Duration {
	return time.Second + rand.N(time.Second)
}

// tenantSlots counts the webhook workers each tenant holds in this
// process, up to max each.
type tenantSlots struct {
	mu   sync.Mutex
	max  int
	held map[int64]int
}

func newTenantSlots(limit int) *tenantSlots { return &tenantSlots{max: limit, held: map[int64]int{}} }

// take gives the tenant a worker slot, if it holds fewer than its share.
func (s *tenantSlots) take(tenantID int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.held[tenantID] >= s.max {
		return false
	}
	s.held[tenantID]++
	return true
}

// give returns a slot taken.
func (s *tenantSlots) give(tenantID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.held[tenantID]--; s.held[tenantID] <= 0 {
		delete(s.held, tenantID)
	}
}

var _ WebhookDeliverer = (*webhooks.Deliverer)(nil)
