package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/store"
)

// TestAdminRefusesControlCharacters: a name or reference with a control
// character comes back on the form with the problem next to its field,
// and nothing is stored.
func TestAdminRefusesControlCharacters(t *testing.T) {
	env, c, tn := adminSignedInSite(t)
	path := "/admin/tenants/" + adminItoa(tn.ID) + "/people/new"
	for _, tc := range []struct {
		name  string
		form  url.Values
		field string
	}{
		{"NUL in given names", url.Values{"given_names": {"A\x00B"}, "email": {"nul@example.org"}}, "person-given-names-error"},
		{"escape in family names", url.Values{"given_names": {"A"}, "family_names": {"B\x1b[2JC"}, "email": {"esc@example.org"}}, "person-family-names-error"},
		{"bell in a reference", url.Values{"given_names": {"A"}, "email": {"ref@example.org"}, "external_ref": {"R\a1"}}, "person-external-ref-error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := c.post(path, tc.form)
			if a.status != http.StatusUnprocessableEntity {
				t.Fatalf("%d, want 422\n%s", a.status, a.body)
			}
			_, after, ok := strings.Cut(a.body, `id="`+tc.field+`">`)
			if !ok || !strings.Contains(html.UnescapeString(strings.SplitN(after, "<", 2)[0]), "control character") {
				t.Errorf("no %s about a control character in\n%s", tc.field, a.body)
			}
		})
	}
	pg, err := env.st.ListPeople(context.Background(), tn.ID, store.PeopleQuery{})
	if err != nil || len(pg.People) != 0 {
		t.Errorf("%d people (%v): refused forms must store nothing", len(pg.People), err)
	}
}

// TestAdminRefusesUnboundedTemplate: a template with an unbounded loop is
// refused at save with the reason beside its language, and nothing is
// saved; so is one with a control character.
func TestAdminRefusesUnboundedTemplate(t *testing.T) {
	env, c, tn := adminSignedInSite(t)
	path := "/admin/tenants/" + adminItoa(tn.ID) + "/emails"
	lang := tn.Languages[0]
	for _, tc := range []struct{ text, want string }{
		{"{{range 4000000}}x{{end}}{{.Link}}", "{{range}} is not allowed"},
		{"{{range 9223372036854775807}}{{range 9223372036854775807}}{{.Name}}{{end}}{{end}}{{.Link}}", "{{range}} is not allowed"},
		{"Hello\x00{{.Link}}", "control character"},
	} {
		form := url.Values{"custom_" + lang: {"on"}, "subject_" + lang: {"Connect"}, "text_" + lang: {tc.text}}
		res := c.post(path, form)
		if res.status != http.StatusBadRequest || !strings.Contains(html.UnescapeString(res.body), tc.want) ||
			!strings.Contains(res.body, `id="email-`+lang+`-error"`) {
			t.Fatalf("%q: %d\n%s", tc.text, res.status, res.body)
		}
	}
	if got, _ := env.st.Tenant(t.Context(), tn.ID); len(got.Settings.InvitationEmails) != 0 {
		t.Fatalf("a refused template was saved: %+v", got.Settings.InvitationEmails)
	}
}

// TestAdminOutboxForgetsSentLinks: the outbox shows an invitation's link
// while the email waits (without SMTP that is how it is delivered), and
// neither the message page nor its HTML preview shows it once sent.
func TestAdminOutboxForgetsSentLinks(t *testing.T) {
	env, c, tn := adminSignedInSite(t)
	p := env.addPerson(t, tn.ID, "Ana", "Lima", "ana@example.org")
	personURL := "/admin/tenants/" + adminItoa(tn.ID) + "/people/" + adminItoa(p.ID)
	if a := c.post(personURL+"/invite", url.Values{"send_email": {"on"}}); a.status != http.StatusOK {
		t.Fatalf("invite: %d\n%s", a.status, a.body)
	}
	emails, err := env.st.ListTenantEmails(t.Context(), tn.ID, 1)
	if err != nil || len(emails) != 1 {
		t.Fatalf("outbox: %+v, %v", emails, err)
	}
	e := emails[0]
	i := strings.Index(e.TextBody, env.baseURL+"/i/")
	if i < 0 {
		t.Fatalf("the waiting email has no link:\n%s", e.TextBody)
	}
	token := strings.Fields(e.TextBody[i+len(env.baseURL+"/i/"):])[0]
	msgURL := "/admin/outbox/" + adminItoa(e.ID)
	if !strings.Contains(c.get(msgURL).body, token) {
		t.Fatal("the waiting email's page does not show its link: the demo could not be followed")
	}
	if err := env.st.MarkEmailSent(t.Context(), e.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{msgURL, msgURL + "/preview", "/admin/outbox"} {
		if page := c.get(u); page.status != http.StatusOK || strings.Contains(page.body, token) {
			t.Errorf("%s once sent: %d, shows the token: %v", u, page.status, strings.Contains(page.body, token))
		}
	}
}
