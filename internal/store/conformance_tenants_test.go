package store_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
)

func testCredentials(t *testing.T, e *env) {
	c := e.credential(t, "APP-ONE")
	if c.ID == 0 || c.ClientSecret != "secret-of-APP-ONE" || c.Env != testEnv || c.API != orcid.MemberAPI {
		t.Fatalf("created %+v", c)
	}
	got, err := e.s.Credential(e.ctx, c.ID)
	want(t, "read", err, nil)
	if got != c {
		t.Fatalf("read %+v, want %+v", got, c)
	}
	if oc := got.ORCID(); oc.Validate() != nil || oc.ClientSecret != c.ClientSecret {
		t.Fatalf("as ORCID credential: %+v", oc)
	}

	_, err = e.s.CreateCredential(e.ctx, store.Credential{Name: "dup", Env: testEnv, API: orcid.PublicAPI,
		ClientID: "APP-ONE", ClientSecret: "x"})
	want(t, "same client id on the same registry", err, store.ErrConflict)
	sandbox := orcid.Sandbox
	other, err := e.s.CreateCredential(e.ctx, store.Credential{Name: "sandbox", Env: sandbox, API: orcid.PublicAPI,
		ClientID: "APP-ONE", ClientSecret: "y"})
	want(t, "same client id on another registry", err, nil)

	for _, tc := range []struct {
		name string
		edit func(*store.Credential)
	}{
		{"no name", func(c *store.Credential) { c.Name = "" }},
		{"unknown environment", func(c *store.Credential) { c.Env.Name = "staging" }},
		{"bad URL", func(c *store.Credential) { c.Env.SiteURL = "orcid.org" }},
		{"bad API type", func(c *store.Credential) { c.API = "premium" }},
		{"no client id", func(c *store.Credential) { c.ClientID = "" }},
		{"no secret", func(c *store.Credential) { c.ClientSecret = "" }},
	} {
		bad := store.Credential{Name: "n", Env: testEnv, API: orcid.MemberAPI, ClientID: "APP-BAD", ClientSecret: "s"}
		tc.edit(&bad)
		_, err := e.s.CreateCredential(e.ctx, bad)
		want(t, tc.name, err, store.ErrInvalid)
	}

	e.clock.Add(time.Minute)
	c.Name, c.ClientName, c.ClientSecret = "Renamed", "All Our Journals", ""
	upd, err := e.s.UpdateCredential(e.ctx, c)
	want(t, "update keeping the secret", err, nil)
	if upd.Name != "Renamed" || upd.ClientName != "All Our Journals" || upd.ClientSecret != "secret-of-APP-ONE" ||
		!upd.UpdatedAt.After(upd.CreatedAt) {
		t.Fatalf("updated %+v", upd)
	}
	c.ClientSecret = "new-secret"
	upd, err = e.s.UpdateCredential(e.ctx, c)
	want(t, "update the secret", err, nil)
	if upd.ClientSecret != "new-secret" {
		t.Fatalf("secret = %q", upd.ClientSecret)
	}
	c.ID = 9999
	_, err = e.s.UpdateCredential(e.ctx, c)
	want(t, "update missing", err, store.ErrNotFound)
	_, err = e.s.Credential(e.ctx, 9999)
	want(t, "read missing", err, store.ErrNotFound)

	list, err := e.s.ListCredentials(e.ctx)
	want(t, "list", err, nil)
	if len(list) != 2 {
		t.Fatalf("listed %d credentials", len(list))
	}

	a, b := e.tenant(t, "journal-a", upd.ID), e.tenant(t, "journal-b", upd.ID)
	e.tenant(t, "journal-c", other.ID)
	using, err := e.s.ListTenantsUsingCredential(e.ctx, upd.ID)
	want(t, "tenants using", err, nil)
	if len(using) != 2 || using[0].ID != a.ID || using[1].ID != b.ID {
		t.Fatalf("tenants using credential: %+v", using)
	}
	want(t, "delete a credential in use", e.s.DeleteCredential(e.ctx, upd.ID), store.ErrConflict)
	want(t, "delete missing", e.s.DeleteCredential(e.ctx, 9999), store.ErrNotFound)
	unused := e.credential(t, "APP-UNUSED")
	want(t, "delete unused", e.s.DeleteCredential(e.ctx, unused.ID), nil)
	_, err = e.s.Credential(e.ctx, unused.ID)
	want(t, "read deleted", err, store.ErrNotFound)
}

