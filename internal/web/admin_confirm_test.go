package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/connect"
	"github.com/orcidlink/orcidlink/internal/store"
)

// TestAdminReinviteLeavesOutThoseWhoSaidNo: inviting everyone of a
// credential's tenants again shows the count and who is left out (people
// who disconnected, revoked or denied), sends nothing until confirmed, and
// then emails only those counted.
func TestAdminReinviteLeavesOutThoseWhoSaidNo(t *testing.T) {
	env, c := adminSignedInSiteAt(t, adminEnvOptions{})
	ctx := context.Background()
	cred := env.addCredential(t, "Press", "APP-0000000000000001", "secret")
	tn := env.addTenant(t, "journal-a", cred.ID)

	people := []struct {
		given   string
		set     func(p store.Person) // what the person did
		invited bool
		leftOut string // what the page says of them, if left out
	}{
		{"Ana", func(p store.Person) { env.connectPerson(t, tn, p, "0000-0002-1825-0097", "tok-ana-0123456789") }, false, ""},
		{"Bea", func(p store.Person) {
			l := env.connectPerson(t, tn, p, "0000-0001-5109-3700", "tok-bea-0123456789")
			if err := env.st.RemoveLink(ctx, tn.ID, l.ID, connect.ReasonResearcherDisconnected); err != nil {
				t.Fatal(err)
			}
		}, false, "disconnected their iD themselves"},
		{"Cid", func(p store.Person) {
			l := env.connectPerson(t, tn, p, "0000-0002-9079-593X", "tok-cid-0123456789")
			if _, err := env.st.RevokeLink(ctx, l.ID, "401 invalid_token"); err != nil {
				t.Fatal(err)
			}
		}, false, "revoked access at ORCID"},
		{"Dee", func(p store.Person) {
			inv, err := env.svc.Invite(ctx, tn.ID, p.ID, store.ActorAdmin(1), false)
			if err != nil {
				t.Fatal(err)
			}
			if err := env.st.SetInvitationState(ctx, tn.ID, inv.ID, store.InvitationDenied); err != nil {
				t.Fatal(err)
			}
		}, false, "denied access at ORCID when last invited"},
		{"Eve", func(store.Person) {}, true, ""},
		{"Fay", func(p store.Person) {
			l := env.connectPerson(t, tn, p, "0000-0003-1527-0030", "tok-fay-0123456789")
			if err := env.st.RemoveLink(ctx, tn.ID, l.ID, "removed by admin:1"); err != nil {
				t.Fatal(err)
			}
		}, true, ""},
	}
	ids := map[string]int64{}
	for _, p := range people {
		person := env.addPerson(t, tn.ID, p.given, "Test", strings.ToLower(p.given)+"@example.org")
		ids[p.given] = person.ID
		p.set(person)
	}

	path := "/admin/credentials/" + adminItoa(cred.ID) + "/reinvite"
	if page := c.get("/admin/credentials/" + adminItoa(cred.ID)).body; !strings.Contains(page, `action="`+path+`"`) ||
		!strings.Contains(page, `method="get"`) {
		t.Fatalf("the credential page's button does not lead to the confirmation")
	}
	page := c.get(path)
	if page.status != http.StatusOK || !strings.Contains(page.body, `id="reinvite-count"><strong>2 people</strong>`) ||
		!strings.Contains(page.body, `id="confirm-reinvite"`) {
		t.Fatalf("confirmation: %d\n%s", page.status, page.body)
	}
	for _, p := range people {
		line := `/people/` + adminItoa(ids[p.given]) + `">` + p.given + ` Test</a>: ` + p.leftOut
		if got := strings.Contains(page.body, line); got != (p.leftOut != "") {
			t.Errorf("%s listed as left out: %v, want %v (%q)", p.given, got, p.leftOut != "", p.leftOut)
		}
	}
	if a := c.post(path, nil); a.status != http.StatusSeeOther || a.location != path {
		t.Fatalf("unconfirmed: %d to %q", a.status, a.location)
	}
	if es, _ := env.st.ListEmails(ctx, 100); len(es) != 0 {
		t.Fatalf("an unconfirmed re-invitation sent %d emails", len(es))
	}
	a := c.post(path, url.Values{"confirm": {"yes"}})
	if a.status != http.StatusSeeOther {
		t.Fatalf("confirmed: %d\n%s", a.status, a.body)
	}
	if msg := c.get(a.location).body; !strings.Contains(msg, "2 people invited again by email; 1 person was already connected; 3 people were left out") {
		t.Errorf("result message:\n%s", msg)
	}
	es, _ := env.st.ListEmails(ctx, 100)
	got := map[string]bool{}
	for _, e := range es {
		got[e.Recipient] = true
	}
	for _, p := range people {
		if got[strings.ToLower(p.given)+"@example.org"] != p.invited {
			t.Errorf("%s emailed: %v, want %v", p.given, !p.invited, p.invited)
		}
	}
}

