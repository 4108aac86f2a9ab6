package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
)

// isolationFixture is two tenants with people, a connected person in the
// other tenant, an email of each, and a manager of the first only.
type isolationFixture struct {
	env         *adminEnv
	mine, other store.Tenant
	myPerson    store.Person
	theirPerson store.Person
	theirLink   store.Link
	myEmail     store.Email
	theirEmail  store.Email
	siteEmail   store.Email
	cred        store.Credential
	manager     store.AdminUser
}

func newIsolationFixture(t *testing.T) *isolationFixture {
	t.Helper()
	env := newAdminEnv(t, adminEnvOptions{})
	ctx := context.Background()
	f := &isolationFixture{env: env}
	f.cred = env.addCredential(t, "Shared", "APP-0000000000000001", "shared-secret-value")
	f.mine = env.addTenant(t, "mine", f.cred.ID)
	f.other = env.addTenant(t, "other", f.cred.ID)
	f.myPerson = env.addPerson(t, f.mine.ID, "Mina", "Mine", "mina@example.org")
	f.theirPerson = env.addPerson(t, f.other.ID, "Otto", "Other", "otto@example.org")
	f.theirLink = env.connectPerson(t, f.other, f.theirPerson, "0000-0002-1825-0097", "their-access-token-123")
	var err error
	if f.myEmail, err = env.st.QueueEmail(ctx, store.Email{TenantID: f.mine.ID, Recipient: "mina@example.org",
		Subject: "Mine: connect your ORCID iD", TextBody: "hello Mina"}); err != nil {
		t.Fatal(err)
	}
	if f.theirEmail, err = env.st.QueueEmail(ctx, store.Email{TenantID: f.other.ID, Recipient: "otto@example.org",
		Subject: "Other: connect your ORCID iD", TextBody: "hello Otto", HTMLBody: "<p>hello Otto</p>"}); err != nil {
		t.Fatal(err)
	}
	if f.siteEmail, err = env.st.QueueEmail(ctx, store.Email{Recipient: "site@example.org",
		Subject: "Site-wide notice", TextBody: "site"}); err != nil {
		t.Fatal(err)
	}
	f.manager = env.addAdmin(t, "manager@example.org", store.RoleTenantManager, f.mine.ID)
	return f
}

// A tenant manager sees only their tenants, in every list.
func TestAdminManagerSeesOnlyTheirTenants(t *testing.T) {
	f := newIsolationFixture(t)
	c := f.env.client(t)
	c.signIn("manager@example.org", adminTestPassword)
	for _, path := range []string{"/admin/", "/admin/tenants", "/admin/outbox", "/admin/credentials",
		"/admin/tenants/" + adminItoa(f.mine.ID) + "/people"} {
		a := c.get(path)
		if a.status != http.StatusOK {
			t.Errorf("GET %s: %d, want 200", path, a.status)
			continue
		}
		for _, leak := range []string{f.other.Name, "Otto", "otto@example.org", "0000-0002-1825-0097", "Site-wide notice"} {
			if strings.Contains(a.body, leak) {
				t.Errorf("GET %s shows %q, of another tenant", path, leak)
			}
		}
	}
	if a := c.get("/admin/tenants"); !strings.Contains(a.body, f.mine.Name) {
		t.Error("the tenant list lacks the manager's own tenant")
	}
	if a := c.get("/admin/tenants/" + adminItoa(f.mine.ID) + "/people"); !strings.Contains(a.body, "mina@example.org") {
		t.Error("the people list lacks the manager's own person")
	}
	if a := c.get("/admin/outbox"); !strings.Contains(a.body, f.myEmail.Subject) {
		t.Error("the outbox lacks the manager's tenant's email")
	}
	// Not even the secret of the credential their tenant uses.
	if a := c.get("/admin/credentials"); strings.Contains(a.body, "shared-secret-value") {
		t.Error("the credentials list shows a client secret")
	}
}

