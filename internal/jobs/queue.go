// Package jobs pushes items to ORCID records: a durable queue (River) on
// the database orcidlink already runs, SQLite or PostgreSQL, and the worker
// that moves each item through its states (design notes 2 to 4 in
// doc/design.md).
//
// Code that changes an item goes through Queue (Put, Retract, Resume,
// Requeue), which changes the row and inserts its job in one transaction:
// there is no moment when an item is queued without a job, or a job exists
// for a change that rolled back. One job at a time per item (a River unique
// job keyed by the item id); the worker settles the item and completes its
// job in one transaction, so that an edit committed while the job ran
// either is seen by the worker or gets a job of its own.
package jobs

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/orcidclients"
	"github.com/orcidlink/orcidlink/internal/store"
)

// Revoker records that ORCID refused a link's token; *connect.Service is
// one (MarkRevoked also writes the audit trail).
type Revoker interface {
	MarkRevoked(ctx context.Context, link store.Link, reason string) error
}

// ClientSource gives the shared ORCID client of a credential;
// *connect.Service is one.
type ClientSource interface {
	Client(ctx context.Context, cred store.Credential) (*orcid.Client, error)
}

// Config configures a Queue. Store is required, and PostgresDSN when the
// store is on PostgreSQL.
type Config struct {
	Store *store.Store
	// PostgresDSN is the store's database, for the pgx pool River's
	// PostgreSQL driver needs (the store's pool is database/sql's).
	PostgresDSN string
	// PostgresMaxConns sizes that pool (default DefaultPostgresMaxConns).
	// River fetches, completes and inserts jobs through it, and keeps one
	// connection listening; pgx's own default (the number of CPUs, at
	// least 4) is too few for that on a small machine.
	PostgresMaxConns int
	// Revoker marks links revoked on a 401; nil marks them in the store
	// without an audit event.
	Revoker Revoker
	// Clients, if set, gives the process's shared ORCID client of a
	// credential (*connect.Service, configured with a Limiter from
	// NewSharedLimiter). Without it the queue builds its own
	// (orcidclients.Set) from the fields below, with a shared rate budget
	// and the same call log.
	Clients ClientSource
	// HTTPClient and Retry configure the ORCID clients; zero values are
	// the client's defaults.
	HTTPClient *http.Client
	Retry      orcid.RetryPolicy
	// Rate and Burst are each credential's budget, shared across
	// processes; zero means ORCID's 24/s and 40.
	Rate  float64
	Burst int
	// CallLogRetention is how long the log of ORCID calls is kept; the
	// hourly housekeeping job prunes older calls. 0 keeps them all.
	CallLogRetention time.Duration
	// Workers is how many items are worked on at once in this process;
	// default 20. Waiting for the rate budget is most of their time.
	Workers int
	// PollInterval is how often idle workers look for jobs; default 1s
	// on PostgreSQL (which is also notified of inserts) and 200ms on
	// SQLite (which is not).
	PollInterval time.Duration
	// RetryPolicy spaces River's retries of 429, 5xx and network failures
	// (after the ORCID client's own quick retries); nil is River's.
	RetryPolicy river.ClientRetryPolicy
	// RescueAfter is how long a job may stay running before River
	// considers its process dead and runs it again; default 2 minutes.
	// Jobs time out at half of it (their writes are then retried), so a
	// job of a live process is never taken for dead.
	RescueAfter time.Duration
	// BulkLease is how long a person's bulk lease outlives its holder's
	// last sign of life (bulk.go): the job renews it every third of that
	// while it writes, and a process killed while holding it holds up that
	// person's new works this long. Default DefaultBulkLease.
	BulkLease time.Duration
	// BulkSize is the most works one request carries (bulk.go); default
	// and at most MaxBulk, ORCID's limit.
	BulkSize int
	Logger   *slog.Logger

	// RecordWebhookURL, if set, is orcidlink's public URL, which ORCID
	// calls back when a record changes: premium member credentials then
	// register ORCID's webhooks, and the daily import skips records
	// unchanged since their last read (record_webhooks.go).
	RecordWebhookURL string
	// ImportRun, if set, hears how many records each daily import read
	// and skipped (metrics.Metrics.ObserveImportRun).
	ImportRun func(read, skipped int)

	// Webhooks, if set, sends webhook deliveries (*webhooks.Deliverer),
	// WebhookWorkers at once (default DefaultWebhookWorkers) in a River
	// queue of their own, of which one tenant may hold WebhookTenantShare
	// (default a quarter, at least 1); due deliveries are looked for every
	// WebhookSweep (default DefaultWebhookSweep) and whenever KickWebhooks
	// is called.
	Webhooks           WebhookDeliverer
	WebhookWorkers     int
	WebhookTenantShare int
	WebhookSweep       time.Duration

	// Reminders, if set, sends invitation reminders every
	// ReminderInterval (*connect.Service; see RemindersArgs).
	Reminders Reminder

	// Watcher, if set, hears of credentials ORCID refuses and, hourly,
	// checks every credential and sends the daily digests
	// (*problems.Service).
	Watcher Watcher

	// AfterWrite, for tests, runs inside the transaction that stores the
	// outcome of a write to ORCID (before the job is completed); an error
	// rolls that transaction back, as a crash there would.
	AfterWrite func(ctx context.Context, it store.Item) error
}

