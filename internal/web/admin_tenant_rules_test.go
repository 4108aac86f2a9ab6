package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/store/storetest"
)

// adminTenantErrorIDs are the ids of the tenant form's messages for the
// store's fields: an item of a list shows at the list, the organisation at
// the publisher's fields.
var adminTenantErrorIDs = map[string]string{
	"name": "tenant-name-error", "slug": "tenant-slug-error", "support_email": "tenant-support-email-error",
	"support_url": "tenant-support-url-error", "languages": "tenant-languages-error",
	"default_language": "tenant-default-language-error", "primary_color": "tenant-primary-color-error",
	"invitation_ttl_days": "tenant-ttl-error", "reminder_days": "tenant-reminder-days-error",
	"reminder_days/0": "tenant-reminder-days-error", "return_origins/0": "tenant-return-origins-error",
	"review_mode": "tenant-review-mode-error", "organization/country": "tenant-publisher-country-error",
	"organization/city": "tenant-publisher-city-error", "organization/ror": "tenant-publisher-ror-error",
}

// TestAdminTenantRules: the tenant form refuses each of the store's tenant
// probes with 422 and the store's words (those the REST API gives, as a
// sentence) beside the field, and saves nothing.
func TestAdminTenantRules(t *testing.T) {
	env, c := adminSignedInSiteAt(t, adminEnvOptions{})
	ctx := context.Background()
	cred := env.addCredential(t, "Press", "APP-0000000000000001", "x")
	if a := c.post("/admin/tenants/new", adminTenantValues(cred.ID)); a.status != http.StatusSeeOther {
		t.Fatalf("create tenant: %d\n%s", a.status, a.body)
	}
	base, err := env.st.TenantBySlug(ctx, "examples")
	if err != nil {
		t.Fatal(err)
	}
	edit := "/admin/tenants/" + adminItoa(base.ID) + "/edit"
	for _, p := range storetest.TenantProbes() {
		if p.Form == nil {
			continue
		}
		t.Run(p.Name, func(t *testing.T) {
			id, ok := adminTenantErrorIDs[p.Field]
			if !ok {
				t.Fatalf("no message id for %s", p.Field)
			}
			want := adminSentenceOf(p.Want(t, base))
			v := adminTenantValues(cred.ID)
			for k, vs := range p.Form {
				if len(vs) == 0 {
					v.Del(k)
				} else {
					v[k] = vs
				}
			}
			a := c.post(edit, v)
			if a.status != http.StatusUnprocessableEntity {
				t.Fatalf("%d, want 422", a.status)
			}
			if got := adminFieldMessage(a.body, id); got != want {
				t.Errorf("#%s says %q, want %q", id, got, want)
			}
			if got, err := env.st.Tenant(ctx, base.ID); err != nil || !got.UpdatedAt.Equal(base.UpdatedAt) {
				t.Errorf("a refused form saved the tenant: %+v (%v)", got, err)
			}
		})
	}
}

// adminSentenceOf is how the admin UI writes a store message: a capital
// first, a full stop last.
func adminSentenceOf(msg string) string {
	return strings.ToUpper(msg[:1]) + strings.TrimSuffix(msg[1:], ".") + "."
}
