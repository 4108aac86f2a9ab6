package web_test

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/i18n"
	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/sandbox/sandboxtest"
	"github.com/orcidlink/orcidlink/internal/store"
)

// adminSignedInSite is an environment with a tenant and a signed-in site
// administrator.
func adminSignedInSite(t *testing.T) (*adminEnv, *adminClient, store.Tenant) {
	t.Helper()
	env := newAdminEnv(t, adminEnvOptions{})
	cred := env.addCredential(t, "Journals", "APP-0000000000000001", "journals-secret")
	tn := env.addTenant(t, "journal", cred.ID)
	env.addAdmin(t, "site@example.org", store.RoleSiteAdmin)
	c := env.client(t)
	c.signIn("site@example.org", adminTestPassword)
	return env, c, tn
}

var adminPersonRow = regexp.MustCompile(`<tr id="person-(\d+)">`)

// adminListedPeople are the ids of the people rows of a list page.
func adminListedPeople(body string) []string {
	var ids []string
	for _, m := range adminPersonRow.FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

var adminNextLink = regexp.MustCompile(`<a href="([^"]+)" id="next-page"`)

func TestAdminPeopleFiltersAndPagination(t *testing.T) {
	env, c, tn := adminSignedInSite(t)
	ctx := context.Background()
	// 120 people: every 10th connected, every 7th (not connected) invited,
	// one denied, one revoked.
	byStatus := map[store.PersonStatus][]string{}
	var all []string
	for i := range 120 {
		p := env.addPerson(t, tn.ID, fmt.Sprintf("Given%03d", i), fmt.Sprintf("Family%03d", i), fmt.Sprintf("p%03d@example.org", i))
		id := adminItoa(p.ID)
		all = append(all, id)
		switch {
		case i%10 == 0:
			digits := fmt.Sprintf("0000-0001-%04d-", i)
			oid, err := orcid.ComputeID(strings.ReplaceAll(digits, "-", "") + "000")
			if err != nil {
				t.Fatal(err)
			}
			env.connectPerson(t, tn, p, oid, fmt.Sprintf("token-%03d-abcdef", i))
			byStatus[store.StatusConnected] = append(byStatus[store.StatusConnected], id)
		case i%7 == 0:
			if _, _, err := env.st.CreateInvitation(ctx, store.NewInvitation{TenantID: tn.ID, PersonID: p.ID,
				ExpiresAt: time.Now().Add(time.Hour), CreatedBy: "system"}); err != nil {
				t.Fatal(err)
			}
			byStatus[store.StatusInvited] = append(byStatus[store.StatusInvited], id)
		case i == 1:
			inv, _, err := env.st.CreateInvitation(ctx, store.NewInvitation{TenantID: tn.ID, PersonID: p.ID,
				ExpiresAt: time.Now().Add(time.Hour), CreatedBy: "system"})
			if err != nil {
				t.Fatal(err)
			}
			if err := env.st.SetInvitationState(ctx, tn.ID, inv.ID, store.InvitationDenied); err != nil {
				t.Fatal(err)
			}
			byStatus[store.StatusDenied] = append(byStatus[store.StatusDenied], id)
		case i == 3:
			l := env.connectPerson(t, tn, p, "0000-0002-1825-0097", "token-revoked-abcdef")
			if err := env.st.MarkLinkRevoked(ctx, l.ID, "invalid_token"); err != nil {
				t.Fatal(err)
			}
			byStatus[store.StatusRevoked] = append(byStatus[store.StatusRevoked], id)
		}
	}
	base := "/admin/tenants/" + adminItoa(tn.ID) + "/people"

	// Paging through everyone: 50, 50, 20, in name order, nobody twice.
	var seen []string
	path, pages := base, 0
	for path != "" {
		a := c.get(path)
		if a.status != http.StatusOK {
			t.Fatalf("GET %s: %d", path, a.status)
		}
		ids := adminListedPeople(a.body)
		if pages < 2 && len(ids) != 50 {
			t.Errorf("page %d has %d people, want 50", pages+1, len(ids))
		}
		seen = append(seen, ids...)
		pages++
		path = ""
		if m := adminNextLink.FindStringSubmatch(a.body); m != nil {
			path = html.UnescapeString(m[1])
		}
		if pages > 1 && !strings.Contains(a.body, `id="first-page"`) {
			t.Errorf("page %d has no link back to the first page", pages)
		}
	}
	if pages != 3 || !slices.Equal(seen, all) {
		t.Errorf("paging gave %d pages and %d people in this order:\n%v\nwant 3 pages of\n%v", pages, len(seen), seen, all)
	}

	for _, tc := range []struct {
		status store.PersonStatus
		want   []string
	}{
		{store.StatusConnected, byStatus[store.StatusConnected]},
		{store.StatusInvited, byStatus[store.StatusInvited]},
		{store.StatusDenied, byStatus[store.StatusDenied]},
		{store.StatusRevoked, byStatus[store.StatusRevoked]},
		{store.StatusRemoved, nil},
	} {
		a := c.get(base + "?status=" + string(tc.status))
		if got := adminListedPeople(a.body); !slices.Equal(got, tc.want) {
			t.Errorf("status=%s lists %v, want %v", tc.status, got, tc.want)
		}
		if !strings.Contains(a.body, `id="filter-`+string(tc.status)+`" aria-current="page"`) &&
			!strings.Contains(a.body, `aria-current="page" id="filter-`+string(tc.status)+`"`) {
			t.Errorf("status=%s: the filter is not marked current", tc.status)
		}
	}
	// The connected list shows each iD as authenticated; the revoked one
	// is never shown so.
	connected := c.get(base + "?status=connected").body
	if n := strings.Count(connected, `class="orcid-id"`); n != len(byStatus[store.StatusConnected]) {
		t.Errorf("connected list shows %d authenticated iDs, want %d", n, len(byStatus[store.StatusConnected]))
	}
	if revoked := c.get(base + "?status=revoked").body; strings.Contains(revoked, `class="orcid-id"`) {
		t.Error("a revoked iD is shown as authenticated")
	}

	// Search by name, email; combined with a filter; paging keeps both.
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"q=Given042", []string{all[42]}},
		{"q=p119%40example.org", []string{all[119]}},
		{"q=family11", all[110:120]},
		{"q=family1&status=connected", []string{all[100], all[110]}},
		{"q=nobody-matches", nil},
	} {
		a := c.get(base + "?" + tc.query)
		if got := adminListedPeople(a.body); !slices.Equal(got, tc.want) {
			t.Errorf("%s lists %v, want %v", tc.query, got, tc.want)
		}
	}
	a := c.get(base + "?q=given")
	m := adminNextLink.FindStringSubmatch(a.body)
	if m == nil {
		t.Fatal("searching everyone has no next page")
	}
	if next, _ := url.Parse(html.UnescapeString(m[1])); next.Query().Get("q") != "given" {
		t.Errorf("next page %s forgets the search", m[1])
	}

	// Bad filters are refused, not ignored.
	for _, q := range []string{"status=bogus", "cursor=not-a-cursor"} {
		if a := c.get(base + "?" + q); a.status != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", q, a.status)
		}
	}
}