// TestAdminTenantAsks: the tenant form says what each ask means at ORCID;
// narrowing changes the scopes asked; widening leads to a confirmation
// that counts the connected people lacking the new permission, and emails
// them only once confirmed, saying why.
func TestAdminTenantAsks(t *testing.T) {
	env, c := adminSignedInSiteAt(t, adminEnvOptions{})
	ctx := context.Background()
	cred := env.addCredential(t, "Press", "APP-0000000000000001", "secret")
	tn := env.addTenant(t, "journal-a", cred.ID)
	ana := env.addPerson(t, tn.ID, "Ana", "Lima", "ana@example.org")
	env.addPerson(t, tn.ID, "Bea", "Silva", "bea@example.org")
	tenantPath := "/admin/tenants/" + adminItoa(tn.ID)

	form := c.get(tenantPath + "/edit").body
	for _, want := range []string{`name="asks_shown"`, `id="tenant-ask-works"`, `value="works" id="tenant-ask-works" checked`,
		"ORCID grants works, peer reviews, affiliations and fundings as one permission", `id="tenant-reminder-days" name="reminder_days" value="7, 21"`} {
		if !strings.Contains(form, want) {
			t.Errorf("tenant form lacks %q", want)
		}
	}
	save := func(asks []string, days string) adminAnswer {
		t.Helper()
		cur, _ := env.st.Tenant(ctx, tn.ID)
		v := url.Values{"name": {cur.Name}, "slug": {cur.Slug}, "support_email": {cur.SupportEmail}, "languages": {"en"},
			"default_language": {"en"}, "credential_id": {adminItoa(cred.ID)}, "asks_shown": {"1"}, "asks": asks,
			"reminder_days": {days}}
		return c.post(tenantPath+"/edit", v)
	}
	tests := []struct {
		name     string
		asks     []string
		days     string
		to       string // where saving leads
		scopes   string // the tenant page's scopes
		reminder string
	}{
		{"works only", []string{"works"}, "3, 10", tenantPath, "<code>openid</code> <code>/activities/update</code>", "3, 10 days"},
		{"iD only, no reminders", nil, "", tenantPath, "<code>openid</code> <code>/authenticate</code>", "none"},
		{"wider", []string{"works", "person"}, "7", tenantPath + "/upgrade", "<code>/activities/update</code> <code>/person/update</code>", "7 days"},
	}
	for i, tc := range tests {
		if i == 1 {
			// Ana connects while the tenant asks for works only.
			env.connectPerson(t, tn, ana, "0000-0002-1825-0097", "tok-ana-0123456789")
		}
		a := save(tc.asks, tc.days)
		if a.status != http.StatusSeeOther || a.location != tc.to {
			t.Fatalf("%s: saved %d to %q, want %q\n%s", tc.name, a.status, a.location, tc.to, a.body)
		}
		page := c.get(tenantPath).body
		if !strings.Contains(page, tc.scopes) || !strings.Contains(page, `id="tenant-reminders">`+tc.reminder) {
			t.Errorf("%s: tenant page lacks %q or reminders %q", tc.name, tc.scopes, tc.reminder)
		}
	}
	if a := save(nil, "0, 400"); a.status != http.StatusUnprocessableEntity || !strings.Contains(a.body, `id="tenant-reminder-days-error"`) {
		t.Errorf("a wrong schedule: %d", a.status)
	}

	// Ana's link (read-limited, activities, person in the fixture) covers
	// the wider asks: nobody to ask. Taking person off her link makes her
	// one to ask.
	if _, err := env.st.DB().ExecContext(ctx, `UPDATE orcid_links SET scopes = '/activities/update' WHERE person_id = ?`, ana.ID); err != nil {
		t.Fatal(err)
	}
	up := c.get(tenantPath + "/upgrade")
	if up.status != http.StatusOK || !strings.Contains(up.body, `id="upgrade-count"><strong>1 connected person</strong>`) {
		t.Fatalf("upgrade confirmation: %d\n%s", up.status, up.body)
	}
	if a := c.post(tenantPath+"/upgrade", nil); a.status != http.StatusSeeOther || a.location != tenantPath+"/upgrade" {
		t.Fatalf("unconfirmed upgrade: %d to %q", a.status, a.location)
	}
	if es, _ := env.st.ListEmails(ctx, 10); len(es) != 0 {
		t.Fatalf("an unconfirmed upgrade sent %d emails", len(es))
	}
	if a := c.post(tenantPath+"/upgrade", url.Values{"confirm": {"yes"}}); a.status != http.StatusSeeOther {
		t.Fatalf("upgrade: %d", a.status)
	}
	es, _ := env.st.ListEmails(ctx, 10)
	if len(es) != 1 || es[0].Recipient != "ana@example.org" || !strings.Contains(es[0].Subject, "further permission") ||
		!strings.Contains(es[0].TextBody, "update biographical information in your ORCID record") {
		t.Fatalf("upgrade emails: %+v", es)
	}
}
