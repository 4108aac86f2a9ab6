package jobs

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
)

// ORCID's premium webhooks (orcid-api.md §13; ORCID-Source
// orcid-api-web/WEBHOOKS.md, WebhookManagerImpl): a premium member client
// registers, with a two-legged /webhook token, a callback per record
// (PUT /{orcid}/webhook/{url-encoded callback}), and ORCID POSTs an empty
// body to it, batched every few minutes, after the record changed. ORCID's
// API answers no conditional requests, so this is the only way to know
// that a record did not change without reading it: the daily import skips
// the records whose webhook has said nothing since their last read
// (importAllWorker).

// RecordWebhookPath is where ORCID's calls arrive on orcidlink's public
// URL: RecordWebhookPath + "{link id}/{token}" (internal/web).
const RecordWebhookPath = "/orcid/record-changed/"

// RecordWebhookCallback is the callback URL of a registration under
// publicURL. The token is the only proof a call comes from ORCID, which
// does not sign its calls.
func RecordWebhookCallback(publicURL string, h store.RecordWebhook) string {
	return strings.TrimSuffix(publicURL, "/") + RecordWebhookPath + strconv.FormatInt(h.LinkID, 10) + "/" + h.Token
}

// RegisterWebhookArgs registers ORCID's webhook for one person's link.
type RegisterWebhookArgs struct {
	TenantID int64 `json:"tenant_id" river:"unique"`
	PersonID int64 `json:"person_id" river:"unique"`
}

// Kind implements river.JobArgs.
func (RegisterWebhookArgs) Kind() string { return "orcid_webhook_register" }

// InsertOpts makes one registration per person wait or run at a time.
func (RegisterWebhookArgs) InsertOpts() river.InsertOpts { return uniqueWhileQueued() }

// UnregisterWebhookArgs removes the webhook of a link that is no longer
// connected.
type UnregisterWebhookArgs struct {
	LinkID int64 `json:"link_id" river:"unique"`
}

// Kind implements river.JobArgs.
func (UnregisterWebhookArgs) Kind() string { return "orcid_webhook_unregister" }

// InsertOpts makes one removal per link wait or run at a time.
func (UnregisterWebhookArgs) InsertOpts() river.InsertOpts { return uniqueWhileQueued() }

// SyncWebhooksArgs is the daily job (also run at start) that registers
// webhooks for connected people who have none, existing connections
// included, and removes those of links no longer connected.
type SyncWebhooksArgs struct{}

// Kind implements river.JobArgs.
func (SyncWebhooksArgs) Kind() string { return "orcid_webhooks_sync" }

func uniqueWhileQueued() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable, rivertype.JobStateRunning,
		rivertype.JobStateScheduled,
	}}}
}

// addRecordWebhooks registers the webhook jobs when orcidlink has a public
// URL ORCID can call (Config.RecordWebhookURL).
func (q *Queue) addRecordWebhooks(workers *river.Workers, rc *river.Config, publicURL string) error {
	q.hookURL = strings.TrimSuffix(publicURL, "/")
	if q.hookURL == "" {
		return nil
	}
	for _, w := range []interface{ add(*river.Workers) error }{
		workerAdder[RegisterWebhookArgs]{&registerWebhookWorker{q: q}},
		workerAdder[UnregisterWebhookArgs]{&unregisterWebhookWorker{q: q}},
		workerAdder[SyncWebhooksArgs]{&syncWebhooksWorker{q: q}},
	} {
		if err := w.add(workers); err != nil {
			return fmt.Errorf("jobs: %w", err)
		}
	}
	rc.PeriodicJobs = append(rc.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(ImportInterval),
		func() (river.JobArgs, *river.InsertOpts) { return SyncWebhooksArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true}))
	return nil
}

type workerAdder[T river.JobArgs] struct{ w river.Worker[T] }

func (a workerAdder[T]) add(ws *river.Workers) error { return river.AddWorkerSafely(ws, a.w) }

