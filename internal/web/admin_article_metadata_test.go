package web_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/store"
)

// The article page offers the contributor block for the journal's
// metadata; the download marks only the iD a person authenticated through
// orcidlink, and another tenant's article is not found.
func TestAdminArticleContributorsDownload(t *testing.T) {
	j := &journalRecorder{}
	env := newAdminEnv(t, adminEnvOptions{journal: j})
	j.st = env.st
	cred := env.addCredential(t, "Journals", "APP-0000000000000001", "journals-secret")
	mine := env.addTenant(t, "journal", cred.ID)
	other := env.addTenant(t, "other", cred.ID)
	ada := env.addPerson(t, mine.ID, "Ada", "Lovelace", "ada@example.org")
	josiah := env.addPerson(t, mine.ID, "Josiah", "Carberry", "josiah@example.org")
	env.connectPerson(t, mine, josiah, "0000-0002-1825-0097", "josiah-access-token")
	theirs := env.addPerson(t, other.ID, "Otto", "Other", "otto@example.org")
	ctx := context.Background()
	for _, a := range []store.Article{
		{TenantID: mine.ID, Key: "a1", Title: "On the Engine", Contributors: []store.Contributor{{PersonID: ada.ID},
			{Name: "Charles Babbage"}, {PersonID: josiah.ID, Roles: []string{"http://credit.niso.org/contributor-roles/software/"}}}},
		{TenantID: mine.ID, Key: "long", Title: "Long", Contributors: []store.Contributor{{Name: strings.Repeat("x", 61)}}},
		{TenantID: other.ID, Key: "t1", Title: "Theirs", Contributors: []store.Contributor{{PersonID: theirs.ID}}},
	} {
		if _, _, err := env.st.SaveArticle(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	env.addAdmin(t, "manager@example.org", store.RoleTenantManager, mine.ID)
	c := env.client(t)
	c.signIn("manager@example.org", adminTestPassword)
	base := "/admin/tenants/" + strconv.FormatInt(mine.ID, 10) + "/articles/"

	page := c.get(base + "a1")
	for _, want := range []string{`href="` + base + `a1/contributors.jats.xml"`, `href="` + base + `a1/contributors.crossref.xml"`} {
		if !strings.Contains(page.body, want) {
			t.Fatalf("article page lacks %s:\n%s", want, page.body)
		}
	}

	jats := c.get(base + "a1/contributors.jats.xml")
	if jats.status != 200 || strings.Count(jats.body, "<contrib ") != 3 || strings.Count(jats.body, `authenticated="true"`) != 1 ||
		!strings.Contains(jats.body, `<contrib-id contrib-id-type="orcid" authenticated="true">https://sandbox.orcid.org/0000-0002-1825-0097</contrib-id>`) ||
		strings.Index(jats.body, "Lovelace") > strings.Index(jats.body, "Babbage") ||
		strings.Index(jats.body, "Babbage") > strings.Index(jats.body, "Carberry") ||
		!strings.Contains(jats.body, `vocab-term="Software"`) {
		t.Errorf("JATS download: %d\n%s", jats.status, jats.body)
	}
	cr := c.get(base + "a1/contributors.crossref.xml")
	if cr.status != 200 || strings.Count(cr.body, "<person_name ") != 3 || strings.Count(cr.body, `authenticated="true"`) != 1 ||
		!strings.Contains(cr.body, `<ORCID authenticated="true">https://orcid.org/0000-0002-1825-0097</ORCID>`) ||
		!strings.Contains(cr.body, `sequence="first"`) {
		t.Errorf("Crossref download: %d\n%s", cr.status, cr.body)
	}

	// A name Crossref refuses is said on the article's page.
	if res := c.get(base + "long/contributors.crossref.xml"); res.status != 422 ||
		!strings.Contains(res.body, "Crossref") || !strings.Contains(res.body, `id="article-error"`) {
		t.Errorf("refused name: %d\n%s", res.status, res.body)
	}

	// Another tenant's article is as unknown as a missing one.
	otherBase := "/admin/tenants/" + strconv.FormatInt(other.ID, 10) + "/articles/"
	for _, path := range []string{otherBase + "t1/contributors.jats.xml", otherBase + "t1/contributors.crossref.xml",
		base + "t1/contributors.jats.xml", base + "none/contributors.crossref.xml"} {
		if res := c.get(path); res.status != 404 || strings.Contains(res.body, "Other") {
			t.Errorf("%s: %d", path, res.status)
		}
	}
}
