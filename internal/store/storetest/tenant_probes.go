package storetest

import (
	"net/url"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/store"
)

// TenantProbe is one value a tenant may not hold, written as each door
// takes it, so that the doors' tests (the REST API's PATCH /tenant, the
// admin UI's tenant form) show that each refuses it with the store's own
// words (store.CheckTenant), at the same field.
type TenantProbe struct {
	Name  string
	Field string // the store's field, as store.FieldError names it
	// Apply puts the value into a tenant, as a door would.
	Apply func(t *store.Tenant)
	// API is a PATCH /tenant body with the value; nil when the REST API
	// has no such field.
	API map[string]any
	// Form is the tenant form's fields with the value, over a valid form
	// (an empty list removes the field); nil when the form cannot send it.
	Form url.Values
}

// Want is the store's message for p's value in base: what every door
// shows (store.FieldError.Message). It fails the test when the store
// accepts the value.
func (p TenantProbe) Want(t testing.TB, base store.Tenant) string {
	t.Helper()
	p.Apply(&base)
	fes, _ := store.AsFieldErrors(store.CheckTenant(&base))
	for _, fe := range fes {
		if fe.Field == p.Field {
			return fe.Message()
		}
	}
	t.Fatalf("%s: the store finds no problem at %s (%v)", p.Name, p.Field, fes)
	return ""
}

// TenantProbes are the values each door must refuse as the store does.
func TenantProbes() []TenantProbe {
	press := func(country, ror string) store.Publisher {
		return store.Publisher{Name: "Press", City: "London", Country: country, ROR: ror}
	}
	return []TenantProbe{
		{Name: "unknown review mode", Field: "review_mode",
			Apply: func(t *store.Tenant) { t.Settings.ReviewMode = "secret" },
			API:   map[string]any{"review_mode": "secret"}, Form: url.Values{"review_mode": {"secret"}}},
		{Name: "a reminder after a year", Field: "reminder_days/0",
			Apply: func(t *store.Tenant) { t.Settings.ReminderDays = []int{400} },
			API:   map[string]any{"reminder_days": []int{400}}, Form: url.Values{"reminder_days": {"400"}}},
		{Name: "too many reminders", Field: "reminder_days",
			Apply: func(t *store.Tenant) { t.Settings.ReminderDays = []int{1, 2, 3, 4, 5, 6} },
			API:   map[string]any{"reminder_days": []int{1, 2, 3, 4, 5, 6}}, Form: url.Values{"reminder_days": {"1, 2, 3, 4, 5, 6"}}},
		{Name: "a return origin with a path", Field: "return_origins/0",
			Apply: func(t *store.Tenant) { t.Settings.ReturnOrigins = []string{"https://journal.example.org/submit"} },
			API:   map[string]any{"return_origins": []string{"https://journal.example.org/submit"}},
			Form:  url.Values{"return_origins": {"https://journal.example.org/submit"}}},
		{Name: "a country that is not ISO 3166's", Field: "organization/country",
			Apply: func(t *store.Tenant) { t.Settings.Publisher = press("UK", "") },
			API:   map[string]any{"organization": map[string]any{"name": "Press", "city": "London", "country": "UK"}},
			Form:  url.Values{"publisher_name": {"Press"}, "publisher_city": {"London"}, "publisher_country": {"UK"}}},
		{Name: "an organisation without a city", Field: "organization/city",
			Apply: func(t *store.Tenant) { t.Settings.Publisher = store.Publisher{Name: "Press", Country: "GB"} },
			API:   map[string]any{"organization": map[string]any{"name": "Press", "country": "GB"}},
			Form:  url.Values{"publisher_name": {"Press"}, "publisher_country": {"GB"}}},
		{Name: "a ROR iD with a wrong checksum", Field: "organization/ror",
			Apply: func(t *store.Tenant) { t.Settings.Publisher = press("GB", "https://ror.org/05gq02988") },
			API: map[string]any{"organization": map[string]any{"name": "Press", "city": "London", "country": "GB",
				"ror": "https://ror.org/05gq02988"}},
			Form: url.Values{"publisher_name": {"Press"}, "publisher_city": {"London"}, "publisher_country": {"GB"},
				"publisher_ror": {"https://ror.org/05gq02988"}}},
		{Name: "no language", Field: "languages",
			Apply: func(t *store.Tenant) { t.Languages = []string{} },
			API:   map[string]any{"languages": []string{}}, Form: url.Values{"languages": {}}},
		{Name: "a default language not offered", Field: "default_language",
			Apply: func(t *store.Tenant) { t.Languages, t.DefaultLanguage = []string{"en"}, "fr" },
			API:   map[string]any{"languages": []string{"en"}, "default_language": "fr"},
			Form:  url.Values{"languages": {"en"}, "default_language": {"fr"}}},
		// The form offers only the languages and asks there are.
		{Name: "a language orcidlink does not speak", Field: "languages/1",
			Apply: func(t *store.Tenant) { t.Languages = []string{"en", "de"} },
			API:   map[string]any{"languages": []string{"en", "de"}}},
		{Name: "an unknown ask", Field: "asks/1",
			Apply: func(t *store.Tenant) { t.Settings.Asks = []store.Ask{store.AskWorks, "everything"} },
			API:   map[string]any{"asks": []string{"works", "everything"}}},
		// The REST API does not show these.
		{Name: "a slug with spaces", Field: "slug",
			Apply: func(t *store.Tenant) { t.Slug = "not a slug" }, Form: url.Values{"slug": {"Not a slug"}}},
		{Name: "no name", Field: "name",
			Apply: func(t *store.Tenant) { t.Name = "" }, Form: url.Values{"name": {" "}}},
		{Name: "a support address with a display name", Field: "support_email",
			Apply: func(t *store.Tenant) { t.SupportEmail = "Help <help@examples.org>" },
			Form:  url.Values{"support_email": {"Help <help@examples.org>"}}},
		{Name: "a support page that is not on the web", Field: "support_url",
			Apply: func(t *store.Tenant) { t.SupportURL = "ftp://examples.org/help" },
			Form:  url.Values{"support_url": {"ftp://examples.org/help"}}},
		{Name: "a colour by name", Field: "primary_color",
			Apply: func(t *store.Tenant) { t.Branding.PrimaryColor = "blue" }, Form: url.Values{"primary_color": {"blue"}}},
		{Name: "invitations valid for more than a year", Field: "invitation_ttl_days",
			Apply: func(t *store.Tenant) { t.Settings.InvitationTTL = 400 * 24 * time.Hour },
			Form:  url.Values{"invitation_ttl_days": {"400"}}},
	}
}
