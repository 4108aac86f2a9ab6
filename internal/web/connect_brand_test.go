package web_test

import (
	"strings"
	"testing"
)

// TestTenantBranding: a tenant's colour reaches its researcher pages
// through its own stylesheet, and nothing but a colour can.
func TestTenantBranding(t *testing.T) {
	e := newResearcherEnv(t)
	b := e.browser(t)
	link := e.invite(t, e.alice)
	if page := b.do("GET", link, nil); strings.Contains(page.body, "brand.css") {
		t.Fatal("a tenant without a colour links a brand stylesheet")
	}
	e.tenant.Branding.PrimaryColor = "#2e5c8a"
	if _, err := e.st.UpdateTenant(e.ctx, e.tenant); err != nil {
		t.Fatal(err)
	}
	page := b.do("GET", link, nil)
	css := "/t/" + e.tenant.Slug + "/brand.css"
	if !strings.Contains(page.body, css) {
		t.Fatalf("invitation page does not link %s", css)
	}
	if res := b.do("GET", css, nil); res.status != 200 || !strings.Contains(res.body, "#2e5c8a") {
		t.Fatalf("brand.css: %d %q", res.status, res.body)
	}
	if res := b.do("GET", "/t/no-such-tenant/brand.css", nil); res.status != 404 {
		t.Fatalf("unknown tenant's stylesheet: %d", res.status)
	}
	// A colour that is not one (written past the form's check) is dropped.
	e.tenant.Branding.PrimaryColor = "red; } body { display: none"
	e.st.UpdateTenant(e.ctx, e.tenant)
	if res := b.do("GET", css, nil); strings.Contains(res.body, "display") {
		t.Fatalf("brand.css let CSS through: %q", res.body)
	}
}
