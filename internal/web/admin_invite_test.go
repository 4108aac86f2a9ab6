package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/store"
)

var adminWelcomeLink = regexp.MustCompile(`https?://[^\s"<]+/admin/welcome/([A-Z0-9]+)`)

// adminInvitationLink is the link of the newest email to recipient in the
// outbox, as its reader would follow it (the path, on the test server).
func adminInvitationLink(t *testing.T, env *adminEnv, recipient string) string {
	t.Helper()
	emails, err := env.st.ListEmails(context.Background(), 50)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range emails {
		if e.Recipient == recipient {
			m := adminWelcomeLink.FindStringSubmatch(e.TextBody)
			if m == nil || !strings.Contains(e.HTMLBody, m[0]) {
				t.Fatalf("no invitation link in the email to %s:\n%s", recipient, e.TextBody)
			}
			return "/admin/welcome/" + m[1]
		}
	}
	t.Fatalf("no email to %s in the outbox", recipient)
	return ""
}

// TestAdminInvitation: a site administrator invites a tenant manager by
// email; the link leads to a page where the manager chooses a password
// under the policy, once; the manager then signs in and sees the tenant
// given, and no other.
func TestAdminInvitation(t *testing.T) {
	ctx := context.Background()
	env, c := adminSignedInSiteAt(t, adminEnvOptions{})
	cred := env.addCredential(t, "Press", "APP-0000000000000001", "x")
	ta := env.addTenant(t, "journal-a", cred.ID)
	tb := env.addTenant(t, "journal-b", cred.ID)

	for _, tc := range []struct {
		name    string
		form    url.Values
		errorID string
	}{
		{"email taken", url.Values{"email": {"SITE@example.org"}, "role": {"site_admin"}}, "invite-email-error"},
		{"not an email", url.Values{"email": {"manager"}, "role": {"site_admin"}}, "invite-email-error"},
		{"manager without tenants", url.Values{"email": {"x@example.org"}, "role": {"tenant_manager"}}, "invite-tenants-error"},
		{"no role", url.Values{"email": {"x@example.org"}}, "invite-role-error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if a := c.post("/admin/invite", tc.form); a.status != http.StatusUnprocessableEntity || adminFieldMessage(a.body, tc.errorID) == "" {
				t.Errorf("%d, want 422 with #%s\n%s", a.status, tc.errorID, a.body)
			}
		})
	}

	a := c.post("/admin/invite", url.Values{"email": {"manager@example.org"}, "name": {"Mia Manager"},
		"role": {"tenant_manager"}, "tenants": {adminItoa(ta.ID)}})
	if a.status != http.StatusSeeOther {
		t.Fatalf("invite: %d\n%s", a.status, a.body)
	}
	if a := c.get("/admin/invite"); !strings.Contains(a.body, "manager@example.org") || !strings.Contains(a.body, ta.Name) {
		t.Errorf("the pending invitation is not listed:\n%s", a.body)
	}
	link := adminInvitationLink(t, env, "manager@example.org")
	if _, err := env.st.AdminUserByEmail(ctx, "manager@example.org"); err == nil {
		t.Fatal("the account exists before its password was chosen")
	}

	m := env.client(t)
	if a := m.get(link); a.status != http.StatusOK || !strings.Contains(a.body, `id="welcome-form"`) || !strings.Contains(a.body, "manager@example.org") {
		t.Fatalf("the link's page: %d\n%s", a.status, a.body)
	}
	for _, tc := range []struct {
		name, password, again, errorID string
	}{
		{"short", "Xq7#vB2!", "Xq7#vB2!", "welcome-password-error"},
		{"common", "password1234", "password1234", "welcome-password-error"},
		{"own name", "mia manager 2024", "mia manager 2024", "welcome-password-error"},
		{"typo in the repeat", "horse staple blanket ocean", "horse staple blanket ocea", "welcome-again-error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := m.post(link, url.Values{"password": {tc.password}, "again": {tc.again}})
			if a.status != http.StatusUnprocessableEntity || adminFieldMessage(a.body, tc.errorID) == "" {
				t.Errorf("%d, want 422 with #%s\n%s", a.status, tc.errorID, a.body)
			}
		})
	}
	const chosen = "horse staple blanket ocean"
	if a := m.post(link, url.Values{"password": {chosen}, "again": {chosen}}); a.status != http.StatusOK || !strings.Contains(a.body, `id="welcome-done"`) {
		t.Fatalf("choose the password: %d\n%s", a.status, a.body)
	}
	// The link works once.
	for _, path := range []string{link, "/admin/welcome/NOSUCHTOKEN0000000000000000"} {
		if a := env.client(t).get(path); a.status != http.StatusNotFound || !strings.Contains(a.body, `id="welcome-unusable"`) {
			t.Errorf("GET %s: %d, want the page that says the link no longer works", path, a.status)
		}
	}
	if a := env.client(t).post(link, url.Values{"password": {"another strong passphrase"}, "again": {"another strong passphrase"}}); a.status == http.StatusOK {
		t.Error("a used link set a password again")
	}
	u, err := env.st.AdminUserByEmail(ctx, "manager@example.org")
	if err != nil || u.Role != store.RoleTenantManager || u.Name != "Mia Manager" || u.MustChangePassword {
		t.Fatalf("the new administrator %+v, %v", u, err)
	}
	m.signIn("manager@example.org", chosen)
	if a := m.get("/admin/tenants/" + adminItoa(ta.ID)); a.status != http.StatusOK {
		t.Errorf("the manager does not see the tenant given: %d", a.status)
	}
	if a := m.get("/admin/tenants/" + adminItoa(tb.ID)); a.status != http.StatusNotFound {
		t.Errorf("the manager sees a tenant not given: %d", a.status)
	}
	if a := c.get("/admin/invite"); strings.Contains(a.body, "manager@example.org") {
		t.Error("an accepted invitation is still listed as pending")
	}
}

