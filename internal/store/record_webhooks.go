package store

import (
	"context"
	"time"
)

// Whether ORCID grants a credential's client the premium /webhook scope
// (credentials.orcid_webhooks).
const (
	WebhooksUnknown = "unknown"
	WebhooksYes     = "yes"
	WebhooksNo      = "no"
)

// CredentialWebhooks says whether the credential's client may register
// ORCID's premium webhooks (WebhooksUnknown until asked) and when ORCID was
// last asked.
func (o *ops) CredentialWebhooks(ctx context.Context, credentialID int64) (state string, checkedAt time.Time, err error) {
	defer wrap(&err, "webhook capability of credential %d", credentialID)
	err = o.queryRow(ctx, `SELECT orcid_webhooks, orcid_webhooks_checked_at FROM credentials WHERE id = ?`, credentialID).
		Scan(&state, timeDest{&checkedAt})
	return state, checkedAt, notFound(err)
}

// SetCredentialWebhooks records whether ORCID granted the credential's
// client the /webhook scope.
func (o *ops) SetCredentialWebhooks(ctx context.Context, credentialID int64, capable bool) (err error) {
	defer wrap(&err, "record the webhook capability of credential %d", credentialID)
	state := WebhooksNo
	if capable {
		state = WebhooksYes
	}
	_, err = o.exec(ctx, `UPDATE credentials SET orcid_webhooks = ?, orcid_webhooks_checked_at = ? WHERE id = ?`,
		state, timeText(o.clock()), credentialID)
	return err
}

// RecordWebhook is orcidlink's registration of an ORCID premium webhook for
// one link: ORCID calls back a URL carrying Token when the record changes.
type RecordWebhook struct {
	LinkID       int64
	TenantID     int64
	PersonID     int64
	CredentialID int64
	ORCID        string // bare iD
	// Token is the secret of the callback URL. It is kept in the clear,
	// unlike the secrets of design note 6: it cannot be a hash, since the
	// same callback must be sent to ORCID again to remove it, and all it
	// lets its holder do is mark one record changed, which makes the next
	// daily import read a record it would otherwise skip (as without
	// webhooks). It never leaves orcidlink but to ORCID: calls hide it
	// (orcid.callbackSecrets).
	Token        string
	RegisteredAt time.Time // zero until ORCID acknowledged the registration
	ChangedAt    time.Time // ORCID's last "changed" call, zero for none
	CreatedAt    time.Time
}

const recordWebhookCols = `link_id, tenant_id, person_id, credential_id, orcid, token, registered_at, changed_at, created_at`

func scanRecordWebhook(r scanner) (RecordWebhook, error) {
	var h RecordWebhook
	err := r.Scan(&h.LinkID, &h.TenantID, &h.PersonID, &h.CredentialID, &h.ORCID, &h.Token,
		timeDest{&h.RegisteredAt}, timeDest{&h.ChangedAt}, timeDest{&h.CreatedAt})
	return h, err
}

// EnsureRecordWebhook returns the link's registration, creating it with
// token when there is none. A registration for another iD or credential
// (the link connected again differently before the old one was removed)
// starts afresh with token: unacknowledged, and never called.
func (o *ops) EnsureRecordWebhook(ctx context.Context, l Link, token string) (_ RecordWebhook, err error) {
	defer wrap(&err, "webhook of link %d", l.ID)
	if _, err := o.exec(ctx, `INSERT INTO record_webhooks (link_id, tenant_id, person_id, credential_id, orcid, token, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (link_id) DO UPDATE SET credential_id = excluded.credential_id,
		orcid = excluded.orcid, token = excluded.token, registered_at = NULL, changed_at = NULL, created_at = excluded.created_at
		WHERE record_webhooks.orcid <> excluded.orcid OR record_webhooks.credential_id <> excluded.credential_id`,
		l.ID, l.TenantID, l.PersonID, l.CredentialID, l.ORCID, token, timeText(o.clock())); err != nil {
		return RecordWebhook{}, err
	}
	return o.RecordWebhookOfLink(ctx, l.ID)
}

// RecordWebhookOfLink returns the link's registration, or ErrNotFound.
func (o *ops) RecordWebhookOfLink(ctx context.Context, linkID int64) (_ RecordWebhook, err error) {
	defer wrap(&err, "webhook of link %d", linkID)
	h, err := scanRecordWebhook(o.queryRow(ctx, `SELECT `+recordWebhookCols+` FROM record_webhooks WHERE link_id = ?`, linkID))
	return h, notFound(err)
}

// RecordWebhookRegistered records that ORCID acknowledged the registration.
func (o *ops) RecordWebhookRegistered(ctx context.Context, linkID int64) (err error) {
	defer wrap(&err, "webhook of link %d registered", linkID)
	_, err = o.exec(ctx, `UPDATE record_webhooks SET registered_at = ? WHERE link_id = ?`, timeText(o.clock()), linkID)
	return err
}

