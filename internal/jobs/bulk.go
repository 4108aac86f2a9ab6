package jobs

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/webhooks"
)

// Bulk works (issue 16). ORCID's limit is per request, and one POST /works
// adds up to 100 works (WorkManagerImpl.createWorks, answering each in
// order with the created work or its own error). So the new works of a
// person are not POSTed one by one: a job of the person's new works
// (BulkArgs) sends them all, up to Config.BulkSize a request, and each
// work's own job, which waits behind every other, usually finds its work
// settled. Whichever job writes a person's new works holds the person's
// bulk lease (store.TakeBulkLease), which is also what lets a job settle a
// write in doubt: no other request carrying the same works can be under
// way, so one read of the record tells what reached it.

// MaxBulk is ORCID's org.orcid.core.works.bulk.write.max: the most works
// one request may carry, and Config.BulkSize's default.
const MaxBulk = 100

// touchShare keeps the tenant's share of the credential's budget active
// while its bulk job works between two requests (SharedLimiter.Wait), so
// that it keeps its turn. A failure only costs fairness for a moment.
func (w *worker) touchShare(ctx context.Context, credentialID, tenantID int64) {
	now := time.Now()
	key, share := BudgetKey(credentialID), shareOf(tenantID)
	if _, err := w.st.TouchRateShare(ctx, key, share, now, now.Add(shareActive(0))); err != nil {
		w.log.WarnContext(ctx, "could not mark a tenant's share of the budget active", "tenant", tenantID, "err", err)
	}
}

// bulkSnooze is how long a work's job waits while another job holds its
// person's lease (the work is probably in that job's request).
const bulkSnooze = 300 * time.Millisecond

// leaseHolder names one job run's hold on a lease.
func leaseHolder() string {
	b := make([]byte, 12)
	crand.Read(b)
	return hex.EncodeToString(b)
}

// DefaultBulkLease is Config.BulkLease's default. A lease lapses only when
// its holder stopped renewing it: its process died (and with it the
// request, which ORCID finishes within moments) or cannot reach the
// database. Should ORCID still be storing a dead holder's request when the
// next holder sends the same works, its duplicate check (9021, our source
// and the same self identifier) answers with the copy, which is adopted.
const DefaultBulkLease = 10 * time.Second

// keepLease renews the lease every third of its time until stop is called.
func (c call) keepLease(ctx context.Context, holder string) (stop func()) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(c.w.leaseFor / 3)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				now := time.Now()
				ok, err := c.w.st.TakeBulkLease(ctx, c.link.ID, holder, now, now.Add(c.w.leaseFor))
				if err != nil || !ok {
					c.w.log.WarnContext(ctx, "could not renew a bulk lease", "link", c.link.ID, "held", ok, "err", err)
				}
			}
		}
	}()
	return func() { cancel(); <-done }
}

// needsLease says whether a step on it must hold its person's bulk lease:
// a work with no put-code that is to be POSTed, or whose last write is in
// doubt (a bulk request may be carrying it).
func needsLease(it store.Item) bool {
	return it.Kind == orcid.KindWork && it.PutCode == 0 && (it.State != store.ItemRetracting || it.CallOpen)
}

// takeLease takes the person's bulk lease behind link and keeps it while
// the caller works; release gives it back. ok is false while another job
// holds it.
func (c call) takeLease(ctx context.Context) (release func(), ok bool, err error) {
	holder := leaseHolder()
	now := time.Now()
	ok, err = c.w.st.TakeBulkLease(ctx, c.link.ID, holder, now, now.Add(c.w.leaseFor))
	if err != nil || !ok {
		return nil, ok, err
	}
	stop := c.keepLease(ctx, holder)
	return func() {
		stop()
		if err := c.w.st.ReleaseBulkLease(context.WithoutCancel(ctx), c.link.ID, holder); err != nil {
			c.w.log.WarnContext(ctx, "could not release a bulk lease; it lapses", "link", c.link.ID, "err", err)
		}
	}, true, nil
}

// snoozeForLease is the answer of a job that found its person's lease
// held: look again once the holder's request is answered.
func snoozeForLease() error {
	return river.JobSnooze(bulkSnooze + time.Duration(rand.Int64N(int64(bulkSnooze))))
}