func testTenants(t *testing.T, e *env) {
	c := e.credential(t, "APP-T")
	tn, err := e.s.CreateTenant(e.ctx, store.Tenant{Slug: "my-journal", Name: "My Journal", SupportEmail: "help@example.org",
		SupportURL: "https://example.org/help", Languages: []string{"es", "en"}, CredentialID: c.ID,
		Branding: store.Branding{PrimaryColor: "#a6ce39", LogoURL: "https://example.org/logo.png"},
		Settings: store.TenantSettings{RequestAuthorizationOnPublication: true, InvitationTTL: 21 * 24 * time.Hour}})
	want(t, "create", err, nil)
	if tn.DefaultLanguage != "es" {
		t.Fatalf("default language = %q, want the first", tn.DefaultLanguage)
	}
	for _, read := range []func() (store.Tenant, error){
		func() (store.Tenant, error) { return e.s.Tenant(e.ctx, tn.ID) },
		func() (store.Tenant, error) { return e.s.TenantBySlug(e.ctx, "my-journal") },
	} {
		got, err := read()
		want(t, "read", err, nil)
		if !tenantEqual(got, tn) {
			t.Fatalf("read %+v, want %+v", got, tn)
		}
	}
	_, err = e.s.TenantBySlug(e.ctx, "nope")
	want(t, "missing slug", err, store.ErrNotFound)
	_, err = e.s.Tenant(e.ctx, 9999)
	want(t, "missing id", err, store.ErrNotFound)

	for _, tc := range []struct {
		slug   string
		target error
	}{
		{"ok", nil},
		{"a", store.ErrInvalid},
		{"Upper", store.ErrInvalid},
		{"with space", store.ErrInvalid},
		{"under_score", store.ErrInvalid},
		{strings.Repeat("x", 41), store.ErrInvalid},
		{strings.Repeat("x", 40), nil},
		{"my-journal", store.ErrConflict},
	} {
		_, err := e.s.CreateTenant(e.ctx, store.Tenant{Slug: tc.slug, Name: "N", CredentialID: c.ID})
		want(t, "slug "+tc.slug, err, tc.target)
	}
	_, err = e.s.CreateTenant(e.ctx, store.Tenant{Slug: "no-cred", Name: "N", CredentialID: 9999})
	want(t, "missing credential", err, store.ErrNotFound)
	_, err = e.s.CreateTenant(e.ctx, store.Tenant{Slug: "bad-lang", Name: "N", CredentialID: c.ID,
		Languages: []string{"en"}, DefaultLanguage: "de"})
	want(t, "default language not offered", err, store.ErrInvalid)

	c2 := e.credential(t, "APP-T2")
	e.clock.Add(time.Hour)
	tn.Name, tn.CredentialID, tn.Settings.InvitationTTL = "Renamed", c2.ID, 0
	upd, err := e.s.UpdateTenant(e.ctx, tn)
	want(t, "update", err, nil)
	if upd.Name != "Renamed" || upd.CredentialID != c2.ID || upd.Settings.InvitationTTL != 0 ||
		!upd.Settings.RequestAuthorizationOnPublication || !upd.UpdatedAt.After(upd.CreatedAt) {
		t.Fatalf("updated %+v", upd)
	}
	tn.Slug = "ok"
	_, err = e.s.UpdateTenant(e.ctx, tn)
	want(t, "update to a taken slug", err, store.ErrConflict)
	tn.ID, tn.Slug = 9999, "free"
	_, err = e.s.UpdateTenant(e.ctx, tn)
	want(t, "update missing", err, store.ErrNotFound)

	list, err := e.s.ListTenants(e.ctx)
	want(t, "list", err, nil)
	if len(list) != 3 {
		t.Fatalf("listed %d tenants", len(list))
	}
	p := e.person(t, upd.ID, "Ada", "Lovelace")
	want(t, "delete", e.s.DeleteTenant(e.ctx, upd.ID), nil)
	_, err = e.s.Person(e.ctx, upd.ID, p.ID)
	want(t, "its people went with it", err, store.ErrNotFound)
	want(t, "delete again", e.s.DeleteTenant(e.ctx, upd.ID), store.ErrNotFound)
}

func tenantEqual(a, b store.Tenant) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

