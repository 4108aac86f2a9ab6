package store_test

import (
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/store"
)

// testReviewGroups: a journal's registered review group is kept per tenant
// and credential (groups live in one registry), the first registration
// stays, and review models are kept on articles and tenants.
func testReviewGroups(t *testing.T, e *env) {
	c := e.credential(t, "APP-GROUPS")
	other := e.credential(t, "APP-GROUPS-PROD")
	tn := e.tenant(t, "groups", c.ID)
	tn2 := e.tenant(t, "groups-2", c.ID)

	_, err := e.s.ReviewGroup(e.ctx, tn.ID, c.ID, "Journal of X")
	want(t, "none yet", err, store.ErrNotFound)
	g, err := e.s.SaveReviewGroup(e.ctx, store.ReviewGroup{TenantID: tn.ID, CredentialID: c.ID, Journal: " Journal of X ",
		GroupID: "orcid-generated:jx", PutCode: 7})
	want(t, "save", err, nil)
	if g.Journal != "Journal of X" || g.GroupID != "orcid-generated:jx" || g.PutCode != 7 || g.CreatedAt.IsZero() {
		t.Fatalf("saved %+v", g)
	}
	// A second registration of the same journal (another process) keeps
	// the first.
	g2, err := e.s.SaveReviewGroup(e.ctx, store.ReviewGroup{TenantID: tn.ID, CredentialID: c.ID, Journal: "Journal of X",
		GroupID: "orcid-generated:jx-again", PutCode: 8})
	want(t, "save again", err, nil)
	if g2.GroupID != "orcid-generated:jx" || g2.PutCode != 7 {
		t.Fatalf("second save replaced the first: %+v", g2)
	}
	for name, q := range map[string][2]int64{"other credential": {tn.ID, other.ID}, "other tenant": {tn2.ID, c.ID}} {
		_, err := e.s.ReviewGroup(e.ctx, q[0], q[1], "Journal of X")
		want(t, name, err, store.ErrNotFound)
	}
	_, err = e.s.SaveReviewGroup(e.ctx, store.ReviewGroup{TenantID: tn.ID, CredentialID: c.ID, Journal: "J"})
	want(t, "no group id", err, store.ErrInvalid)
	_, err = e.s.SaveReviewGroup(e.ctx, store.ReviewGroup{TenantID: 9999, CredentialID: c.ID, Journal: "J",
		GroupID: "orcid-generated:j", PutCode: 1})
	want(t, "unknown tenant", err, store.ErrNotFound)

	// Review models: on the article, and the tenant's default.
	a, _, err := e.s.SaveArticle(e.ctx, store.Article{TenantID: tn.ID, Key: "open-1", Title: "Open", ReviewMode: store.ReviewOpen})
	want(t, "open article", err, nil)
	if a.ReviewMode != store.ReviewOpen {
		t.Fatalf("review mode %q", a.ReviewMode)
	}
	_, _, err = e.s.SaveArticle(e.ctx, store.Article{TenantID: tn.ID, Key: "bad-1", Title: "Bad", ReviewMode: "secret"})
	want(t, "unknown review mode", err, store.ErrInvalid)
	tn.Settings.ReviewMode = store.ReviewAnonymous
	_, err = e.s.UpdateTenant(e.ctx, tn)
	want(t, "tenant review mode", err, nil)
	got, err := e.s.Tenant(e.ctx, tn.ID)
	want(t, "read tenant", err, nil)
	if got.Settings.ReviewMode != store.ReviewAnonymous || store.ReviewMode("").Or(got.Settings.ReviewMode) != store.ReviewAnonymous ||
		store.ReviewMode("").Or("") != store.ReviewDoubleAnonymous {
		t.Fatalf("tenant review mode %q", got.Settings.ReviewMode)
	}
	tn.Settings.ReviewMode = "secret"
	_, err = e.s.UpdateTenant(e.ctx, tn)
	want(t, "tenant unknown review mode", err, store.ErrInvalid)

	// Review consent: yes until they say no, and back again.
	ada := e.person(t, tn.ID, "Ada", "Reviewer")
	for i, set := range []*bool{nil, new(false), new(true)} {
		if set != nil {
			want(t, "set consent", e.s.SetReviewConsent(e.ctx, tn.ID, ada.ID, *set), nil)
		}
		got, err := e.s.ReviewConsent(e.ctx, tn.ID, ada.ID)
		want(t, "consent", err, nil)
		if wantYes := set == nil || *set; got != wantYes {
			t.Fatalf("step %d: consent %v", i, got)
		}
	}
	want(t, "consent of a person of another tenant", e.s.SetReviewConsent(e.ctx, tn2.ID, ada.ID, false), store.ErrNotFound)
}