// RecordWebhooks reports whether this queue registers ORCID's webhooks.
func (q *Queue) RecordWebhooks() bool { return q.hookURL != "" }

// RegisterWebhook queues the registration of ORCID's webhook for the
// person's record (after a connection); nothing when the queue registers
// none.
func (q *Queue) RegisterWebhook(ctx context.Context, tenantID, personID int64) error {
	if q.hookURL == "" {
		return nil
	}
	if err := q.be.insert(ctx, RegisterWebhookArgs{TenantID: tenantID, PersonID: personID}); err != nil {
		return fmt.Errorf("jobs: queue the webhook of person %d: %w", personID, err)
	}
	return nil
}

// UnregisterWebhook queues the removal at ORCID of the link's webhook
// (after a disconnection or removal); a link without one is a no-op.
func (q *Queue) UnregisterWebhook(ctx context.Context, linkID int64) error {
	if q.hookURL == "" {
		return nil
	}
	if err := q.be.insert(ctx, UnregisterWebhookArgs{LinkID: linkID}); err != nil {
		return fmt.Errorf("jobs: queue the removal of the webhook of link %d: %w", linkID, err)
	}
	return nil
}

type registerWebhookWorker struct {
	river.WorkerDefaults[RegisterWebhookArgs]
	q *Queue
}

// Work registers the person's callback when the credential's client may
// use webhooks: a backfill within the tenant's share of the credential's
// budget, as a record import is.
func (rw *registerWebhookWorker) Work(ctx context.Context, job *river.Job[RegisterWebhookArgs]) error {
	q, w, a := rw.q, rw.q.w, job.Args
	link, err := w.st.Link(ctx, a.TenantID, a.PersonID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (link.State != store.LinkConnected || link.ORCID == "")) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("jobs: register webhook: %w", err)
	}
	if h, err := w.st.RecordWebhookOfLink(ctx, link.ID); err == nil && !h.RegisteredAt.IsZero() &&
		h.ORCID == string(link.ORCID) && h.CredentialID == link.CredentialID {
		return nil // registered already
	}
	// Whether the client may use webhooks is asked at the credential
	// check (package problems): a client not known to be premium
	// registers none, and its records are read daily.
	capable, _, err := w.st.CredentialWebhooks(ctx, link.CredentialID)
	if err != nil {
		return fmt.Errorf("jobs: register webhook: %w", err)
	}
	if capable != store.WebhooksYes {
		return nil
	}
	cred, client, err := w.clientFor(ctx, link.CredentialID)
	if err != nil {
		return fmt.Errorf("jobs: register webhook: %w", err)
	}
	rctx := withBackfill(callContext(ctx, a.TenantID, a.PersonID))
	h, err := w.st.EnsureRecordWebhook(ctx, link, rand.Text())
	if err != nil {
		return fmt.Errorf("jobs: register webhook: %w", err)
	}
	if _, err := client.RegisterWebhook(rctx, link.ORCID, RecordWebhookCallback(q.hookURL, h)); err != nil {
		if errors.Is(err, orcid.ErrForbidden) {
			// The client lost its premium membership: every record is
			// read daily again.
			if err := w.st.SetCredentialWebhooks(ctx, cred.ID, false); err != nil {
				return fmt.Errorf("jobs: register webhook: %w", err)
			}
		}
		return rw.failed(ctx, cred.ID, err)
	}
	if err := w.st.RecordWebhookRegistered(ctx, link.ID); err != nil {
		return fmt.Errorf("jobs: register webhook: %w", err)
	}
	return nil
}

// failed decides a registration's fate: our credential refused is the
// watcher's business, a permanent refusal ends the job (the person's
// record is then read daily, as without webhooks), anything else is
// retried.
func (rw *registerWebhookWorker) failed(ctx context.Context, credentialID int64, err error) error {
	w := rw.q.w
	switch {
	case errors.Is(err, orcid.ErrCredentialRefused):
		if w.watcher != nil {
			w.watcher.Refused(ctx, credentialID, err)
		}
		return river.JobCancel(err)
	case orcid.IsPermanent(err):
		w.log.WarnContext(ctx, "ORCID refused a webhook registration", "credential", credentialID, "err", err)
		return river.JobCancel(err)
	default:
		return err
	}
}

