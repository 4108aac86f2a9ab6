package web_test

import (
	"context"
	"errors"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
)

func adminSignedInSiteAt(t *testing.T, opts adminEnvOptions) (*adminEnv, *adminClient) {
	t.Helper()
	env := newAdminEnv(t, opts)
	env.addAdmin(t, "site@example.org", store.RoleSiteAdmin)
	c := env.client(t)
	c.signIn("site@example.org", adminTestPassword)
	return env, c
}

func adminCredentialValues(env, clientID, secret string) url.Values {
	return url.Values{"name": {"Press " + env}, "environment": {env}, "api_type": {"member"},
		"client_id": {clientID}, "client_secret": {secret}, "client_name": {"Example University Press"}}
}

// adminFieldMessage is the message shown under a form field, or "".
func adminFieldMessage(body, id string) string {
	_, after, ok := strings.Cut(body, `id="`+id+`">`)
	if !ok {
		return ""
	}
	msg, _, _ := strings.Cut(after, "<")
	return html.UnescapeString(msg)
}

// ORCID accepts only HTTPS redirect URIs for production clients: with an
// http public URL, no production credential can be saved, by any path.
func TestAdminCredentialProductionNeedsHTTPS(t *testing.T) {
	env, c := adminSignedInSiteAt(t, adminEnvOptions{})
	sandbox := env.addCredential(t, "Sandbox", "APP-0000000000000001", "sandbox-secret")
	env.addTenant(t, "journal", sandbox.ID)
	ctx := context.Background()

	// A production credential saved when the server was reached over https,
	// before someone changed the public URL back to http.
	prod, err := env.st.CreateCredential(ctx, store.Credential{Name: "Production", Env: orcid.Production,
		API: orcid.MemberAPI, ClientID: "APP-5555555555555555", ClientSecret: "p", ClientName: "Press"})
	if err != nil {
		t.Fatal(err)
	}
	https := "HTTPS"
	for _, tc := range []struct {
		name, path string
		form       url.Values
		want       string
	}{
		{"new", "/admin/credentials/new", adminCredentialValues("production", "APP-1111111111111111", "prod-secret"), https},
		{"edit a production one", "/admin/credentials/" + adminItoa(prod.ID) + "/edit",
			adminCredentialValues("production", "APP-5555555555555555", ""), https},
		{"move", "/admin/credentials/" + adminItoa(sandbox.ID) + "/production",
			adminCredentialValues("production", "APP-1111111111111111", "prod-secret"), https},
		// Editing is never the way to production: the guided move is.
		{"edit a sandbox one into production", "/admin/credentials/" + adminItoa(sandbox.ID) + "/edit",
			adminCredentialValues("production", "APP-0000000000000001", ""), "Move to production"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := c.post(tc.path, tc.form)
			if a.status != http.StatusUnprocessableEntity {
				t.Fatalf("%d, want 422\n%s", a.status, a.body)
			}
			msg := adminFieldMessage(a.body, "credential-environment-error")
			if !strings.Contains(msg, tc.want) {
				t.Errorf("the environment error %q does not say %q", msg, tc.want)
			}
			if tc.want == https && !strings.Contains(msg, env.baseURL+"/orcid/callback") {
				t.Errorf("the message %q does not name the redirect URI %s/orcid/callback", msg, env.baseURL)
			}
		})
	}
	for _, want := range []store.Credential{sandbox, prod} {
		got, err := env.st.Credential(ctx, want.ID)
		if err != nil || got.Env != want.Env || got.UpdatedAt != want.UpdatedAt {
			t.Errorf("credential %d now %+v (%v): nothing may have changed", want.ID, got.Env, err)
		}
	}
	if cs, _ := env.st.ListCredentials(ctx); len(cs) != 2 {
		t.Errorf("%d credentials, want the 2 there were", len(cs))
	}
	// The move page says so before anyone types anything.
	move := c.get("/admin/credentials/" + adminItoa(sandbox.ID) + "/production").body
	if !strings.Contains(move, `id="redirect-problem"`) || !strings.Contains(move, `id="move-to-production" disabled`) {
		t.Error("the move page does not warn that the redirect URI is not HTTPS")
	}
	// Sandbox credentials are fine over http.
	if a := c.post("/admin/credentials/new", adminCredentialValues("sandbox", "APP-2222222222222222", "s")); a.status != http.StatusSeeOther {
		t.Errorf("sandbox credential over http: %d, want 303\n%s", a.status, a.body)
	}
}