// Guessing URLs with another tenant's ids gets 404, exactly as for ids
// that do not exist, and changes nothing.
func TestAdminManagerCannotReachOtherTenantsByURL(t *testing.T) {
	f := newIsolationFixture(t)
	c := f.env.client(t)
	c.signIn("manager@example.org", adminTestPassword)
	other, mine := adminItoa(f.other.ID), adminItoa(f.mine.ID)
	their, my := adminItoa(f.theirPerson.ID), adminItoa(f.myPerson.ID)

	gets := []string{
		"/admin/tenants/" + other,
		"/admin/tenants/" + other + "/emails",
		"/admin/tenants/" + other + "/edit",
		"/admin/tenants/" + other + "/people",
		"/admin/tenants/" + other + "/people?status=connected",
		"/admin/tenants/" + other + "/people/new",
		"/admin/tenants/" + other + "/people/" + their,
		"/admin/tenants/" + other + "/people/" + their + "/edit",
		"/admin/tenants/" + other + "/people/" + their + "/remove-id",
		"/admin/tenants/" + other + "/people/" + their + "/delete",
		// Their person under my tenant's id: the store refuses the pair.
		"/admin/tenants/" + mine + "/people/" + their,
		"/admin/tenants/" + mine + "/people/" + their + "/edit",
		"/admin/tenants/" + mine + "/people/" + their + "/remove-id",
		// My person under their tenant's id.
		"/admin/tenants/" + other + "/people/" + my,
		"/admin/outbox/" + adminItoa(f.theirEmail.ID),
		"/admin/outbox/" + adminItoa(f.theirEmail.ID) + "/preview",
		"/admin/outbox/" + adminItoa(f.siteEmail.ID),
		// Site administrators' pages.
		"/admin/tenants/new",
		"/admin/credentials/new",
		"/admin/credentials/" + adminItoa(f.cred.ID),
		"/admin/credentials/" + adminItoa(f.cred.ID) + "/edit",
		"/admin/credentials/" + adminItoa(f.cred.ID) + "/production",
		"/admin/users",
		"/admin/users/" + adminItoa(f.manager.ID) + "/edit",
		// Ids that exist nowhere adminAnswer the same.
		"/admin/tenants/999999",
		"/admin/tenants/999999/people",
		"/admin/tenants/" + mine + "/people/999999",
		"/admin/tenants/not-a-number/people",
	}
	notFound := c.get("/admin/tenants/999999").body
	for _, path := range gets {
		a := c.get(path)
		if a.status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, a.status)
		}
		if a.body != notFound {
			t.Errorf("GET %s: its 404 page differs from that of a tenant that does not exist", path)
		}
		for _, leak := range []string{"Otto", "otto@example.org", "0000-0002-1825-0097", f.other.Name, "hello Otto"} {
			if strings.Contains(a.body, leak) {
				t.Errorf("GET %s shows %q", path, leak)
			}
		}
	}

	posts := []struct {
		path string
		form url.Values
	}{
		{"/admin/tenants/" + other + "/edit", url.Values{"name": {"Taken over"}, "slug": {"taken"},
			"support_email": {"x@example.org"}, "languages": {"en"}}},
		{"/admin/tenants/" + other + "/people/new", url.Values{"given_names": {"Intruder"}, "email": {"intruder@example.org"}}},
		{"/admin/tenants/" + other + "/emails", url.Values{"custom_en": {"on"}, "subject_en": {"Hijacked"}, "text_en": {"{{.Link}}"}}},
		{"/admin/tenants/" + other + "/people/" + their + "/edit", url.Values{"given_names": {"Renamed"}, "email": {"renamed@example.org"}}},
		{"/admin/tenants/" + other + "/people/" + their + "/invite", url.Values{"send_email": {"on"}}},
		{"/admin/tenants/" + other + "/people/" + their + "/remove-id", nil},
		{"/admin/tenants/" + other + "/people/" + their + "/delete", nil},
		{"/admin/tenants/" + mine + "/people/" + their + "/edit", url.Values{"given_names": {"Renamed"}, "email": {"renamed@example.org"}}},
		{"/admin/tenants/" + mine + "/people/" + their + "/invite", url.Values{"send_email": {"on"}}},
		{"/admin/tenants/" + mine + "/people/" + their + "/remove-id", nil},
		{"/admin/tenants/" + mine + "/people/" + their + "/delete", nil},
		{"/admin/tenants/new", url.Values{"name": {"New"}, "slug": {"new-one"}, "support_email": {"x@example.org"},
			"languages": {"en"}, "credential_id": {adminItoa(f.cred.ID)}}},
		{"/admin/credentials/new", url.Values{"name": {"Mine"}, "environment": {"sandbox"}, "api_type": {"member"},
			"client_id": {"APP-9999999999999999"}, "client_secret": {"x"}, "client_name": {"x"}}},
		{"/admin/credentials/" + adminItoa(f.cred.ID) + "/edit", url.Values{"name": {"Renamed"}, "environment": {"sandbox"},
			"api_type": {"public"}, "client_id": {"APP-0000000000000001"}, "client_name": {"x"}}},
		{"/admin/credentials/" + adminItoa(f.cred.ID) + "/reinvite", nil},
		{"/admin/users/new", url.Values{"email": {"friend@example.org"}, "role": {"site_admin"}, "password": {"a long password here"}}},
		{"/admin/users/" + adminItoa(f.manager.ID) + "/edit", url.Values{"email": {"manager@example.org"}, "role": {"site_admin"}}},
	}
	for _, p := range posts {
		if a := c.post(p.path, p.form); a.status != http.StatusNotFound {
			t.Errorf("POST %s: %d, want 404", p.path, a.status)
		}
	}

	// Nothing changed.
	ctx := context.Background()
	st := f.env.st
	if got, err := st.Tenant(ctx, f.other.ID); err != nil || got.Name != f.other.Name || got.Slug != f.other.Slug {
		t.Errorf("other tenant now %+v, %v", got, err)
	}
	if got, err := st.Person(ctx, f.other.ID, f.theirPerson.ID); err != nil || got.GivenNames != "Otto" || got.Email != "otto@example.org" {
		t.Errorf("their person now %+v, %v", got, err)
	}
	if l, err := st.Link(ctx, f.other.ID, f.theirPerson.ID); err != nil || l.State != store.LinkConnected ||
		l.ORCID != orcid.ID("0000-0002-1825-0097") || l.AccessToken == "" {
		t.Errorf("their link now %+v, %v", l.State, err)
	}
	if invs, err := st.ListInvitations(ctx, f.other.ID, f.theirPerson.ID); err != nil || len(invs) != 0 {
		t.Errorf("their person has %d invitations (%v), want 0", len(invs), err)
	}
	for _, tid := range []int64{f.mine.ID, f.other.ID} {
		pg, err := st.ListPeople(ctx, tid, store.PeopleQuery{})
		if err != nil || len(pg.People) != 1 {
			t.Errorf("tenant %d has %d people (%v), want 1", tid, len(pg.People), err)
		}
	}
	if ts, _ := st.ListTenants(ctx); len(ts) != 2 {
		t.Errorf("%d tenants, want 2", len(ts))
	}
	if cs, _ := st.ListCredentials(ctx); len(cs) != 1 || cs[0].Name != "Shared" || cs[0].API != orcid.MemberAPI {
		t.Errorf("credentials now %+v", cs)
	}
	if us, _ := st.ListAdminUsers(ctx); len(us) != 1 || us[0].Role != store.RoleTenantManager {
		t.Errorf("administrators now %+v", us)
	}
	if es, _ := st.ListEmails(ctx, 100); len(es) != 3 {
		t.Errorf("%d emails, want the 3 of the fixture", len(es))
	}
}

