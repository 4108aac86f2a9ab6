package store

import (
	"context"
	"errors"
	"time"
)

// What needs an administrator, counted per tenant for the dashboard and the
// daily digest (issue 14, "problems first").

// FailedGroup is a number of a tenant's failed items that share ORCID's
// message.
type FailedGroup struct {
	LastError string
	Count     int
}

// FailedItemsByError counts a tenant's failed items (refused by ORCID, or
// failing and being retried) by their last error, most frequent first.
func (o *ops) FailedItemsByError(ctx context.Context, tenantID int64) (_ []FailedGroup, err error) {
	defer wrap(&err, "failed items of tenant %d", tenantID)
	rows, err := o.query(ctx, `SELECT last_error, COUNT(*) FROM orcid_items
		WHERE tenant_id = ? AND state IN ('failed-permanent', 'failed-retryable')
		GROUP BY last_error ORDER BY COUNT(*) DESC, last_error`, tenantID)
	return collect(rows, err, func(r scanner) (FailedGroup, error) {
		var g FailedGroup
		return g, r.Scan(&g.LastError, &g.Count)
	})
}

// CountUndeliveredEmails counts a tenant's emails that could not be sent
// (the mail server refused them), invitations among them.
func (o *ops) CountUndeliveredEmails(ctx context.Context, tenantID int64) (n int, err error) {
	defer wrap(&err, "undelivered emails of tenant %d", tenantID)
	err = o.queryRow(ctx, `SELECT COUNT(*) FROM emails WHERE tenant_id = ? AND sent_at IS NULL AND error <> ''`,
		tenantID).Scan(&n)
	return n, err
}

// CountFailingWebhooks counts a tenant's webhook deliveries attempted since
// since that failed for good or are being retried after a failure.
func (o *ops) CountFailingWebhooks(ctx context.Context, tenantID int64, since time.Time) (n int, err error) {
	defer wrap(&err, "failing webhook deliveries of tenant %d", tenantID)
	err = o.queryRow(ctx, `SELECT COUNT(*) FROM webhook_deliveries WHERE tenant_id = ?
		AND (state = 'failed' OR (state = 'pending' AND attempts > 0))
		AND last_attempt_at >= ?`, tenantID, timeText(since)).Scan(&n)
	return n, err
}

// AdminDigest is an administrator's choice of a daily email of what needs
// them.
type AdminDigest struct {
	AdminID    int64
	Enabled    bool
	LastSentAt time.Time
}

// AdminDigest reads an administrator's digest choice (off when never made).
func (o *ops) AdminDigest(ctx context.Context, adminID int64) (_ AdminDigest, err error) {
	defer wrap(&err, "digest choice of admin user %d", adminID)
	d := AdminDigest{AdminID: adminID}
	var on int
	err = o.queryRow(ctx, `SELECT enabled, last_sent_at FROM admin_digests WHERE admin_id = ?`, adminID).
		Scan(&on, timeDest{&d.LastSentAt})
	if err = notFound(err); errors.Is(err, ErrNotFound) {
		return d, nil
	}
	d.Enabled = on != 0
	return d, err
}

// SetAdminDigest records an administrator's digest choice.
func (o *ops) SetAdminDigest(ctx context.Context, adminID int64, enabled bool) (err error) {
	defer wrap(&err, "set digest choice of admin user %d", adminID)
	_, err = o.exec(ctx, `INSERT INTO admin_digests (admin_id, enabled) VALUES (?, ?)
		ON CONFLICT (admin_id) DO UPDATE SET enabled = excluded.enabled`, adminID, boolInt(enabled))
	return dbErr(err, ErrNotFound)
}

// DigestsDue lists the administrators who chose the digest and were last
// sent one before before (or never).
func (o *ops) DigestsDue(ctx context.Context, before time.Time) (_ []AdminUser, err error) {
	defer wrap(&err, "digests due")
	rows, err := o.query(ctx, `SELECT `+qualify("u", adminCols)+` FROM admin_users u
		JOIN admin_digests d ON d.admin_id = u.id
		WHERE d.enabled = 1 AND (d.last_sent_at IS NULL OR d.last_sent_at < ?) ORDER BY u.id`, timeText(before))
	return collect(rows, err, scanAdmin)
}

// ClaimDigest records that an administrator's digest is being sent now,
// unless one was sent since before (another process got there first).
func (o *ops) ClaimDigest(ctx context.Context, adminID int64, before time.Time) (_ bool, err error) {
	defer wrap(&err, "claim the digest of admin user %d", adminID)
	res, err := o.exec(ctx, `UPDATE admin_digests SET last_sent_at = ? WHERE admin_id = ? AND enabled = 1
		AND (last_sent_at IS NULL OR last_sent_at < ?)`, timeText(o.now()), adminID, timeText(before))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// OldestWaitingItem is when the longest-waiting of a tenant's items that are
// queued or being sent last changed (zero when none waits): a backlog that
// does not move needs looking at, one that does is only busy.
func (o *ops) OldestWaitingItem(ctx context.Context, tenantID int64) (_ time.Time, err error) {
	defer wrap(&err, "oldest waiting item of tenant %d", tenantID)
	var at time.Time
	err = o.queryRow(ctx, `SELECT MIN(updated_at) FROM orcid_items WHERE tenant_id = ? AND state IN ('queued', 'in-flight')`,
		tenantID).Scan(timeDest{&at})
	return at, err
}
