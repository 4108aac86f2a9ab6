package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/webhooks"
)

// ImportArgs is the job that reads one person's ORCID record into
// orcidlink, for the tenant's own systems.
type ImportArgs struct {
	TenantID int64 `json:"tenant_id" river:"unique"`
	PersonID int64 `json:"person_id" river:"unique"`
}

// Kind implements river.JobArgs.
func (ImportArgs) Kind() string { return "orcid_import" }

// InsertOpts makes one import per person wait or run at a time.
func (ImportArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable, rivertype.JobStateRunning,
		rivertype.JobStateScheduled,
	}}}
}

// ImportAllArgs is the daily job that queues an import for every
// connected person.
type ImportAllArgs struct{}

// Kind implements river.JobArgs.
func (ImportAllArgs) Kind() string { return "orcid_import_all" }

// ImportInterval is how often every connected person's record is read.
const ImportInterval = 24 * time.Hour

type importWorker struct {
	river.WorkerDefaults[ImportArgs]
	w *worker
}

// Work reads the record with the person's token (the credential's rate
// budget applies) and keeps it. A 401 means the researcher revoked us:
// the link is marked so, as for any other call.
func (iw *importWorker) Work(ctx context.Context, job *river.Job[ImportArgs]) error {
	w, a := iw.w, job.Args
	link, err := w.st.Link(ctx, a.TenantID, a.PersonID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && link.State != store.LinkConnected) {
		return nil // nothing to read: not connected (any more)
	}
	if err != nil {
		return fmt.Errorf("jobs: import: %w", err)
	}
	cred, client, err := w.clientFor(ctx, link.CredentialID)
	if err != nil {
		return fmt.Errorf("jobs: import: %w", err)
	}
	// A read in the background: it yields to writes, within its tenant's
	// share of the credential's budget (SharedLimiter.Wait).
	rctx := withBackfill(callContext(ctx, a.TenantID, a.PersonID))
	rec, err := client.ReadRecord(rctx, link.AccessToken, link.ORCID)
	switch {
	case errors.Is(err, orcid.ErrCredentialRefused), recordReason(err) != "":
		// Our credential or the record's state, not the researcher's
		// consent: the link stays connected.
		w.log.WarnContext(ctx, "import of an ORCID record refused", "tenant", a.TenantID, "person", a.PersonID, "err", err)
		if errors.Is(err, orcid.ErrCredentialRefused) && w.watcher != nil {
			w.watcher.Refused(ctx, cred.ID, err)
		}
		return river.JobCancel(err)
	case errors.Is(err, orcid.ErrTokenInvalid):
		return w.revoke(ctx, link, "ORCID refused our token (401) while importing the record")
	case err != nil && orcid.IsPermanent(err):
		w.log.WarnContext(ctx, "import of an ORCID record refused", "tenant", a.TenantID, "person", a.PersonID, "err", err)
		return river.JobCancel(err)
	case err != nil:
		return err // River retries with backoff
	}
	fetched := time.Now()
	if unchanged, err := sameRecord(ctx, w.st, link, rec); err != nil {
		return err
	} else if unchanged {
		// Nothing changed since the last import: the stored record stays
		// as it is and no record.imported event goes out (doc/webhooks.md:
		// an event per unchanged record would be noise to the
		// organisation's systems); only the time of the read moves.
		return w.st.TouchRecord(ctx, a.TenantID, a.PersonID, fetched)
	}
	body, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("jobs: import: encode record: %w", err)
	}
	if err := w.st.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.SaveRecord(ctx, store.ImportedRecord{TenantID: a.TenantID, PersonID: a.PersonID, LinkID: link.ID,
			ORCIDURI: link.ORCIDURI, Record: body, FetchedAt: fetched}); err != nil {
			return err
		}
		return recordEvent(ctx, tx, webhooks.Imported(a.TenantID, a.PersonID, link.ORCIDURI, fetched))
	}); err != nil {
		return err
	}
	if w.kick != nil {
		w.kick(ctx)
	}
	return nil
}

type importAllWorker struct {
	river.WorkerDefaults[ImportAllArgs]
	q *Queue
}

// Work queues every connected person's import, spread evenly over most of
// the day rather than all at once (issue 16): a million records read at
// 24 requests a second take half a day of a credential's budget, and the
// day's writes must find room in it. Inserted in batches of many rows.
//
// With ORCID's premium webhooks (record_webhooks.go) a record whose webhook
// has said nothing since its last read is skipped (importNeeded).
func (iw *importAllWorker) Work(ctx context.Context, _ *river.Job[ImportAllArgs]) error {
	records, err := iw.q.st.ConnectedRecords(ctx)
	if err != nil {
		return fmt.Errorf("jobs: import all: %w", err)
	}
	now := time.Now()
	reached := webhooksReached(records)
	people := make([][2]int64, 0, len(records))
	for _, r := range records {
		if iw.q.hookURL == "" || importNeeded(r, reached[r.CredentialID], now) {
			people = append(people, [2]int64{r.TenantID, r.PersonID})
		}
	}
	iw.q.log.InfoContext(ctx, "daily import of ORCID records queued", "read", len(people),
		"skipped_unchanged", len(records)-len(people))
	if iw.q.importRun != nil {
		iw.q.importRun(len(people), len(records)-len(people))
	}
	start, step := now, importSpread(len(people))
	for len(people) > 0 {
		n := min(len(people), 500)
		params := make([]river.InsertManyParams, n)
		for i, p := range people[:n] {
			params[i] = river.InsertManyParams{Args: ImportArgs{TenantID: p[0], PersonID: p[1]},
				InsertOpts: &river.InsertOpts{ScheduledAt: start}}
			start = start.Add(step)
		}
		if err := iw.q.st.InTx(ctx, func(tx *store.Tx) error { return iw.q.be.insertManyTx(ctx, tx, params) }); err != nil {
			return fmt.Errorf("jobs: import all: %w", err)
		}
		people = people[n:]
	}
	return nil
}