func TestAdminAddPerson(t *testing.T) {
	env, c, tn := adminSignedInSite(t)
	env.addPerson(t, tn.ID, "Ana", "Lima", "ana@example.org")
	path := "/admin/tenants/" + adminItoa(tn.ID) + "/people/new"
	form := c.get(path)
	for _, id := range []string{`id="person-given-names"`, `id="person-email"`, `id="person-external-ref"`, `id="person-language"`} {
		if !strings.Contains(form.body, id) {
			t.Errorf("add-person form lacks %s", id)
		}
	}
	if strings.Contains(strings.ToLower(form.body), `name="orcid`) {
		t.Error("the add-person form has an ORCID iD field: iDs are only ever authenticated, never typed")
	}

	// A first person with a reference, to collide with.
	a := c.post(path, url.Values{"given_names": {"Bea"}, "family_names": {"Silva"}, "email": {"bea@example.org"},
		"external_ref": {"U-1"}, "language": {"fr"}})
	if a.status != http.StatusSeeOther || !strings.HasPrefix(a.location, "/admin/tenants/"+adminItoa(tn.ID)+"/people/") {
		t.Fatalf("add person: %d to %q\n%s", a.status, a.location, a.body)
	}
	page := c.get(a.location)
	if !strings.Contains(page.body, "bea@example.org") || !strings.Contains(page.body, "Bea Silva added") {
		t.Errorf("person page after adding lacks the person or the message:\n%s", page.body)
	}

	for _, tc := range []struct {
		name       string
		form       url.Values
		field, msg string
	}{
		{"duplicate email, other case", url.Values{"given_names": {"Ana"}, "email": {"ANA@example.org"}},
			"person-email-error", "already has this email"},
		{"duplicate reference", url.Values{"given_names": {"Cid"}, "email": {"cid@example.org"}, "external_ref": {"U-1"}},
			"person-external-ref-error", "already has this reference"},
		{"no email", url.Values{"given_names": {"Dora"}}, "person-email-error", "Email is required"},
		{"not an email", url.Values{"given_names": {"Dora"}, "email": {"dora at example"}}, "person-email-error", "like name@example.org"},
		{"no names", url.Values{"email": {"nameless@example.org"}}, "person-given-names-error", "Given names or family names are required"},
		// The store's rule and words (store.CheckLanguage), as the REST
		// API and batch files say them.
		{"language orcidlink does not speak", url.Values{"given_names": {"Eva"}, "email": {"eva@example.org"}, "language": {"de"}},
			"person-language-error", germanRefused(t)[1:]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := c.post(path, tc.form)
			if a.status != http.StatusUnprocessableEntity {
				t.Fatalf("%d, want 422", a.status)
			}
			_, after, ok := strings.Cut(a.body, `id="`+tc.field+`">`)
			if !ok || !strings.Contains(html.UnescapeString(strings.SplitN(after, "<", 2)[0]), tc.msg) {
				t.Errorf("no %s saying %q in\n%s", tc.field, tc.msg, a.body)
			}
			// The form comes back as typed.
			if v := tc.form.Get("email"); v != "" && !strings.Contains(a.body, `value="`+html.EscapeString(v)+`"`) {
				t.Errorf("the email %q typed is not in the form any more", v)
			}
			if strings.Contains(a.body, "store:") || strings.Contains(a.body, "goroutine") {
				t.Error("the page shows an internal error")
			}
		})
	}
	pg, err := env.st.ListPeople(context.Background(), tn.ID, store.PeopleQuery{})
	if err != nil || len(pg.People) != 2 {
		t.Errorf("%d people (%v), want 2: refused forms must store nothing", len(pg.People), err)
	}

	// A language the tenant does not offer is still a person's language
	// (they get the tenant's default meanwhile), and the form lists all
	// of them; another spelling is stored as orcidlink's code.
	for _, l := range i18n.Codes() {
		if !strings.Contains(form.body, `value="`+l+`"`) {
			t.Errorf("the language menu lacks %s", l)
		}
	}
	a = c.post(path, url.Values{"given_names": {"Eva"}, "email": {"eva@example.org"}, "language": {"zh-TW"}})
	if a.status != http.StatusSeeOther {
		t.Fatalf("add a person in traditional Chinese: %d\n%s", a.status, a.body)
	}
	eva, err := env.st.PersonByEmail(context.Background(), tn.ID, "eva@example.org")
	if err != nil || eva.Language != "zh_TW" {
		t.Errorf("stored %q (%v), want zh_TW", eva.Language, err)
	}
}

