package connect_test

import (
	"html"
	"regexp"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/i18n"
	"github.com/orcidlink/orcidlink/internal/store"
)

// TestInvitationEmailEveryLanguage: a person is emailed in their own
// language, for each of ORCID's twelve: subject, greeting, the reason
// (an article), the button's words, <html lang> and dir, all from that
// language's catalog.
func TestInvitationEmailEveryLanguage(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	f.tenant.Languages = nil // every language
	var err error
	if f.tenant, err = f.st.UpdateTenant(f.ctx, f.tenant); err != nil {
		t.Fatal(err)
	}
	tenant := map[string]string{"Tenant": "Journal of Tests"}
	for _, l := range i18n.Languages() {
		t.Run(l.Code, func(t *testing.T) {
			p := f.person(t, "Ada", "Lang-"+l.Code, "ada-"+strings.ToLower(l.Code)+"@example.org", "", l.Code)
			if _, err := f.svc.InviteWithReason(f.ctx, f.tenant.ID, p.ID, store.ActorSystem, true,
				store.InvitationReason{Kind: store.ReasonArticle, Detail: "On Engines"}); err != nil {
				t.Fatal(err)
			}
			emails, err := f.st.ListTenantEmails(f.ctx, f.tenant.ID, 1)
			if err != nil || len(emails) != 1 {
				t.Fatalf("outbox: %v, %v", emails, err)
			}
			e := emails[0]
			if want := i18n.T(l.Code, "email.subject", tenant); e.Subject != want {
				t.Errorf("subject %q, want %q", e.Subject, want)
			}
			reason := i18n.T(l.Code, "reason.article", map[string]string{"Tenant": "Journal of Tests", "Title": "On Engines"})
			for _, want := range []string{
				i18n.T(l.Code, "email.greeting", map[string]string{"Name": "Ada Lang-" + l.Code}),
				i18n.T(l.Code, "email.button", nil), i18n.T(l.Code, "email.ignore", nil),
			} {
				if !strings.Contains(e.TextBody, want) {
					t.Errorf("text lacks %q:\n%s", want, e.TextBody)
				}
			}
			if !strings.Contains(e.TextBody, reason) {
				t.Errorf("text lacks the reason %q:\n%s", reason, e.TextBody)
			}
			// Every email links to the researcher's own page, in their
			// language: the invitation link followed by /me.
			page := regexp.MustCompile(`(?m)^(http\S+/i/[^/\s]+)/me$`).FindStringSubmatch(e.TextBody)
			yours := i18n.T(l.Code, "email.your_page", tenant)
			if page == nil || !strings.Contains(e.TextBody, yours+":\n"+page[0]) || !strings.Contains(e.TextBody, page[1]+"\n") {
				t.Errorf("text lacks the link to their page (%q):\n%s", yours, e.TextBody)
			} else if !strings.Contains(e.HTMLBody, `<a href="`+page[0]+`">`) || !strings.Contains(e.HTMLBody, html.EscapeString(yours)) {
				t.Errorf("HTML lacks the link to their page %s:\n%s", page[0], e.HTMLBody)
			}
			if want := `<html lang="` + l.HTML + `" dir="` + string(l.Dir) + `">`; !strings.Contains(e.HTMLBody, want) {
				t.Errorf("HTML lacks %s:\n%s", want, e.HTMLBody)
			}
		})
	}
}

// TestEmailLanguageNotOffered: a person whose language the tenant does
// not offer is written to in the tenant's default.
func TestEmailLanguageNotOffered(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	f.tenant.Languages, f.tenant.DefaultLanguage = []string{"en", "ja"}, "ja"
	var err error
	if f.tenant, err = f.st.UpdateTenant(f.ctx, f.tenant); err != nil {
		t.Fatal(err)
	}
	p := f.person(t, "Kim", "Ko", "kim@example.org", "", "ko")
	if _, err := f.svc.Invite(f.ctx, f.tenant.ID, p.ID, store.ActorSystem, true); err != nil {
		t.Fatal(err)
	}
	emails, err := f.st.ListTenantEmails(f.ctx, f.tenant.ID, 1)
	if err != nil || len(emails) != 1 {
		t.Fatalf("outbox: %v, %v", emails, err)
	}
	if want := i18n.T("ja", "email.subject", map[string]string{"Tenant": "Journal of Tests"}); emails[0].Subject != want {
		t.Errorf("subject %q, want the default language's %q", emails[0].Subject, want)
	}
}
