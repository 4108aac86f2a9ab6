package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
)

// testAdminAccounts: a password change moves the session generation on
// and lifts the lock; an administrator's invitation works once, before it
// expires, only with its own token, only for the newest invitation of an
// address, and gives a manager invited by a manager only the tenants the
// inviter still manages.
func testAdminAccounts(t *testing.T, e *env) {
	site, err := e.s.CreateAdminUser(e.ctx, store.AdminUser{Email: "site@example.org", PasswordHash: "h0", Role: store.RoleSiteAdmin,
		MustChangePassword: true})
	want(t, "create", err, nil)
	if !site.MustChangePassword || site.SessionGeneration != 0 {
		t.Fatalf("created %+v", site)
	}
	_, _ = e.s.RecordLoginFailure(e.ctx, site.ID)
	want(t, "lock", e.s.LockAdminUser(e.ctx, site.ID, e.clock.Now().Add(time.Hour)), nil)
	for i, mustChange := range []bool{false, true} {
		got, err := e.s.SetAdminPassword(e.ctx, site.ID, "h-new", mustChange)
		want(t, "set password", err, nil)
		if got.PasswordHash != "h-new" || got.MustChangePassword != mustChange || got.SessionGeneration != int64(i+1) ||
			got.FailedLogins != 0 || !got.LockedUntil.IsZero() {
			t.Fatalf("after password change %d: %+v", i+1, got)
		}
	}
	_, err = e.s.SetAdminPassword(e.ctx, 9999, "h", false)
	want(t, "set password of nobody", err, store.ErrNotFound)
	// Editing the account leaves the password alone.
	site.Name = "Renamed"
	upd, err := e.s.UpdateAdminUser(e.ctx, site)
	if want(t, "update", err, nil); upd.PasswordHash != "h-new" || upd.SessionGeneration != 2 {
		t.Fatalf("update changed the password: %+v", upd)
	}

	cred, err := e.s.CreateCredential(e.ctx, store.Credential{Name: "c", Env: orcid.Sandbox, API: orcid.MemberAPI,
		ClientID: "APP-0000000000000001", ClientSecret: "s", ClientName: "J"})
	want(t, "credential", err, nil)
	var tenants []store.Tenant
	for _, slug := range []string{"ta", "tb"} {
		tn, err := e.s.CreateTenant(e.ctx, store.Tenant{Slug: slug, Name: slug, SupportEmail: "s@example.org",
			Languages: []string{"en"}, DefaultLanguage: "en", CredentialID: cred.ID})
		want(t, "tenant", err, nil)
		tenants = append(tenants, tn)
	}
	mgr, err := e.s.CreateAdminUser(e.ctx, store.AdminUser{Email: "mgr@example.org", PasswordHash: "h", Role: store.RoleTenantManager})
	want(t, "manager", err, nil)
	want(t, "manager's tenants", e.s.SetUserTenants(e.ctx, mgr.ID, []int64{tenants[0].ID, tenants[1].ID}), nil)

	invite := func(email string, role store.Role, by int64, tenantIDs ...int64) (store.AdminInvitation, string, error) {
		token := store.NewInvitationToken()
		inv, err := e.s.CreateAdminInvitation(e.ctx, store.NewAdminInvitation{Email: email, Name: "N", Role: role,
			TenantIDs: tenantIDs, InvitedBy: by, ExpiresAt: e.clock.Now().Add(time.Hour), Token: token})
		return inv, token, err
	}
	for _, tc := range []struct {
		name    string
		email   string
		role    store.Role
		tenants []int64
		err     error
	}{
		{"an administrator's address", "SITE@example.org", store.RoleSiteAdmin, nil, store.ErrConflict},
		{"not an address", "nobody", store.RoleSiteAdmin, nil, store.ErrInvalid},
		{"no role", "x@example.org", "", nil, store.ErrInvalid},
		{"manager without tenant", "x@example.org", store.RoleTenantManager, nil, store.ErrInvalid},
		{"unknown tenant", "x@example.org", store.RoleTenantManager, []int64{9999}, store.ErrNotFound},
	} {
		_, _, err := invite(tc.email, tc.role, site.ID, tc.tenants...)
		want(t, tc.name, err, tc.err)
	}

	// A newer invitation of the same address replaces the older one.
	_, oldToken, err := invite("deputy@example.org", store.RoleTenantManager, mgr.ID, tenants[0].ID, tenants[1].ID)
	want(t, "invite", err, nil)
	inv, token, err := invite("Deputy@example.org", store.RoleTenantManager, mgr.ID, tenants[0].ID, tenants[1].ID)
	want(t, "invite again", err, nil)
	_, err = e.s.AdminInvitationByToken(e.ctx, oldToken)
	want(t, "replaced token", err, store.ErrNotFound)
	got, err := e.s.AdminInvitationByToken(e.ctx, token)
	if want(t, "by token", err, nil); got.ID != inv.ID || len(got.TenantIDs) != 2 || got.InvitedBy != mgr.ID {
		t.Fatalf("by token %+v", got)
	}
	list, err := e.s.ListAdminInvitations(e.ctx, mgr.ID)
	if want(t, "list", err, nil); len(list) != 1 || list[0].ID != inv.ID {
		t.Fatalf("pending %+v", list)
	}
	if list, _ := e.s.ListAdminInvitations(e.ctx, site.ID); len(list) != 0 {
		t.Fatalf("the site admin's own list has another's invitation: %+v", list)
	}

	// The inviter lost tenant b meanwhile: the new manager gets a only.
	want(t, "inviter loses b", e.s.SetUserTenants(e.ctx, mgr.ID, []int64{tenants[0].ID}), nil)
	_, err = e.s.AcceptAdminInvitation(e.ctx, "NOT-A-TOKEN", "h")
	want(t, "unknown token", err, store.ErrNotFound)
	deputy, err := e.s.AcceptAdminInvitation(e.ctx, token, "h-deputy")
	want(t, "accept", err, nil)
	if deputy.Email != "Deputy@example.org" || deputy.PasswordHash != "h-deputy" || deputy.Role != store.RoleTenantManager || deputy.MustChangePassword {
		t.Fatalf("accepted %+v", deputy)
	}
	if ts, _ := e.s.TenantsOfUser(e.ctx, deputy.ID); len(ts) != 1 || ts[0].ID != tenants[0].ID {
		t.Fatalf("the deputy's tenants %+v", ts)
	}
	_, err = e.s.AcceptAdminInvitation(e.ctx, token, "h-again")
	want(t, "accept twice", err, store.ErrInvitationUnusable)

	// Expiry, and cancellation by someone else than the inviter.
	exp, expToken, err := invite("late@example.org", store.RoleSiteAdmin, site.ID)
	want(t, "invite", err, nil)
	e.clock.Add(2 * time.Hour)
	_, err = e.s.AcceptAdminInvitation(e.ctx, expToken, "h")
	want(t, "expired", err, store.ErrInvitationUnusable)
	want(t, "cancel by another", e.s.DeleteAdminInvitation(e.ctx, exp.ID, mgr.ID), store.ErrNotFound)
	want(t, "cancel", e.s.DeleteAdminInvitation(e.ctx, exp.ID, 0), nil)
	if _, err := e.s.AdminInvitationByToken(e.ctx, expToken); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a cancelled invitation is found: %v", err)
	}
	// Deleting the inviter cancels their invitations.
	_, tok, err := invite("third@example.org", store.RoleTenantManager, mgr.ID, tenants[0].ID)
	want(t, "invite", err, nil)
	want(t, "delete inviter", e.s.DeleteAdminUser(e.ctx, mgr.ID), nil)
	_, err = e.s.AdminInvitationByToken(e.ctx, tok)
	want(t, "invitation of a deleted inviter", err, store.ErrNotFound)
}