// germanRefused is the store's refusal of "de" as a person's language.
func germanRefused(t *testing.T) string {
	t.Helper()
	_, fe := store.CheckLanguage("language", "de")
	if fe == nil {
		t.Fatal(`store.CheckLanguage accepts "de"`)
	}
	return fe.Message()
}

// Inviting shows the link to copy and puts the email in the outbox, whose
// pages show it safely.
func TestAdminInviteAndOutbox(t *testing.T) {
	env, c, tn := adminSignedInSite(t)
	p := env.addPerson(t, tn.ID, "Ana", "<b>Lima</b>", "ana@example.org")
	personURL := "/admin/tenants/" + adminItoa(tn.ID) + "/people/" + adminItoa(p.ID)
	if !strings.Contains(c.get(personURL).body, `id="invite"`) {
		t.Fatal("person page has no invite button")
	}

	a := c.post(personURL+"/invite", url.Values{"send_email": {"on"}})
	if a.status != http.StatusOK {
		t.Fatalf("invite: %d\n%s", a.status, a.body)
	}
	m := regexp.MustCompile(`id="invitation-link" type="text" readonly value="([^"]+)"`).FindStringSubmatch(a.body)
	if m == nil || !strings.HasPrefix(html.UnescapeString(m[1]), env.baseURL+"/i/") {
		t.Fatalf("invite page lacks the link to copy:\n%s", a.body)
	}
	link := html.UnescapeString(m[1])
	invs, err := env.st.ListInvitations(context.Background(), tn.ID, p.ID)
	if err != nil || len(invs) != 1 {
		t.Fatalf("%d invitations (%v), want 1", len(invs), err)
	}
	if invs[0].CreatedBy == "" || !strings.HasPrefix(invs[0].CreatedBy, "admin:") {
		t.Errorf("invitation created by %q, want the administrator", invs[0].CreatedBy)
	}

	// The person page now offers to resend, and shows the invitation.
	page := c.get(personURL).body
	if !strings.Contains(page, "Resend invitation") || !strings.Contains(page, `id="invitation-`+adminItoa(invs[0].ID)+`"`) {
		t.Error("person page after inviting lacks the resend button or the invitation")
	}
	if strings.Contains(page, link) {
		t.Error("the person page shows the invitation link again: it exists only on the page that made it")
	}
	if strings.Contains(page, "<b>Lima</b>") {
		t.Error("a name is written into the page unescaped")
	}

	emails, err := env.st.ListTenantEmails(context.Background(), tn.ID, 10)
	if err != nil || len(emails) != 1 || emails[0].Recipient != "ana@example.org" {
		t.Fatalf("outbox: %+v, %v", emails, err)
	}
	e := emails[0]
	outbox := c.get("/admin/outbox").body
	if !strings.Contains(outbox, `id="email-`+adminItoa(e.ID)+`"`) {
		t.Error("the outbox page lacks the invitation email")
	}
	msg := c.get("/admin/outbox/" + adminItoa(e.ID))
	if msg.status != http.StatusOK || !strings.Contains(msg.body, `id="email-text"`) {
		t.Fatalf("email page: %d", msg.status)
	}
	if e.HTMLBody != "" {
		if strings.Contains(msg.body, e.HTMLBody) {
			t.Error("the email's HTML is written into the admin page as HTML")
		}
		if !strings.Contains(msg.body, `sandbox src="/admin/outbox/`+adminItoa(e.ID)+`/preview"`) {
			t.Error("the HTML preview is not a sandboxed iframe")
		}
		prev, err := c.http.Get(env.baseURL + "/admin/outbox/" + adminItoa(e.ID) + "/preview")
		if err != nil {
			t.Fatal(err)
		}
		prev.Body.Close()
		if csp := prev.Header.Get("Content-Security-Policy"); !strings.HasPrefix(csp, "sandbox") || !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("preview CSP %q, want a sandbox allowing nothing", csp)
		}
	}

	// Without email: no new message, but a link all the same.
	a = c.post(personURL+"/invite", nil)
	if a.status != http.StatusOK || !strings.Contains(a.body, `id="invitation-link"`) {
		t.Fatalf("invite without email: %d", a.status)
	}
	if es, _ := env.st.ListTenantEmails(context.Background(), tn.ID, 10); len(es) != 1 {
		t.Errorf("%d emails after an invitation without email, want 1", len(es))
	}

	// A connected person is not invited again.
	q := env.addPerson(t, tn.ID, "Rui", "Costa", "rui@example.org")
	env.connectPerson(t, tn, q, "0000-0002-1825-0097", "rui-token-abcdef")
	qURL := "/admin/tenants/" + adminItoa(tn.ID) + "/people/" + adminItoa(q.ID)
	a = c.post(qURL+"/invite", url.Values{"send_email": {"on"}})
	if a.status != http.StatusSeeOther {
		t.Fatalf("invite a connected person: %d", a.status)
	}
	if page := c.get(a.location).body; !strings.Contains(page, "already connected") {
		t.Error("inviting a connected person does not say they are connected")
	}
	if invs, _ := env.st.ListInvitations(context.Background(), tn.ID, q.ID); len(invs) != 0 {
		t.Errorf("a connected person got %d invitations", len(invs))
	}
}

