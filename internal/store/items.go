package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/orcidlink/orcidlink/internal/orcid"
)

// ItemState is where an item stands on its way to (or off) an ORCID record
// (design note 2 in doc/design.md).
type ItemState string

const (
	// ItemPending: not sent, and not queued, because the person is not
	// connected or lacks a scope (StateReason says which).
	ItemPending ItemState = "pending"
	// ItemQueued: a job will push the desired content.
	ItemQueued ItemState = "queued"
	// ItemInFlight: a write was sent, its outcome not yet stored.
	ItemInFlight ItemState = "in-flight"
	// ItemSynced: ORCID holds the desired content under PutCode.
	ItemSynced ItemState = "synced"
	// ItemFailedRetryable: the last attempt failed for a reason that may
	// pass (rate limit, ORCID unavailable); the job retries with backoff.
	ItemFailedRetryable ItemState = "failed-retryable"
	// ItemFailedPermanent: ORCID refused the item (400, 403); LastError is
	// its message. Not retried until the item changes or someone asks.
	ItemFailedPermanent ItemState = "failed-permanent"
	// ItemDeletedByResearcher: the researcher removed it on ORCID (a PUT
	// found nothing). Respected: re-posted only on request.
	ItemDeletedByResearcher ItemState = "deleted-by-researcher"
	// ItemRetracting: we asked for it to be removed from the record.
	ItemRetracting ItemState = "retracting"
	// ItemRetracted: it is not (or no longer) on the record.
	ItemRetracted ItemState = "retracted"
)

// ItemStates lists every state, in the order a dashboard shows them.
func ItemStates() []ItemState {
	return []ItemState{ItemPending, ItemQueued, ItemInFlight, ItemSynced, ItemFailedRetryable, ItemFailedPermanent,
		ItemDeletedByResearcher, ItemRetracting, ItemRetracted}
}

// Item is one thing orcidlink writes to a person's ORCID record: a work,
// an affiliation, a funding, a peer review, a keyword...
type Item struct {
	ID       int64
	TenantID int64
	PersonID int64
	Kind     orcid.ItemKind
	// Key is the caller's own name for the item, unique per tenant, person
	// and kind (e.g. "article:123").
	Key string
	// Content is the desired item as ORCID JSON, normalized (NormalizeItem)
	// and ContentHash its SHA-256.
	Content     json.RawMessage
	ContentHash []byte
	// LinkID is the link PutCode was obtained through; 0 with no put-code.
	LinkID  int64
	PutCode int64
	// ConfirmedHash is the ContentHash ORCID last accepted (nil: none).
	ConfirmedHash []byte
	// PushingHash is the ContentHash of the write under way or last tried.
	PushingHash []byte
	// CallOpen: a write was sent and its outcome is unknown (it may have
	// reached ORCID). The next attempt looks on the record before posting.
	CallOpen    bool
	State       ItemState
	StateReason string
	Attempts    int
	LastError   string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	SyncedAt    time.Time
}

// NeedsPush reports whether ORCID does not (knowingly) hold the desired
// content.
func (it Item) NeedsPush() bool {
	return it.ConfirmedHash == nil || !bytes.Equal(it.ConfirmedHash, it.ContentHash)
}

// Decode returns the desired content as an orcid.Item, without put-code.
func (it Item) Decode() (orcid.Item, error) {
	x := orcid.NewItem(it.Kind)
	if x == nil {
		return nil, fmt.Errorf("store: item %d: unknown kind %q", it.ID, it.Kind)
	}
	if err := json.Unmarshal(it.Content, x); err != nil {
		return nil, fmt.Errorf("store: item %d: decode content: %w", it.ID, err)
	}
	return x, nil
}

// NormalizeItem is what the store keeps of an item: its ORCID JSON without
// what ORCID assigns (put-code, path, source, dates), encoded by the model
// so that equal items give equal bytes, and the SHA-256 of that.
func NormalizeItem(item orcid.Item) (json.RawMessage, []byte, error) {
	if item == nil || !item.ItemKind().Valid() {
		return nil, nil, fmt.Errorf("%w: no item or unknown item kind", ErrInvalid)
	}
	raw, err := json.Marshal(item)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: encode item: %w", ErrInvalid, err)
	}
	// A copy through JSON, so that the caller's item is left alone.
	c := orcid.NewItem(item.ItemKind())
	if err := json.Unmarshal(raw, c); err != nil {
		return nil, nil, fmt.Errorf("%w: decode item: %w", ErrInvalid, err)
	}
	c.SetPutCode(0)
	c.SetPath("")
	c.SetSource(nil)
	c.SetDates(time.Time{}, time.Time{})
	if raw, err = json.Marshal(c); err != nil {
		return nil, nil, fmt.Errorf("%w: encode item: %w", ErrInvalid, err)
	}
	sum := sha256.Sum256(raw)
	return raw, sum[:], nil
}

