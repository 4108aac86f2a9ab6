package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/store"
)

func adminTenantValues(credentialID int64) url.Values {
	return url.Values{"name": {"Journal of Examples"}, "slug": {"examples"}, "support_email": {"help@examples.org"},
		"support_url": {"https://examples.org/help"}, "languages": {"en", "es"}, "default_language": {"es"},
		"primary_color": {"#2e5c8a"}, "credential_id": {adminItoa(credentialID)}, "request_on_publication": {"on"},
		"invitation_ttl_days": {"45"}}
}

func TestAdminCreateTenant(t *testing.T) {
	env, c := adminSignedInSiteAt(t, adminEnvOptions{})
	ctx := context.Background()
	if form := c.get("/admin/tenants/new").body; !strings.Contains(form, "no ORCID credential yet") {
		t.Error("with no credential, the tenant form does not say to add one first")
	}
	cred := env.addCredential(t, "Press", "APP-0000000000000001", "x")
	if dash := c.get("/admin/").body; !strings.Contains(dash, `id="new-tenant"`) {
		t.Error("the dashboard has no #new-tenant link")
	}

	a := c.post("/admin/tenants/new", adminTenantValues(cred.ID))
	if a.status != http.StatusSeeOther {
		t.Fatalf("create tenant: %d\n%s", a.status, a.body)
	}
	tn, err := env.st.TenantBySlug(ctx, "examples")
	if err != nil {
		t.Fatal(err)
	}
	if tn.Name != "Journal of Examples" || strings.Join(tn.Languages, ",") != "en,es" || tn.DefaultLanguage != "es" ||
		tn.Branding.PrimaryColor != "#2e5c8a" || tn.CredentialID != cred.ID ||
		!tn.Settings.RequestAuthorizationOnPublication || tn.Settings.InvitationTTL != 45*24*time.Hour ||
		tn.SupportURL != "https://examples.org/help" {
		t.Errorf("stored tenant %+v", tn)
	}
	if page := c.get(a.location).body; !strings.Contains(page, "45 days") || !strings.Contains(page, `id="add-person"`) {
		t.Errorf("tenant page lacks its settings or the add-person link")
	}
	if ev, _ := env.st.ListAudit(ctx, tn.ID, 0, 10); len(ev) != 1 || ev[0].Action != "tenant.created" {
		t.Errorf("audit after creating a tenant: %+v", ev)
	}

	for _, tc := range []struct {
		name    string
		edit    func(url.Values)
		errorID string
	}{
		{"slug taken", func(v url.Values) { v.Set("name", "Other") }, "tenant-slug-error"},
		{"bad slug", func(v url.Values) { v.Set("slug", "Not A Slug!") }, "tenant-slug-error"},
		{"no name", func(v url.Values) { v.Set("name", " "); v.Set("slug", "new-one") }, "tenant-name-error"},
		{"bad support email", func(v url.Values) { v.Set("slug", "new-one"); v.Set("support_email", "help") }, "tenant-support-email-error"},
		{"bad support URL", func(v url.Values) { v.Set("slug", "new-one"); v.Set("support_url", "javascript:alert(1)") }, "tenant-support-url-error"},
		{"no support at all", func(v url.Values) { v.Set("slug", "new-one"); v.Del("support_email"); v.Del("support_url") }, "tenant-support-email-error"},
		{"no language", func(v url.Values) { v.Set("slug", "new-one"); v.Del("languages") }, "tenant-languages-error"},
		{"unknown language only", func(v url.Values) { v.Set("slug", "new-one"); v.Set("languages", "de") }, "tenant-languages-error"},
		{"default not chosen", func(v url.Values) { v.Set("slug", "new-one"); v.Set("default_language", "fr") }, "tenant-default-language-error"},
		{"bad colour", func(v url.Values) { v.Set("slug", "new-one"); v.Set("primary_color", "red; background:url(x)") }, "tenant-primary-color-error"},
		{"bad TTL", func(v url.Values) { v.Set("slug", "new-one"); v.Set("invitation_ttl_days", "0") }, "tenant-ttl-error"},
		{"no credential", func(v url.Values) { v.Set("slug", "new-one"); v.Del("credential_id") }, "tenant-credential-error"},
		{"unknown credential", func(v url.Values) { v.Set("slug", "new-one"); v.Set("credential_id", "999") }, "tenant-credential-error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := adminTenantValues(cred.ID)
			tc.edit(v)
			a := c.post("/admin/tenants/new", v)
			if a.status != http.StatusUnprocessableEntity || adminFieldMessage(a.body, tc.errorID) == "" {
				t.Errorf("%d, want 422 with #%s\n%s", a.status, tc.errorID, a.body)
			}
			if strings.Contains(a.body, "store:") {
				t.Error("the page shows an internal error message")
			}
		})
	}
	if ts, _ := env.st.ListTenants(ctx); len(ts) != 1 {
		t.Errorf("%d tenants, want 1: refused forms must store nothing", len(ts))
	}

	// Editing: a slug taken by another tenant names the slug field.
	other := env.addTenant(t, "other", cred.ID)
	v := adminTenantValues(cred.ID)
	a = c.post("/admin/tenants/"+adminItoa(other.ID)+"/edit", v)
	if a.status != http.StatusUnprocessableEntity || !strings.Contains(adminFieldMessage(a.body, "tenant-slug-error"), "already uses") {
		t.Errorf("edit to a taken slug: %d\n%s", a.status, a.body)
	}
}

