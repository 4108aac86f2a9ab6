package jobs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/riverqueue/river"

	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/orcidclients"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/webhooks"
)

// worker moves one item towards its desired state on ORCID (design note 2
// in doc/design.md): POST when there is no put-code, PUT when the content
// ORCID confirmed is not the desired one, DELETE when retracting.
//
// Each write is bracketed by store.BeginItemWrite (committed before the
// call, so that a crash leaves the outcome marked unknown) and a
// transaction that stores the outcome and, when the item is settled,
// completes the job. A retry of an item whose outcome is unknown reads the
// record first (orcid.Client.FindOwn) instead of posting again.
type worker struct {
	river.WorkerDefaults[ItemArgs]
	st         *store.Store
	revoker    Revoker
	clients    ClientSource
	log        *slog.Logger
	afterWrite func(ctx context.Context, it store.Item) error
	complete   func(ctx context.Context, tx *store.Tx, job *river.Job[ItemArgs]) error
	// kick, if set, nudges webhook deliveries after events were recorded.
	kick func(ctx context.Context)
	// watcher, if set, hears of credentials ORCID refuses.
	watcher Watcher
	// leaseFor is how long a person's bulk lease lasts past its last
	// renewal (Config.BulkLease).
	leaseFor time.Duration
	// bulkSize is the most works one request carries (Config.BulkSize).
	bulkSize int
	// slots keeps a quarter of the workers from any one tenant's
	// backfill (bulk.go): another tenant's backfill, and single works,
	// get a worker while the first tenant's jobs wait for the budget, and
	// the budget's fair shares (SharedLimiter.Wait) can only be fair among
	// tenants whose jobs are running.
	slots *tenantSlots
}

// maxSteps bounds the writes of one job run: an item edited again and
// again while it is pushed is snoozed rather than holding a worker.
const maxSteps = 8

// Work implements river.Worker. A returned error makes River retry the job
// with backoff: only temporary failures (429, 5xx, network) do that.
func (w *worker) Work(ctx context.Context, job *river.Job[ItemArgs]) error {
	for range maxSteps {
		done, err := w.step(ctx, job)
		if err != nil || done {
			return err
		}
	}
	return river.JobSnooze(time.Second)
}

// settled states need no job: the job of an item in one is complete.
func settled(s store.ItemState) bool {
	switch s {
	case store.ItemSynced, store.ItemFailedPermanent, store.ItemDeletedByResearcher, store.ItemRetracted, store.ItemPending:
		return true
	}
	return false
}