// ItemArgs is the job of one item.
type ItemArgs struct {
	ItemID int64 `json:"item_id" river:"unique"`
}

// Kind implements river.JobArgs.
func (ItemArgs) Kind() string { return "orcid_item" }

// InsertOpts makes the job unique per item while it waits or runs. A
// completed job does not count, so that a later change gets a new one.
func (ItemArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable,
		rivertype.JobStateRunning, rivertype.JobStateScheduled,
	}}}
}

// backend is what differs between River's two drivers: the transaction
// type its client takes.
type backend interface {
	insertTx(ctx context.Context, tx *store.Tx, args river.JobArgs, opts *river.InsertOpts) error
	insertManyTx(ctx context.Context, tx *store.Tx, params []river.InsertManyParams) error
	insert(ctx context.Context, args river.JobArgs) error
	completeTx(ctx context.Context, tx *store.Tx, job *river.Job[ItemArgs]) error
	start(ctx context.Context) error
	stop(ctx context.Context) error
	close()
}

// Queue is the durable queue of item jobs and the workers that run them.
type Queue struct {
	st      *store.Store
	be      backend
	w       *worker
	log     *slog.Logger
	batches batchRunners // see SetBatchRunner
	// webhooks: this queue sends webhook deliveries (Config.Webhooks).
	webhooks bool
	chores   []namedChore // see Housekeep
	// hookURL: this queue registers ORCID's webhooks, with callbacks
	// under this URL (Config.RecordWebhookURL).
	hookURL string
	// importRun: Config.ImportRun.
	importRun func(read, skipped int)
}

