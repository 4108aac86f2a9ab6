package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// AdminInvitation asks someone to become an administrator: its link, sent
// by email, leads to a page where they choose their own password, so that
// nobody else ever knows it. The link's token exists only in the email;
// the store keeps its SHA-256, as for researchers' invitations.
type AdminInvitation struct {
	ID         int64
	Email      string
	Name       string
	Role       Role
	TenantIDs  []int64 // the tenants a tenant manager will see
	InvitedBy  int64   // the administrator who invited; deleting them cancels the invitation
	CreatedAt  time.Time
	ExpiresAt  time.Time
	AcceptedAt time.Time // zero until the password was chosen
}

// Usable reports whether the link still leads to the password form at now.
func (i AdminInvitation) Usable(now time.Time) bool {
	return i.AcceptedAt.IsZero() && now.Before(i.ExpiresAt)
}

// NewAdminInvitation is what CreateAdminInvitation needs.
type NewAdminInvitation struct {
	Email     string
	Name      string
	Role      Role
	TenantIDs []int64
	InvitedBy int64
	ExpiresAt time.Time
	// Token is the link's raw token (NewInvitationToken), made by the
	// caller so that the email can be composed with it.
	Token string
}

const adminInvitationCols = `id, email, name, role, invited_by, created_at, expires_at, accepted_at`

func scanAdminInvitation(r scanner) (AdminInvitation, error) {
	var i AdminInvitation
	err := r.Scan(&i.ID, &i.Email, &i.Name, &i.Role, &i.InvitedBy, timeDest{&i.CreatedAt}, timeDest{&i.ExpiresAt},
		timeDest{&i.AcceptedAt})
	return i, err
}

// withTenants reads the tenants of each invitation.
func (o *ops) withTenants(ctx context.Context, invs []AdminInvitation) ([]AdminInvitation, error) {
	for k := range invs {
		rows, err := o.query(ctx, `SELECT tenant_id FROM admin_invitation_tenants WHERE invitation_id = ? ORDER BY tenant_id`,
			invs[k].ID)
		ids, err := collect(rows, err, func(r scanner) (int64, error) {
			var id int64
			return id, r.Scan(&id)
		})
		if err != nil {
			return nil, err
		}
		invs[k].TenantIDs = ids
	}
	return invs, nil
}

// CreateAdminInvitation records an invitation. An administrator with that
// email already is ErrConflict; an earlier invitation of the same email
// that was not accepted is replaced, so that only the newest link works.
// The tenants must exist (else ErrNotFound).
func (o *ops) CreateAdminInvitation(ctx context.Context, in NewAdminInvitation) (_ AdminInvitation, err error) {
	defer wrap(&err, "invite administrator %q", in.Email)
	in.Email, in.Name = strings.TrimSpace(in.Email), strings.TrimSpace(in.Name)
	// The checks of an administrator's own row apply to the one to come.
	probe := AdminUser{Email: in.Email, Name: in.Name, Role: in.Role, PasswordHash: "-"}
	if err := probe.normalize(); err != nil {
		return AdminInvitation{}, err
	}
	if len(in.Token) < minSecret {
		return AdminInvitation{}, fmt.Errorf("%w: an invitation needs a token", ErrInvalid)
	}
	if !in.ExpiresAt.After(o.now()) {
		return AdminInvitation{}, fmt.Errorf("%w: the invitation would expire at once", ErrInvalid)
	}
	if in.Role == RoleSiteAdmin {
		in.TenantIDs = nil // a site administrator sees every tenant anyway
	} else if len(in.TenantIDs) == 0 {
		return AdminInvitation{}, fmt.Errorf("%w: a tenant manager needs a tenant", ErrInvalid)
	}
	var out AdminInvitation
	err = o.atomic(ctx, func(o *ops) error {
		taken, err := o.exists(ctx, `SELECT 1 FROM admin_users WHERE lower(email) = lower(?)`, in.Email)
		if err != nil {
			return err
		}
		if taken {
			return fmt.Errorf("%w: an administrator has this email already", ErrConflict)
		}
		if _, err := o.exec(ctx, `DELETE FROM admin_invitations WHERE lower(email) = lower(?) AND accepted_at IS NULL`,
			in.Email); err != nil {
			return err
		}
		for _, t := range in.TenantIDs {
			if err := o.mustExist(ctx, "tenant", t, `SELECT 1 FROM tenants WHERE id = ?`, t); err != nil {
				return err
			}
		}
		out, err = scanAdminInvitation(o.queryRow(ctx, `INSERT INTO admin_invitations (email, name, role, token_hash,
			invited_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING `+adminInvitationCols,
			in.Email, in.Name, string(in.Role), hashToken(in.Token), in.InvitedBy, timeText(o.now()), timeText(in.ExpiresAt)))
		if err != nil {
			return dbErr(err, ErrNotFound)
		}
		for _, t := range in.TenantIDs {
			if _, err := o.exec(ctx, `INSERT INTO admin_invitation_tenants (invitation_id, tenant_id) VALUES (?, ?)
				ON CONFLICT DO NOTHING`, out.ID, t); err != nil {
				return dbErr(err, ErrNotFound)
			}
		}
		invs, err := o.withTenants(ctx, []AdminInvitation{out})
		if err != nil {
			return err
		}
		out = invs[0]
		return nil
	})
	return out, err
}