func TestAdminCredentialProductionOverHTTPS(t *testing.T) {
	env, c := adminSignedInSiteAt(t, adminEnvOptions{tls: true})
	a := c.post("/admin/credentials/new", adminCredentialValues("production", "APP-1111111111111111", "prod-secret"))
	if a.status != http.StatusSeeOther {
		t.Fatalf("production credential over https: %d\n%s", a.status, a.body)
	}
	page := c.get(a.location).body
	want := `id="redirect-uri">` + env.baseURL + "/orcid/callback<"
	if !strings.Contains(page, want) {
		t.Errorf("credential page lacks the exact redirect URI %s/orcid/callback", env.baseURL)
	}
	if strings.Contains(page, `id="redirect-problem"`) {
		t.Error("an https redirect URI is reported as a problem")
	}
	if !strings.Contains(page, "register-client-application-production-trusted-party") {
		t.Error("the page does not point to ORCID's production Member API registration form")
	}
}

// The client secret is write-only: typed once, stored sealed, never
// written into any page again, not even a refused form.
func TestAdminCredentialSecretNeverShown(t *testing.T) {
	env, c := adminSignedInSiteAt(t, adminEnvOptions{})
	ctx := context.Background()
	const secret = "typed-secret-5f0c2a9e"
	a := c.post("/admin/credentials/new", adminCredentialValues("sandbox", "APP-0000000000000001", secret))
	if a.status != http.StatusSeeOther {
		t.Fatalf("create: %d\n%s", a.status, a.body)
	}
	cs, _ := env.st.ListCredentials(ctx)
	if len(cs) != 1 || cs[0].ClientSecret != secret {
		t.Fatalf("stored credential %+v", cs)
	}
	cred := cs[0]
	tn := env.addTenant(t, "journal", cred.ID)
	id := adminItoa(cred.ID)

	pages := []string{"/admin/credentials", "/admin/credentials/" + id, "/admin/credentials/" + id + "/edit",
		"/admin/credentials/" + id + "/production", "/admin/tenants", "/admin/tenants/new",
		"/admin/tenants/" + adminItoa(tn.ID), "/admin/tenants/" + adminItoa(tn.ID) + "/edit", "/admin/"}
	for _, p := range pages {
		a := c.get(p)
		if a.status != http.StatusOK {
			t.Errorf("GET %s: %d", p, a.status)
		}
		if strings.Contains(a.body, secret) {
			t.Errorf("GET %s shows the client secret", p)
		}
	}
	edit := c.get("/admin/credentials/" + id + "/edit").body
	if !strings.Contains(edit, `name="client_secret" value=""`) {
		t.Error("the edit form's secret box is not empty")
	}

	// A refused form does not send back a new secret either.
	const typedAgain = "another-typed-secret-77aa"
	bad := adminCredentialValues("sandbox", "APP-0000000000000001", typedAgain)
	bad.Set("name", "")
	a = c.post("/admin/credentials/"+id+"/edit", bad)
	if a.status != http.StatusUnprocessableEntity || adminFieldMessage(a.body, "credential-name-error") == "" {
		t.Fatalf("edit without a name: %d, want 422 with a name error", a.status)
	}
	if strings.Contains(a.body, typedAgain) || strings.Contains(a.body, secret) {
		t.Error("a refused credential form shows a secret")
	}
	bad.Set("environment", "bogus")
	if a := c.post("/admin/credentials/new", bad); strings.Contains(a.body, typedAgain) {
		t.Error("a refused new-credential form shows the secret typed")
	}

	// Saving with the box empty keeps the stored secret; typing one replaces it.
	keep := adminCredentialValues("sandbox", "APP-0000000000000001", "")
	keep.Set("name", "Renamed")
	if a := c.post("/admin/credentials/"+id+"/edit", keep); a.status != http.StatusSeeOther {
		t.Fatalf("edit keeping the secret: %d\n%s", a.status, a.body)
	}
	if got, _ := env.st.Credential(ctx, cred.ID); got.Name != "Renamed" || got.ClientSecret != secret {
		t.Errorf("after an edit with no secret: name %q, secret kept %v", got.Name, got.ClientSecret == secret)
	}
	if a := c.post("/admin/credentials/"+id+"/edit", adminCredentialValues("sandbox", "APP-0000000000000001", typedAgain)); a.status != http.StatusSeeOther {
		t.Fatalf("edit with a new secret: %d", a.status)
	}
	if got, _ := env.st.Credential(ctx, cred.ID); got.ClientSecret != typedAgain {
		t.Error("a new secret typed was not stored")
	}
	if strings.Contains(c.get("/admin/credentials/"+id).body, typedAgain) {
		t.Error("the credential page shows the new secret")
	}
}

