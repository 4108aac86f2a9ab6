package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/jobs"
	"github.com/orcidlink/orcidlink/internal/journal"
	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
)

// lateJournal is a journal.Service set once the test server (and so its
// store) exists.
type lateJournal struct{ *journal.Service }

// newJournalAdminEnv is the admin UI with the real journal workflow over a
// queue that is never started, so items wait, pending, where a test can
// read what would be sent.
func newJournalAdminEnv(t *testing.T) *adminEnv {
	t.Helper()
	ctx := context.Background()
	j := &lateJournal{}
	env := newAdminEnv(t, adminEnvOptions{journal: j})
	q, err := jobs.New(ctx, jobs.Config{Store: env.st})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Stop(ctx) })
	if j.Service, err = journal.New(journal.Config{Store: env.st, Queue: q, Inviter: env.svc}); err != nil {
		t.Fatal(err)
	}
	return env
}

// TestAdminTenantPublisherAndReinvite: the tenant form keeps the publisher
// of peer reviews and the re-invitation choice, and refuses a publisher
// ORCID would refuse.
func TestAdminTenantPublisherAndReinvite(t *testing.T) {
	env, c := adminSignedInSiteAt(t, adminEnvOptions{})
	cred := env.addCredential(t, "Press", "APP-0000000000000001", "x")
	tn := env.addTenant(t, "examples", cred.ID)
	edit := "/admin/tenants/" + adminItoa(tn.ID) + "/edit"
	for _, tc := range []struct {
		name    string
		set     url.Values
		errorID string
	}{
		{"no city", url.Values{"publisher_name": {"Example Press"}, "publisher_country": {"NZ"}}, "tenant-publisher-city-error"},
		{"no name", url.Values{"publisher_city": {"Wellington"}, "publisher_country": {"NZ"}}, "tenant-publisher-name-error"},
		{"bad country", url.Values{"publisher_name": {"Example Press"}, "publisher_city": {"Wellington"}, "publisher_country": {"ZZ"}}, "tenant-publisher-country-error"},
		{"country name", url.Values{"publisher_name": {"Example Press"}, "publisher_city": {"Wellington"}, "publisher_country": {"New Zealand"}}, "tenant-publisher-country-error"},
		// UK is what people type; ORCID's country enum knows only GB.
		{"UK", url.Values{"publisher_name": {"Example Press"}, "publisher_city": {"London"}, "publisher_country": {"UK"}}, "tenant-publisher-country-error"},
		{"bad ROR checksum", url.Values{"publisher_name": {"Example Press"}, "publisher_city": {"Providence"}, "publisher_country": {"US"},
			"publisher_ror": {"https://ror.org/05gq02988"}}, "tenant-publisher-ror-error"},
		{"unknown review model", url.Values{"review_mode": {"secret"}}, "tenant-review-mode-error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := adminTenantValues(cred.ID)
			for k, vs := range tc.set {
				v[k] = vs
			}
			if a := c.post(edit, v); a.status != http.StatusUnprocessableEntity || adminFieldMessage(a.body, tc.errorID) == "" {
				t.Errorf("%d, want 422 with #%s\n%s", a.status, tc.errorID, a.body)
			}
		})
	}
	v := adminTenantValues(cred.ID)
	v.Set("reinvite_on_revocation", "on")
	v.Set("publisher_name", "Example Press")
	v.Set("publisher_city", "Wellington")
	v.Set("publisher_country", "nz")    // upper-cased
	v.Set("publisher_ror", "05GQ02987") // stored as ORCID matches it
	v.Set("review_mode", "anonymous")
	if a := c.post(edit, v); a.status != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", a.status, a.body)
	}
	got, err := env.st.Tenant(context.Background(), tn.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Settings.ReinviteOnRevocation || got.Settings.Publisher != (store.Publisher{Name: "Example Press", City: "Wellington", Country: "NZ",
		ROR: "https://ror.org/05gq02987"}) || got.Settings.ReviewMode != store.ReviewAnonymous {
		t.Fatalf("settings %+v", got.Settings)
	}
	page := c.get("/admin/tenants/" + adminItoa(tn.ID)).body
	if !strings.Contains(page, "Example Press, Wellington, NZ") || !strings.Contains(adminFieldMessage(page, "tenant-reinvite"), "yes") {
		t.Errorf("tenant page does not show the settings:\n%s", page)
	}
	form := c.get(edit).body
	if !strings.Contains(form, `name="reinvite_on_revocation" checked`) || !strings.Contains(form, `value="Wellington"`) {
		t.Errorf("edit form does not show the stored settings")
	}
	// The country is chosen from ORCID's list: GB is there, UK is not.
	if !strings.Contains(form, `<option value="NZ" selected>New Zealand (NZ)</option>`) || !strings.Contains(form, `<option value="GB"`) ||
		strings.Contains(form, `<option value="UK"`) {
		t.Errorf("edit form does not offer ORCID's countries with the stored one chosen")
	}
	// Turned off and the publisher cleared: both stored.
	v = adminTenantValues(cred.ID)
	if a := c.post(edit, v); a.status != http.StatusSeeOther {
		t.Fatalf("save: %d", a.status)
	}
	if got, _ = env.st.Tenant(context.Background(), tn.ID); got.Settings.ReinviteOnRevocation || got.Settings.Publisher != (store.Publisher{}) {
		t.Fatalf("settings after clearing %+v", got.Settings)
	}
}

