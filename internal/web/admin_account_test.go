package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/web"
)

// TestAdminAccountPassword: any administrator, a tenant manager included,
// changes their own password, and only with the current one.
func TestAdminAccountPassword(t *testing.T) {
	env := newAdminEnv(t, adminEnvOptions{})
	tn := env.addTenant(t, "acct", env.addCredential(t, "Acct", "APP-ACCT", "secret-acct").ID)
	env.addAdmin(t, "manager@example.org", store.RoleTenantManager, tn.ID)
	c := env.client(t)
	c.signIn("manager@example.org", adminTestPassword)

	if a := c.get("/admin/account"); a.status != http.StatusOK || !strings.Contains(a.body, `id="password-form"`) ||
		!strings.Contains(a.body, "manager@example.org") {
		t.Fatalf("account page: %d\n%s", a.status, a.body)
	}
	const next = "a brand new long passphrase"
	for _, tc := range []struct {
		name                     string
		current, password, again string
		field, message           string
	}{
		{"wrong current", "not it at all, no", next, next, "current-password-error", "not your current password"},
		{"too short", adminTestPassword, "short", "short", "new-password-error", "at least 12"},
		{"same as before", adminTestPassword, adminTestPassword, adminTestPassword, "new-password-error", "other than the current"},
		{"typo in the repeat", adminTestPassword, next, next + "!", "again-password-error", "differ"},
	} {
		a := c.post("/admin/account/password", url.Values{"current": {tc.current}, "password": {tc.password}, "again": {tc.again}})
		if a.status != http.StatusUnprocessableEntity || !strings.Contains(a.body, `id="`+tc.field+`"`) ||
			!strings.Contains(a.body, tc.message) {
			t.Errorf("%s: %d, want 422 with %s saying %q\n%s", tc.name, a.status, tc.field, tc.message, a.body)
		}
		if strings.Contains(a.body, tc.password) && len(tc.password) > 5 {
			t.Errorf("%s: the page repeats a password", tc.name)
		}
	}
	a := c.post("/admin/account/password", url.Values{"current": {adminTestPassword}, "password": {next}, "again": {next}})
	if a.status != http.StatusSeeOther || a.location != "/admin/account" {
		t.Fatalf("change: %d to %q\n%s", a.status, a.location, a.body)
	}
	// Still signed in (a renewed session), and the new password is the one
	// that works from now on.
	if a := c.get("/admin/account"); a.status != http.StatusOK || !strings.Contains(a.body, "Your password is changed.") {
		t.Fatalf("after the change: %d\n%s", a.status, a.body)
	}
	fresh := env.client(t)
	if a := fresh.post("/admin/signin", url.Values{"email": {"manager@example.org"}, "password": {adminTestPassword}}); a.status == http.StatusSeeOther {
		t.Fatal("the old password still signs in")
	}
	fresh.signIn("manager@example.org", next)
}

// TestAdminAccountPasswordPolicy: the account page refuses short and
// common passwords, and ones made of the administrator's own address,
// with the policy's reason; a strong one is taken.
func TestAdminAccountPasswordPolicy(t *testing.T) {
	env := newAdminEnv(t, adminEnvOptions{})
	env.addAdmin(t, "ana.garcia@example.org", store.RoleSiteAdmin)
	c := env.client(t)
	c.signIn("ana.garcia@example.org", adminTestPassword)
	for _, tc := range []struct {
		name, password string
		ok             bool
	}{
		{"short", "Xq7#vB2!", false},
		{"common", "password1234", false},
		{"keyboard walk", "qwertyuiopasdf", false},
		{"common, l33t and doubled", "Passw0rd!Passw0rd!", false},
		{"own address", "ana.garcia2024", false},
		{"twelve of one character", "aaaaaaaaaaaa", false},
		{"unrelated words", "horse staple blanket ocean", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := c.post("/admin/account/password", url.Values{"current": {adminTestPassword}, "password": {tc.password}, "again": {tc.password}})
			if tc.ok {
				if a.status != http.StatusSeeOther {
					t.Fatalf("a strong password refused: %d %s", a.status, adminFieldMessage(a.body, "new-password-error"))
				}
				return
			}
			if a.status != http.StatusUnprocessableEntity || adminFieldMessage(a.body, "new-password-error") == "" {
				t.Fatalf("%q: %d, want 422 with a reason", tc.password, a.status)
			}
			if strings.Contains(a.body, tc.password) {
				t.Error("the page repeats the password")
			}
		})
	}
}