// underLease runs the step of a work that needs the lease (needsLease).
// It is a work's own job, which bulk jobs usually spare any work: when it
// does write, it may be carrying a backfill, so it keeps to its tenant's
// share of the workers, as backfills' bulk jobs do.
func (c call) underLease(ctx context.Context, it store.Item) (bool, error) {
	if !c.w.slots.take(it.TenantID) {
		return false, river.JobSnooze(snoozeFor())
	}
	defer c.w.slots.give(it.TenantID)
	release, ok, err := c.takeLease(ctx)
	if err != nil {
		return false, fmt.Errorf("jobs: item %d: %w", it.ID, err)
	}
	if !ok {
		// Another job is writing this person's new works, perhaps this
		// one among them.
		return false, snoozeForLease()
	}
	defer release()
	// As it is now that no one else writes the person's new works.
	fresh, err := c.w.st.ItemByID(ctx, it.ID)
	if errors.Is(err, store.ErrNotFound) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("jobs: %w", err)
	}
	switch {
	case !needsLease(fresh):
		return false, nil // settled, or given a put-code: the next step sees it
	case fresh.State == store.ItemRetracting:
		return c.retract(ctx, fresh)
	case fresh.State != store.ItemQueued && fresh.State != store.ItemInFlight && fresh.State != store.ItemFailedRetryable:
		return false, nil // parked or failed meanwhile: the next step settles the job
	}
	return c.postWorks(ctx, fresh)
}

// backfillPriority is River's priority of a backfill's bulk jobs: after
// single writes (priority 1).
const backfillPriority = 2

// fallbackPriority is River's priority (1 is first, 4 last) of the own job
// of a work its person's bulk job sends: it runs after the jobs that have
// work to do, and usually finds its work settled.
const fallbackPriority = 3

// maxBulkRounds bounds the requests of one run of a bulk job; a person
// with more new works than that gets another run.
const maxBulkRounds = 20

// BulkArgs is the job that sends a person's new works in bulk requests.
// One waits or runs per person at a time (unique by args while waiting); a
// work put while one runs gets another, and each work keeps its own job
// too, behind every other (fallbackPriority), in case one is missed.
type BulkArgs struct {
	TenantID int64 `json:"tenant_id" river:"unique"`
	PersonID int64 `json:"person_id" river:"unique"`
	// Start is set by the sweep of a starting queue (Queue.Sweep): a
	// job of its own even while one of a dead process still counts as
	// running (until River rescues it), so that the person's works go on
	// as soon as that process's lease lapses.
	Start int64 `json:"start,omitempty" river:"unique"`
	// First is a single work (not a backfill's) this job sends first:
	// the job of a journal's article just published, say, queued ahead
	// of backfills (Queue.enqueueItem).
	First int64 `json:"first,omitempty" river:"unique"`
}

// Kind implements river.JobArgs.
func (BulkArgs) Kind() string { return "orcid_bulk_works" }

// InsertOpts makes the job unique per person while it waits or runs.
func (BulkArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable,
		rivertype.JobStateRunning, rivertype.JobStateScheduled,
	}}}
}

type bulkWorker struct {
	river.WorkerDefaults[BulkArgs]
	w *worker
}

// bulkTenantShare is how many of n workers one tenant's bulk jobs may hold.
func bulkTenantShare(n int) int { return max(1, n-n/4) }

