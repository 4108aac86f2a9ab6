package web_test

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
)

// TestAdminPeopleCSV: the export lists the filtered people with name,
// email, reference, state in words, iD, scopes and connection time; a
// formula typed as a name comes out as text; a manager of another tenant
// gets 404.
func TestAdminPeopleCSV(t *testing.T) {
	env, c, tn := adminSignedInSite(t)
	ana := env.addPerson(t, tn.ID, "Ana", "García", "ana@example.org")
	env.connectPerson(t, tn, ana, orcid.ID("0000-0002-1825-0097"), "ana-token")
	env.addPerson(t, tn.ID, "=HYPERLINK(\"http://evil.example\")", "Formula", "evil@example.org")
	env.addPerson(t, tn.ID, "Bob", "Babbage", "bob@example.org")

	for _, tc := range []struct {
		name, query string
		wantEmails  []string
	}{
		{"everyone", "", []string{"bob@example.org", "evil@example.org", "ana@example.org"}}, // by family name
		{"connected only", "?status=connected", []string{"ana@example.org"}},
		{"searched by iD", "?q=1825-0097", []string{"ana@example.org"}},
		{"searched by name", "?q=babbage", []string{"bob@example.org"}},
		{"nobody", "?q=nobody", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := c.get("/admin/tenants/" + adminItoa(tn.ID) + "/people.csv" + tc.query)
			if a.status != http.StatusOK {
				t.Fatalf("export: %d\n%s", a.status, a.body)
			}
			rows, err := csv.NewReader(strings.NewReader(a.body)).ReadAll()
			if err != nil {
				t.Fatalf("not CSV: %v\n%s", err, a.body)
			}
			if got := strings.Join(rows[0], ","); got != "given names,family names,email,reference,state,ORCID iD,scopes,connected at" {
				t.Fatalf("header %q", got)
			}
			var emails []string
			for _, r := range rows[1:] {
				emails = append(emails, r[2])
				switch r[2] {
				case "ana@example.org":
					if r[4] != "Connected" || !strings.HasSuffix(r[5], "0000-0002-1825-0097") ||
						!strings.Contains(r[6], "/activities/update") || r[7] == "" {
						t.Errorf("Ana's row %q", r)
					}
				case "bob@example.org":
					if r[4] != "Not invited yet" || r[5] != "" || r[7] != "" {
						t.Errorf("Bob's row %q", r)
					}
				case "evil@example.org":
					if !strings.HasPrefix(r[0], "'=") {
						t.Errorf("a formula came out as %q", r[0])
					}
				}
			}
			if strings.Join(emails, " ") != strings.Join(tc.wantEmails, " ") {
				t.Errorf("exported %v, want %v", emails, tc.wantEmails)
			}
		})
	}

	other := env.addTenant(t, "other", tn.CredentialID)
	env.addAdmin(t, "other@example.org", store.RoleTenantManager, other.ID)
	m := env.client(t)
	m.signIn("other@example.org", adminTestPassword)
	if a := m.get("/admin/tenants/" + adminItoa(tn.ID) + "/people.csv"); a.status != http.StatusNotFound {
		t.Errorf("another tenant's manager exported: %d", a.status)
	}
	if a := c.get("/admin/tenants/" + adminItoa(tn.ID) + "/people.csv?status=famous"); a.status != http.StatusBadRequest {
		t.Errorf("unknown state: %d", a.status)
	}
}

