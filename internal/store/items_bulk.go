package store

import (
	"context"
	"strings"
	"time"

	"github.com/orcidlink/orcidlink/internal/orcid"
)

// Bulk writes of works (issue 16): one job at a time, the holder of a
// person's bulk lease, POSTs that person's new works, up to 100 in one
// request. The lease is what keeps a work from being in two requests at
// once: every job that would POST a work of the person, or settle one whose
// write is in doubt, holds it first.

// TakeBulkLease takes (or renews) the bulk lease of a link for holder until
// until. ok is false while another holder's lease runs; a lease past its
// time is anyone's (its holder died, or ran out of time, and no longer
// writes).
func (o *ops) TakeBulkLease(ctx context.Context, linkID int64, holder string, now, until time.Time) (ok bool, err error) {
	defer wrap(&err, "bulk lease of link %d", linkID)
	rows, err := o.query(ctx, `INSERT INTO bulk_leases (link_id, holder, until_us) VALUES (?, ?, ?)
		ON CONFLICT (link_id) DO UPDATE SET holder = excluded.holder, until_us = excluded.until_us
		WHERE bulk_leases.until_us < CAST(? AS BIGINT) OR bulk_leases.holder = excluded.holder
		RETURNING holder`, linkID, holder, until.UnixMicro(), now.UnixMicro())
	got, err := collect(rows, err, func(r scanner) (string, error) {
		var h string
		return h, r.Scan(&h)
	})
	if err != nil {
		return false, err
	}
	return len(got) == 1, nil
}

// ReleaseBulkLease gives a lease back, if holder still holds it.
func (o *ops) ReleaseBulkLease(ctx context.Context, linkID int64, holder string) (err error) {
	defer wrap(&err, "release bulk lease of link %d", linkID)
	_, err = o.exec(ctx, `DELETE FROM bulk_leases WHERE link_id = ? AND holder = ?`, linkID, holder)
	return err
}

// DueWorks lists, in id order, up to limit works of a tenant's person that
// are to be POSTed: no put-code, and queued, in flight (a write in doubt)
// or to be retried.
func (o *ops) DueWorks(ctx context.Context, tenantID, personID int64, limit int) (_ []Item, err error) {
	defer wrap(&err, "works due of person %d in tenant %d", personID, tenantID)
	rows, err := o.query(ctx, `SELECT `+itemCols+` FROM orcid_items
		WHERE person_id = ? AND tenant_id = ? AND kind = ? AND put_code IS NULL
		AND state IN ('queued', 'in-flight', 'failed-retryable') ORDER BY id LIMIT ?`,
		personID, tenantID, string(orcid.KindWork), limitOr(limit, 100, 1000))
	return collect(rows, err, scanItem)
}

// PersonDue is a tenant's person with works to POST.
type PersonDue struct{ TenantID, PersonID int64 }

// PeopleWithDueWorks lists, across tenants, the people who have works to
// POST (as DueWorks says), up to limit: at a start, each gets a bulk job.
func (o *ops) PeopleWithDueWorks(ctx context.Context, limit int) (_ []PersonDue, err error) {
	defer wrap(&err, "people with works due")
	rows, err := o.query(ctx, `SELECT DISTINCT tenant_id, person_id FROM orcid_items
		WHERE kind = ? AND put_code IS NULL AND state IN ('queued', 'in-flight', 'failed-retryable')
		ORDER BY tenant_id, person_id LIMIT ?`, string(orcid.KindWork), limitOr(limit, 10000, 1000000))
	return collect(rows, err, func(r scanner) (p PersonDue, err error) { return p, r.Scan(&p.TenantID, &p.PersonID) })
}

// ClaimWorks is BeginItemWrite, in one statement, for those of the works
// ids that are still due (as DueWorks says) when it runs: every work a bulk
// request carries is marked in doubt before the request is sent, and one
// that was synced, retracted or given a put-code meanwhile is left out. It
// returns the works claimed, in the order of ids.
func (o *ops) ClaimWorks(ctx context.Context, ids []int64) (_ []Item, err error) {
	defer wrap(&err, "claim %d works", len(ids))
	if len(ids) == 0 {
		return nil, nil
	}
	args := []any{timeText(o.now()), string(orcid.KindWork)}
	for _, id := range ids {
		args = append(args, id)
	}
	rows, err := o.query(ctx, `UPDATE orcid_items SET call_open = 1, pushing_hash = content_hash,
		pushing_content = content, attempts = attempts + 1, state = 'in-flight', updated_at = ?
		WHERE kind = ? AND put_code IS NULL AND state IN ('queued', 'in-flight', 'failed-retryable')
		AND id IN (`+placeholders(len(ids))+`) RETURNING `+itemCols, args...)
	got, err := collect(rows, err, scanItem)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]Item, len(got))
	for _, it := range got {
		byID[it.ID] = it
	}
	out := make([]Item, 0, len(got))
	for _, id := range ids {
		if it, ok := byID[id]; ok {
			out = append(out, it)
		}
	}
	return out, nil
}

// WorkWritten is a work a bulk request created, with its put-code.
type WorkWritten struct {
	ID, PutCode int64
}

// EndWorkWrites is EndItemWrite, confirmed, for many works in one
// statement: each written under its put-code through linkID. It returns
// the works as they are then, in no particular order; a work deleted
// meanwhile is missing.
func (o *ops) EndWorkWrites(ctx context.Context, linkID int64, ws []WorkWritten) (_ []Item, err error) {
	defer wrap(&err, "end write of %d works", len(ws))
	if len(ws) == 0 {
		return nil, nil
	}
	now := timeText(o.now())
	args := []any{linkID, now, now}
	values := make([]string, len(ws))
	for i, w := range ws {
		values[i] = "(CAST(? AS BIGINT), CAST(? AS BIGINT))"
		args = append(args, w.ID, w.PutCode)
	}
	// As EndItemWrite with confirmed: synced unless the content moved on
	// (then queued) or a retraction came in (then it stays retracting).
	rows, err := o.query(ctx, `UPDATE orcid_items SET put_code = v.column2, link_id = ?,
		confirmed_hash = pushing_hash, call_open = 0, last_error = '',
		state = CASE WHEN state IN ('in-flight', 'queued', 'failed-retryable')
			THEN (CASE WHEN content_hash = pushing_hash THEN 'synced' ELSE 'queued' END)
			ELSE state END,
		synced_at = CASE WHEN content_hash = pushing_hash THEN ? ELSE synced_at END,
		state_reason = '', updated_at = ?
		FROM (VALUES `+strings.Join(values, ", ")+`) AS v
		WHERE orcid_items.id = v.column1 RETURNING `+qualified("orcid_items", itemCols), args...)
	return collect(rows, err, scanItem)
}

// placeholders is "?, ?, ..." n times.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// qualified prefixes each of the comma-separated columns with table.
func qualified(table, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = table + "." + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}
