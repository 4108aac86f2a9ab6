package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Role is what an administrator may do.
type Role string

const (
	// RoleSiteAdmin sees and changes everything.
	RoleSiteAdmin Role = "site_admin"
	// RoleTenantManager sees and changes only the tenants assigned to them.
	RoleTenantManager Role = "tenant_manager"
)

// AdminUser is someone who signs in to the admin UI.
type AdminUser struct {
	ID           int64
	Email        string // unique, ignoring ASCII case
	Name         string
	PasswordHash string // argon2id, encoded by the caller
	Role         Role
	FailedLogins int       // since the last successful sign-in
	LockedUntil  time.Time // zero when not locked
	LastLoginAt  time.Time
	CreatedAt    time.Time
	// MustChangePassword marks a password someone else has seen (printed
	// at first start or by reset-password): the admin UI leads to the
	// account page until the administrator chooses their own.
	MustChangePassword bool
	// SessionGeneration moves on at every password change (SetAdminPassword);
	// a session signed in under an older one is over.
	SessionGeneration int64
}

func (u *AdminUser) normalize() error {
	u.Email = strings.TrimSpace(u.Email)
	if err := checkTexts("email", u.Email, "name", u.Name); err != nil {
		return err
	}
	if !strings.Contains(u.Email, "@") {
		return fmt.Errorf("%w: %q is not an email address", ErrInvalid, u.Email)
	}
	if u.Role != RoleSiteAdmin && u.Role != RoleTenantManager {
		return fmt.Errorf("%w: role %q", ErrInvalid, u.Role)
	}
	if u.PasswordHash == "" {
		return fmt.Errorf("%w: no password hash", ErrInvalid)
	}
	return nil
}

const adminCols = `id, email, name, password_hash, role, failed_logins, locked_until, last_login_at, created_at,
	must_change_password, session_generation`

func scanAdmin(r scanner) (AdminUser, error) {
	var u AdminUser
	var mustChange int
	err := r.Scan(&u.ID, &u.Email, &u.Name, &u.PasswordHash, &u.Role, &u.FailedLogins, timeDest{&u.LockedUntil},
		timeDest{&u.LastLoginAt}, timeDest{&u.CreatedAt}, &mustChange, &u.SessionGeneration)
	u.MustChangePassword = mustChange != 0
	return u, err
}

// CreateAdminUser adds an administrator; the email must be new (else
// ErrConflict).
func (o *ops) CreateAdminUser(ctx context.Context, u AdminUser) (_ AdminUser, err error) {
	defer wrap(&err, "create admin user %q", u.Email)
	if err := u.normalize(); err != nil {
		return AdminUser{}, err
	}
	out, err := scanAdmin(o.queryRow(ctx, `INSERT INTO admin_users (email, name, password_hash, role, failed_logins,
		created_at, must_change_password) VALUES (?, ?, ?, ?, 0, ?, ?) RETURNING `+adminCols,
		u.Email, u.Name, u.PasswordHash, string(u.Role), timeText(o.now()), boolInt(u.MustChangePassword)))
	return out, dbErr(err, ErrNotFound)
}

// AdminUser reads an administrator.
func (o *ops) AdminUser(ctx context.Context, id int64) (_ AdminUser, err error) {
	defer wrap(&err, "admin user %d", id)
	u, err := scanAdmin(o.queryRow(ctx, `SELECT `+adminCols+` FROM admin_users WHERE id = ?`, id))
	return u, notFound(err)
}

// AdminUserByEmail finds an administrator by email, ignoring ASCII case.
func (o *ops) AdminUserByEmail(ctx context.Context, email string) (_ AdminUser, err error) {
	defer wrap(&err, "admin user %q", email)
	u, err := scanAdmin(o.queryRow(ctx, `SELECT `+adminCols+` FROM admin_users WHERE lower(email) = lower(?)`,
		strings.TrimSpace(email)))
	return u, notFound(err)
}

// ListAdminUsers lists every administrator by email.
func (o *ops) ListAdminUsers(ctx context.Context) (_ []AdminUser, err error) {
	defer wrap(&err, "list admin users")
	rows, err := o.query(ctx, `SELECT `+adminCols+` FROM admin_users ORDER BY lower(email), id`)
	return collect(rows, err, scanAdmin)
}

// UpdateAdminUser changes an administrator's email, name and role. The
// password changes only through SetAdminPassword, which also ends the
// account's other sessions.
func (o *ops) UpdateAdminUser(ctx context.Context, u AdminUser) (_ AdminUser, err error) {
	defer wrap(&err, "update admin user %d", u.ID)
	if err := u.normalize(); err != nil {
		return AdminUser{}, err
	}
	out, err := scanAdmin(o.queryRow(ctx, `UPDATE admin_users SET email = ?, name = ?, role = ?
		WHERE id = ? RETURNING `+adminCols, u.Email, u.Name, string(u.Role), u.ID))
	return out, dbErr(notFound(err), ErrNotFound)
}