// New migrates River's tables and prepares the client; Start runs the
// workers. A Queue that is never started can still enqueue (another
// process works).
func New(ctx context.Context, cfg Config) (_ *Queue, err error) {
	if cfg.Store == nil {
		return nil, errors.New("jobs: no store")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 20
	}
	if cfg.RescueAfter <= 0 {
		cfg.RescueAfter = 2 * time.Minute
	}
	if cfg.BulkLease <= 0 {
		cfg.BulkLease = DefaultBulkLease
	}
	w := &worker{st: cfg.Store, revoker: cfg.Revoker, log: cfg.Logger, afterWrite: cfg.AfterWrite,
		clients: cfg.Clients, watcher: cfg.Watcher, leaseFor: cfg.BulkLease,
		bulkSize: cmp.Or(min(max(cfg.BulkSize, 0), MaxBulk), MaxBulk), slots: newTenantSlots(bulkTenantShare(cfg.Workers))}
	if w.clients == nil {
		st, r, burst := cfg.Store, cfg.Rate, cfg.Burst
		own, err := orcidclients.New(orcidclients.Config{Store: st, HTTPClient: cfg.HTTPClient, Retry: cfg.Retry,
			Limiter: func(cred store.Credential) orcid.Limiter {
				return NewSharedLimiter(st, BudgetKey(cred.ID), r, burst)
			},
			Logger: cfg.Logger})
		if err != nil {
			return nil, fmt.Errorf("jobs: %w", err)
		}
		w.clients = own
	}
	q := &Queue{st: cfg.Store, w: w, log: cfg.Logger, importRun: cfg.ImportRun}
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, w); err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &bulkWorker{w: w}); err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &importWorker{w: w}); err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &importAllWorker{q: q}); err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &batchWorker{q: q}); err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &housekeepingWorker{q: q, retention: cfg.CallLogRetention}); err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	rc := &river.Config{
		Workers:              workers,
		Queues:               map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.Workers}},
		Logger:               riverLogger(cfg.Logger),
		RetryPolicy:          cfg.RetryPolicy,
		RescueStuckJobsAfter: cfg.RescueAfter,
		// A job of a live process ends (and is retried) well before
		// River would take its process for dead and run it twice.
		JobTimeout:        cfg.RescueAfter / 2,
		FetchPollInterval: cfg.PollInterval,
		// Every connected person's record is read daily (River's leader
		// runs it once across processes).
		PeriodicJobs: []*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(ImportInterval),
				func() (river.JobArgs, *river.InsertOpts) { return ImportAllArgs{}, nil }, nil),
			river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
				func() (river.JobArgs, *river.InsertOpts) { return HousekeepingArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true}),
		},
	}
	if err := q.addWebhooks(rc, cfg); err != nil {
		return nil, err
	}
	if err := q.addWatch(workers, rc, cfg); err != nil {
		return nil, err
	}
	if err := q.addReminders(workers, rc, cfg.Reminders); err != nil {
		return nil, err
	}
	if err := q.addRecordWebhooks(workers, rc, cfg.RecordWebhookURL); err != nil {
		return nil, err
	}
	var be backend
	switch cfg.Store.Driver() {
	case "sqlite":
		if rc.FetchPollInterval <= 0 {
			rc.FetchPollInterval = 200 * time.Millisecond
		}
		rc.FetchCooldown = min(rc.FetchPollInterval, 100*time.Millisecond)
		be, err = newSQLiteBackend(ctx, cfg.Store.DB(), rc, cfg.Logger)
	case "postgres":
		if cfg.PostgresDSN == "" {
			return nil, errors.New("jobs: PostgreSQL needs PostgresDSN")
		}
		if rc.FetchPollInterval <= 0 {
			rc.FetchPollInterval = time.Second
		}
		rc.FetchCooldown = min(rc.FetchPollInterval, 100*time.Millisecond)
		be, err = newPostgresBackend(ctx, cfg.PostgresDSN, cmp.Or(max(cfg.PostgresMaxConns, 0), DefaultPostgresMaxConns), rc, cfg.Logger)
	default:
		return nil, fmt.Errorf("jobs: unknown store driver %q", cfg.Store.Driver())
	}
	if err != nil {
		return nil, err
	}
	w.complete = be.completeTx
	q.be = be
	return q, nil
}

// Start runs the workers, after making sure every item that needs work
// has its job (a job lost with a process that died mid-insert cannot
// exist, but one inserted by an older version without a job might).
func (q *Queue) Start(ctx context.Context) error {
	if err := q.Sweep(ctx); err != nil {
		return err
	}
	if err := q.be.start(ctx); err != nil {
		return fmt.Errorf("jobs: start: %w", err)
	}
	return nil
}

// Stop waits for running jobs to finish (or ctx to end), then releases the
// connections. The store stays open.
func (q *Queue) Stop(ctx context.Context) error {
	err := q.be.stop(ctx)
	q.be.close()
	if err != nil {
		return fmt.Errorf("jobs: stop: %w", err)
	}
	return nil
}

// Enqueue inserts the job of an item inside the caller's transaction: the
// job exists if and only if the transaction commits. A job already waiting
// or running for the item makes this a no-op.
func (q *Queue) Enqueue(ctx context.Context, tx *store.Tx, itemID int64) error {
	if err := q.be.insertTx(ctx, tx, ItemArgs{ItemID: itemID}, nil); err != nil {
		return fmt.Errorf("jobs: enqueue item %d: %w", itemID, err)
	}
	return nil
}