// importSpread is the time between two of n imports queued by the daily
// job: n of them fill nine tenths of ImportInterval, so that the day's
// imports are done before the next day's are queued.
func importSpread(n int) time.Duration {
	if n <= 1 {
		return 0
	}
	return ImportInterval * 9 / 10 / time.Duration(n)
}

// Import queues a read of the person's record (on demand; the daily job
// does it for everyone connected).
func (q *Queue) Import(ctx context.Context, tenantID, personID int64) error {
	if err := q.be.insert(ctx, ImportArgs{TenantID: tenantID, PersonID: personID}); err != nil {
		return fmt.Errorf("jobs: queue the import of person %d: %w", personID, err)
	}
	return nil
}

// safetyRead is the longest a record goes unread though its webhook says
// nothing: ORCID's webhooks are not a guarantee. ORCID gives up on a
// callback after 25 failed attempts (WebhookManagerImpl, maxAttemptCount),
// forgets a client's pending calls for a run after a 429, and a webhook can
// be lost with a record merged or deprecated; orcidlink may have been
// unreachable, or its public URL changed. A weekly read bounds how stale a
// record can be in every such case, at a seventh of the reads. Six and a
// half days, so that daily runs drifting by some hours still read weekly.
const safetyRead = 6*ImportInterval + ImportInterval/2

// importNeeded says whether the daily import reads the record. It does
// unless ORCID's webhook is registered for it, the last read came after
// the registration (a change before it went unreported), no call has come
// since that read, the read is less than safetyRead old, and ORCID has
// called the credential's webhooks at all within safetyRead (reached: the
// latest call to any of them), which shows that its calls reach orcidlink.
func importNeeded(r store.ConnectedRecord, reached, now time.Time) bool {
	switch {
	case r.RegisteredAt.IsZero(), r.FetchedAt.IsZero(), !r.FetchedAt.After(r.RegisteredAt):
		return true
	case !r.ChangedAt.IsZero() && !r.ChangedAt.Before(r.FetchedAt):
		return true // ORCID said it changed since
	case now.Sub(r.FetchedAt) >= safetyRead:
		return true
	case reached.IsZero() || now.Sub(reached) >= safetyRead:
		return true // no sign that ORCID's calls reach us
	}
	return false
}

// webhooksReached is, per credential, the latest call ORCID made to any of
// its webhooks.
func webhooksReached(records []store.ConnectedRecord) map[int64]time.Time {
	out := map[int64]time.Time{}
	for _, r := range records {
		if r.ChangedAt.After(out[r.CredentialID]) {
			out[r.CredentialID] = r.ChangedAt
		}
	}
	return out
}

// sameRecord reports whether rec is the record stored for the link with
// the same last-modified date: ORCID moves the record's last-modified on
// every change (ProfileLastModifiedAspect in ORCID-Source), so an equal
// one means nothing changed. A record without one is never the same.
func sameRecord(ctx context.Context, st *store.Store, link store.Link, rec *orcid.Record) (bool, error) {
	if rec.History == nil || rec.History.LastModifiedDate == nil {
		return false, nil
	}
	old, err := st.Record(ctx, link.TenantID, link.PersonID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("jobs: import: %w", err)
	}
	if old.LinkID != link.ID || old.ORCIDURI != link.ORCIDURI {
		return false, nil
	}
	var prev struct {
		History *struct {
			LastModifiedDate *orcid.Timestamp `json:"last-modified-date"`
		} `json:"history"`
	}
	if err := json.Unmarshal(old.Record, &prev); err != nil || prev.History == nil || prev.History.LastModifiedDate == nil {
		return false, nil // unreadable: rewrite it
	}
	return prev.History.LastModifiedDate.Equal(rec.History.LastModifiedDate.Time), nil
}

// ImportAll queues the daily import now (it also runs every
// ImportInterval): every connected person's read, but for the records
// ORCID's webhooks say are unchanged.
func (q *Queue) ImportAll(ctx context.Context) error {
	if err := q.be.insert(ctx, ImportAllArgs{}); err != nil {
		return fmt.Errorf("jobs: queue the daily import: %w", err)
	}
	return nil
}