// The person page shows an authenticated iD as such, with scopes, expiry
// and the call log; an iD that is no longer connected never looks
// authenticated.
func TestAdminPersonPage(t *testing.T) {
	env, c, tn := adminSignedInSite(t)
	ctx := context.Background()
	p := env.addPerson(t, tn.ID, "Ana", "Lima", "ana@example.org")
	l := env.connectPerson(t, tn, p, "0000-0002-1825-0097", "ana-access-token-secret")
	if _, err := env.st.AppendCall(ctx, store.Call{TenantID: tn.ID, PersonID: p.ID, CredentialID: tn.CredentialID,
		Method: "GET", URL: "https://api.sandbox.orcid.org/v3.0/0000-0002-1825-0097/record", Status: 200,
		Duration: 123 * time.Millisecond, Attempt: 1,
		RequestHeader:  http.Header{"Authorization": {"Bearer ana-access-token-secret"}, "Accept": {"application/json"}},
		ResponseHeader: http.Header{"Content-Type": {"application/json"}},
		ResponseBody:   []byte(`{"orcid-identifier":{"path":"0000-0002-1825-0097"}}`)}); err != nil {
		t.Fatal(err)
	}
	personURL := "/admin/tenants/" + adminItoa(tn.ID) + "/people/" + adminItoa(p.ID)
	page := c.get(personURL).body
	for _, want := range []string{
		`id="person-orcid" href="https://sandbox.orcid.org/0000-0002-1825-0097"`,
		`<code>/read-limited</code>`, `<code>/activities/update</code>`,
		`id="person-expires">` + l.ExpiresAt.UTC().Format("2006-01-02"),
		`id="person-authenticated-at">` + l.AuthenticatedAt.UTC().Format("2006-01-02"),
		`id="person-status">Connected`,
		`https://api.sandbox.orcid.org/v3.0/0000-0002-1825-0097/record`, `123ms`,
		`&#34;orcid-identifier&#34;`,
		`id="remove-id"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("person page lacks %s", want)
		}
	}
	if strings.Contains(page, "ana-access-token-secret") {
		t.Error("person page shows the access token")
	}

	// Revoked: the iD is named as no longer usable, never as authenticated.
	if err := env.st.MarkLinkRevoked(ctx, l.ID, "invalid_token"); err != nil {
		t.Fatal(err)
	}
	page = c.get(personURL).body
	if strings.Contains(page, `id="person-orcid"`) || strings.Contains(page, `class="orcid-id"`) {
		t.Error("a revoked iD is shown as authenticated")
	}
	if !strings.Contains(page, `id="person-revoked"`) || !strings.Contains(page, "0000-0002-1825-0097") {
		t.Error("the revoked state and its iD are not explained")
	}
}

// An administrator's removal of an iD revokes the token at the registry
// (the offline one here), forgets iD and tokens, logs the call and keeps an
// audit entry.
func TestAdminRemoveID(t *testing.T) {
	sbx := sandboxtest.New(t)
	tok := sbx.Token(t, orcid.ScopeReadLimited, orcid.ScopeActivitiesUpdate)
	id := orcid.ID(fmt.Sprint(tok.Extra("orcid")))

	env, c := adminSignedInSiteAt(t, adminEnvOptions{})
	ctx := context.Background()
	reg, err := orcid.CustomEnvironment(sbx.BaseURL, sbx.MemberAPI, sbx.PublicAPI)
	if err != nil {
		t.Fatal(err)
	}
	cred, err := env.st.CreateCredential(ctx, store.Credential{Name: "Offline", Env: reg, API: orcid.MemberAPI,
		ClientID: sbx.Member.ID, ClientSecret: sbx.Member.Secret, ClientName: "Offline press"})
	if err != nil {
		t.Fatal(err)
	}
	tn := env.addTenant(t, "journal", cred.ID)
	p := env.addPerson(t, tn.ID, "Ana", "Lima", "ana@example.org")
	if _, err := env.st.SaveAuthorization(ctx, store.Authorization{TenantID: tn.ID, PersonID: p.ID, CredentialID: cred.ID,
		Authorization: orcid.Authorization{ID: id, IDURI: reg.IDURI(id), AccessToken: tok.AccessToken,
			RefreshToken: tok.RefreshToken, TokenType: "bearer", Scopes: []string{orcid.ScopeReadLimited, orcid.ScopeActivitiesUpdate},
			ExpiresAt: tok.Expiry}, AuthenticatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	record := func() int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, sbx.MemberAPI+"/"+string(id)+"/record", nil)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		req.Header.Set("Accept", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := record(); got != http.StatusOK {
		t.Fatalf("reading the record with the token before removal: %d", got)
	}

	personURL := "/admin/tenants/" + adminItoa(tn.ID) + "/people/" + adminItoa(p.ID)
	confirm := c.get(personURL + "/remove-id")
	if confirm.status != http.StatusOK || !strings.Contains(confirm.body, `id="confirm-remove-id"`) ||
		!strings.Contains(confirm.body, reg.IDURI(id)) {
		t.Fatalf("confirm page: %d\n%s", confirm.status, confirm.body)
	}
	// A POST that does not come from the confirmation page only leads
	// there.
	if a := c.post(personURL+"/remove-id", nil); a.status != http.StatusSeeOther || a.location != personURL+"/remove-id" {
		t.Fatalf("unconfirmed removal: %d to %q", a.status, a.location)
	}
	if l, _ := env.st.Link(ctx, tn.ID, p.ID); l.State != store.LinkConnected {
		t.Fatalf("an unconfirmed removal removed the iD: %s", l.State)
	}
	a := c.post(personURL+"/remove-id", url.Values{"confirm": {"yes"}})
	if a.status != http.StatusSeeOther || a.location != personURL {
		t.Fatalf("remove iD: %d to %q\n%s", a.status, a.location, a.body)
	}
	page := c.get(personURL).body
	if !strings.Contains(page, "was removed and its access revoked at ORCID") {
		t.Errorf("the person page does not confirm the removal:\n%s", page)
	}
	if strings.Contains(page, `id="person-orcid"`) || !strings.Contains(page, `id="person-removed"`) {
		t.Error("after removal the iD still shows as authenticated")
	}
	if strings.Contains(page, `id="remove-id"`) {
		t.Error("after removal the page still offers to remove the iD")
	}
	if !strings.Contains(page, "/oauth/revoke") {
		t.Error("the call log does not show the revocation")
	}
	if strings.Contains(page, tok.AccessToken) || strings.Contains(page, tok.RefreshToken) {
		t.Error("the person page shows a token")
	}
	l, err := env.st.Link(ctx, tn.ID, p.ID)
	if err != nil || l.State != store.LinkRemoved || l.ORCID != "" || l.AccessToken != "" || l.RefreshToken != "" {
		t.Errorf("link after removal: state %s, iD %q, tokens kept %v (%v)", l.State, l.ORCID, l.AccessToken != "" || l.RefreshToken != "", err)
	}
	if got := record(); got != http.StatusUnauthorized {
		t.Errorf("reading the record with the removed token: %d, want 401 (revoked at the registry)", got)
	}
	events, _ := env.st.ListAudit(ctx, tn.ID, p.ID, 10)
	if len(events) == 0 || events[0].Action != "link.removed" || !strings.HasPrefix(events[0].Actor, "admin:") {
		t.Errorf("audit after removal: %+v", events)
	}
	// Removing again says there is nothing to remove.
	if a := c.get(personURL + "/remove-id"); a.status != http.StatusSeeOther {
		t.Errorf("confirm page with no iD: %d, want a redirect back", a.status)
	}

	// Deleting the person afterwards leaves nothing of them.
	if a := c.post(personURL+"/delete", nil); a.status != http.StatusSeeOther || a.location != personURL+"/delete" {
		t.Fatalf("unconfirmed delete: %d to %q", a.status, a.location)
	}
	if _, err := env.st.Person(ctx, tn.ID, p.ID); err != nil {
		t.Fatalf("an unconfirmed delete deleted the person: %v", err)
	}
	if a := c.post(personURL+"/delete", url.Values{"confirm": {"yes"}}); a.status != http.StatusSeeOther {
		t.Fatalf("delete: %d", a.status)
	}
	if _, err := env.st.Person(ctx, tn.ID, p.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("person after delete: %v", err)
	}
}