// TestAdminInvitationByManager: a tenant manager invites managers of their
// own tenants only, never a site administrator; their invitation of one
// tenant is in that tenant's outbox, for them to see; a cancelled link
// stops working, and so does a link replaced by a newer invitation.
func TestAdminInvitationByManager(t *testing.T) {
	ctx := context.Background()
	env := newAdminEnv(t, adminEnvOptions{})
	cred := env.addCredential(t, "Press", "APP-0000000000000001", "x")
	mine := env.addTenant(t, "mine", cred.ID)
	theirs := env.addTenant(t, "theirs", cred.ID)
	env.addAdmin(t, "manager@example.org", store.RoleTenantManager, mine.ID)
	c := env.client(t)
	c.signIn("manager@example.org", adminTestPassword)

	if a := c.get("/admin/invite"); a.status != http.StatusOK || strings.Contains(a.body, `value="site_admin"`) || strings.Contains(a.body, theirs.Name) {
		t.Fatalf("a manager's invitation form: %d (offers the site role or another's tenant?)\n%s", a.status, a.body)
	}
	for _, tc := range []struct {
		name    string
		form    url.Values
		errorID string
	}{
		{"site administrator", url.Values{"email": {"x@example.org"}, "role": {"site_admin"}}, "invite-role-error"},
		{"another's tenant", url.Values{"email": {"x@example.org"}, "role": {"tenant_manager"}, "tenants": {adminItoa(theirs.ID)}}, "invite-tenants-error"},
		{"own and another's", url.Values{"email": {"x@example.org"}, "role": {"tenant_manager"}, "tenants": {adminItoa(mine.ID), adminItoa(theirs.ID)}}, "invite-tenants-error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if a := c.post("/admin/invite", tc.form); a.status != http.StatusUnprocessableEntity || adminFieldMessage(a.body, tc.errorID) == "" {
				t.Errorf("%d, want 422 with #%s\n%s", a.status, tc.errorID, a.body)
			}
		})
	}
	if invs, _ := env.st.ListAdminInvitations(ctx, 0); len(invs) != 0 {
		t.Fatalf("refused invitations were recorded: %+v", invs)
	}
	// A site administrator's invitation is not the manager's to see or
	// cancel.
	site := env.addAdmin(t, "site@example.org", store.RoleSiteAdmin)
	siteInv, err := env.st.CreateAdminInvitation(ctx, store.NewAdminInvitation{Email: "colleague@example.org", Role: store.RoleSiteAdmin,
		InvitedBy: site.ID, ExpiresAt: time.Now().Add(time.Hour), Token: store.NewInvitationToken()})
	if err != nil {
		t.Fatal(err)
	}
	if a := c.get("/admin/invite"); strings.Contains(a.body, "colleague@example.org") {
		t.Error("a manager sees a site administrator's invitation")
	}
	if a := c.post("/admin/invitations/"+adminItoa(siteInv.ID)+"/cancel", nil); a.status != http.StatusNotFound {
		t.Errorf("a manager cancels a site administrator's invitation: %d", a.status)
	}

	invite := func() string {
		t.Helper()
		if a := c.post("/admin/invite", url.Values{"email": {"deputy@example.org"}, "role": {"tenant_manager"}, "tenants": {adminItoa(mine.ID)}}); a.status != http.StatusSeeOther {
			t.Fatalf("invite: %d\n%s", a.status, a.body)
		}
		return adminInvitationLink(t, env, "deputy@example.org")
	}
	first := invite()
	// The manager sees it in the outbox: the link grants only their tenant.
	if a := c.get("/admin/outbox"); !strings.Contains(a.body, "deputy@example.org") {
		t.Error("a manager's invitation of their own tenant is not in their outbox")
	}
	second := invite()
	if a := env.client(t).get(first); a.status != http.StatusNotFound {
		t.Errorf("a link replaced by a newer invitation still works: %d", a.status)
	}
	invs, err := env.st.ListAdminInvitations(ctx, adminIDOf(t, env, "manager@example.org"))
	if err != nil || len(invs) != 1 {
		t.Fatalf("pending invitations %+v, %v", invs, err)
	}
	if a := c.post("/admin/invitations/"+adminItoa(invs[0].ID)+"/cancel", nil); a.status != http.StatusSeeOther {
		t.Fatalf("cancel: %d", a.status)
	}
	if a := env.client(t).get(second); a.status != http.StatusNotFound {
		t.Errorf("a cancelled link still works: %d", a.status)
	}
}

// adminIDOf is the id of the administrator with this email.
func adminIDOf(t *testing.T, env *adminEnv, email string) int64 {
	t.Helper()
	u, err := env.st.AdminUserByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}