// TestAdminPeopleInviteSelected: the people ticked are invited by email; a
// person of another tenant slipped into the form is not; one already
// connected is named and left alone.
func TestAdminPeopleInviteSelected(t *testing.T) {
	env, c, tn := adminSignedInSite(t)
	ana := env.addPerson(t, tn.ID, "Ana", "García", "ana@example.org")
	bob := env.addPerson(t, tn.ID, "Bob", "Babbage", "bob@example.org")
	cleo := env.addPerson(t, tn.ID, "Cleo", "Connected", "cleo@example.org")
	env.connectPerson(t, tn, cleo, orcid.ID("0000-0002-1825-0097"), "cleo-token")
	other := env.addTenant(t, "other", tn.CredentialID)
	stranger := env.addPerson(t, other.ID, "Stranger", "Elsewhere", "stranger@example.org")

	list := "/admin/tenants/" + adminItoa(tn.ID) + "/people"
	page := c.get(list).body
	for _, want := range []string{`id="select-` + adminItoa(ana.ID) + `"`, `id="invite-selected"`, `id="export-people"`,
		"Not invited yet", "ORCID iD"} {
		if !strings.Contains(page, want) {
			t.Errorf("the people list lacks %s", want)
		}
	}
	a := c.post(list+"/invite", url.Values{"person": {adminItoa(ana.ID), adminItoa(bob.ID), adminItoa(cleo.ID),
		adminItoa(stranger.ID)}, "back": {list + "?status=none"}})
	if a.status != http.StatusSeeOther || a.location != list+"?status=none" {
		t.Fatalf("invite: %d to %q\n%s", a.status, a.location, a.body)
	}
	for _, tc := range []struct {
		who     store.Person
		tenant  int64
		invited bool
	}{{ana, tn.ID, true}, {bob, tn.ID, true}, {cleo, tn.ID, false}, {stranger, other.ID, false}} {
		invs, err := env.st.ListInvitations(t.Context(), tc.tenant, tc.who.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got := len(invs) > 0; got != tc.invited {
			t.Errorf("%s invited: %v, want %v", tc.who.GivenNames, got, tc.invited)
		}
	}
	flash := c.get(list + "?status=none").body
	if !strings.Contains(flash, "2 people invited by email") || !strings.Contains(flash, "Cleo Connected") {
		t.Errorf("the message does not say who was invited and who was not:\n%s", flash)
	}
	// A back address elsewhere is not followed.
	a = c.post(list+"/invite", url.Values{"person": {adminItoa(ana.ID)}, "back": {"https://evil.example/"}})
	if a.location != list {
		t.Errorf("redirected to %q", a.location)
	}
}

// TestAdminOutboxFilters: the outbox is searched by recipient or subject
// and filtered by state and tenant; a manager cannot filter on a tenant
// that is not theirs.
func TestAdminOutboxFilters(t *testing.T) {
	env, c, tn := adminSignedInSite(t)
	other := env.addTenant(t, "other", tn.CredentialID)
	queue := func(tenant int64, to, subject string) store.Email {
		m, err := env.st.QueueEmail(t.Context(), store.Email{TenantID: tenant, Recipient: to, Subject: subject, TextBody: "x"})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	ana := queue(tn.ID, "ana@example.org", "Connect your ORCID iD")
	bob := queue(tn.ID, "bob@example.org", "Reminder")
	carl := queue(other.ID, "carl@example.org", "Connect your ORCID iD")
	if err := env.st.MarkEmailFailed(t.Context(), bob.ID, "550 mailbox unavailable"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		query      string
		want, none []int64
	}{
		{"", []int64{ana.ID, bob.ID, carl.ID}, nil},
		{"?q=ANA", []int64{ana.ID}, []int64{bob.ID, carl.ID}},
		{"?q=reminder", []int64{bob.ID}, []int64{ana.ID}},
		{"?state=failed", []int64{bob.ID}, []int64{ana.ID, carl.ID}},
		{"?state=waiting", []int64{ana.ID, carl.ID}, []int64{bob.ID}},
		{"?tenant=" + adminItoa(other.ID), []int64{carl.ID}, []int64{ana.ID, bob.ID}},
	} {
		body := c.get("/admin/outbox" + tc.query).body
		for _, id := range tc.want {
			if !strings.Contains(body, `id="email-`+adminItoa(id)+`"`) {
				t.Errorf("%q lacks message %d", tc.query, id)
			}
		}
		for _, id := range tc.none {
			if strings.Contains(body, `id="email-`+adminItoa(id)+`"`) {
				t.Errorf("%q shows message %d", tc.query, id)
			}
		}
	}
	env.addAdmin(t, "manager@example.org", store.RoleTenantManager, tn.ID)
	m := env.client(t)
	m.signIn("manager@example.org", adminTestPassword)
	if a := m.get("/admin/outbox?tenant=" + adminItoa(other.ID)); a.status != http.StatusBadRequest || strings.Contains(a.body, "carl@") {
		t.Errorf("a manager filtered on another tenant: %d", a.status)
	}
	if body := m.get("/admin/outbox?q=connect").body; strings.Contains(body, "carl@") || !strings.Contains(body, "ana@") {
		t.Error("a manager's search is not limited to their tenants")
	}
	if a := c.get("/admin/outbox?state=lost"); a.status != http.StatusBadRequest {
		t.Errorf("unknown state: %d", a.status)
	}
}

// TestAdminHistoryInWords: a person's history says what happened in a
// sentence and who did it by email, never "admin:1" or raw JSON.
func TestAdminHistoryInWords(t *testing.T) {
	env, c, tn := adminSignedInSite(t)
	list := "/admin/tenants/" + adminItoa(tn.ID) + "/people"
	a := c.post(list+"/new", url.Values{"given_names": {"Ana"}, "family_names": {"García"}, "email": {"ana@example.org"}})
	if a.status != http.StatusSeeOther {
		t.Fatalf("add: %d", a.status)
	}
	p, err := env.st.PersonByEmail(t.Context(), tn.ID, "ana@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if a := c.post(adminPersonURL(tn.ID, p.ID)+"/invite", url.Values{"send_email": {"on"}}); a.status != http.StatusOK {
		t.Fatalf("invite: %d", a.status)
	}
	env.connectPerson(t, tn, p, orcid.ID("0000-0002-1825-0097"), "tok")
	if _, err := env.st.AppendAudit(t.Context(), store.AuditEvent{TenantID: tn.ID, PersonID: p.ID, Actor: store.ActorPerson,
		Action: "link.connected", Detail: []byte(`{"orcid":"https://sandbox.orcid.org/0000-0002-1825-0097","scopes":["/activities/update"]}`)}); err != nil {
		t.Fatal(err)
	}
	body := c.get(adminPersonURL(tn.ID, p.ID)).body
	history := body[strings.Index(body, `id="history"`):]
	for _, want := range []string{"Added by site@example.org", "Invited by site@example.org, by email",
		"Ana García connected https://sandbox.orcid.org/0000-0002-1825-0097, granting /activities/update"} {
		if !strings.Contains(history, want) {
			t.Errorf("history lacks %q", want)
		}
	}
	for _, bad := range []string{"admin:", "invitation.created", "{&#34;"} {
		if strings.Contains(history, bad) {
			t.Errorf("history shows %q", bad)
		}
	}
}

func adminPersonURL(tenantID, personID int64) string {
	return "/admin/tenants/" + adminItoa(tenantID) + "/people/" + adminItoa(personID)
}

// TestAdminHelp: the guides are served, behind sign-in, as HTML, their
// links to each other pointing here; the UI links to them, not to files.
func TestAdminHelp(t *testing.T) {
	env, c, tn := adminSignedInSite(t)
	for _, tc := range []struct {
		path, want string
		status     int
	}{
		{"/admin/help/", `id="help-operations"`, http.StatusOK},
		{"/admin/help/operations", "<h1 id=\"running-orcidlink-in-production\">", http.StatusOK},
		{"/admin/help/batch", "<table>", http.StatusOK},
		{"/admin/help/webhooks", "<h1", http.StatusOK},
		{"/admin/help/README", "", http.StatusNotFound},
		{"/admin/help/..%2Fgo.mod", "", http.StatusNotFound},
	} {
		a := c.get(tc.path)
		if a.status != tc.status || !strings.Contains(a.body, tc.want) {
			t.Errorf("%s: %d, want %d with %q", tc.path, a.status, tc.status, tc.want)
		}
	}
	// Every guide the index lists is there (a file missing from doc/ is a 500).
	index := c.get("/admin/help/").body
	links := regexp.MustCompile(`href="(/admin/help/[a-z]+)" id="help-`).FindAllStringSubmatch(index, -1)
	if len(links) < 7 {
		t.Errorf("the index lists %d guides", len(links))
	}
	for _, l := range links {
		if a := c.get(l[1]); a.status != http.StatusOK || !strings.Contains(a.body, `class="guide"`) {
			t.Errorf("%s: %d", l[1], a.status)
		}
	}
	if a := env.client(t).get("/admin/help/operations"); a.status != http.StatusSeeOther {
		t.Errorf("anonymous help: %d", a.status)
	}
	for _, page := range []string{"/admin/tenants/" + adminItoa(tn.ID) + "/batches", "/admin/tenants/" + adminItoa(tn.ID) + "/webhooks"} {
		body := c.get(page).body
		if strings.Contains(body, "doc/") || !strings.Contains(body, `href="/admin/help/`) {
			t.Errorf("%s points to a file of doc/ instead of the help page", page)
		}
	}
}
