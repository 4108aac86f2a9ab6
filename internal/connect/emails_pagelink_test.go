package connect_test

import (
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/connect"
	"github.com/orcidlink/orcidlink/internal/i18n"
	"github.com/orcidlink/orcidlink/internal/store"
)

// TestTenantEmailLinksToPage: a tenant's own invitation email links to the
// researcher's page too: where the template places {{.PageLink}}, once;
// where it does not, orcidlink adds the sentence and the link, in the
// person's language, to the text and the HTML.
func TestTenantEmailLinksToPage(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	for _, tc := range []struct {
		name string
		tmpl store.EmailTemplate
		add  bool // orcidlink adds the sentence
	}{
		{"placed by the template", store.EmailTemplate{Subject: "Connect", Text: "Open {{.Link}}\nYours: {{.PageLink}}\n",
			HTML: `<p><a href="{{.Link}}">Connect</a> <a href="{{.PageLink}}">Yours</a></p>`}, false},
		{"left out by the template", store.EmailTemplate{Subject: "Connect", Text: "Open {{.Link}}\n",
			HTML: `<p><a href="{{.Link}}">Connect</a></p>`}, true},
		{"text only", store.EmailTemplate{Subject: "Connect", Text: "Open {{.Link}}\n"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.tenant.Settings.InvitationEmails = map[string]store.EmailTemplate{"fr": tc.tmpl}
			var err error
			if f.tenant, err = f.st.UpdateTenant(f.ctx, f.tenant); err != nil {
				t.Fatal(err)
			}
			inv, err := f.svc.Invite(f.ctx, f.tenant.ID, f.bob.ID, store.ActorSystem, true) // Bob reads French
			if err != nil {
				t.Fatal(err)
			}
			emails, err := f.st.UnsentEmails(f.ctx, 100)
			if err != nil || len(emails) == 0 {
				t.Fatalf("outbox: %v, %v", emails, err)
			}
			e := emails[len(emails)-1]
			page := connect.PageLink(inv.Link)
			sentence := i18n.T("fr", "email.your_page", map[string]string{"Tenant": f.tenant.Name})
			if n := strings.Count(e.TextBody, page); n != 1 {
				t.Errorf("text holds the page link %d times:\n%s", n, e.TextBody)
			}
			if got := strings.Contains(e.TextBody, sentence+":\n"+page); got != tc.add {
				t.Errorf("text: sentence added %v, want %v:\n%s", got, tc.add, e.TextBody)
			}
			if tc.tmpl.HTML == "" {
				if e.HTMLBody != "" {
					t.Errorf("an HTML part appeared: %s", e.HTMLBody)
				}
				return
			}
			if !strings.Contains(e.HTMLBody, `href="`+page+`"`) {
				t.Errorf("HTML lacks the page link:\n%s", e.HTMLBody)
			}
		})
	}
}