// enqueueItem is Enqueue for an item just changed. A new work goes in
// bulk: a job of its person's new works (BulkArgs, bulk.go) sends it, with
// the others, while its own job waits behind every other job
// (fallbackPriority), there only in case the bulk job missed it. A work of
// a backfill joins its person's one waiting bulk job, behind single works
// (backfillPriority); a single work gets a bulk job of its own that sends
// it first, ahead of every backfill.
func (q *Queue) enqueueItem(ctx context.Context, tx *store.Tx, it store.Item, backfill bool) error {
	if !needsLease(it) || it.State == store.ItemRetracting {
		return q.Enqueue(ctx, tx, it.ID)
	}
	args, opts := BulkArgs{TenantID: it.TenantID, PersonID: it.PersonID, First: it.ID}, (*river.InsertOpts)(nil)
	if backfill {
		args.First, opts = 0, &river.InsertOpts{Priority: backfillPriority}
	}
	if err := q.be.insertTx(ctx, tx, args, opts); err != nil {
		return fmt.Errorf("jobs: enqueue bulk works of person %d: %w", it.PersonID, err)
	}
	if err := q.be.insertTx(ctx, tx, ItemArgs{ItemID: it.ID}, &river.InsertOpts{Priority: fallbackPriority}); err != nil {
		return fmt.Errorf("jobs: enqueue item %d: %w", it.ID, err)
	}
	return nil
}

// PutItem is what Put writes.
type PutItem struct {
	TenantID int64
	PersonID int64
	// Backfill marks the item as one of many sent at once (a batch file,
	// a migration, a journal's back catalogue): a new work then waits
	// behind single writes, such as a journal's article just published,
	// which never wait behind a backfill (bulk.go).
	Backfill bool
	Key      string // ours, unique per person and kind: "article:123"
	Item     orcid.Item
	// While, if set, runs first in the transaction that changes the item
	// and says whether the change still holds (e.g. the article is still
	// published, under a lock taken by While); false changes nothing and
	// Put returns ErrSkipped.
	While Condition
}

// Condition decides, inside the transaction of an item change, whether the
// change is still wanted; see PutItem.While and RetractWhile.
type Condition func(ctx context.Context, tx *store.Tx) (bool, error)

// ErrSkipped is returned when the change's Condition no longer held, so nothing changed.
var ErrSkipped = errors.New("jobs: the change no longer applies")

// Put records the desired content of an item and, when the person can
// receive it now (connected, with the scope), queues it; otherwise the item
// is pending with the reason. Content equal to what is stored queues
// nothing.
func (q *Queue) Put(ctx context.Context, p PutItem) (out store.Item, err error) {
	if p.Item == nil {
		return store.Item{}, fmt.Errorf("jobs: put %q: %w: no item", p.Key, store.ErrInvalid)
	}
	p.Backfill = p.Backfill || isBackfill(ctx) // backfill_ctx.go
	// Names in the form ORCID matches (a ROR iD as https://ror.org/…),
	// then refuse, per field, what ORCID would refuse: better now, to the
	// caller that can fix it, than as a failed job later. (errors.As finds
	// the *orcid.ValidationError with every problem.)
	orcid.Canonicalize(p.Item)
	if err := orcid.Validate(p.Item); err != nil {
		return store.Item{}, fmt.Errorf("jobs: put %q: %w", p.Key, err)
	}
	err = q.st.InTx(ctx, func(tx *store.Tx) error {
		if err := holds(ctx, tx, p.While); err != nil {
			return err
		}
		state, reason, err := receivable(ctx, tx, p.TenantID, p.PersonID, p.Item.ItemKind())
		if err != nil {
			return err
		}
		it, changed, err := tx.UpsertItem(ctx, store.DesiredItem{TenantID: p.TenantID, PersonID: p.PersonID, Key: p.Key,
			Item: p.Item, State: state, Reason: reason})
		if err != nil {
			return err
		}
		out = it
		if changed && (it.State == store.ItemQueued || it.State == store.ItemInFlight) {
			return q.enqueueItem(ctx, tx, it, p.Backfill)
		}
		return nil
	})
	if err != nil {
		return store.Item{}, fmt.Errorf("jobs: put %q: %w", p.Key, err)
	}
	return out, nil
}

// holds runs a change's condition: nil when there is none or it holds.
func holds(ctx context.Context, tx *store.Tx, while Condition) error {
	if while == nil {
		return nil
	}
	ok, err := while(ctx, tx)
	if err != nil {
		return err
	}
	if !ok {
		return ErrSkipped
	}
	return nil
}