// Work sends the person's due works, up to BulkSize a request, until none
// is left. A person who cannot receive them now (not connected, a scope
// missing) is left to the works' own jobs, which park them with the reason.
func (bw *bulkWorker) Work(ctx context.Context, job *river.Job[BulkArgs]) error {
	w, a := bw.w, job.Args
	if a.First == 0 { // a backfill's: within its tenant's share of the workers
		if !w.slots.take(a.TenantID) {
			return river.JobSnooze(snoozeFor())
		}
		defer w.slots.give(a.TenantID)
	}
	link, err := w.st.Link(ctx, a.TenantID, a.PersonID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("jobs: bulk works of person %d: %w", a.PersonID, err)
	}
	if linkProblem(link, orcid.KindWork) != "" {
		return nil
	}
	_, client, err := w.clientFor(ctx, link.CredentialID)
	if err != nil {
		return fmt.Errorf("jobs: bulk works of person %d: %w", a.PersonID, err)
	}
	ctx = callContext(ctx, a.TenantID, a.PersonID)
	c := call{w: w, client: client, link: link}
	release, ok, err := c.takeLease(ctx)
	if err != nil {
		return fmt.Errorf("jobs: bulk works of person %d: %w", a.PersonID, err)
	}
	if !ok {
		return snoozeForLease()
	}
	defer release()
	for round := range maxBulkRounds {
		var due []store.Item
		if round == 0 && a.First != 0 {
			// The single work this job is for goes first.
			first, err := w.st.ItemByID(ctx, a.First)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("jobs: bulk works of person %d: %w", a.PersonID, err)
			}
			if err == nil && first.Kind == orcid.KindWork && first.PutCode == 0 && (first.State == store.ItemQueued ||
				first.State == store.ItemInFlight || first.State == store.ItemFailedRetryable) {
				due = []store.Item{first}
			}
		}
		if len(due) == 0 {
			if due, err = w.st.DueWorks(ctx, a.TenantID, a.PersonID, 1); err != nil {
				return fmt.Errorf("jobs: bulk works of person %d: %w", a.PersonID, err)
			}
		}
		if len(due) == 0 {
			return nil
		}
		// The first work stands for the request in what settles one
		// item (its failure revokes a dead token, parks the person's
		// works...); it has no job here to complete (worker.settle).
		c.job = &river.Job[ItemArgs]{Args: ItemArgs{ItemID: due[0].ID}}
		if _, err := c.postWorks(ctx, due[0]); err != nil {
			return err
		}
	}
	return nil // the works' own jobs, or the next bulk job, carry on
}

// postWorks sends one bulk request of the person's due works, it first,
// after settling those whose last write is in doubt by one read of the
// record. The caller holds the lease.
func (c call) postWorks(ctx context.Context, it store.Item) (bool, error) {
	due, err := c.w.st.DueWorks(ctx, it.TenantID, it.PersonID, c.w.bulkSize)
	if err != nil {
		return false, fmt.Errorf("jobs: %w", err)
	}
	if len(due) > 1 {
		// A backfill: its tenant keeps its turn meanwhile.
		c.w.touchShare(ctx, c.link.CredentialID, it.TenantID)
	}
	// This job's own work goes first, so that a work queued behind a
	// backfill waits for one request at most.
	due = slices.DeleteFunc(due, func(x store.Item) bool { return x.ID == it.ID })
	due = append([]store.Item{it}, due...)
	if len(due) > c.w.bulkSize {
		due = due[:c.w.bulkSize]
	}
	if due, err = c.settleInDoubt(ctx, due); err != nil {
		return c.failed(ctx, it, http.MethodGet, err)
	}
	switch {
	case len(due) == 0:
		return false, nil
	case len(due) == 1 && due[0].ID == it.ID:
		// A work alone goes the ordinary way, POST /work.
		return c.post(ctx, due[0])
	}
	ids := make([]int64, len(due))
	for i, x := range due {
		ids[i] = x.ID
	}
	claimed, err := c.w.st.ClaimWorks(ctx, ids)
	if err != nil {
		return false, fmt.Errorf("jobs: %w", err)
	}
	if len(claimed) == 0 {
		return false, nil
	}
	works := make([]*orcid.Work, 0, len(claimed))
	var sent []store.Item
	var refused []bulkOutcome
	for _, x := range claimed {
		// Send exactly the content ClaimWorks recorded as being written.
		item, err := x.Decode()
		var w *orcid.Work
		if err == nil {
			var ok bool
			if w, ok = item.(*orcid.Work); !ok {
				err = fmt.Errorf("item %d is a %s, not a work", x.ID, item.ItemKind())
			}
		}
		if err != nil {
			refused = append(refused, bulkOutcome{item: x, failed: &store.ItemOutcome{State: store.ItemFailedPermanent,
				LastError: err.Error()}})
			continue
		}
		works = append(works, w)
		sent = append(sent, x)
	}
	if len(works) == 0 {
		return c.settleBulk(ctx, it.ID, refused)
	}
	bctx := ctx
	if len(works) > 1 {
		bctx = withBackfill(ctx) // many works at once: a backfill, which yields to single writes
	}
	res, err := c.client.AddWorks(bctx, c.link.AccessToken, c.link.ORCID, works)
	if err != nil {
		return c.bulkFailed(ctx, it, sent, refused, err)
	}
	outs, err := c.mapBulk(ctx, sent, res)
	if err != nil {
		return c.bulkFailed(ctx, it, sent, refused, err)
	}
	return c.settleBulk(ctx, it.ID, append(refused, outs...))
}

