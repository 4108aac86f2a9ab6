package web

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/orcidlink/orcidlink/internal/store"
)

// Administrators are managed by site administrators: who may sign in, as
// which role, and, for tenant managers, which tenants they see.

type adminUserRow struct {
	store.AdminUser
	Tenants []store.Tenant
	Locked  bool
	Self    bool
}

type adminUsersData struct {
	Users []adminUserRow
}

func (s *Server) adminUsers(w http.ResponseWriter, r *http.Request, a *store.AdminUser) {
	ctx := r.Context()
	us, err := s.store.ListAdminUsers(ctx)
	if err != nil {
		s.adminFail(w, r, a, "list administrators", err)
		return
	}
	var d adminUsersData
	now := s.now()
	for _, u := range us {
		u.PasswordHash = "" // not for pages
		row := adminUserRow{AdminUser: u, Locked: u.LockedUntil.After(now), Self: u.ID == a.ID}
		if u.Role == store.RoleTenantManager {
			if row.Tenants, err = s.store.TenantsOfUser(ctx, u.ID); err != nil {
				s.adminFail(w, r, a, "list tenants of administrator", err)
				return
			}
		}
		d.Users = append(d.Users, row)
	}
	s.render(w, r, http.StatusOK, "admin_users", s.adminPage(r, a, "Administrators", d))
}

type adminUserForm struct {
	ID          int64
	Email, Name string
	Role        string
	TenantIDs   []int64
	Locked      bool
	LockedUntil time.Time
}

type adminUserFormData struct {
	Form    adminUserForm
	Errors  adminFieldErrors
	Tenants []store.Tenant
	Self    bool
}

func (d adminUserFormData) HasTenant(id int64) bool { return slices.Contains(d.Form.TenantIDs, id) }

func (s *Server) adminUserFormPage(w http.ResponseWriter, r *http.Request, a *store.AdminUser, status int, d adminUserFormData) {
	ts, err := s.store.ListTenants(r.Context())
	if err != nil {
		s.adminFail(w, r, a, "list tenants", err)
		return
	}
	d.Tenants = ts
	if d.Errors == nil {
		d.Errors = adminFieldErrors{}
	}
	d.Self = d.Form.ID == a.ID
	s.render(w, r, status, "admin_user_form", s.adminPage(r, a, "Edit "+d.Form.Email, d))
}

// adminReadUserForm reads the administrator form. It has no password:
// administrators choose their own, through an invitation's link
// (admin_invite.go) or the account page; nobody types another's.
func adminReadUserForm(r *http.Request) (adminUserForm, adminFieldErrors) {
	_ = r.ParseForm()
	f := adminUserForm{Email: postValue(r, "email"), Name: postValue(r, "name"), Role: postValue(r, "role")}
	errs := adminFieldErrors{}
	if msg := adminCheckEmail(f.Email, true); msg != "" {
		errs.add("email", msg)
	}
	if err := store.CheckText("name", f.Name, false); err != nil {
		adminStoreInvalid(errs, err, "name", nil)
	}
	switch store.Role(f.Role) {
	case store.RoleSiteAdmin, store.RoleTenantManager:
	default:
		errs.add("role", "Choose a role.")
	}
	for _, v := range r.PostForm["tenants"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil && id > 0 {
			f.TenantIDs = append(f.TenantIDs, id)
		}
	}
	if store.Role(f.Role) == store.RoleTenantManager && len(f.TenantIDs) == 0 {
		errs.add("tenants", "A tenant manager needs at least one tenant to manage.")
	}
	return f, errs
}

// adminManagedTenants are the tenants to assign: none for a site administrator,
// who sees every tenant anyway.
func adminManagedTenants(f adminUserForm) []int64 {
	if store.Role(f.Role) == store.RoleSiteAdmin {
		return nil
	}
	return f.TenantIDs
}

func (s *Server) adminLoadUser(w http.ResponseWriter, r *http.Request, a *store.AdminUser) (store.AdminUser, bool) {
	id, ok := adminPathID(r, "uid")
	if !ok {
		s.adminNotFound(w, r, a)
		return store.AdminUser{}, false
	}
	u, err := s.store.AdminUser(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		s.adminNotFound(w, r, a)
		return u, false
	}
	if err != nil {
		s.adminFail(w, r, a, "load the administrator", err)
		return u, false
	}
	return u, true
}