type unregisterWebhookWorker struct {
	river.WorkerDefaults[UnregisterWebhookArgs]
	q *Queue
}

// Work removes the webhook at ORCID, then forgets it. A link connected
// again meanwhile keeps its webhook.
func (uw *unregisterWebhookWorker) Work(ctx context.Context, job *river.Job[UnregisterWebhookArgs]) error {
	q, w := uw.q, uw.q.w
	h, err := w.st.RecordWebhookOfLink(ctx, job.Args.LinkID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("jobs: unregister webhook: %w", err)
	}
	if l, err := w.st.Link(ctx, h.TenantID, h.PersonID); err == nil && l.ID == h.LinkID && l.State == store.LinkConnected {
		return nil
	}
	if !h.RegisteredAt.IsZero() {
		cred, client, err := w.clientFor(ctx, h.CredentialID)
		if err != nil {
			return fmt.Errorf("jobs: unregister webhook: %w", err)
		}
		rctx := withBackfill(callContext(ctx, h.TenantID, h.PersonID))
		err = client.UnregisterWebhook(rctx, orcid.ID(h.ORCID), RecordWebhookCallback(q.hookURL, h))
		switch {
		case errors.Is(err, orcid.ErrCredentialRefused):
			if w.watcher != nil {
				w.watcher.Refused(ctx, cred.ID, err)
			}
			return err // retried once the credential works again
		case err != nil && orcid.IsPermanent(err):
			// ORCID will not remove it (forbidden, a record gone): its
			// calls find no registration and are refused.
			w.log.WarnContext(ctx, "ORCID refused to remove a webhook", "link", h.LinkID, "err", err)
		case err != nil:
			return err
		}
	}
	if err := w.st.DeleteRecordWebhook(ctx, h.LinkID); err != nil {
		return fmt.Errorf("jobs: unregister webhook: %w", err)
	}
	return nil
}

type syncWebhooksWorker struct {
	river.WorkerDefaults[SyncWebhooksArgs]
	q *Queue
}

// Work queues a registration for each connected person without a webhook
// (at the first run: every existing connection), spread as the daily
// imports are so that the registrations leave room for the day's writes,
// and a removal for each link no longer connected.
func (sw *syncWebhooksWorker) Work(ctx context.Context, _ *river.Job[SyncWebhooksArgs]) error {
	q := sw.q
	stale, err := q.st.StaleRecordWebhooks(ctx)
	if err != nil {
		return fmt.Errorf("jobs: sync webhooks: %w", err)
	}
	params := make([]river.InsertManyParams, 0, len(stale))
	for _, h := range stale {
		params = append(params, river.InsertManyParams{Args: UnregisterWebhookArgs{LinkID: h.LinkID}})
	}
	people, err := q.st.LinksWithoutWebhook(ctx)
	if err != nil {
		return fmt.Errorf("jobs: sync webhooks: %w", err)
	}
	start, step := time.Now(), importSpread(len(people))
	for _, p := range people {
		params = append(params, river.InsertManyParams{Args: RegisterWebhookArgs{TenantID: p[0], PersonID: p[1]},
			InsertOpts: &river.InsertOpts{ScheduledAt: start}})
		start = start.Add(step)
	}
	for len(params) > 0 {
		n := min(len(params), 500)
		if err := q.st.InTx(ctx, func(tx *store.Tx) error { return q.be.insertManyTx(ctx, tx, params[:n]) }); err != nil {
			return fmt.Errorf("jobs: sync webhooks: %w", err)
		}
		params = params[n:]
	}
	if len(stale) > 0 || len(people) > 0 {
		q.log.InfoContext(ctx, "ORCID webhooks queued", "register", len(people), "unregister", len(stale))
	}
	return nil
}