// AdminInvitationByToken finds the invitation of a link, used or not; an
// unknown token is ErrNotFound.
func (o *ops) AdminInvitationByToken(ctx context.Context, raw string) (_ AdminInvitation, err error) {
	defer wrap(&err, "admin invitation by token")
	if raw == "" {
		return AdminInvitation{}, ErrNotFound
	}
	i, err := scanAdminInvitation(o.queryRow(ctx, `SELECT `+adminInvitationCols+` FROM admin_invitations WHERE token_hash = ?`,
		hashToken(raw)))
	if err != nil {
		return AdminInvitation{}, notFound(err)
	}
	invs, err := o.withTenants(ctx, []AdminInvitation{i})
	if err != nil {
		return AdminInvitation{}, err
	}
	return invs[0], nil
}

// ListAdminInvitations lists the invitations not yet accepted (expired ones
// included, so that they can be sent again), newest first: all of them for
// invitedBy 0, else those that administrator sent.
func (o *ops) ListAdminInvitations(ctx context.Context, invitedBy int64) (_ []AdminInvitation, err error) {
	defer wrap(&err, "list admin invitations")
	q, args := `SELECT `+adminInvitationCols+` FROM admin_invitations WHERE accepted_at IS NULL`, []any{}
	if invitedBy != 0 {
		q, args = q+` AND invited_by = ?`, append(args, invitedBy)
	}
	rows, err := o.query(ctx, q+` ORDER BY id DESC`, args...)
	invs, err := collect(rows, err, scanAdminInvitation)
	if err != nil {
		return nil, err
	}
	return o.withTenants(ctx, invs)
}

// DeleteAdminInvitation cancels an invitation not yet accepted: its link
// stops working. invitedBy 0 may cancel any; otherwise only that
// administrator's (else ErrNotFound).
func (o *ops) DeleteAdminInvitation(ctx context.Context, id, invitedBy int64) (err error) {
	defer wrap(&err, "cancel admin invitation %d", id)
	q, args := `DELETE FROM admin_invitations WHERE id = ? AND accepted_at IS NULL`, []any{id}
	if invitedBy != 0 {
		q, args = q+` AND invited_by = ?`, append(args, invitedBy)
	}
	return affected(o.exec(ctx, q, args...))
}

// ErrInvitationUnusable is a link that was used already or has expired.
var ErrInvitationUnusable = errors.New("the invitation was used already or has expired")

// AcceptAdminInvitation creates the administrator an invitation names,
// with the password hash they chose, and spends the link: it works once.
// An unknown token is ErrNotFound; a used or expired one
// ErrInvitationUnusable. A tenant manager invited by a tenant manager gets
// only the tenants the inviter still manages at acceptance; none left is
// ErrInvitationUnusable. An administrator created meanwhile with the same
// email is ErrConflict.
func (o *ops) AcceptAdminInvitation(ctx context.Context, raw, passwordHash string) (_ AdminUser, err error) {
	defer wrap(&err, "accept admin invitation")
	var out AdminUser
	err = o.atomic(ctx, func(o *ops) error {
		inv, err := o.AdminInvitationByToken(ctx, raw)
		if err != nil {
			return err
		}
		if !inv.Usable(o.now()) {
			return ErrInvitationUnusable
		}
		// Claim the link first: of two submissions at once, one wins.
		if err := affected(o.exec(ctx, `UPDATE admin_invitations SET accepted_at = ? WHERE id = ? AND accepted_at IS NULL`,
			timeText(o.now()), inv.ID)); err != nil {
			if errors.Is(err, ErrNotFound) {
				return ErrInvitationUnusable
			}
			return err
		}
		tenants := inv.TenantIDs
		if inv.Role == RoleTenantManager {
			tenants = tenants[:0:0]
			for _, t := range inv.TenantIDs {
				ok, err := o.UserCanSeeTenant(ctx, inv.InvitedBy, t)
				if err != nil {
					return err
				}
				if ok {
					tenants = append(tenants, t)
				}
			}
			if len(tenants) == 0 {
				return ErrInvitationUnusable
			}
		}
		taken, err := o.exists(ctx, `SELECT 1 FROM admin_users WHERE lower(email) = lower(?)`, inv.Email)
		if err != nil {
			return err
		}
		if taken {
			return fmt.Errorf("%w: an administrator has this email already", ErrConflict)
		}
		out, err = o.CreateAdminUser(ctx, AdminUser{Email: inv.Email, Name: inv.Name, PasswordHash: passwordHash, Role: inv.Role})
		if err != nil {
			return err
		}
		if len(tenants) > 0 {
			return o.SetUserTenants(ctx, out.ID, tenants)
		}
		return nil
	})
	return out, err
}