func TestAdminCredentialFormErrors(t *testing.T) {
	env, c := adminSignedInSiteAt(t, adminEnvOptions{})
	env.addCredential(t, "Existing", "APP-0000000000000001", "x")
	for _, tc := range []struct {
		name    string
		edit    func(url.Values)
		errorID string
	}{
		{"client id taken on this registry", func(v url.Values) { v.Set("client_id", "APP-0000000000000001") }, "credential-client-id-error"},
		{"no client id", func(v url.Values) { v.Set("client_id", "") }, "credential-client-id-error"},
		{"no secret", func(v url.Values) { v.Set("client_secret", "") }, "credential-client-secret-error"},
		{"no client name", func(v url.Values) { v.Set("client_name", "") }, "credential-client-name-error"},
		{"no API", func(v url.Values) { v.Del("api_type") }, "credential-api-error"},
		{"unknown environment", func(v url.Values) { v.Set("environment", "staging") }, "credential-environment-error"},
		{"custom without URL", func(v url.Values) { v.Set("environment", "custom") }, "credential-site-url-error"},
		{"custom with a bad URL", func(v url.Values) { v.Set("environment", "custom"); v.Set("site_url", "ftp://x") }, "credential-site-url-error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := adminCredentialValues("sandbox", "APP-3333333333333333", "secret")
			tc.edit(v)
			a := c.post("/admin/credentials/new", v)
			if a.status != http.StatusUnprocessableEntity || adminFieldMessage(a.body, tc.errorID) == "" {
				t.Errorf("%d, want 422 with #%s\n%s", a.status, tc.errorID, a.body)
			}
		})
	}
	// A custom registry, such as the built-in one, is fine with only its site URL.
	v := adminCredentialValues("custom", "APP-4444444444444444", "secret")
	v.Set("site_url", "http://127.0.0.1:9/sandbox")
	if a := c.post("/admin/credentials/new", v); a.status != http.StatusSeeOther {
		t.Fatalf("custom credential: %d\n%s", a.status, a.body)
	}
	cs, _ := env.st.ListCredentials(context.Background())
	for _, cr := range cs {
		if cr.ClientID == "APP-4444444444444444" && cr.Env.MemberAPIURL != "http://127.0.0.1:9/sandbox/v3.0" {
			t.Errorf("custom registry member API %q", cr.Env.MemberAPIURL)
		}
	}
	if len(cs) != 2 {
		t.Errorf("%d credentials, want 2", len(cs))
	}

	// A credential keeps its registry: moving it to another would make its
	// iDs pass for the other registry's.
	existing := cs[0]
	if existing.ClientID != "APP-0000000000000001" {
		existing = cs[1]
	}
	v = adminCredentialValues("custom", existing.ClientID, "")
	v.Set("site_url", "http://127.0.0.1:9/sandbox")
	a := c.post("/admin/credentials/"+adminItoa(existing.ID)+"/edit", v)
	if a.status != http.StatusUnprocessableEntity || !strings.Contains(adminFieldMessage(a.body, "credential-environment-error"), "keeps its registry") {
		t.Errorf("moving a sandbox credential to another registry: %d, %q", a.status, adminFieldMessage(a.body, "credential-environment-error"))
	}
	if got, _ := env.st.Credential(context.Background(), existing.ID); got.Env != orcid.Sandbox {
		t.Errorf("the credential's registry changed to %+v", got.Env)
	}
}