func (s *Server) adminUserEdit(w http.ResponseWriter, r *http.Request, a *store.AdminUser) {
	u, ok := s.adminLoadUser(w, r, a)
	if !ok {
		return
	}
	f := adminUserForm{ID: u.ID, Email: u.Email, Name: u.Name, Role: string(u.Role), Locked: u.LockedUntil.After(s.now()),
		LockedUntil: u.LockedUntil}
	if u.Role == store.RoleTenantManager {
		ts, err := s.store.TenantsOfUser(r.Context(), u.ID)
		if err != nil {
			s.adminFail(w, r, a, "list tenants of administrator", err)
			return
		}
		for _, t := range ts {
			f.TenantIDs = append(f.TenantIDs, t.ID)
		}
	}
	s.adminUserFormPage(w, r, a, http.StatusOK, adminUserFormData{Form: f})
}

func (s *Server) adminUserUpdate(w http.ResponseWriter, r *http.Request, a *store.AdminUser) {
	u, ok := s.adminLoadUser(w, r, a)
	if !ok {
		return
	}
	f, errs := adminReadUserForm(r)
	f.ID, f.Locked, f.LockedUntil = u.ID, u.LockedUntil.After(s.now()), u.LockedUntil
	if u.ID == a.ID && store.Role(f.Role) != store.RoleSiteAdmin {
		// Demoting yourself would lock you out of this very page, and may
		// leave the site with no site administrator.
		errs.add("role", "You cannot take the site administrator role from yourself; ask another site administrator.")
	}
	if errs.any() {
		s.adminUserFormPage(w, r, a, http.StatusUnprocessableEntity, adminUserFormData{Form: f, Errors: errs})
		return
	}
	changed := u
	changed.Email, changed.Name, changed.Role = f.Email, f.Name, store.Role(f.Role)
	unlock := r.PostFormValue("unlock") == "on"
	ctx := r.Context()
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.UpdateAdminUser(ctx, changed); err != nil {
			return err
		}
		if unlock {
			// The zero time clears the lock; the failure count resets at
			// the next successful sign-in.
			if err := tx.LockAdminUser(ctx, u.ID, time.Time{}); err != nil {
				return err
			}
		}
		if err := tx.SetUserTenants(ctx, u.ID, adminManagedTenants(f)); err != nil {
			return err
		}
		return adminAuditIn(ctx, tx, a, 0, 0, "admin.updated", map[string]any{"admin": u.ID, "role": changed.Role,
			"unlocked": unlock})
	})
	switch {
	case err == nil:
		s.adminRedirect(w, r, "/admin/users", changed.Email+" saved.")
		return
	case errors.Is(err, store.ErrConflict):
		errs.add("email", "Another administrator already has this email address.")
	case errors.Is(err, store.ErrNotFound):
		errs.add("tenants", "One of these tenants no longer exists. Reload and choose again.")
	default:
		s.adminFail(w, r, a, "save the administrator", err)
		return
	}
	s.adminUserFormPage(w, r, a, http.StatusUnprocessableEntity, adminUserFormData{Form: f, Errors: errs})
}

func (s *Server) adminUserDelete(w http.ResponseWriter, r *http.Request, a *store.AdminUser) {
	u, ok := s.adminLoadUser(w, r, a)
	if !ok {
		return
	}
	if u.ID == a.ID {
		// Someone must remain able to manage administrators.
		s.adminRedirect(w, r, "/admin/users", "You cannot delete your own account; ask another site administrator.")
		return
	}
	ctx := r.Context()
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.DeleteAdminUser(ctx, u.ID); err != nil {
			return err
		}
		return adminAuditIn(ctx, tx, a, 0, 0, "admin.deleted", map[string]any{"admin": u.ID})
	})
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.adminFail(w, r, a, "delete the administrator", err)
		return
	}
	s.adminRedirect(w, r, "/admin/users", u.Email+" can no longer sign in.")
}
