package store

import (
	"context"
	"time"
)

// CredentialHealth is how the last check of a credential with ORCID went.
type CredentialHealth string

const (
	// CredentialUnchecked: never checked (saved before checks existed).
	CredentialUnchecked CredentialHealth = "unchecked"
	// CredentialWorking: ORCID issued a token for it at the last check.
	CredentialWorking CredentialHealth = "working"
	// CredentialBroken: ORCID refused it (wrong id or secret, client
	// locked); researchers cannot connect and items wait.
	CredentialBroken CredentialHealth = "broken"
)

// CredentialCheck is the change a check made: Broke when the credential
// was not broken before and is now, Repaired when it was and works again.
type CredentialCheck struct {
	Credential
	Broke, Repaired bool
}

// RecordCredentialCheck stores the outcome of a check of a credential with
// ORCID: problem "" means it works, anything else is what ORCID said. It
// reports whether the credential broke or was repaired by this check, so
// that exactly one caller acts on each change, even with several
// processes checking at once (the row is locked while deciding).
func (o *ops) RecordCredentialCheck(ctx context.Context, id int64, problem string) (_ CredentialCheck, err error) {
	defer wrap(&err, "record check of credential %d", id)
	var out CredentialCheck
	err = o.atomic(ctx, func(o *ops) error {
		var before CredentialHealth
		// An UPDATE that changes nothing takes the row's lock on
		// PostgreSQL, so that two checks decide one after the other.
		if err := o.queryRow(ctx, `UPDATE credentials SET health = health WHERE id = ? RETURNING health`, id).Scan(&before); err != nil {
			return notFound(err)
		}
		now := timeText(o.now())
		health := CredentialWorking
		if problem != "" {
			health = CredentialBroken
		}
		c, err := o.scanCredential(o.queryRow(ctx, `UPDATE credentials SET health = ?, checked_at = ?, problem = ?,
			broken_since = CASE WHEN CAST(? AS TEXT) = 'broken' THEN COALESCE(broken_since, ?) ELSE NULL END
			WHERE id = ? RETURNING `+credentialCols, string(health), now, problem, string(health), now, id))
		if err != nil {
			return err
		}
		out = CredentialCheck{Credential: c, Broke: before != CredentialBroken && health == CredentialBroken,
			Repaired: before == CredentialBroken && health == CredentialWorking}
		return nil
	})
	return out, err
}

// ClaimBrokenNotice reports whether the managers of a broken credential's
// tenants are still to be told of this breakage, and if so records that
// they are being told: true once per breakage, across processes.
func (o *ops) ClaimBrokenNotice(ctx context.Context, id int64) (_ bool, err error) {
	defer wrap(&err, "claim the notice of credential %d", id)
	res, err := o.exec(ctx, `UPDATE credentials SET managers_told_at = ? WHERE id = ? AND health = 'broken'
		AND (managers_told_at IS NULL OR managers_told_at < broken_since)`, timeText(o.now()), id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// CredentialWaiter is a researcher who was told that their organisation's
// connection to ORCID is being repaired, and that they will be emailed.
type CredentialWaiter struct {
	CredentialID, TenantID, PersonID int64
	CreatedAt                        time.Time
}

// AddCredentialWaiter remembers a researcher who met a broken credential;
// meeting it again changes nothing.
func (o *ops) AddCredentialWaiter(ctx context.Context, credentialID, tenantID, personID int64) (err error) {
	defer wrap(&err, "remember person %d waiting for credential %d", personID, credentialID)
	_, err = o.exec(ctx, `INSERT INTO credential_waiters (credential_id, person_id, tenant_id, created_at)
		VALUES (?, ?, ?, ?) ON CONFLICT (credential_id, person_id) DO NOTHING`,
		credentialID, personID, tenantID, timeText(o.now()))
	return dbErr(err, ErrNotFound)
}

// TakeCredentialWaiters removes and returns the researchers waiting for a
// credential: whoever takes them emails them, so each is emailed once.
func (o *ops) TakeCredentialWaiters(ctx context.Context, credentialID int64) (_ []CredentialWaiter, err error) {
	defer wrap(&err, "take the people waiting for credential %d", credentialID)
	rows, err := o.query(ctx, `DELETE FROM credential_waiters WHERE credential_id = ?
		RETURNING credential_id, tenant_id, person_id, created_at`, credentialID)
	return collect(rows, err, func(r scanner) (CredentialWaiter, error) {
		var w CredentialWaiter
		return w, r.Scan(&w.CredentialID, &w.TenantID, &w.PersonID, timeDest{&w.CreatedAt})
	})
}

// CountCredentialWaiters counts the researchers waiting for a credential.
func (o *ops) CountCredentialWaiters(ctx context.Context, credentialID int64) (n int, err error) {
	defer wrap(&err, "count the people waiting for credential %d", credentialID)
	err = o.queryRow(ctx, `SELECT COUNT(*) FROM credential_waiters WHERE credential_id = ?`, credentialID).Scan(&n)
	return n, err
}

// TenantManagers lists the tenant managers assigned to a tenant (not the
// site administrators, who see every tenant), by email.
func (o *ops) TenantManagers(ctx context.Context, tenantID int64) (_ []AdminUser, err error) {
	defer wrap(&err, "managers of tenant %d", tenantID)
	rows, err := o.query(ctx, `SELECT `+qualify("u", adminCols)+` FROM admin_users u
		JOIN admin_user_tenants a ON a.user_id = u.id
		WHERE a.tenant_id = ? AND u.role = 'tenant_manager' ORDER BY lower(u.email), u.id`, tenantID)
	return collect(rows, err, scanAdmin)
}

// SiteAdmins lists the site administrators, by email.
func (o *ops) SiteAdmins(ctx context.Context) (_ []AdminUser, err error) {
	defer wrap(&err, "site administrators")
	rows, err := o.query(ctx, `SELECT `+adminCols+` FROM admin_users WHERE role = 'site_admin' ORDER BY lower(email), id`)
	return collect(rows, err, scanAdmin)
}

// ResumeCredentialItems queues the items of the tenants on a credential
// that wait, pending with reason, for the credential to be fixed, and
// returns their ids: a job must run for each.
func (o *ops) ResumeCredentialItems(ctx context.Context, credentialID int64, reason string) (_ []int64, err error) {
	defer wrap(&err, "resume the items waiting for credential %d", credentialID)
	rows, err := o.query(ctx, `UPDATE orcid_items SET state = 'queued', state_reason = '', updated_at = ?
		WHERE state = 'pending' AND state_reason = ?
		AND tenant_id IN (SELECT id FROM tenants WHERE credential_id = ?) RETURNING id`,
		timeText(o.now()), reason, credentialID)
	ids, err := collect(rows, err, func(r scanner) (int64, error) {
		var id int64
		return id, r.Scan(&id)
	})
	if err != nil || len(ids) == 0 {
		return ids, err
	}
	// What the researchers chose meanwhile holds (choices.go); the jobs
	// of items held find them pending.
	return ids, o.holdWhere(ctx, `tenant_id IN (SELECT id FROM tenants WHERE credential_id = ?)`, credentialID)
}