func testAdminUsers(t *testing.T, e *env) {
	c := e.credential(t, "APP-ADM")
	t1, t2, t3 := e.tenant(t, "adm-1", c.ID), e.tenant(t, "adm-2", c.ID), e.tenant(t, "adm-3", c.ID)
	site, err := e.s.CreateAdminUser(e.ctx, store.AdminUser{Email: "Root@Example.org", Name: "Root",
		PasswordHash: "$argon2id$v=19$m=65536,t=1,p=4$c2FsdA$aGFzaA", Role: store.RoleSiteAdmin})
	want(t, "create site admin", err, nil)
	mgr, err := e.s.CreateAdminUser(e.ctx, store.AdminUser{Email: "mgr@example.org", Name: "Manager",
		PasswordHash: "$argon2id$x", Role: store.RoleTenantManager})
	want(t, "create manager", err, nil)
	_, err = e.s.CreateAdminUser(e.ctx, store.AdminUser{Email: "ROOT@example.ORG", PasswordHash: "h", Role: store.RoleSiteAdmin})
	want(t, "same email, other case", err, store.ErrConflict)
	_, err = e.s.CreateAdminUser(e.ctx, store.AdminUser{Email: "x@example.org", PasswordHash: "h", Role: "god"})
	want(t, "bad role", err, store.ErrInvalid)

	got, err := e.s.AdminUserByEmail(e.ctx, "root@example.org")
	want(t, "by email", err, nil)
	if got != site || got.FailedLogins != 0 || !got.LockedUntil.IsZero() {
		t.Fatalf("by email %+v, want %+v", got, site)
	}
	_, err = e.s.AdminUserByEmail(e.ctx, "nobody@example.org")
	want(t, "unknown email", err, store.ErrNotFound)

	for i := 1; i <= 3; i++ {
		n, err := e.s.RecordLoginFailure(e.ctx, mgr.ID)
		if err != nil || n != i {
			t.Fatalf("failure %d counted as %d, %v", i, n, err)
		}
	}
	until := e.clock.Now().Add(15 * time.Minute)
	want(t, "lock", e.s.LockAdminUser(e.ctx, mgr.ID, until), nil)
	got, _ = e.s.AdminUser(e.ctx, mgr.ID)
	if got.FailedLogins != 3 || !got.LockedUntil.Equal(until.Truncate(time.Microsecond)) {
		t.Fatalf("locked %+v", got)
	}
	want(t, "success", e.s.RecordLoginSuccess(e.ctx, mgr.ID), nil)
	got, _ = e.s.AdminUser(e.ctx, mgr.ID)
	if got.FailedLogins != 0 || !got.LockedUntil.IsZero() || got.LastLoginAt.IsZero() {
		t.Fatalf("after success %+v", got)
	}
	_, err = e.s.RecordLoginFailure(e.ctx, 9999)
	want(t, "failure of unknown user", err, store.ErrNotFound)

	want(t, "assign", e.s.SetUserTenants(e.ctx, mgr.ID, []int64{t1.ID, t3.ID}), nil)
	want(t, "assign unknown tenant", e.s.SetUserTenants(e.ctx, mgr.ID, []int64{t2.ID, 9999}), store.ErrNotFound)
	for _, tc := range []struct {
		user   int64
		tenant int64
		can    bool
	}{
		{mgr.ID, t1.ID, true}, {mgr.ID, t2.ID, false}, {mgr.ID, t3.ID, true},
		{site.ID, t2.ID, true}, {site.ID, 9999, false}, {9999, t1.ID, false},
	} {
		can, err := e.s.UserCanSeeTenant(e.ctx, tc.user, tc.tenant)
		if err != nil || can != tc.can {
			t.Errorf("user %d sees tenant %d: %v, %v; want %v", tc.user, tc.tenant, can, err, tc.can)
		}
	}
	ts, err := e.s.TenantsOfUser(e.ctx, mgr.ID)
	want(t, "tenants of manager", err, nil)
	if len(ts) != 2 || ts[0].ID != t1.ID || ts[1].ID != t3.ID {
		t.Fatalf("manager's tenants %+v", ts)
	}
	ts, err = e.s.TenantsOfUser(e.ctx, site.ID)
	want(t, "tenants of site admin", err, nil)
	if len(ts) != 3 {
		t.Fatalf("site admin sees %d tenants", len(ts))
	}
	_, err = e.s.TenantsOfUser(e.ctx, 9999)
	want(t, "tenants of unknown user", err, store.ErrNotFound)

	mgr.Name, mgr.Role = "Promoted", store.RoleSiteAdmin
	upd, err := e.s.UpdateAdminUser(e.ctx, mgr)
	want(t, "update", err, nil)
	if upd.Name != "Promoted" || upd.Role != store.RoleSiteAdmin {
		t.Fatalf("updated %+v", upd)
	}
	list, err := e.s.ListAdminUsers(e.ctx)
	if err != nil || len(list) != 2 || list[0].ID != mgr.ID {
		t.Fatalf("list %+v, %v", list, err)
	}
	want(t, "delete", e.s.DeleteAdminUser(e.ctx, mgr.ID), nil)
	want(t, "delete again", e.s.DeleteAdminUser(e.ctx, mgr.ID), store.ErrNotFound)
}
