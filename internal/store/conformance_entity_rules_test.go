package store_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
)

// testEntityRules: the store's one validation of each entity the doors
// write (webhook endpoints, credentials, API keys, tenants) refuses with a
// FieldErrors naming every field at fault, as the REST API names them, so
// that each door puts the same words beside its own field.
func testEntityRules(t *testing.T, e *env) {
	c := e.credential(t, "APP-ENTITIES")
	tn := e.tenant(t, "entities", c.ID)
	long := func(n int) string { return strings.Repeat("x", n+1) }
	for _, tc := range []struct {
		name   string
		write  func() error
		fields []string
	}{
		{"endpoint without anything", func() error {
			_, err := e.s.CreateWebhookEndpoint(e.ctx, store.WebhookEndpoint{TenantID: tn.ID, Secret: "s"})
			return err
		}, []string{"url", "event_types"}},
		{"endpoint with credentials in its URL and a long description", func() error {
			_, err := e.s.CreateWebhookEndpoint(e.ctx, store.WebhookEndpoint{TenantID: tn.ID, Secret: "s",
				URL: "https://user:pw@hooks.example.org/", Description: long(store.MaxWebhookDescriptionChars),
				EventTypes: []string{"person.connected", "Not A Type"}})
			return err
		}, []string{"url", "description", "event_types/1"}},
		{"credential without name, API type or client id", func() error {
			_, err := e.s.CreateCredential(e.ctx, store.Credential{Env: orcid.Sandbox, ClientSecret: "s"})
			return err
		}, []string{"name", "api_type", "client_id"}},
		{"credential without a secret", func() error {
			_, err := e.s.CreateCredential(e.ctx, store.Credential{Name: "N", Env: orcid.Sandbox, API: orcid.MemberAPI,
				ClientID: "APP-NOSECRET"})
			return err
		}, []string{"client_secret"}},
		{"API key without a name", func() error {
			_, _, err := e.s.CreateAPIKey(e.ctx, store.NewAPIKey{TenantID: tn.ID, Name: "  "})
			return err
		}, []string{"name"}},
		{"API key with a long name", func() error {
			_, _, err := e.s.CreateAPIKey(e.ctx, store.NewAPIKey{TenantID: tn.ID, Name: long(store.MaxAPIKeyNameChars)})
			return err
		}, []string{"name"}},
		{"tenant with a bad slug, no name, no credential", func() error {
			_, err := e.s.CreateTenant(e.ctx, store.Tenant{Slug: "Not A Slug"})
			return err
		}, []string{"slug", "name", "credential_id"}},
		{"tenant settings", func() error {
			u := tn
			u.Languages = []string{"de"}
			u.Settings.ReviewMode = "secret"
			u.Settings.Asks = []store.Ask{store.AskWorks, "everything"}
			u.Settings.ReminderDays = []int{7, 400}
			_, err := e.s.UpdateTenant(e.ctx, u)
			return err
		}, []string{"languages/0", "review_mode", "asks/1", "reminder_days/1"}},
	} {
		err := tc.write()
		fes, ok := store.AsFieldErrors(err)
		if !errors.Is(err, store.ErrInvalid) || !ok {
			t.Errorf("%s: err = %v, want field errors about %v", tc.name, err, tc.fields)
			continue
		}
		var fields []string
		for _, fe := range fes {
			fields = append(fields, fe.Field)
		}
		if !slices.Equal(fields, tc.fields) {
			t.Errorf("%s: refused %v, want %v (%v)", tc.name, fields, tc.fields, err)
		}
	}
}
