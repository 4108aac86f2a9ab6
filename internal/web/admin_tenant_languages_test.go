package web_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/i18n"
)

// TestAdminTenantLanguages: the tenant form offers ORCID's twelve
// languages, each named in itself, all ticked for a new tenant; what the
// administrator ticks is what researchers are offered.
func TestAdminTenantLanguages(t *testing.T) {
	env, c := adminSignedInSiteAt(t, adminEnvOptions{})
	cred := env.addCredential(t, "Press", "APP-0000000000000001", "x")
	form := c.get("/admin/tenants/new").body
	for _, l := range i18n.Languages() {
		box := `value="` + l.Code + `" id="tenant-language-` + l.Code + `" checked>`
		if !strings.Contains(form, box) || !strings.Contains(form, l.Name) {
			t.Errorf("the new tenant form lacks %s ticked (%s)", l.English, l.Name)
		}
	}
	v := adminTenantValues(cred.ID)
	v["languages"] = []string{"ar", "zh_CN", "zh_TW", "en"}
	v.Set("default_language", "zh_TW")
	if a := c.post("/admin/tenants/new", v); a.status != http.StatusSeeOther {
		t.Fatalf("create tenant: %d\n%s", a.status, a.body)
	}
	tn, err := env.st.TenantBySlug(context.Background(), "examples")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(tn.Languages, []string{"ar", "en", "zh_CN", "zh_TW"}) || tn.DefaultLanguage != "zh_TW" {
		t.Errorf("stored languages %v, default %q", tn.Languages, tn.DefaultLanguage)
	}
}
