package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/store"
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