// The same manager can do all of it in their own tenant, so the 404s above
// are isolation, not broken pages.
func TestAdminManagerWorksInOwnTenant(t *testing.T) {
	f := newIsolationFixture(t)
	c := f.env.client(t)
	c.signIn("manager@example.org", adminTestPassword)
	mine, my := adminItoa(f.mine.ID), adminItoa(f.myPerson.ID)
	for _, path := range []string{
		"/admin/tenants/" + mine,
		"/admin/tenants/" + mine + "/edit",
		"/admin/tenants/" + mine + "/people",
		"/admin/tenants/" + mine + "/people/new",
		"/admin/tenants/" + mine + "/people/" + my,
		"/admin/tenants/" + mine + "/people/" + my + "/edit",
		"/admin/tenants/" + mine + "/people/" + my + "/delete",
		"/admin/outbox/" + adminItoa(f.myEmail.ID),
	} {
		if a := c.get(path); a.status != http.StatusOK {
			t.Errorf("GET %s: %d, want 200\n%s", path, a.status, a.body)
		}
	}
	a := c.post("/admin/tenants/"+mine+"/people/"+my+"/edit", url.Values{"given_names": {"Mina"},
		"family_names": {"Renamed"}, "email": {"mina@example.org"}})
	if a.status != http.StatusSeeOther {
		t.Fatalf("edit own person: %d\n%s", a.status, a.body)
	}
	if got, _ := f.env.st.Person(context.Background(), f.mine.ID, f.myPerson.ID); got.FamilyNames != "Renamed" {
		t.Errorf("own person not renamed: %+v", got)
	}
	// A manager edits their tenant but cannot move it to another credential.
	other := f.env.addCredential(t, "Elsewhere", "APP-0000000000000002", "elsewhere-secret")
	a = c.post("/admin/tenants/"+mine+"/edit", url.Values{"name": {"Mine renamed"}, "slug": {"mine"},
		"support_email": {"help@mine.example"}, "languages": {"en", "es"}, "default_language": {"es"},
		"credential_id": {adminItoa(other.ID)}})
	if a.status != http.StatusSeeOther {
		t.Fatalf("edit own tenant: %d\n%s", a.status, a.body)
	}
	got, _ := f.env.st.Tenant(context.Background(), f.mine.ID)
	if got.Name != "Mine renamed" || got.DefaultLanguage != "es" || got.CredentialID != f.cred.ID {
		t.Errorf("own tenant now %q, default %q, credential %d; want renamed, es, credential %d unchanged",
			got.Name, got.DefaultLanguage, got.CredentialID, f.cred.ID)
	}
}