const itemCols = `id, tenant_id, person_id, kind, item_key, content, content_hash, link_id, put_code, confirmed_hash,
	pushing_hash, call_open, state, state_reason, attempts, last_error, created_at, updated_at, synced_at`

func scanItem(r scanner) (Item, error) {
	var it Item
	var content string
	var open int
	err := r.Scan(&it.ID, &it.TenantID, &it.PersonID, &it.Kind, &it.Key, &content, &it.ContentHash,
		nullable[int64]{&it.LinkID}, nullable[int64]{&it.PutCode}, &it.ConfirmedHash, &it.PushingHash, &open,
		&it.State, &it.StateReason, &it.Attempts, &it.LastError, timeDest{&it.CreatedAt}, timeDest{&it.UpdatedAt},
		timeDest{&it.SyncedAt})
	if err != nil {
		return Item{}, err
	}
	it.Content, it.CallOpen = json.RawMessage(content), open != 0
	return it, nil
}

// DesiredItem is what a caller wants on a person's record.
type DesiredItem struct {
	TenantID int64
	PersonID int64
	Key      string
	Item     orcid.Item
	// State is ItemQueued when the person can receive it now (a job must
	// then be enqueued in the same transaction), ItemPending otherwise,
	// with Reason.
	State  ItemState
	Reason string
}

// UpsertItem records the desired content of an item. changed is true when
// the row was created or its content or state changed, so that a job must
// run (when the state is queued). Content equal to what is stored changes
// nothing, except that a retracted item is published again and a pending
// one is queued when the person can now receive it.
//
// An item in flight stays in flight with the new content: the worker sees,
// after its call, that the content moved on, and pushes again. Edits are
// never lost.
func (o *ops) UpsertItem(ctx context.Context, d DesiredItem) (_ Item, changed bool, err error) {
	defer wrap(&err, "upsert item %q of person %d in tenant %d", d.Key, d.PersonID, d.TenantID)
	if d.Key == "" || len(d.Key) > 500 {
		return Item{}, false, fmt.Errorf("%w: item key must be 1 to 500 bytes", ErrInvalid)
	}
	if d.State != ItemQueued && d.State != ItemPending {
		return Item{}, false, fmt.Errorf("%w: a new item is queued or pending, not %q", ErrInvalid, d.State)
	}
	content, sum, err := NormalizeItem(d.Item)
	if err != nil {
		return Item{}, false, err
	}
	kind := d.Item.ItemKind()
	var out Item
	err = o.atomic(ctx, func(o *ops) error {
		if err := o.personOfTenant(ctx, d.TenantID, d.PersonID); err != nil {
			return err
		}
		now := timeText(o.now())
		rows, err := o.query(ctx, `INSERT INTO orcid_items (tenant_id, person_id, kind, item_key, content, content_hash,
			call_open, state, state_reason, attempts, last_error, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, 0, '', ?, ?)
			ON CONFLICT (tenant_id, person_id, kind, item_key) DO NOTHING RETURNING `+itemCols,
			d.TenantID, d.PersonID, string(kind), d.Key, string(content), sum, string(d.State), d.Reason, now, now)
		got, err := collect(rows, err, scanItem)
		if err != nil {
			return dbErr(err, ErrNotFound)
		}
		if len(got) == 1 {
			out, changed = got[0], true
			return o.heldIfChosen(ctx, &out)
		}
		// One statement decides, so that it cannot interleave with a
		// worker's writes: the in-flight state belongs to the worker.
		rows, err = o.query(ctx, `UPDATE orcid_items SET content = ?, content_hash = ?,
			state = CASE WHEN state = 'in-flight' THEN state ELSE ? END,
			state_reason = CASE WHEN state = 'in-flight' THEN state_reason ELSE ? END,
			attempts = CASE WHEN content_hash = ? THEN attempts ELSE 0 END,
			last_error = CASE WHEN content_hash = ? THEN last_error ELSE '' END, updated_at = ?
			WHERE tenant_id = ? AND person_id = ? AND kind = ? AND item_key = ?
			AND (content_hash <> ? OR state IN ('retracting', 'retracted')
				OR (state = 'pending' AND (CAST(? AS TEXT) = 'queued' OR state_reason <> ?)))
			RETURNING `+itemCols,
			string(content), sum, string(d.State), d.Reason, sum, sum, now,
			d.TenantID, d.PersonID, string(kind), d.Key, sum, string(d.State), d.Reason)
		if got, err = collect(rows, err, scanItem); err != nil {
			return err
		}
		if len(got) == 1 {
			out, changed = got[0], true
			return o.heldIfChosen(ctx, &out)
		}
		out, err = o.itemByKey(ctx, d.TenantID, d.PersonID, kind, d.Key)
		return err
	})
	return out, changed, err
}