// TestAdminArticleReview: an administrator records a completed review on
// the article page; the reviewer gets a peer-review item convened by the
// tenant's publisher (pending here, as they are not connected), which the
// page then lists. Without a publisher, or with a reviewer of another
// tenant or a bad date, nothing is recorded.
func TestAdminArticleReview(t *testing.T) {
	ctx := context.Background()
	env := newJournalAdminEnv(t)
	cred := env.addCredential(t, "Journals", "APP-0000000000000001", "journals-secret")
	mine := env.addTenant(t, "journal", cred.ID)
	other := env.addTenant(t, "other", cred.ID)
	ada := env.addPerson(t, mine.ID, "Ada", "Lovelace", "ada@example.org")
	eve := env.addPerson(t, other.ID, "Eve", "Elsewhere", "eve@example.org")
	if _, _, err := env.st.SaveArticle(ctx, store.Article{TenantID: mine.ID, Key: "a1", Title: "On the Engine",
		JournalTitle: "Journal of Engines", ISSN: "1741-4857", DOI: "10.5555/a1", Type: "journal-article", PubYear: 2026}); err != nil {
		t.Fatal(err)
	}
	env.addAdmin(t, "manager@example.org", store.RoleTenantManager, mine.ID)
	c := env.client(t)
	c.signIn("manager@example.org", adminTestPassword)
	page := "/admin/tenants/" + adminItoa(mine.ID) + "/articles/a1"
	review := func(reviewer int64, day string) adminAnswer {
		return c.post(page+"/reviews", url.Values{"reviewer": {adminItoa(reviewer)}, "completed": {day}})
	}
	noItem := func(t *testing.T) {
		t.Helper()
		if _, err := env.st.ItemByKey(ctx, mine.ID, ada.ID, orcid.KindPeerReview, journal.ReviewKey("a1")); err == nil {
			t.Fatal("a refused review left a peer-review item")
		}
	}

	// No publisher yet: the page says what is missing, and a post is refused.
	if p := c.get(page).body; !strings.Contains(p, `id="review-needs-publisher"`) || strings.Contains(p, `id="review-form"`) {
		t.Fatalf("article page without a publisher:\n%s", p)
	}
	if a := review(ada.ID, "2026-02-14"); a.status != http.StatusBadRequest || !strings.Contains(adminFieldMessage(a.body, "review-error"), "publisher") {
		t.Fatalf("review without a publisher: %d\n%s", a.status, a.body)
	}
	noItem(t)

	tn, err := env.st.Tenant(ctx, mine.ID)
	if err != nil {
		t.Fatal(err)
	}
	tn.Settings.Publisher = store.Publisher{Name: "Example Press", City: "Oxford", Country: "GB"}
	if _, err := env.st.UpdateTenant(ctx, tn); err != nil {
		t.Fatal(err)
	}
	if p := c.get(page).body; !strings.Contains(p, `id="review-form"`) || !strings.Contains(p, "Ada Lovelace") {
		t.Fatalf("article page with a publisher:\n%s", p)
	}
	for name, a := range map[string]adminAnswer{
		"reviewer of another tenant": review(eve.ID, "2026-02-14"),
		"no reviewer":                c.post(page+"/reviews", url.Values{"completed": {"2026-02-14"}}),
		"bad date":                   review(ada.ID, "14/02/2026"),
		"future date":                review(ada.ID, time.Now().AddDate(0, 1, 0).Format(time.DateOnly)),
	} {
		if a.status != http.StatusBadRequest || adminFieldMessage(a.body, "review-error") == "" {
			t.Errorf("%s: %d, want 400 with #review-error", name, a.status)
		}
	}
	noItem(t)
	// Another tenant's article, and a missing one, are not found.
	otherPage := "/admin/tenants/" + adminItoa(other.ID) + "/articles/a1/reviews"
	for _, a := range []adminAnswer{c.post(otherPage, url.Values{"reviewer": {adminItoa(ada.ID)}, "completed": {"2026-02-14"}}),
		c.post("/admin/tenants/"+adminItoa(mine.ID)+"/articles/nope/reviews", url.Values{"reviewer": {adminItoa(ada.ID)}, "completed": {"2026-02-14"}})} {
		if a.status != http.StatusNotFound {
			t.Errorf("expected 404, got %d", a.status)
		}
	}

	if a := review(ada.ID, "2026-02-14"); a.status != http.StatusSeeOther || !strings.HasSuffix(a.location, "/articles/a1") {
		t.Fatalf("record the review: %d %s\n%s", a.status, a.location, a.body)
	}
	it, err := env.st.ItemByKey(ctx, mine.ID, ada.ID, orcid.KindPeerReview, journal.ReviewKey("a1"))
	if err != nil {
		t.Fatal(err)
	}
	if it.State != store.ItemPending {
		t.Fatalf("the reviewer is not connected: item %s", it.State)
	}
	x, err := it.Decode()
	if err != nil {
		t.Fatal(err)
	}
	pr := x.(*orcid.PeerReview)
	org := pr.ConveningOrganization
	if org == nil || org.Name != "Example Press" || org.Address == nil || org.Address.City != "Oxford" || org.Address.Country != "GB" {
		t.Fatalf("convening organisation %+v", org)
	}
	if d := pr.ReviewCompletionDate; d == nil || d.String() != "2026-02-14" {
		t.Fatalf("completion date %v", d)
	}
	// The tenant's review model is the default, double-anonymous: the
	// review names the journal, not the article.
	if pr.SubjectExternalIdentifier != nil || pr.SubjectName != nil || pr.SubjectContainerName == nil ||
		pr.SubjectContainerName.Value != "Journal of Engines" || pr.ReviewGroupID != "issn:1741-4857" {
		t.Fatalf("subject %+v, journal %+v, group %q", pr.SubjectExternalIdentifier, pr.SubjectContainerName, pr.ReviewGroupID)
	}
	if p := adminTable(c.get(page).body, "review-list"); !strings.Contains(p, "Ada Lovelace") || !strings.Contains(p, "2026-02-14") ||
		!strings.Contains(p, "pending") {
		t.Fatalf("review list: %s", p)
	}
}

// adminTable is the HTML of the table with id, or "".
func adminTable(body, id string) string {
	_, after, ok := strings.Cut(body, `id="`+id+`"`)
	if !ok {
		return ""
	}
	table, _, _ := strings.Cut(after, "</table>")
	return table
}