// SetAdminPassword replaces an administrator's password hash, clears the
// failure count and any lock, and moves the session generation on, so that
// every session signed in before the change is over (the caller puts the
// new generation in the session it keeps). mustChange marks a password
// someone else has seen.
func (o *ops) SetAdminPassword(ctx context.Context, id int64, hash string, mustChange bool) (_ AdminUser, err error) {
	defer wrap(&err, "set password of admin user %d", id)
	if hash == "" {
		return AdminUser{}, fmt.Errorf("%w: no password hash", ErrInvalid)
	}
	out, err := scanAdmin(o.queryRow(ctx, `UPDATE admin_users SET password_hash = ?, must_change_password = ?,
		session_generation = session_generation + 1, failed_logins = 0, locked_until = NULL
		WHERE id = ? RETURNING `+adminCols, hash, boolInt(mustChange), id))
	return out, notFound(err)
}

// DeleteAdminUser deletes an administrator.
func (o *ops) DeleteAdminUser(ctx context.Context, id int64) (err error) {
	defer wrap(&err, "delete admin user %d", id)
	return affected(o.exec(ctx, `DELETE FROM admin_users WHERE id = ?`, id))
}

// RecordLoginFailure counts a failed sign-in, atomically, and returns the
// count since the last success: the caller decides when to LockAdminUser.
func (o *ops) RecordLoginFailure(ctx context.Context, id int64) (_ int, err error) {
	defer wrap(&err, "record failed login of admin user %d", id)
	var n int
	err = o.queryRow(ctx, `UPDATE admin_users SET failed_logins = failed_logins + 1 WHERE id = ? RETURNING failed_logins`,
		id).Scan(&n)
	return n, notFound(err)
}

// LockAdminUser refuses sign-ins until until.
func (o *ops) LockAdminUser(ctx context.Context, id int64, until time.Time) (err error) {
	defer wrap(&err, "lock admin user %d", id)
	return affected(o.exec(ctx, `UPDATE admin_users SET locked_until = ? WHERE id = ?`, timeText(until), id))
}

// RecordLoginSuccess resets the failure count and lock and notes the time.
func (o *ops) RecordLoginSuccess(ctx context.Context, id int64) (err error) {
	defer wrap(&err, "record login of admin user %d", id)
	return affected(o.exec(ctx, `UPDATE admin_users SET failed_logins = 0, locked_until = NULL, last_login_at = ?
		WHERE id = ?`, timeText(o.now()), id))
}

// SetUserTenants replaces the tenants a tenant manager may see.
func (o *ops) SetUserTenants(ctx context.Context, userID int64, tenantIDs []int64) (err error) {
	defer wrap(&err, "set tenants of admin user %d", userID)
	return o.atomic(ctx, func(o *ops) error {
		if err := o.mustExist(ctx, "admin user", userID, `SELECT 1 FROM admin_users WHERE id = ?`, userID); err != nil {
			return err
		}
		for _, t := range tenantIDs {
			if err := o.mustExist(ctx, "tenant", t, `SELECT 1 FROM tenants WHERE id = ?`, t); err != nil {
				return err
			}
		}
		if _, err := o.exec(ctx, `DELETE FROM admin_user_tenants WHERE user_id = ?`, userID); err != nil {
			return err
		}
		for _, t := range tenantIDs {
			if _, err := o.exec(ctx, `INSERT INTO admin_user_tenants (user_id, tenant_id) VALUES (?, ?)
				ON CONFLICT DO NOTHING`, userID, t); err != nil {
				return dbErr(err, ErrNotFound)
			}
		}
		return nil
	})
}

// TenantsOfUser lists the tenants an administrator may see, by name: all
// of them for a site administrator.
func (o *ops) TenantsOfUser(ctx context.Context, userID int64) (_ []Tenant, err error) {
	defer wrap(&err, "tenants of admin user %d", userID)
	var role Role
	if err := o.queryRow(ctx, `SELECT role FROM admin_users WHERE id = ?`, userID).Scan(&role); err != nil {
		return nil, notFound(err)
	}
	if role == RoleSiteAdmin {
		return o.ListTenants(ctx)
	}
	rows, err := o.query(ctx, `SELECT `+qualify("t", tenantCols)+` FROM tenants t
		JOIN admin_user_tenants a ON a.tenant_id = t.id WHERE a.user_id = ? ORDER BY t.name, t.id`, userID)
	return collect(rows, err, scanTenant)
}

// UserCanSeeTenant reports whether an administrator may see a tenant. An
// unknown user can see nothing.
func (o *ops) UserCanSeeTenant(ctx context.Context, userID, tenantID int64) (_ bool, err error) {
	defer wrap(&err, "may admin user %d see tenant %d", userID, tenantID)
	return o.exists(ctx, `SELECT 1 FROM admin_users u WHERE u.id = ? AND (
		(u.role = 'site_admin' AND EXISTS (SELECT 1 FROM tenants WHERE id = ?))
		OR EXISTS (SELECT 1 FROM admin_user_tenants a WHERE a.user_id = u.id AND a.tenant_id = ?))`,
		userID, tenantID, tenantID)
}
