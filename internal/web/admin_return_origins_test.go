package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// TestAdminTenantReturnOrigins: the tenant form sets the origins connect
// links may return to, normalized, and refuses what is not an origin.
func TestAdminTenantReturnOrigins(t *testing.T) {
	env, c := adminSignedInSiteAt(t, adminEnvOptions{})
	ctx := context.Background()
	cred := env.addCredential(t, "Press", "APP-0000000000000001", "x")
	a := c.post("/admin/tenants/new", adminTenantValues(cred.ID))
	if a.status != http.StatusSeeOther {
		t.Fatalf("create tenant: %d\n%s", a.status, a.body)
	}
	tn, err := env.st.TenantBySlug(ctx, "examples")
	if err != nil {
		t.Fatal(err)
	}
	if len(tn.Settings.ReturnOrigins) != 0 {
		t.Fatalf("a new tenant allows %v", tn.Settings.ReturnOrigins)
	}
	edit := "/admin/tenants/" + adminItoa(tn.ID) + "/edit"
	if form := c.get(edit).body; !strings.Contains(form, `id="tenant-return-origins"`) {
		t.Fatal("the tenant form has no #tenant-return-origins")
	}
	v := adminTenantValues(cred.ID)
	v.Set("return_origins", "HTTPS://Journal.Example.org/\r\nhttp://localhost:8081\n")
	if a := c.post(edit, v); a.status != http.StatusSeeOther {
		t.Fatalf("save origins: %d\n%s", a.status, a.body)
	}
	if tn, _ = env.st.Tenant(ctx, tn.ID); strings.Join(tn.Settings.ReturnOrigins, " ") != "https://journal.example.org http://localhost:8081" {
		t.Fatalf("stored origins %v", tn.Settings.ReturnOrigins)
	}
	if form := c.get(edit).body; !strings.Contains(form, "https://journal.example.org\nhttp://localhost:8081</textarea>") {
		t.Errorf("the form does not show the origins\n%s", form)
	}
	for _, bad := range []string{"http://journal.example.org", "https://journal.example.org/submit", "journal"} {
		v.Set("return_origins", bad)
		a := c.post(edit, v)
		if a.status != http.StatusUnprocessableEntity || adminFieldMessage(a.body, "tenant-return-origins-error") == "" {
			t.Errorf("%q: %d, want 422 with #tenant-return-origins-error", bad, a.status)
		}
	}
	// A form without the field keeps what was chosen.
	v.Del("return_origins")
	if a := c.post(edit, v); a.status != http.StatusSeeOther {
		t.Fatalf("save without origins: %d", a.status)
	}
	if tn, _ = env.st.Tenant(ctx, tn.ID); len(tn.Settings.ReturnOrigins) != 2 {
		t.Errorf("origins after a form without them: %v", tn.Settings.ReturnOrigins)
	}
}