// settle runs update in a transaction and, if the item is then settled (or
// force), completes the job in the same transaction. afterWrite says that
// update stores the outcome of a call to ORCID (for the test hook).
func (w *worker) settle(ctx context.Context, job *river.Job[ItemArgs], afterWrite, force bool,
	update func(tx *store.Tx) (store.Item, error)) (done bool, err error) {
	// The outcome of a call that happened must be stored even if the job
	// is being cancelled.
	ctx = context.WithoutCancel(ctx)
	evented := false
	err = w.st.InTx(ctx, func(tx *store.Tx) error {
		before, err := tx.ItemByID(ctx, job.Args.ItemID)
		if err != nil {
			return err
		}
		it, err := update(tx)
		if err != nil {
			return err
		}
		// Webhooks hear of the item's arrival (or failure, or removal)
		// if and only if it is stored.
		if ev, ok := webhooks.ItemEvent(before, it); ok {
			if err := recordEvent(ctx, tx, ev); err != nil {
				return err
			}
			evented = true
		}
		if afterWrite && w.afterWrite != nil {
			if err := w.afterWrite(ctx, it); err != nil {
				return err
			}
		}
		if force || settled(it.State) {
			done = true
			if job.JobRow == nil {
				return nil // a bulk job's stand-in for one of its works (bulk.go): nothing to complete
			}
			return w.complete(ctx, tx, job)
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("jobs: item %d: %w", job.Args.ItemID, err)
	}
	if evented && w.kick != nil {
		w.kick(ctx)
	}
	return done, nil
}

func (w *worker) step(ctx context.Context, job *river.Job[ItemArgs]) (bool, error) {
	id := job.Args.ItemID
	it, err := w.st.ItemByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return true, nil // the person (and their items) were deleted
	}
	if err != nil {
		return false, fmt.Errorf("jobs: %w", err)
	}
	switch it.State {
	case store.ItemQueued, store.ItemInFlight, store.ItemFailedRetryable, store.ItemRetracting:
	default:
		return w.settle(ctx, job, false, false, func(tx *store.Tx) (store.Item, error) { return tx.TouchItem(ctx, id) })
	}

	link, err := w.st.Link(ctx, it.TenantID, it.PersonID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return false, fmt.Errorf("jobs: item %d: %w", id, err)
	}
	if reason := linkProblem(link, it.Kind); reason != "" {
		if it.State == store.ItemRetracting && it.PutCode == 0 && !it.CallOpen {
			return w.settle(ctx, job, false, false, func(tx *store.Tx) (store.Item, error) { return tx.EndItemRetraction(ctx, id) })
		}
		// Parked until the person connects (Queue.Resume); a retraction
		// stays retracting, and its job ends too.
		return w.settle(ctx, job, false, true, func(tx *store.Tx) (store.Item, error) { return tx.SetItemPending(ctx, id, reason) })
	}
	if it.PutCode != 0 && it.LinkID != 0 && it.LinkID != link.ID {
		// Obtained on another registry or credential: meaningless here.
		if it, err = w.st.ForgetPutCode(ctx, id); err != nil {
			return false, fmt.Errorf("jobs: %w", err)
		}
	}
	_, client, err := w.clientFor(ctx, link.CredentialID)
	if err != nil {
		return false, fmt.Errorf("jobs: item %d: %w", id, err)
	}
	ctx = callContext(ctx, it.TenantID, it.PersonID)
	c := call{w: w, job: job, client: client, link: link}

	if needsLease(it) {
		// New works go in bulk, under the person's lease (bulk.go).
		return c.underLease(ctx, it)
	}

	if it.State == store.ItemRetracting {
		return c.retract(ctx, it)
	}
	if it.PutCode != 0 && !it.NeedsPush() {
		// ORCID already holds this content (an edit was undone).
		return w.settle(ctx, job, false, false, func(tx *store.Tx) (store.Item, error) {
			if _, err := tx.BeginItemWrite(ctx, id); err != nil {
				return store.Item{}, err
			}
			return tx.EndItemWrite(ctx, id, link.ID, it.PutCode, true)
		})
	}
	if it.PutCode == 0 {
		if it.CallOpen {
			// The last write's outcome is unknown: it may be on the record.
			sent, err := w.st.ItemSent(ctx, id)
			if err != nil {
				return false, fmt.Errorf("jobs: %w", err)
			}
			pc, found, err := c.findInDoubt(ctx, it, sent)
			if err != nil {
				return c.failed(ctx, it, http.MethodGet, err)
			}
			if found {
				// What is there is what was being written (PushingHash);
				// if the content moved on since, the item stays queued for
				// a PUT.
				return w.settle(ctx, job, true, false, func(tx *store.Tx) (store.Item, error) {
					return tx.EndItemWrite(ctx, id, link.ID, pc, true)
				})
			}
		}
		return c.post(ctx, it)
	}
	return c.put(ctx, it)
}

// call is one job's writes to ORCID with one client and link.
type call struct {
	w      *worker
	job    *river.Job[ItemArgs]
	client *orcid.Client
	link   store.Link
}

func (c call) post(ctx context.Context, it store.Item) (bool, error) {
	begun, err := c.w.st.BeginItemWrite(ctx, it.ID)
	if err != nil {
		return false, fmt.Errorf("jobs: %w", err)
	}
	// Send exactly the content BeginItemWrite recorded as being written.
	item, err := begun.Decode()
	if err != nil {
		return c.failed(ctx, begun, http.MethodPost, err)
	}
	res, err := c.client.Add(ctx, c.link.AccessToken, c.link.ORCID, item)
	if err != nil {
		return c.failed(ctx, begun, http.MethodPost, err)
	}
	// A 409 adopted our existing item, whose content may be older: the
	// item stays queued and the next step PUTs it.
	return c.w.settle(ctx, c.job, true, false, func(tx *store.Tx) (store.Item, error) {
		return tx.EndItemWrite(ctx, it.ID, c.link.ID, res.PutCode, !res.Existing)
	})
}

func (c call) put(ctx context.Context, it store.Item) (bool, error) {
	begun, err := c.w.st.BeginItemWrite(ctx, it.ID)
	if err != nil {
		return false, fmt.Errorf("jobs: %w", err)
	}
	item, err := begun.Decode()
	if err != nil {
		return c.failed(ctx, begun, http.MethodPut, err)
	}
	item.SetPutCode(begun.PutCode)
	if _, err := c.client.Update(ctx, c.link.AccessToken, c.link.ORCID, item); err != nil {
		if errors.Is(err, orcid.ErrNotFound) {
			// The researcher deleted it on ORCID: respect that.
			return c.w.settle(ctx, c.job, true, false, func(tx *store.Tx) (store.Item, error) {
				return tx.ItemWriteFailed(ctx, it.ID, store.ItemOutcome{State: store.ItemDeletedByResearcher,
					LastError: orcidMessage(err)})
			})
		}
		return c.failed(ctx, begun, http.MethodPut, err)
	}
	return c.w.settle(ctx, c.job, true, false, func(tx *store.Tx) (store.Item, error) {
		return tx.EndItemWrite(ctx, it.ID, c.link.ID, begun.PutCode, true)
	})
}

func (c call) retract(ctx context.Context, it store.Item) (bool, error) {
	pc := it.PutCode
	if pc == 0 && it.CallOpen {
		// A POST whose outcome is unknown may have put it there.
		sent, err := c.w.st.ItemSent(ctx, it.ID)
		if err != nil {
			return false, fmt.Errorf("jobs: %w", err)
		}
		found, ok, err := c.findInDoubt(ctx, it, sent)
		if err != nil {
			return c.failed(ctx, it, http.MethodGet, err)
		}
		if ok {
			pc = found
		}
	}
	if pc != 0 {
		if _, err := c.w.st.BeginItemWrite(ctx, it.ID); err != nil {
			return false, fmt.Errorf("jobs: %w", err)
		}
		// 404: already gone, which is what we wanted.
		if err := c.client.DeleteItem(ctx, c.link.AccessToken, c.link.ORCID, it.Kind, pc); err != nil && !errors.Is(err, orcid.ErrNotFound) {
			return c.failed(ctx, it, http.MethodDelete, err)
		}
	}
	return c.w.settle(ctx, c.job, true, false, func(tx *store.Tx) (store.Item, error) {
		return tx.EndItemRetraction(ctx, it.ID)
	})
}

// findInDoubt looks on the record for what a write whose outcome is
// unknown may have put there: the content that write sent (store.ItemSent;
// an edit since may have changed its identifiers, a DOI corrected), then,
// if the item changed since, its content now.
//
// What another of our items holds is never adopted: items without
// identifiers are matched by title only, and adopting a sibling's put-code
// would overwrite (or, for a retraction, delete) that sibling on ORCID.
func (c call) findInDoubt(ctx context.Context, it store.Item, sent orcid.Item) (int64, bool, error) {
	taken, err := c.w.st.PutCodesOfOthers(ctx, c.link, it.Kind, it.ID)
	if err != nil {
		return 0, false, err
	}
	pc, found, err := c.client.FindOwnExcept(ctx, c.link.AccessToken, c.link.ORCID, sent, taken)
	if err != nil || found || it.PushingHash == nil || bytes.Equal(it.PushingHash, it.ContentHash) {
		return pc, found, err
	}
	now, err := it.Decode()
	if err != nil {
		return 0, false, err
	}
	return c.client.FindOwnExcept(ctx, c.link.AccessToken, c.link.ORCID, now, taken)
}

// failed records a call that did not succeed and decides what follows:
// a dead token revokes the link and parks the item; a refusal (400, 403) is
// final, with ORCID's message; anything else is River's to retry.
func (c call) failed(ctx context.Context, it store.Item, method string, err error) (bool, error) {
	msg := orcidMessage(err)
	var apiErr *orcid.APIError
	revoked := errors.Is(err, orcid.ErrTokenInvalid) ||
		(errors.As(err, &apiErr) && apiErr.OAuthError == "invalid_scope")
	switch {
	case errors.Is(err, orcid.ErrCredentialRefused):
		// The organisation's credential, not the researcher's consent:
		// the link stays as it is, and the item waits for an
		// administrator to fix the credential and send it again.
		c.w.log.WarnContext(ctx, "ORCID refused the credential", "item", it.ID, "tenant", it.TenantID,
			"person", it.PersonID, "credential", c.link.CredentialID, "method", method, "err", msg)
		done, serr := c.w.settle(ctx, c.job, true, true, func(tx *store.Tx) (store.Item, error) {
			return tx.ItemWriteFailed(ctx, it.ID, store.ItemOutcome{State: store.ItemPending, Reason: reasonCredential,
				LastError: msg, CallOpen: it.CallOpen && method == http.MethodGet})
		})
		// Once the item is parked: the credential is checked again, marked
		// broken, and its repair resumes the item with the others.
		if serr == nil && c.w.watcher != nil {
			c.w.watcher.Refused(ctx, c.link.CredentialID, err)
		}
		return done, serr
	case recordReason(err) != "":
		// The record refuses every write (merged, locked, deactivated):
		// the person's other items would fail the same way, so they
		// wait too, with the reason, rather than fail one by one.
		reason := recordReason(err)
		if _, perr := c.w.st.PauseItems(context.WithoutCancel(ctx), it.TenantID, it.PersonID, reason); perr != nil {
			return false, errors.Join(err, perr)
		}
		c.w.log.WarnContext(ctx, "ORCID record refuses writes", "tenant", it.TenantID, "person", it.PersonID, "reason", reason)
		return c.w.settle(ctx, c.job, true, true, func(tx *store.Tx) (store.Item, error) {
			return tx.ItemWriteFailed(ctx, it.ID, store.ItemOutcome{State: store.ItemPending, Reason: reason, LastError: msg,
				CallOpen: it.CallOpen && method == http.MethodGet})
		})
	case revoked:
		// Never keep writing with a dead token (design note 1 in
		// doc/design.md). Revoke first: should that fail, the job is
		// retried and tries again.
		if rerr := c.w.revoke(ctx, c.link, msg); rerr != nil {
			return false, errors.Join(err, rerr)
		}
		return c.w.settle(ctx, c.job, true, true, func(tx *store.Tx) (store.Item, error) {
			return tx.ItemWriteFailed(ctx, it.ID, store.ItemOutcome{State: store.ItemPending, Reason: reasonRevoked, LastError: msg})
		})
	case orcid.IsPermanent(err) && ctx.Err() == nil:
		// (A failure after the job's time ran out is about the time, not
		// the item, whatever the error says.)
		c.w.log.WarnContext(ctx, "ORCID refused an item", "item", it.ID, "tenant", it.TenantID, "person", it.PersonID,
			"kind", string(it.Kind), "key", it.Key, "method", method, "err", msg)
		return c.w.settle(ctx, c.job, true, false, func(tx *store.Tx) (store.Item, error) {
			return tx.ItemWriteFailed(ctx, it.ID, store.ItemOutcome{State: store.ItemFailedPermanent, LastError: msg,
				CallOpen: it.CallOpen && method == http.MethodGet})
		})
	default:
		// A POST that failed this way may still have reached ORCID.
		open := method == http.MethodPost || (it.CallOpen && method == http.MethodGet)
		_, serr := c.w.st.ItemWriteFailed(context.WithoutCancel(ctx), it.ID, store.ItemOutcome{
			State: store.ItemFailedRetryable, LastError: msg, CallOpen: open})
		return false, errors.Join(fmt.Errorf("jobs: item %d: %s: %w", it.ID, method, err), serr)
	}
}

// revoke marks the link revoked and parks the person's other items.
func (w *worker) revoke(ctx context.Context, link store.Link, reason string) error {
	ctx = context.WithoutCancel(ctx)
	var err error
	if w.revoker != nil {
		err = w.revoker.MarkRevoked(ctx, link, reason)
	} else {
		err = w.st.MarkLinkRevoked(ctx, link.ID, reason)
	}
	if err != nil {
		return fmt.Errorf("jobs: revoke link %d: %w", link.ID, err)
	}
	if _, err := w.st.PauseItems(ctx, link.TenantID, link.PersonID, reasonRevoked); err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	w.log.WarnContext(ctx, "ORCID refused the token; link revoked and items paused", "tenant", link.TenantID,
		"person", link.PersonID, "link", link.ID)
	return nil
}

// recordReason says why the person's record refuses writes, or "" when
// err is not about the record's state.
func recordReason(err error) string {
	var apiErr *orcid.APIError
	switch {
	case errors.Is(err, orcid.ErrRecordDeprecated):
		if errors.As(err, &apiErr) && apiErr.PrimaryID() != "" {
			return reasonDeprecated + ": the researcher's primary iD is " + string(apiErr.PrimaryID()) +
				"; they connect again with it"
		}
		return reasonDeprecated + "; the researcher connects again with their primary iD"
	case errors.Is(err, orcid.ErrRecordLocked):
		return reasonLocked
	case errors.Is(err, orcid.ErrRecordDeactivated):
		return reasonDeactivated
	}
	return ""
}

// orcidMessage is what an administrator should read about a failure:
// ORCID's developer message when it sent one.
func orcidMessage(err error) string {
	var apiErr *orcid.APIError
	if errors.As(err, &apiErr) {
		if apiErr.Developer != "" {
			return apiErr.Developer
		}
		return apiErr.Error()
	}
	return err.Error()
}

// clientFor is the credential credentialID and the ORCID client that calls
// with it.
func (w *worker) clientFor(ctx context.Context, credentialID int64) (store.Credential, *orcid.Client, error) {
	cred, err := w.st.Credential(ctx, credentialID)
	if err != nil {
		return cred, nil, err
	}
	client, err := w.clients.Client(ctx, cred)
	return cred, client, err
}

// callContext files the ORCID requests made with ctx under the tenant's
// person (the call log) and the tenant's share of its credential's budget.
func callContext(ctx context.Context, tenantID, personID int64) context.Context {
	return withShare(orcidclients.WithCallContext(ctx, tenantID, personID), tenantID)
}