// The credential page says which tenants share it and why the client name
// must then be broad.
func TestAdminCredentialShared(t *testing.T) {
	env, c := adminSignedInSiteAt(t, adminEnvOptions{})
	shared := env.addCredential(t, "Shared", "APP-0000000000000001", "x")
	own := env.addCredential(t, "Own", "APP-0000000000000002", "y")
	a := env.addTenant(t, "journal-a", shared.ID)
	b := env.addTenant(t, "journal-b", shared.ID)
	env.addTenant(t, "journal-c", own.ID)

	page := c.get("/admin/credentials/" + adminItoa(shared.ID)).body
	for _, want := range []string{a.Name, b.Name, `id="shared-note"`, "broad enough", `id="redirect-uri">` + env.baseURL + "/orcid/callback<"} {
		if !strings.Contains(page, want) {
			t.Errorf("shared credential page lacks %q", want)
		}
	}
	if page := c.get("/admin/credentials/" + adminItoa(own.ID)).body; strings.Contains(page, `id="shared-note"`) {
		t.Error("a credential of one tenant says it is shared")
	}
	if form := c.get("/admin/credentials/" + adminItoa(shared.ID) + "/edit").body; !strings.Contains(form, a.Name+", "+b.Name) {
		t.Error("the edit form does not say which tenants a change affects")
	}
}