// bulkOutcome is what becomes of one work of a bulk request: created (or
// found) under putCode, adopted (ours already, content unconfirmed), or
// failed.
type bulkOutcome struct {
	item      store.Item
	putCode   int64
	confirmed bool
	failed    *store.ItemOutcome
}

// dupPutCode finds the put-code in ORCID's 9021 message ("please see
// element with put-code 123").
var dupPutCode = regexp.MustCompile(`put-code (\d+)`)

// mapBulk maps ORCID's answer, position by position, to outcomes: a work
// with its put-code was created; 9021 names our own existing copy, which is
// adopted unless another of our items holds it (two works of the request
// sharing an identifier: ORCID refuses the second, and so does orcidlink);
// any other error is that work's alone.
func (c call) mapBulk(ctx context.Context, sent []store.Item, res *orcid.Bulk) ([]bulkOutcome, error) {
	taken, err := c.w.st.PutCodesOfOthers(ctx, c.link, orcid.KindWork, 0)
	if err != nil {
		return nil, err
	}
	for _, x := range res.Items {
		if x.Work != nil && x.Work.GetPutCode() != 0 {
			taken[x.Work.GetPutCode()] = true
		}
	}
	outs := make([]bulkOutcome, len(sent))
	var lookup []int // 9021 without a usable put-code: found by reading the record
	for i, it := range sent {
		outs[i].item = it
		if i >= len(res.Items) {
			// ORCID answered fewer entries than it was sent: those are in
			// doubt, and the next attempt looks before sending them again.
			outs[i].failed = &store.ItemOutcome{State: store.ItemFailedRetryable, CallOpen: true,
				LastError: "ORCID's answer to the bulk request left this work out"}
			continue
		}
		r := res.Items[i]
		switch {
		case r.Work != nil && r.Work.GetPutCode() != 0:
			outs[i].putCode, outs[i].confirmed = r.Work.GetPutCode(), true
		case r.Error != nil && r.Error.ErrorCode == 9021:
			m := dupPutCode.FindStringSubmatch(r.Error.DeveloperMessage)
			pc := int64(0)
			if m != nil {
				pc, _ = strconv.ParseInt(m[1], 10, 64)
			}
			switch {
			case pc != 0 && !taken[pc]:
				outs[i].putCode = pc
				taken[pc] = true
			case pc != 0:
				outs[i].failed = &store.ItemOutcome{State: store.ItemFailedPermanent, LastError: fmt.Sprintf(
					"ORCID refused it as a duplicate of another item of this person (put-code %d), "+
						"sharing an identifier: %s", pc, r.Error.DeveloperMessage)}
			default:
				lookup = append(lookup, i)
			}
		case r.Error != nil:
			msg := r.Error.DeveloperMessage
			if msg == "" {
				msg = r.Error.UserMessage
			}
			state := store.ItemFailedPermanent
			if r.Error.ResponseCode >= 500 || r.Error.ResponseCode == http.StatusTooManyRequests {
				state = store.ItemFailedRetryable // its job retries it
			}
			outs[i].failed = &store.ItemOutcome{State: state, LastError: msg}
		default:
			outs[i].failed = &store.ItemOutcome{State: store.ItemFailedRetryable, CallOpen: true,
				LastError: "ORCID's answer to the bulk request has neither a work nor an error for this work"}
		}
	}
	if len(lookup) > 0 {
		items := make([]orcid.Item, len(lookup))
		for j, i := range lookup {
			x, err := sent[i].Decode()
			if err != nil {
				return nil, err
			}
			items[j] = x
		}
		pcs, err := c.client.FindOwnEach(ctx, c.link.AccessToken, c.link.ORCID, items, taken)
		if err != nil {
			return nil, err
		}
		for j, i := range lookup {
			if pcs[j] != 0 {
				outs[i].putCode = pcs[j]
			} else {
				outs[i].failed = &store.ItemOutcome{State: store.ItemFailedPermanent,
					LastError: res.Items[i].Error.DeveloperMessage}
			}
		}
	}
	return outs, nil
}

