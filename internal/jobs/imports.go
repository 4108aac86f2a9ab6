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

// InsertOpts: one import per person waiting or running at a time.
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
	cred, err := w.st.Credential(ctx, link.CredentialID)
	if err != nil {
		return fmt.Errorf("jobs: import: %w", err)
	}
	client, err := w.clients.Client(ctx, cred)
	if err != nil {
		return fmt.Errorf("jobs: import: %w", err)
	}
	rec, err := client.ReadRecord(w.callContext(ctx, a.TenantID, a.PersonID), link.AccessToken, link.ORCID)
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
	body, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("jobs: import: encode record: %w", err)
	}
	fetched := time.Now()
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

func (iw *importAllWorker) Work(ctx context.Context, _ *river.Job[ImportAllArgs]) error {
	people, err := iw.q.st.ConnectedPeople(ctx)
	if err != nil {
		return fmt.Errorf("jobs: import all: %w", err)
	}
	for _, p := range people {
		if err := iw.q.Import(ctx, p[0], p[1]); err != nil {
			return err
		}
	}
	return nil
}

// Import queues a read of the person's record (on demand; the daily job
// does it for everyone connected).
func (q *Queue) Import(ctx context.Context, tenantID, personID int64) error {
	if err := q.be.insert(ctx, ImportArgs{TenantID: tenantID, PersonID: personID}); err != nil {
		return fmt.Errorf("jobs: queue the import of person %d: %w", personID, err)
	}
	return nil
}