// receivable says whether a person can receive an item of kind now.
func receivable(ctx context.Context, tx *store.Tx, tenantID, personID int64, kind orcid.ItemKind) (store.ItemState, string, error) {
	link, err := tx.Link(ctx, tenantID, personID)
	if errors.Is(err, store.ErrNotFound) {
		return store.ItemPending, reasonNotConnected, nil
	}
	if err != nil {
		return "", "", err
	}
	if reason := linkProblem(link, kind); reason != "" {
		return store.ItemPending, reason, nil
	}
	return store.ItemQueued, "", nil
}

// Reasons an item is pending.
const (
	reasonNotConnected = "not connected to ORCID"
	reasonRevoked      = "ORCID no longer accepts the researcher's authorization; they must connect again"
	reasonCredential   = "ORCID refused the organisation's API credential; fix the credential, then send the item again"
	reasonDeprecated   = "the ORCID record was merged into another (deprecated)"
	reasonLocked       = "ORCID has locked the record; items wait until ORCID unlocks it (send them again then)"
	reasonDeactivated  = "the researcher deactivated their ORCID record; items wait until they reactivate it"
)

// linkProblem is why the link cannot write an item of kind, or "".
func linkProblem(l store.Link, kind orcid.ItemKind) string {
	if l.State != store.LinkConnected || l.AccessToken == "" {
		return reasonNotConnected
	}
	info, ok := kind.Info()
	if !ok {
		return "unknown item kind " + string(kind)
	}
	if !slices.Contains(l.Scopes, info.WriteScope) {
		return "missing the ORCID permission " + info.WriteScope
	}
	return ""
}

// Retract asks for an item to be removed from the person's record.
func (q *Queue) Retract(ctx context.Context, tenantID, personID int64, kind orcid.ItemKind, key string) (out store.Item, err error) {
	return q.RetractWhile(ctx, tenantID, personID, kind, key, nil)
}

// RetractWhile is Retract if while (when not nil) holds inside the
// retraction's transaction; otherwise nothing changes and it returns
// ErrSkipped.
func (q *Queue) RetractWhile(ctx context.Context, tenantID, personID int64, kind orcid.ItemKind, key string,
	while Condition) (out store.Item, err error) {
	err = q.st.InTx(ctx, func(tx *store.Tx) error {
		if err := holds(ctx, tx, while); err != nil {
			return err
		}
		it, changed, err := tx.RetractItem(ctx, tenantID, personID, kind, key)
		if err != nil {
			return err
		}
		out = it
		if changed && it.State == store.ItemRetracting {
			return q.Enqueue(ctx, tx, it.ID)
		}
		return nil
	})
	if err != nil {
		return store.Item{}, fmt.Errorf("jobs: retract %q: %w", key, err)
	}
	return out, nil
}