// heldIfChosen applies the researcher's choices (choices.go) to an item
// just queued, and reads it again if they hold it back.
func (o *ops) heldIfChosen(ctx context.Context, it *Item) error {
	if it.State != ItemQueued {
		return nil
	}
	if err := o.holdByChoice(ctx, it.TenantID, it.PersonID, it.ID); err != nil {
		return err
	}
	x, err := scanItem(o.queryRow(ctx, `SELECT `+itemCols+` FROM orcid_items WHERE id = ?`, it.ID))
	if err != nil {
		return err
	}
	*it = x
	return nil
}

func (o *ops) itemByKey(ctx context.Context, tenantID, personID int64, kind orcid.ItemKind, key string) (Item, error) {
	it, err := scanItem(o.queryRow(ctx, `SELECT `+itemCols+` FROM orcid_items
		WHERE tenant_id = ? AND person_id = ? AND kind = ? AND item_key = ?`, tenantID, personID, string(kind), key))
	return it, notFound(err)
}

// ItemByKey reads an item of a tenant's person by kind and key.
func (o *ops) ItemByKey(ctx context.Context, tenantID, personID int64, kind orcid.ItemKind, key string) (_ Item, err error) {
	defer wrap(&err, "item %s %q of person %d in tenant %d", kind, key, personID, tenantID)
	return o.itemByKey(ctx, tenantID, personID, kind, key)
}

// ItemByID reads an item by id, for background work that holds only the id
// (the job); callers acting for a tenant use ItemByKey or ListItems.
func (o *ops) ItemByID(ctx context.Context, id int64) (_ Item, err error) {
	defer wrap(&err, "item %d", id)
	it, err := scanItem(o.queryRow(ctx, `SELECT `+itemCols+` FROM orcid_items WHERE id = ?`, id))
	return it, notFound(err)
}

// RetractItem asks for an item to be removed from the record. changed is
// true when the state changed; a job must run when it is now retracting.
// An item that never reached ORCID (no put-code and no write in doubt) is
// retracted at once, and so is one the researcher already deleted.
func (o *ops) RetractItem(ctx context.Context, tenantID, personID int64, kind orcid.ItemKind, key string) (_ Item, changed bool, err error) {
	defer wrap(&err, "retract item %s %q of person %d in tenant %d", kind, key, personID, tenantID)
	var out Item
	err = o.atomic(ctx, func(o *ops) error {
		rows, err := o.query(ctx, `UPDATE orcid_items SET
			state = CASE WHEN state = 'deleted-by-researcher' THEN 'retracted'
				WHEN put_code IS NULL AND call_open = 0 AND state <> 'in-flight' THEN 'retracted'
				ELSE 'retracting' END,
			state_reason = '', attempts = 0, last_error = '', updated_at = ?
			WHERE tenant_id = ? AND person_id = ? AND kind = ? AND item_key = ? AND state NOT IN ('retracting', 'retracted')
			RETURNING `+itemCols, timeText(o.now()), tenantID, personID, string(kind), key)
		got, err := collect(rows, err, scanItem)
		if err != nil {
			return err
		}
		if len(got) == 1 {
			out, changed = got[0], true
			return nil
		}
		out, err = o.itemByKey(ctx, tenantID, personID, kind, key)
		return err
	})
	return out, changed, err
}