// settleInDoubt looks on the record, with one read, for the due works
// whose last write is in doubt (a request that may have reached ORCID, its
// answer lost), adopts those found and returns the rest, still to send.
func (c call) settleInDoubt(ctx context.Context, due []store.Item) ([]store.Item, error) {
	var doubt []int
	for i, x := range due {
		if x.CallOpen {
			doubt = append(doubt, i)
		}
	}
	if len(doubt) == 0 {
		return due, nil
	}
	taken, err := c.w.st.PutCodesOfOthers(ctx, c.link, orcid.KindWork, 0)
	if err != nil {
		return nil, err
	}
	sent := make([]orcid.Item, len(doubt))
	for j, i := range doubt {
		if sent[j], err = c.w.st.ItemSent(ctx, due[i].ID); err != nil {
			return nil, err
		}
	}
	pcs, err := c.client.FindOwnEach(ctx, c.link.AccessToken, c.link.ORCID, sent, taken)
	if err != nil {
		return nil, err
	}
	// A work edited since its write in doubt (a DOI corrected) may be on
	// the record as it is now, if an earlier write of it got through.
	var again []int
	var now []orcid.Item
	for j, i := range doubt {
		if pcs[j] == 0 && due[i].PushingHash != nil && string(due[i].PushingHash) != string(due[i].ContentHash) {
			x, err := due[i].Decode()
			if err != nil {
				return nil, err
			}
			again, now = append(again, j), append(now, x)
		}
	}
	if len(again) > 0 {
		for _, pc := range pcs {
			if pc != 0 {
				taken[pc] = true
			}
		}
		more, err := c.client.FindOwnEach(ctx, c.link.AccessToken, c.link.ORCID, now, taken)
		if err != nil {
			return nil, err
		}
		for k, j := range again {
			pcs[j] = more[k]
		}
	}
	var found []bulkOutcome
	gone := map[int64]bool{}
	for j, i := range doubt {
		if pcs[j] != 0 {
			// What is there is what was being written (PushingHash); if the
			// content moved on since, the item stays queued for a PUT.
			found = append(found, bulkOutcome{item: due[i], putCode: pcs[j], confirmed: true})
			gone[due[i].ID] = true
		}
	}
	if len(found) > 0 {
		// (Not completing the job here: its own work, if found, is seen
		// settled by the next step.)
		if _, err := c.settleBulk(ctx, 0, found); err != nil {
			return nil, err
		}
	}
	return slices.DeleteFunc(due, func(x store.Item) bool { return gone[x.ID] }), nil
}