// Resume queues a person's pending items, and their unfinished
// retractions, once they can receive them (they connected). It returns how
// many were queued.
func (q *Queue) Resume(ctx context.Context, tenantID, personID int64) (n int, err error) {
	err = q.st.InTx(ctx, func(tx *store.Tx) error {
		ids, err := tx.ResumeItems(ctx, tenantID, personID)
		if err != nil {
			return err
		}
		retracting, err := tx.ListItems(ctx, tenantID, store.ItemQuery{PersonID: personID,
			States: []store.ItemState{store.ItemRetracting}, Limit: 1000})
		if err != nil {
			return err
		}
		for _, it := range retracting {
			ids = append(ids, it.ID)
		}
		// One insert of many rows per 500 items, not one per item: a
		// person connecting after a backfill may have thousands waiting.
		for rest := ids; len(rest) > 0; {
			n := min(len(rest), 500)
			params := make([]river.InsertManyParams, n)
			for i, id := range rest[:n] {
				params[i] = river.InsertManyParams{Args: ItemArgs{ItemID: id}}
			}
			if err := q.be.insertManyTx(ctx, tx, params); err != nil {
				return fmt.Errorf("jobs: enqueue items of person %d: %w", personID, err)
			}
			rest = rest[n:]
		}
		if len(ids) > 0 {
			// The person's new works go in bulk (bulk.go).
			if err := q.be.insertTx(ctx, tx, BulkArgs{TenantID: tenantID, PersonID: personID}, nil); err != nil {
				return fmt.Errorf("jobs: enqueue bulk works of person %d: %w", personID, err)
			}
		}
		n = len(ids)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("jobs: resume items of person %d: %w", personID, err)
	}
	return n, nil
}

// Requeue queues an item again on an administrator's request (a permanent
// failure whose cause was fixed, an item the researcher deleted).
func (q *Queue) Requeue(ctx context.Context, tenantID, itemID int64) (out store.Item, err error) {
	err = q.st.InTx(ctx, func(tx *store.Tx) error {
		if out, err = tx.RequeueItem(ctx, tenantID, itemID); err != nil {
			return err
		}
		return q.Enqueue(ctx, tx, itemID)
	})
	if err != nil {
		return store.Item{}, fmt.Errorf("jobs: requeue item %d: %w", itemID, err)
	}
	return out, nil
}

// Sweep makes sure every item that needs work has a job. Unique jobs make
// it cheap to run at every start. Every person with works to POST gets a
// bulk job of this sweep's own (BulkArgs.Start), since the one they had
// may have been running in a process that died.
func (q *Queue) Sweep(ctx context.Context) error {
	people, err := q.st.PeopleWithDueWorks(ctx, 0)
	if err != nil {
		return fmt.Errorf("jobs: sweep: %w", err)
	}
	start := time.Now().UnixNano()
	for len(people) > 0 {
		n := min(len(people), 500)
		params := make([]river.InsertManyParams, n)
		for i, p := range people[:n] {
			params[i] = river.InsertManyParams{Args: BulkArgs{TenantID: p.TenantID, PersonID: p.PersonID, Start: start}}
		}
		if err := q.st.InTx(ctx, func(tx *store.Tx) error { return q.be.insertManyTx(ctx, tx, params) }); err != nil {
			return fmt.Errorf("jobs: sweep: %w", err)
		}
		people = people[n:]
	}
	var after int64
	for {
		ids, err := q.st.ItemsToWork(ctx, after, 500)
		if err != nil {
			return fmt.Errorf("jobs: sweep: %w", err)
		}
		if len(ids) == 0 {
			return nil
		}
		// One insert of many rows: a restart after a crash in a backfill
		// may find many thousands of items (and most with their job).
		params := make([]river.InsertManyParams, len(ids))
		for i, id := range ids {
			params[i] = river.InsertManyParams{Args: ItemArgs{ItemID: id}}
		}
		if err := q.st.InTx(ctx, func(tx *store.Tx) error {
			return q.be.insertManyTx(ctx, tx, params)
		}); err != nil {
			return fmt.Errorf("jobs: sweep: %w", err)
		}
		after = ids[len(ids)-1]
	}
}

// SQLite: River's client over the store's own pool (one connection), so
// that a job inserted with the store's *sql.Tx is in that transaction.

type sqliteBackend struct{ client *river.Client[*sql.Tx] }

func newSQLiteBackend(ctx context.Context, db *sql.DB, rc *river.Config, log *slog.Logger) (*sqliteBackend, error) {
	driver := riversqlite.New(db)
	if err := migrateRiver(ctx, driver, log); err != nil {
		return nil, err
	}
	// SQLite has no LISTEN/NOTIFY; polling is what finds new jobs.
	rc.PollOnly = true
	client, err := river.NewClient(driver, rc)
	if err != nil {
		return nil, fmt.Errorf("jobs: River client: %w", err)
	}
	return &sqliteBackend{client: client}, nil
}

func (b *sqliteBackend) insertTx(ctx context.Context, tx *store.Tx, args river.JobArgs, opts *river.InsertOpts) error {
	_, err := b.client.InsertTx(ctx, tx.SQL(), args, opts)
	return err
}

func (b *sqliteBackend) insertManyTx(ctx context.Context, tx *store.Tx, params []river.InsertManyParams) error {
	_, err := b.client.InsertManyTx(ctx, tx.SQL(), params)
	return err
}

func (b *sqliteBackend) completeTx(ctx context.Context, tx *store.Tx, job *river.Job[ItemArgs]) error {
	_, err := river.JobCompleteTx[*riversqlite.Driver](ctx, tx.SQL(), job)
	return err
}

func (b *sqliteBackend) insert(ctx context.Context, args river.JobArgs) error {
	_, err := b.client.Insert(ctx, args, nil)
	return err
}

func (b *sqliteBackend) start(ctx context.Context) error { return b.client.Start(ctx) }
func (b *sqliteBackend) stop(ctx context.Context) error  { return stopClient(ctx, b.client) }
func (b *sqliteBackend) close()                          {}

// PostgreSQL: River's client over a pgx pool of its own; a job inserted in
// a store transaction goes through that transaction's connection.

type postgresBackend struct {
	pool   *pgxpool.Pool
	client *river.Client[pgx.Tx]
}

// DefaultPostgresMaxConns is the size of River's pgx pool.
const DefaultPostgresMaxConns = 8

func newPostgresBackend(ctx context.Context, dsn string, maxConns int, rc *river.Config, log *slog.Logger) (*postgresBackend, error) {
	pc, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("jobs: PostgreSQL pool: %w", err)
	}
	// pgxpool keeps what it opened until MaxConnIdleTime, so it does not
	// churn sessions the way a database/sql pool with few idle ones does.
	pc.MaxConns = int32(maxConns)
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("jobs: PostgreSQL pool: %w", err)
	}
	driver := riverpgxv5.New(pool)
	if err := migrateRiverLocked(ctx, pool, driver, log); err != nil {
		pool.Close()
		return nil, err
	}
	client, err := river.NewClient(driver, rc)
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("jobs: River client: %w", err)
	}
	return &postgresBackend{pool: pool, client: client}, nil
}

