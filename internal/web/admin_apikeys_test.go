package web_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/store"
)

var apiKeyField = regexp.MustCompile(`id="api-key" type="text" readonly value="(olk_[^"]+)"`)

// TestAdminAPIKeys: a tenant manager creates a key, sees it once, finds it
// listed by prefix only, and revokes it; another tenant's keys are 404.
func TestAdminAPIKeys(t *testing.T) {
	env := newAdminEnv(t, adminEnvOptions{})
	cred := env.addCredential(t, "Journals", "APP-0000000000000001", "journals-secret")
	mine := env.addTenant(t, "mine", cred.ID)
	other := env.addTenant(t, "other", cred.ID)
	env.addAdmin(t, "manager@example.org", store.RoleTenantManager, mine.ID)
	c := env.client(t)
	c.signIn("manager@example.org", adminTestPassword)
	base := "/admin/tenants/" + adminItoa(mine.ID) + "/api-keys"

	if page := c.get("/admin/tenants/" + adminItoa(mine.ID)); !strings.Contains(page.body, `href="`+base+`"`) {
		t.Errorf("the tenant page does not link to its API keys:\n%s", page.body)
	}
	if page := c.get(base); page.status != 200 || !strings.Contains(page.body, "No API keys yet") {
		t.Fatalf("empty keys page: %d\n%s", page.status, page.body)
	}
	if res := c.post(base, url.Values{"name": {" "}}); res.status != 400 || !strings.Contains(res.body, `id="api-key-error"`) {
		t.Fatalf("key without a name: %d\n%s", res.status, res.body)
	}
	created := c.post(base, url.Values{"name": {"OJS"}})
	m := apiKeyField.FindStringSubmatch(created.body)
	if created.status != 201 || m == nil {
		t.Fatalf("create: %d\n%s", created.status, created.body)
	}
	key := m[1]
	k, err := env.st.APIKeyByKey(t.Context(), key)
	if err != nil || k.TenantID != mine.ID || k.Name != "OJS" {
		t.Fatalf("the key shown is not the tenant's: %+v %v", k, err)
	}
	// Listed by name and prefix; the key itself is never shown again.
	list := c.get(base)
	if !strings.Contains(list.body, "olk_"+k.Prefix+"_…") || !strings.Contains(list.body, "OJS") || strings.Contains(list.body, key) {
		t.Fatalf("keys page after creation:\n%s", list.body)
	}
	audit, err := env.st.ListAudit(t.Context(), mine.ID, 0, 10)
	if err != nil || len(audit) == 0 || audit[0].Action != "api_key.created" || strings.Contains(string(audit[0].Detail), key) {
		t.Fatalf("audit %+v %v", audit, err)
	}

	// Another tenant's keys and a key through another tenant's path: 404.
	otherBase := "/admin/tenants/" + adminItoa(other.ID) + "/api-keys"
	for _, res := range []adminAnswer{c.get(otherBase), c.post(otherBase, url.Values{"name": {"x"}}),
		c.post(otherBase+"/"+adminItoa(k.ID)+"/revoke", url.Values{}), c.post(base+"/999999/revoke", url.Values{})} {
		if res.status != 404 {
			t.Errorf("expected 404, got %d", res.status)
		}
	}
	if _, err := env.st.APIKeyByKey(t.Context(), key); err != nil {
		t.Fatalf("the key stopped working after refused revocations: %v", err)
	}

	if res := c.post(base+"/"+adminItoa(k.ID)+"/revoke", url.Values{}); res.status != 303 || res.location != base {
		t.Fatalf("revoke: %d %s", res.status, res.location)
	}
	if _, err := env.st.APIKeyByKey(t.Context(), key); err == nil {
		t.Fatal("a revoked key still opens the API")
	}
	if page := c.get(base); !strings.Contains(page.body, "revoked") || strings.Contains(page.body, `id="revoke-`+adminItoa(k.ID)+`"`) {
		t.Fatalf("keys page after revoking:\n%s", page.body)
	}
}