func TestAdminUsers(t *testing.T) {
	env, c := adminSignedInSiteAt(t, adminEnvOptions{})
	ctx := context.Background()
	cred := env.addCredential(t, "Press", "APP-0000000000000001", "x")
	ta := env.addTenant(t, "journal-a", cred.ID)
	tb := env.addTenant(t, "journal-b", cred.ID)

	// Administrators come by invitation (admin_invite_test.go); this one
	// is made directly.
	u := env.addAdmin(t, "manager@example.org", store.RoleTenantManager, ta.ID)
	if ok, _ := env.st.UserCanSeeTenant(ctx, u.ID, ta.ID); !ok {
		t.Error("the manager cannot see the tenant given")
	}
	if ok, _ := env.st.UserCanSeeTenant(ctx, u.ID, tb.ID); ok {
		t.Error("the manager can see a tenant not given")
	}
	if strings.Contains(c.get("/admin/users").body, "$argon2id$") {
		t.Error("the administrators page shows a password hash")
	}
	m := env.client(t)
	m.signIn("manager@example.org", adminTestPassword)

	for _, tc := range []struct {
		name    string
		form    url.Values
		errorID string
	}{
		{"email taken", url.Values{"email": {"SITE@example.org"}, "role": {"tenant_manager"}, "tenants": {adminItoa(ta.ID)}}, "user-email-error"},
		{"manager without tenants", url.Values{"email": {"manager@example.org"}, "role": {"tenant_manager"}}, "user-tenants-error"},
		{"no role", url.Values{"email": {"manager@example.org"}}, "user-role-error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := c.post("/admin/users/"+adminItoa(u.ID)+"/edit", tc.form)
			if a.status != http.StatusUnprocessableEntity || adminFieldMessage(a.body, tc.errorID) == "" {
				t.Errorf("%d, want 422 with #%s\n%s", a.status, tc.errorID, a.body)
			}
		})
	}

	// Give the manager the second tenant too. A password typed for them
	// is not taken: they choose their own.
	a := c.post("/admin/users/"+adminItoa(u.ID)+"/edit", url.Values{"email": {"manager@example.org"},
		"role": {"tenant_manager"}, "tenants": {adminItoa(ta.ID), adminItoa(tb.ID)}, "password": {"a brand new password"}})
	if a.status != http.StatusSeeOther {
		t.Fatalf("edit manager: %d\n%s", a.status, a.body)
	}
	if ok, _ := env.st.UserCanSeeTenant(ctx, u.ID, tb.ID); !ok {
		t.Error("the manager was not given the second tenant")
	}
	if got, _ := env.st.AdminUser(ctx, u.ID); got.PasswordHash != u.PasswordHash {
		t.Error("the edit form set the password someone typed for the manager")
	}
	// The change applies to the manager's open session at once.
	if a := m.get("/admin/tenants/" + adminItoa(tb.ID)); a.status != http.StatusOK {
		t.Errorf("the manager's session does not see the newly given tenant: %d", a.status)
	}

	// Nobody demotes or deletes themselves.
	me, _ := env.st.AdminUserByEmail(ctx, "site@example.org")
	a = c.post("/admin/users/"+adminItoa(me.ID)+"/edit", url.Values{"email": {"site@example.org"},
		"role": {"tenant_manager"}, "tenants": {adminItoa(ta.ID)}})
	if a.status != http.StatusUnprocessableEntity || adminFieldMessage(a.body, "user-role-error") == "" {
		t.Errorf("demoting oneself: %d", a.status)
	}
	c.post("/admin/users/"+adminItoa(me.ID)+"/delete", nil)
	if _, err := env.st.AdminUser(ctx, me.ID); err != nil {
		t.Error("a site administrator deleted themselves")
	}

	// Deleting the manager ends their session.
	if a := c.post("/admin/users/"+adminItoa(u.ID)+"/delete", nil); a.status != http.StatusSeeOther {
		t.Fatalf("delete manager: %d", a.status)
	}
	if a := m.get("/admin/"); a.status != http.StatusSeeOther {
		t.Errorf("a deleted administrator's session still works: %d", a.status)
	}
}