// A site administrator reaches every page; this also renders each
// template with data in it.
func TestAdminSiteAdminPages(t *testing.T) {
	f := newIsolationFixture(t)
	f.env.addAdmin(t, "site@example.org", store.RoleSiteAdmin)
	c := f.env.client(t)
	c.signIn("site@example.org", adminTestPassword)
	other, their := adminItoa(f.other.ID), adminItoa(f.theirPerson.ID)
	for _, path := range []string{
		"/admin/", "/admin/tenants", "/admin/tenants/new", "/admin/tenants/" + other, "/admin/tenants/" + other + "/edit",
		"/admin/tenants/" + other + "/people", "/admin/tenants/" + other + "/people/new",
		"/admin/tenants/" + other + "/people/" + their, "/admin/tenants/" + other + "/people/" + their + "/edit",
		"/admin/tenants/" + other + "/people/" + their + "/remove-id", "/admin/tenants/" + other + "/people/" + their + "/delete",
		"/admin/credentials", "/admin/credentials/new", "/admin/credentials/" + adminItoa(f.cred.ID),
		"/admin/credentials/" + adminItoa(f.cred.ID) + "/edit", "/admin/credentials/" + adminItoa(f.cred.ID) + "/production",
		"/admin/outbox", "/admin/outbox/" + adminItoa(f.theirEmail.ID), "/admin/outbox/" + adminItoa(f.siteEmail.ID),
		"/admin/outbox/" + adminItoa(f.theirEmail.ID) + "/preview",
		"/admin/users", "/admin/invite", "/admin/users/" + adminItoa(f.manager.ID) + "/edit",
	} {
		a := c.get(path)
		if a.status != http.StatusOK {
			t.Errorf("GET %s: %d, want 200\n%s", path, a.status, a.body)
		}
		for _, secret := range []string{"shared-secret-value", "their-access-token-123", "$argon2id$"} {
			if strings.Contains(a.body, secret) {
				t.Errorf("GET %s shows a secret (%.12s…)", path, secret)
			}
		}
	}
	if a := c.get("/admin/no-such-page"); a.status != http.StatusNotFound {
		t.Errorf("unknown admin page: %d, want 404", a.status)
	}
}