// testArticleContributors: contributors keep their order, people and names
// mixed, with their roles; Authors are the people among them.
func testArticleContributors(t *testing.T, e *env) {
	c := e.credential(t, "APP-CONTRIB")
	tn := e.tenant(t, "contrib", c.ID)
	ada := e.person(t, tn.ID, "Ada", "Author")
	bob := e.person(t, tn.ID, "Bob", "Author")
	credit := "http://credit.niso.org/contributor-roles/software/"
	a, _, err := e.s.SaveArticle(e.ctx, store.Article{TenantID: tn.ID, Key: "c1", Title: "Mixed", Contributors: []store.Contributor{
		{PersonID: bob.ID}, {Name: " Charles Babbage "}, {PersonID: ada.ID, Roles: []string{credit}}}})
	want(t, "save", err, nil)
	got, err := e.s.Article(e.ctx, tn.ID, "c1")
	want(t, "read", err, nil)
	for _, x := range []store.Article{a, got} {
		if len(x.Contributors) != 3 || x.Contributors[0].PersonID != bob.ID || x.Contributors[1].Name != "Charles Babbage" ||
			x.Contributors[1].PersonID != 0 || x.Contributors[2].PersonID != ada.ID || len(x.Contributors[2].Roles) != 1 ||
			x.Contributors[2].Roles[0] != credit || len(x.Authors) != 2 || x.Authors[0] != bob.ID || x.Authors[1] != ada.ID {
			t.Fatalf("contributors %+v, authors %v", x.Contributors, x.Authors)
		}
	}
	// The same person twice, or a contributor with neither person nor name.
	_, _, err = e.s.SaveArticle(e.ctx, store.Article{TenantID: tn.ID, Key: "c2", Title: "Twice",
		Contributors: []store.Contributor{{PersonID: ada.ID}, {PersonID: ada.ID}}})
	want(t, "twice", err, store.ErrInvalid)
	_, _, err = e.s.SaveArticle(e.ctx, store.Article{TenantID: tn.ID, Key: "c2", Title: "Nobody",
		Contributors: []store.Contributor{{Name: "  "}}})
	want(t, "nobody", err, store.ErrInvalid)
	// Deleting a person leaves the others in order.
	want(t, "delete person", e.s.DeletePerson(e.ctx, tn.ID, bob.ID), nil)
	got, err = e.s.Article(e.ctx, tn.ID, "c1")
	want(t, "read after delete", err, nil)
	if len(got.Contributors) != 2 || got.Contributors[0].Name != "Charles Babbage" || got.Contributors[1].PersonID != ada.ID {
		t.Fatalf("after deleting a person: %+v", got.Contributors)
	}
}

// testEditors: the editorial board keeps its members by tenant; an end
// before the start, a person of another tenant and an unknown member are
// refused.
func testEditors(t *testing.T, e *env) {
	c := e.credential(t, "APP-EDITORS")
	tn := e.tenant(t, "editors", c.ID)
	other := e.tenant(t, "editors-2", c.ID)
	ada := e.person(t, tn.ID, "Ada", "Editor")
	eve := e.person(t, other.ID, "Eve", "Elsewhere")
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }

	ed, err := e.s.SaveEditor(e.ctx, store.Editor{TenantID: tn.ID, PersonID: ada.ID, Role: " Associate Editor ",
		Journal: "Journal of X", Start: day("2026-01-15")})
	want(t, "add", err, nil)
	if ed.ID == 0 || ed.Role != "Associate Editor" || !ed.Serving() || ed.Start.Format(time.DateOnly) != "2026-01-15" {
		t.Fatalf("added %+v", ed)
	}
	ed.End = day("2026-12-01")
	ended, err := e.s.SaveEditor(e.ctx, ed)
	want(t, "end", err, nil)
	if ended.Serving() || ended.End.Format(time.DateOnly) != "2026-12-01" {
		t.Fatalf("ended %+v", ended)
	}
	got, err := e.s.Editor(e.ctx, tn.ID, ed.ID)
	want(t, "read", err, nil)
	if got.End.Format(time.DateOnly) != "2026-12-01" || got.PersonID != ada.ID {
		t.Fatalf("read %+v", got)
	}
	_, err = e.s.Editor(e.ctx, other.ID, ed.ID)
	want(t, "other tenant reads", err, store.ErrNotFound)
	ed.End = day("2025-12-31")
	_, err = e.s.SaveEditor(e.ctx, ed)
	want(t, "end before start", err, store.ErrInvalid)
	_, err = e.s.SaveEditor(e.ctx, store.Editor{TenantID: tn.ID, PersonID: eve.ID, Role: "Editor", Journal: "J", Start: day("2026-01-01")})
	want(t, "person of another tenant", err, store.ErrNotFound)
	_, err = e.s.SaveEditor(e.ctx, store.Editor{ID: ed.ID, TenantID: other.ID, PersonID: eve.ID, Role: "Editor", Journal: "J",
		Start: day("2026-01-01")})
	want(t, "another tenant's editor", err, store.ErrNotFound)
	list, err := e.s.ListEditors(e.ctx, tn.ID)
	want(t, "list", err, nil)
	if len(list) != 1 || list[0].ID != ed.ID {
		t.Fatalf("list %+v", list)
	}
}
