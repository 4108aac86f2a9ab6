package web_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/webhooks"
)

// TestAdminWebhookRules: the admin UI holds an endpoint to the REST API's
// rules (webhooks.CheckEndpoint), each problem beside its field in the
// same words: a description longer than the API takes is refused here too.
func TestAdminWebhookRules(t *testing.T) {
	env := newAdminEnv(t, adminEnvOptions{})
	cred := env.addCredential(t, "Journals", "APP-0000000000000001", "journals-secret")
	tn := env.addTenant(t, "journal", cred.ID)
	env.addAdmin(t, "manager@example.org", store.RoleTenantManager, tn.ID)
	c := env.client(t)
	c.signIn("manager@example.org", adminTestPassword)
	base := "/admin/tenants/" + adminItoa(tn.ID) + "/webhooks"

	long := strings.Repeat("d", store.MaxWebhookDescriptionChars+1)
	ep := store.WebhookEndpoint{URL: "ftp://hooks.example.org", Description: long, EventTypes: []string{webhooks.PersonConnected}}
	fes, _ := store.AsFieldErrors(webhooks.CheckEndpoint(&ep))
	want := map[string]string{}
	for _, fe := range fes {
		want[fe.Field] = fe.Message()
	}
	if len(want) != 2 || want["url"] == "" || want["description"] == "" {
		t.Fatalf("CheckEndpoint: %v, want problems with url and description", fes)
	}
	a := c.post(base, url.Values{"url": {"ftp://hooks.example.org"}, "description": {long},
		"event_types": {webhooks.PersonConnected}, "active": {"on"}})
	if a.status != http.StatusBadRequest {
		t.Fatalf("refused endpoint: %d, want 400", a.status)
	}
	for field, msg := range want {
		_, after, ok := strings.Cut(a.body, `id="`+field+`-error">`)
		shown, _, _ := strings.Cut(after, "<")
		if !ok || !strings.Contains(html.UnescapeString(shown), msg[1:]) {
			t.Errorf("%s: shown %q, want %q", field, html.UnescapeString(shown), msg)
		}
	}
	if eps, err := env.st.ListWebhookEndpoints(t.Context(), tn.ID); err != nil || len(eps) != 0 {
		t.Errorf("stored %v, %v; want nothing", eps, err)
	}
}