// RequeueItem queues an item again on an administrator's request: a
// permanent failure after the cause was fixed, or an item the researcher
// deleted (posted again as new). It returns the item; a job must run.
func (o *ops) RequeueItem(ctx context.Context, tenantID, itemID int64) (_ Item, err error) {
	defer wrap(&err, "requeue item %d of tenant %d", itemID, tenantID)
	it, err := scanItem(o.queryRow(ctx, `UPDATE orcid_items SET state = 'queued', state_reason = '', attempts = 0,
		last_error = '',
		put_code = CASE WHEN state = 'deleted-by-researcher' THEN NULL ELSE put_code END,
		link_id = CASE WHEN state = 'deleted-by-researcher' THEN NULL ELSE link_id END,
		confirmed_hash = CASE WHEN state = 'deleted-by-researcher' THEN NULL ELSE confirmed_hash END,
		updated_at = ?
		WHERE id = ? AND tenant_id = ? AND state IN ('failed-permanent', 'failed-retryable', 'deleted-by-researcher', 'pending')
		RETURNING `+itemCols, timeText(o.now()), itemID, tenantID))
	if err = notFound(err); err != nil {
		return Item{}, fmt.Errorf("%w (or not in a state that can be queued again)", err)
	}
	// An administrator cannot send what the researcher holds back.
	return it, o.heldIfChosen(ctx, &it)
}

// ItemQuery selects items of a tenant for ListItems.
type ItemQuery struct {
	PersonID int64       // 0: every person
	States   []ItemState // none: every state
	AfterID  int64       // for paging: items with a larger id
	Limit    int         // default 100, at most 1000
}

// ListItems lists a tenant's items in id order.
func (o *ops) ListItems(ctx context.Context, tenantID int64, q ItemQuery) (_ []Item, err error) {
	defer wrap(&err, "items of tenant %d", tenantID)
	where, args := []string{"tenant_id = ?", "id > ?"}, []any{tenantID, q.AfterID}
	if q.PersonID != 0 {
		where, args = append(where, "person_id = ?"), append(args, q.PersonID)
	}
	if len(q.States) > 0 {
		ph := make([]string, len(q.States))
		for i, s := range q.States {
			ph[i] = "?"
			args = append(args, string(s))
		}
		where = append(where, "state IN ("+strings.Join(ph, ", ")+")")
	}
	args = append(args, limitOr(q.Limit, 100, 1000))
	rows, err := o.query(ctx, `SELECT `+itemCols+` FROM orcid_items WHERE `+strings.Join(where, " AND ")+
		` ORDER BY id LIMIT ?`, args...)
	return collect(rows, err, scanItem)
}

// CountItems counts a tenant's items by state (one person's when personID
// is not 0), for the dashboard.
func (o *ops) CountItems(ctx context.Context, tenantID, personID int64) (_ map[ItemState]int, err error) {
	defer wrap(&err, "count items of tenant %d", tenantID)
	if personID == 0 {
		return o.keptItemCounts(ctx, tenantID) // counts.go
	}
	rows, err := o.query(ctx, `SELECT state, COUNT(*) FROM orcid_items WHERE tenant_id = ? AND (CAST(? AS BIGINT) = 0 OR person_id = ?)
		GROUP BY state`, tenantID, personID, personID)
	type row struct {
		s ItemState
		n int
	}
	list, err := collect(rows, err, func(r scanner) (row, error) {
		var x row
		return x, r.Scan(&x.s, &x.n)
	})
	if err != nil {
		return nil, err
	}
	out := map[ItemState]int{}
	for _, x := range list {
		out[x.s] = x.n
	}
	return out, nil
}

// ItemsToWork lists, across tenants, the ids of items a job should be
// working on (queued, in flight, failed-retryable, retracting), after
// afterID: after a restart, the queue makes sure each has its job.
func (o *ops) ItemsToWork(ctx context.Context, afterID int64, limit int) (_ []int64, err error) {
	defer wrap(&err, "items to work on")
	rows, err := o.query(ctx, `SELECT id FROM orcid_items WHERE id > ?
		AND state IN ('queued', 'in-flight', 'failed-retryable', 'retracting') ORDER BY id LIMIT ?`,
		afterID, limitOr(limit, 500, 5000))
	return collect(rows, err, func(r scanner) (int64, error) {
		var id int64
		return id, r.Scan(&id)
	})
}