// Moving to production makes a new credential, moves the tenants, keeps
// the sandbox links apart, and offers to invite everyone again.
func TestAdminMoveToProduction(t *testing.T) {
	env, c := adminSignedInSiteAt(t, adminEnvOptions{tls: true})
	ctx := context.Background()
	sandbox := env.addCredential(t, "Press", "APP-0000000000000001", "sandbox-secret")
	ta := env.addTenant(t, "journal-a", sandbox.ID)
	tb := env.addTenant(t, "journal-b", sandbox.ID)
	pa := env.addPerson(t, ta.ID, "Ana", "Lima", "ana@example.org")
	env.addPerson(t, ta.ID, "Bea", "Silva", "bea@example.org")
	env.addPerson(t, tb.ID, "Cid", "Rocha", "cid@example.org")
	sandboxLink := env.connectPerson(t, ta, pa, "0000-0002-1825-0097", "sandbox-token-abcdef")

	page := c.get("/admin/credentials/" + adminItoa(sandbox.ID) + "/production").body
	for _, want := range []string{"do not carry over", ta.Name, tb.Name, `id="redirect-uri">` + env.baseURL + "/orcid/callback<"} {
		if !strings.Contains(page, want) {
			t.Errorf("the move page lacks %q", want)
		}
	}
	a := c.post("/admin/credentials/"+adminItoa(sandbox.ID)+"/production", url.Values{"name": {"Press (production)"},
		"api_type": {"member"}, "client_id": {"APP-9999999999999999"}, "client_secret": {"production-secret"},
		"client_name": {"Example University Press"}})
	if a.status != http.StatusOK || !strings.Contains(a.body, `id="moved"`) || !strings.Contains(a.body, `id="reinvite"`) {
		t.Fatalf("move: %d\n%s", a.status, a.body)
	}
	if strings.Contains(a.body, "production-secret") {
		t.Error("the move's result page shows the production secret")
	}

	cs, _ := env.st.ListCredentials(ctx)
	var prod store.Credential
	for _, cr := range cs {
		if cr.ClientID == "APP-9999999999999999" {
			prod = cr
		}
	}
	if prod.ID == 0 || prod.Env != orcid.Production || prod.ClientSecret != "production-secret" {
		t.Fatalf("production credential %+v", prod)
	}
	for _, tn := range []store.Tenant{ta, tb} {
		got, _ := env.st.Tenant(ctx, tn.ID)
		if got.CredentialID != prod.ID {
			t.Errorf("tenant %s still uses credential %d, want the production one %d", tn.Slug, got.CredentialID, prod.ID)
		}
	}
	// The sandbox iD does not pass for a production one...
	if _, err := env.st.Link(ctx, ta.ID, pa.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after the move the person has a link under production (%v): sandbox iDs must not carry over", err)
	}
	personURL := "/admin/tenants/" + adminItoa(ta.ID) + "/people/" + adminItoa(pa.ID)
	person := c.get(personURL).body
	if strings.Contains(person, `id="person-orcid"`) || !strings.Contains(person, `id="person-no-link"`) {
		t.Error("after the move the person page shows the sandbox iD as authenticated")
	}
	// ...but is kept apart, as history.
	links, _ := env.st.LinksOfPerson(ctx, ta.ID, pa.ID)
	if len(links) != 1 || links[0].ID != sandboxLink.ID || links[0].CredentialID != sandbox.ID {
		t.Errorf("links of the person after the move: %+v", links)
	}
	if !strings.Contains(person, `id="other-links"`) || !strings.Contains(person, "https://sandbox.orcid.org/0000-0002-1825-0097") {
		t.Error("the person page does not show the sandbox link as history")
	}

	// Inviting everyone asks first, with the count; a POST that does not
	// come from that page sends nothing.
	reinvite := "/admin/credentials/" + adminItoa(prod.ID) + "/reinvite"
	if a := c.post(reinvite, nil); a.status != http.StatusSeeOther || a.location != reinvite {
		t.Fatalf("unconfirmed reinvite: %d to %q", a.status, a.location)
	}
	if es, _ := env.st.ListEmails(ctx, 10); len(es) != 0 {
		t.Fatalf("an unconfirmed reinvite sent %d emails", len(es))
	}
	if page := c.get(reinvite).body; !strings.Contains(page, `id="reinvite-count"><strong>3 people</strong>`) {
		t.Fatalf("reinvite confirmation:\n%s", page)
	}
	a = c.post(reinvite, url.Values{"confirm": {"yes"}})
	if a.status != http.StatusSeeOther {
		t.Fatalf("reinvite: %d\n%s", a.status, a.body)
	}
	if msg := c.get(a.location).body; !strings.Contains(msg, "3 people invited again") {
		t.Errorf("reinvite does not say it invited 3 people:\n%s", msg)
	}
	for _, tn := range []store.Tenant{ta, tb} {
		es, _ := env.st.ListTenantEmails(ctx, tn.ID, 10)
		pg, _ := env.st.ListPeople(ctx, tn.ID, store.PeopleQuery{Status: store.StatusInvited})
		if len(es) != len(pg.People) || len(es) == 0 {
			t.Errorf("tenant %s: %d emails, %d invited people", tn.Slug, len(es), len(pg.People))
		}
	}
	// A production credential cannot be moved again.
	if a := c.get("/admin/credentials/" + adminItoa(prod.ID) + "/production"); a.status != http.StatusSeeOther {
		t.Errorf("moving a production credential: %d, want a redirect back", a.status)
	}
}