// TestAdminPasswordChangeEndsOtherSessions: of two sessions of one
// account, the one that changes the password stays signed in and the
// other is signed out at its next request; another account's session is
// left alone.
func TestAdminPasswordChangeEndsOtherSessions(t *testing.T) {
	env := newAdminEnv(t, adminEnvOptions{})
	env.addAdmin(t, "site@example.org", store.RoleSiteAdmin)
	env.addAdmin(t, "other@example.org", store.RoleSiteAdmin)
	laptop, phone, colleague := env.client(t), env.client(t), env.client(t)
	laptop.signIn("site@example.org", adminTestPassword)
	phone.signIn("site@example.org", adminTestPassword)
	colleague.signIn("other@example.org", adminTestPassword)
	for _, c := range []*adminClient{laptop, phone, colleague} {
		if a := c.get("/admin/"); a.status != http.StatusOK {
			t.Fatalf("before the change: %d", a.status)
		}
	}
	const next = "horse staple blanket ocean"
	if a := laptop.post("/admin/account/password", url.Values{"current": {adminTestPassword}, "password": {next}, "again": {next}}); a.status != http.StatusSeeOther {
		t.Fatalf("change: %d\n%s", a.status, a.body)
	}
	for _, tc := range []struct {
		name     string
		c        *adminClient
		signedIn bool
	}{
		{"the session that changed it", laptop, true},
		{"another session of the account", phone, false},
		{"another account", colleague, true},
	} {
		a := tc.c.get("/admin/tenants")
		if got := a.status == http.StatusOK; got != tc.signedIn {
			t.Errorf("%s: %d to %q, want signed in %v", tc.name, a.status, a.location, tc.signedIn)
		}
	}
	// Signed out for good: the old session does not come back on a
	// second try, and signing in again works with the new password.
	if a := phone.get("/admin/"); a.status != http.StatusSeeOther || !strings.HasPrefix(a.location, "/admin/signin") {
		t.Errorf("the ended session: %d to %q", a.status, a.location)
	}
	phone.signIn("site@example.org", next)
}

// TestAdminMustChangePassword: an account whose password was printed
// (first start, reset-password) reaches nothing but its account page until
// it chooses its own; a reset also frees an address locked out by wrong
// guesses of the old password.
func TestAdminMustChangePassword(t *testing.T) {
	ctx := t.Context()
	env := newAdminEnv(t, adminEnvOptions{})
	u := env.addAdmin(t, "site@example.org", store.RoleSiteAdmin)
	c := env.client(t)
	for range 6 {
		c.post("/admin/signin", url.Values{"email": {"site@example.org"}, "password": {"not the password at all"}})
	}
	if a := c.post("/admin/signin", url.Values{"email": {"site@example.org"}, "password": {adminTestPassword}}); a.status == http.StatusSeeOther {
		t.Fatal("the address is not locked after 6 wrong passwords")
	}
	const printed = "Abcde-Fghij-Kmnop-Qrstu"
	hash, err := web.HashPassword(printed)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.st.SetAdminPassword(ctx, u.ID, hash, true); err != nil {
		t.Fatal(err)
	}
	a := c.post("/admin/signin", url.Values{"email": {"site@example.org"}, "password": {printed}})
	if a.status != http.StatusSeeOther || a.location != "/admin/account" {
		t.Fatalf("sign in with a printed password: %d to %q, want the account page\n%s", a.status, a.location, a.body)
	}
	for _, path := range []string{"/admin/", "/admin/tenants", "/admin/users", "/admin/outbox"} {
		if a := c.get(path); a.status != http.StatusSeeOther || a.location != "/admin/account" {
			t.Errorf("GET %s before choosing a password: %d to %q", path, a.status, a.location)
		}
	}
	if a := c.get("/admin/account"); a.status != http.StatusOK || !strings.Contains(a.body, `id="must-change"`) {
		t.Fatalf("account page: %d", a.status)
	}
	const own = "vivid marble anchor lantern"
	if a := c.post("/admin/account/password", url.Values{"current": {printed}, "password": {own}, "again": {own}}); a.status != http.StatusSeeOther || a.location != "/admin/" {
		t.Fatalf("choose a password: %d to %q\n%s", a.status, a.location, a.body)
	}
	for _, path := range []string{"/admin/", "/admin/tenants"} {
		if a := c.get(path); a.status != http.StatusOK {
			t.Errorf("GET %s after choosing a password: %d to %q", path, a.status, a.location)
		}
	}
	if got, _ := env.st.AdminUser(ctx, u.ID); got.MustChangePassword {
		t.Error("the account still must change its password")
	}
}