// ResumeItems queues a person's pending items (they connected, or were
// given the scope) and returns their ids: a job must run for each.
func (o *ops) ResumeItems(ctx context.Context, tenantID, personID int64) (_ []int64, err error) {
	defer wrap(&err, "resume items of person %d in tenant %d", personID, tenantID)
	// What the researcher holds back (choices.go) stays held; what they
	// now hold back is held (its job, if any, finds it pending).
	rows, err := o.query(ctx, `UPDATE orcid_items SET state = 'queued', state_reason = '', updated_at = ?
		WHERE tenant_id = ? AND person_id = ? AND state = 'pending' AND state_reason NOT IN (?, ?, ?) RETURNING id`,
		timeText(o.now()), tenantID, personID, HeldAwaitingResearcher, HeldWithheld, HeldRefused)
	ids, err := collect(rows, err, func(r scanner) (int64, error) {
		var id int64
		return id, r.Scan(&id)
	})
	if err != nil || len(ids) == 0 {
		return ids, err
	}
	return ids, o.holdByChoice(ctx, tenantID, personID, 0)
}

// PauseItems makes a person's queued and retrying items pending, with
// reason (their link was revoked): no job should write with a dead token.
func (o *ops) PauseItems(ctx context.Context, tenantID, personID int64, reason string) (_ int64, err error) {
	defer wrap(&err, "pause items of person %d in tenant %d", personID, tenantID)
	res, err := o.exec(ctx, `UPDATE orcid_items SET state = 'pending', state_reason = ?, updated_at = ?
		WHERE tenant_id = ? AND person_id = ? AND state IN ('queued', 'failed-retryable')`,
		reason, timeText(o.now()), tenantID, personID)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// The worker's writes. Each is one statement that decides from the row as
// it is when it runs, so that an edit or a retraction committed while the
// call was under way wins over the call's outcome.

// BeginItemWrite records that a write of the item is about to be sent:
// attempts goes up, the content being written is remembered, and the
// outcome is unknown until EndItemWrite or ItemWriteFailed. A push shows
// as in flight; a retraction stays retracting.
func (o *ops) BeginItemWrite(ctx context.Context, id int64) (_ Item, err error) {
	defer wrap(&err, "begin write of item %d", id)
	it, err := scanItem(o.queryRow(ctx, `UPDATE orcid_items SET call_open = 1, pushing_hash = content_hash,
		pushing_content = content, attempts = attempts + 1, state = CASE WHEN state = 'retracting' THEN state ELSE 'in-flight' END, updated_at = ?
		WHERE id = ? RETURNING `+itemCols, timeText(o.now()), id))
	return it, notFound(err)
}

// EndItemWrite records a successful POST or PUT (or an existing item found
// on the record) of the content BeginItemWrite remembered, under putCode
// obtained through linkID. confirmed is false when ORCID's copy may differ
// from that content (a 409 adopted an older item): the next step is a PUT.
// The item is synced if its content did not change meanwhile, queued if it
// did, and still retracting if a retraction came in.
func (o *ops) EndItemWrite(ctx context.Context, id, linkID, putCode int64, confirmed bool) (_ Item, err error) {
	defer wrap(&err, "end write of item %d", id)
	now := timeText(o.now())
	it, err := scanItem(o.queryRow(ctx, `UPDATE orcid_items SET put_code = ?, link_id = ?,
		confirmed_hash = CASE WHEN CAST(? AS INTEGER) = 1 THEN pushing_hash ELSE NULL END, call_open = 0, last_error = '',
		state = CASE WHEN state IN ('in-flight', 'queued', 'failed-retryable')
			THEN (CASE WHEN CAST(? AS INTEGER) = 1 AND content_hash = pushing_hash THEN 'synced' ELSE 'queued' END)
			ELSE state END,
		synced_at = CASE WHEN CAST(? AS INTEGER) = 1 AND content_hash = pushing_hash THEN ? ELSE synced_at END,
		state_reason = '', updated_at = ?
		WHERE id = ? RETURNING `+itemCols, putCode, linkID, boolInt(confirmed), boolInt(confirmed), boolInt(confirmed),
		now, now, id))
	return it, notFound(err)
}

// EndItemRetraction records that the item is off the record (DELETE gave
// 204 or 404). Unless it was published again meanwhile, it is retracted;
// either way its put-code is gone.
func (o *ops) EndItemRetraction(ctx context.Context, id int64) (_ Item, err error) {
	defer wrap(&err, "end retraction of item %d", id)
	it, err := scanItem(o.queryRow(ctx, `UPDATE orcid_items SET put_code = NULL, link_id = NULL, confirmed_hash = NULL,
		call_open = 0, last_error = '', state = CASE WHEN state = 'retracting' THEN 'retracted' ELSE state END,
		updated_at = ? WHERE id = ? RETURNING `+itemCols, timeText(o.now()), id))
	return it, notFound(err)
}

// ItemOutcome is how an attempt that did not succeed ends.
type ItemOutcome struct {
	// State is failed-retryable, failed-permanent, deleted-by-researcher or
	// pending.
	State     ItemState
	Reason    string // for pending: why
	LastError string // ORCID's message
	// CallOpen keeps the outcome of the write unknown (a network failure
	// after sending a POST): the next attempt looks before posting.
	CallOpen bool
}

// ItemWriteFailed records an attempt that did not succeed. A retraction
// that may pass stays retracting; content changed since the attempt
// started is queued instead of failed, since the failure was about the
// old content.
func (o *ops) ItemWriteFailed(ctx context.Context, id int64, out ItemOutcome) (_ Item, err error) {
	defer wrap(&err, "record failure of item %d", id)
	switch out.State {
	case ItemFailedRetryable, ItemFailedPermanent, ItemDeletedByResearcher, ItemPending:
	default:
		return Item{}, fmt.Errorf("%w: %q is not a failure state", ErrInvalid, out.State)
	}
	it, err := scanItem(o.queryRow(ctx, `UPDATE orcid_items SET call_open = ?, last_error = ?, state_reason = ?,
		state = CASE
			WHEN state = 'retracting' AND CAST(? AS TEXT) IN ('failed-retryable', 'pending') THEN state
			WHEN state <> 'retracting' AND pushing_hash IS NOT NULL AND content_hash <> pushing_hash
				AND CAST(? AS TEXT) <> 'pending' THEN 'queued'
			ELSE ? END,
		updated_at = ? WHERE id = ? RETURNING `+itemCols,
		boolInt(out.CallOpen), out.LastError, out.Reason, string(out.State), string(out.State), string(out.State),
		timeText(o.now()), id))
	return it, notFound(err)
}

// SetItemPending parks an item that cannot be written now (the person is
// not connected, or lacks a scope) with the reason, unless it is being
// retracted or is already settled.
func (o *ops) SetItemPending(ctx context.Context, id int64, reason string) (_ Item, err error) {
	defer wrap(&err, "park item %d", id)
	it, err := scanItem(o.queryRow(ctx, `UPDATE orcid_items SET state = CASE
			WHEN state IN ('queued', 'in-flight', 'failed-retryable', 'pending') THEN 'pending' ELSE state END,
		state_reason = ?, updated_at = ? WHERE id = ? RETURNING `+itemCols, reason, timeText(o.now()), id))
	return it, notFound(err)
}

// ForgetPutCode drops a put-code obtained through another link than the
// person's current one (the tenant moved to another credential or
// registry): there, the item is new.
func (o *ops) ForgetPutCode(ctx context.Context, id int64) (_ Item, err error) {
	defer wrap(&err, "forget put-code of item %d", id)
	it, err := scanItem(o.queryRow(ctx, `UPDATE orcid_items SET put_code = NULL, link_id = NULL, confirmed_hash = NULL,
		call_open = 0, updated_at = ? WHERE id = ? RETURNING `+itemCols, timeText(o.now()), id))
	return it, notFound(err)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TouchItem reads an item through an UPDATE that changes nothing, so that
// on PostgreSQL it waits for (and then sees) a change being committed
// concurrently: the worker decides whether its job is finished from the
// item as it is once no one else is writing it.
func (o *ops) TouchItem(ctx context.Context, id int64) (_ Item, err error) {
	defer wrap(&err, "item %d", id)
	it, err := scanItem(o.queryRow(ctx, `UPDATE orcid_items SET attempts = attempts WHERE id = ? RETURNING `+itemCols, id))
	return it, notFound(err)
}