func (b *postgresBackend) insertTx(ctx context.Context, tx *store.Tx, args river.JobArgs, opts *river.InsertOpts) error {
	return tx.WithPgx(func(conn *pgx.Conn) error {
		_, err := b.client.InsertTx(ctx, newConnTx(conn), args, opts)
		return err
	})
}

func (b *postgresBackend) insertManyTx(ctx context.Context, tx *store.Tx, params []river.InsertManyParams) error {
	return tx.WithPgx(func(conn *pgx.Conn) error {
		_, err := b.client.InsertManyTx(ctx, newConnTx(conn), params)
		return err
	})
}

func (b *postgresBackend) insert(ctx context.Context, args river.JobArgs) error {
	_, err := b.client.Insert(ctx, args, nil)
	return err
}

func (b *postgresBackend) completeTx(ctx context.Context, tx *store.Tx, job *river.Job[ItemArgs]) error {
	return tx.WithPgx(func(conn *pgx.Conn) error {
		_, err := river.JobCompleteTx[*riverpgxv5.Driver](ctx, pgx.Tx(newConnTx(conn)), job)
		return err
	})
}

func (b *postgresBackend) start(ctx context.Context) error { return b.client.Start(ctx) }
func (b *postgresBackend) stop(ctx context.Context) error  { return stopClient(ctx, b.client) }
func (b *postgresBackend) close()                          { b.pool.Close() }

// stopClient stops a client (one never started stops at once), cancelling
// the jobs still running when ctx ends: they are retried, and the worker
// is safe to stop at any point.
func stopClient[TTx any](ctx context.Context, c *river.Client[TTx]) error {
	if err := c.Stop(ctx); err != nil {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		return errors.Join(err, c.StopAndCancel(cctx))
	}
	return nil
}

// riverMigrationLock is the PostgreSQL advisory lock key under which River's
// migrations run ("orcidlinkRiver" in ASCII, truncated to 63 bits).
const riverMigrationLock = 0x6f7263696452697

// migrateRiverLocked runs River's migrations while holding a session
// advisory lock: rivermigrate takes none, and several orcidlink processes
// may start at once against one database. (Not one transaction: some of
// River's migrations add an enum value and then use it, which PostgreSQL
// refuses within a transaction.)
func migrateRiverLocked(ctx context.Context, pool *pgxpool.Pool, driver *riverpgxv5.Driver, log *slog.Logger) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("jobs: River migrations: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", int64(riverMigrationLock)); err != nil {
		return fmt.Errorf("jobs: River migrations: lock: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", int64(riverMigrationLock))
	return migrateRiver(ctx, driver, log)
}

// migrateRiver brings River's own tables up to date. Run at every start:
// a database already migrated costs one query.
func migrateRiver[TTx any](ctx context.Context, driver riverdriver.Driver[TTx], log *slog.Logger) error {
	m, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: riverLogger(log)})
	if err != nil {
		return fmt.Errorf("jobs: River migrations: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("jobs: River migrations: %w", err)
	}
	return nil
}