// settleBulk stores the outcomes of a bulk request in one transaction
// (with the webhook events of the items that changed) and, when the job's
// own item is then settled, completes its job in it too. The other works'
// jobs find their items settled and complete themselves.
func (c call) settleBulk(ctx context.Context, ownID int64, outs []bulkOutcome) (done bool, err error) {
	// The outcome of a call that happened must be stored even if the job
	// is being cancelled.
	ctx = context.WithoutCancel(ctx)
	// Before the outcome, each work was as its claim left it (in flight,
	// or as read when its write was in doubt): webhook events compare
	// with that.
	before := make(map[int64]store.Item, len(outs))
	var written []store.WorkWritten
	for _, o := range outs {
		before[o.item.ID] = o.item
		if o.failed == nil && o.confirmed {
			written = append(written, store.WorkWritten{ID: o.item.ID, PutCode: o.putCode})
		}
	}
	evented := false
	err = c.w.st.InTx(ctx, func(tx *store.Tx) error {
		// The works created, in one statement; the others one by one.
		after, err := tx.EndWorkWrites(ctx, c.link.ID, written)
		if err != nil {
			return err
		}
		for _, o := range outs {
			var it store.Item
			switch {
			case o.failed == nil && o.confirmed:
				continue
			case o.failed != nil:
				it, err = tx.ItemWriteFailed(ctx, o.item.ID, *o.failed)
			default:
				it, err = tx.EndItemWrite(ctx, o.item.ID, c.link.ID, o.putCode, false)
			}
			if errors.Is(err, store.ErrNotFound) {
				continue // the person was deleted meanwhile
			}
			if err != nil {
				return err
			}
			after = append(after, it)
		}
		var events []store.Event
		var own store.Item
		ownSeen := false
		for _, it := range after {
			if ev, ok := webhooks.ItemEvent(before[it.ID], it); ok {
				events = append(events, ev)
			}
			if c.w.afterWrite != nil {
				if err := c.w.afterWrite(ctx, it); err != nil {
					return err
				}
			}
			if it.ID == ownID {
				own, ownSeen = it, true
			}
		}
		// Webhooks hear of the works' arrival (or failure) if and only if
		// it is stored.
		if len(events) > 0 {
			if _, err := tx.RecordEvents(ctx, events); err != nil {
				return fmt.Errorf("jobs: %w", err)
			}
			evented = true
		}
		if ownSeen && settled(own.State) {
			done = true
			if c.job.JobRow == nil {
				return nil // a bulk job's stand-in: nothing to complete
			}
			return c.w.complete(ctx, tx, c.job)
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("jobs: bulk of %d works: %w", len(outs), err)
	}
	if evented && c.w.kick != nil {
		c.w.kick(ctx)
	}
	return done, nil
}

// bulkFailed records a bulk request that failed as a whole: every work it
// carried shares the outcome (refused with the request, or in doubt and
// retried), and the job's own work goes through failed, which also revokes
// a dead token, parks the person's items or reports a refused credential.
func (c call) bulkFailed(ctx context.Context, own store.Item, sent []store.Item, refused []bulkOutcome, err error) (bool, error) {
	out := wholeOutcome(err, ctx.Err() != nil)
	var others []bulkOutcome
	var ownBegun store.Item
	for _, x := range sent {
		if x.ID == own.ID {
			ownBegun = x
			continue
		}
		o := out
		others = append(others, bulkOutcome{item: x, failed: &o})
	}
	if _, serr := c.settleBulk(ctx, own.ID, append(refused, others...)); serr != nil {
		return false, errors.Join(err, serr)
	}
	if ownBegun.ID == 0 {
		return false, fmt.Errorf("jobs: bulk of %d works: %w", len(sent), err)
	}
	return c.failed(ctx, ownBegun, http.MethodPost, err)
}

// wholeOutcome is what a failed bulk request means for each work in it,
// as failed decides for one: refused for the credential, the record or the
// token (then the work waits, pending), refused for good, or in doubt.
func wholeOutcome(err error, timedOut bool) store.ItemOutcome {
	msg := orcidMessage(err)
	var apiErr *orcid.APIError
	switch {
	case errors.Is(err, orcid.ErrCredentialRefused):
		return store.ItemOutcome{State: store.ItemPending, Reason: reasonCredential, LastError: msg}
	case recordReason(err) != "":
		return store.ItemOutcome{State: store.ItemPending, Reason: recordReason(err), LastError: msg}
	case errors.Is(err, orcid.ErrTokenInvalid) || (errors.As(err, &apiErr) && apiErr.OAuthError == "invalid_scope"):
		return store.ItemOutcome{State: store.ItemPending, Reason: reasonRevoked, LastError: msg}
	case orcid.IsPermanent(err) && !timedOut:
		return store.ItemOutcome{State: store.ItemFailedPermanent, LastError: msg}
	}
	return store.ItemOutcome{State: store.ItemFailedRetryable, LastError: msg, CallOpen: true}
}