// MarkRecordChanged records ORCID's call saying the link's record changed;
// calling it again only moves the time (idempotent).
func (o *ops) MarkRecordChanged(ctx context.Context, linkID int64) (err error) {
	defer wrap(&err, "webhook of link %d: record changed", linkID)
	_, err = o.exec(ctx, `UPDATE record_webhooks SET changed_at = ? WHERE link_id = ?`, timeText(o.clock()), linkID)
	return err
}

// DeleteRecordWebhook forgets the link's registration (once unregistered
// at ORCID).
func (o *ops) DeleteRecordWebhook(ctx context.Context, linkID int64) (err error) {
	defer wrap(&err, "delete the webhook of link %d", linkID)
	_, err = o.exec(ctx, `DELETE FROM record_webhooks WHERE link_id = ?`, linkID)
	return err
}

// LinksWithoutWebhook lists (tenant, person) of connected links, on their
// tenant's current credential, whose credential may use premium webhooks
// and that have no acknowledged registration.
func (o *ops) LinksWithoutWebhook(ctx context.Context) (_ [][2]int64, err error) {
	defer wrap(&err, "list links without a webhook")
	rows, err := o.query(ctx, `SELECT l.tenant_id, l.person_id FROM orcid_links l
		JOIN tenants t ON t.id = l.tenant_id AND t.credential_id = l.credential_id
		JOIN credentials c ON c.id = l.credential_id
		LEFT JOIN record_webhooks h ON h.link_id = l.id AND h.orcid = l.orcid AND h.credential_id = l.credential_id
		WHERE l.state = 'connected' AND c.orcid_webhooks = 'yes' AND h.registered_at IS NULL
		ORDER BY l.tenant_id, l.person_id`)
	return collect(rows, err, func(r scanner) ([2]int64, error) {
		var x [2]int64
		return x, r.Scan(&x[0], &x[1])
	})
}

// StaleRecordWebhooks lists registrations whose link is no longer
// connected, or no longer on its tenant's credential: to unregister.
func (o *ops) StaleRecordWebhooks(ctx context.Context) (_ []RecordWebhook, err error) {
	defer wrap(&err, "list stale webhooks")
	rows, err := o.query(ctx, `SELECT `+qualify("h", recordWebhookCols)+` FROM record_webhooks h
		JOIN orcid_links l ON l.id = h.link_id
		LEFT JOIN tenants t ON t.id = l.tenant_id AND t.credential_id = l.credential_id
		WHERE l.state <> 'connected' OR t.id IS NULL ORDER BY h.link_id`)
	return collect(rows, err, scanRecordWebhook)
}

// ConnectedRecord is a connected person as the daily import sees them:
// when their record was last read and what ORCID's webhook said since.
type ConnectedRecord struct {
	TenantID     int64
	PersonID     int64
	CredentialID int64
	RegisteredAt time.Time // zero without an acknowledged webhook
	ChangedAt    time.Time // ORCID's last "changed" call, zero for none
	FetchedAt    time.Time // the last read, zero for never
}

// ConnectedRecords lists every connected person (as ConnectedPeople does)
// with their webhook (only one for the link's current iD and credential)
// and last read.
func (o *ops) ConnectedRecords(ctx context.Context) (_ []ConnectedRecord, err error) {
	defer wrap(&err, "list connected records")
	rows, err := o.query(ctx, `SELECT l.tenant_id, l.person_id, l.credential_id, h.registered_at, h.changed_at, r.fetched_at
		FROM orcid_links l
		LEFT JOIN record_webhooks h ON h.link_id = l.id AND h.orcid = l.orcid AND h.credential_id = l.credential_id
		LEFT JOIN orcid_records r ON r.tenant_id = l.tenant_id AND r.person_id = l.person_id
		WHERE l.state = 'connected' ORDER BY l.tenant_id, l.person_id`)
	return collect(rows, err, func(r scanner) (ConnectedRecord, error) {
		var c ConnectedRecord
		return c, r.Scan(&c.TenantID, &c.PersonID, &c.CredentialID, timeDest{&c.RegisteredAt}, timeDest{&c.ChangedAt},
			timeDest{&c.FetchedAt})
	})
}

// TouchRecord records that the person's record was read at and found
// unchanged: the stored record stays as it is.
func (o *ops) TouchRecord(ctx context.Context, tenantID, personID int64, at time.Time) (err error) {
	defer wrap(&err, "touch the record of person %d in tenant %d", personID, tenantID)
	_, err = o.exec(ctx, `UPDATE orcid_records SET fetched_at = ? WHERE tenant_id = ? AND person_id = ?`,
		timeText(at), tenantID, personID)
	return err
}
