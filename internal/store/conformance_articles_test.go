package store_test

import (
	"slices"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/store"
)

func testArticles(t *testing.T, e *env) {
	c := e.credential(t, "APP-ARTICLES")
	tn := e.tenant(t, "articles", c.ID)
	ada := e.person(t, tn.ID, "Ada", "Author")
	bob := e.person(t, tn.ID, "Bob", "Author")
	cy := e.person(t, tn.ID, "Cy", "Author")

	a, removed, err := e.s.SaveArticle(e.ctx, store.Article{TenantID: tn.ID, Key: " jx-1 ", Title: "On Articles",
		JournalTitle: "Journal of X", ISSN: "1234-5678", DOI: "10.5555/jx.1", PubYear: 2026, PubMonth: 2,
		Authors: []int64{bob.ID, ada.ID}})
	want(t, "create", err, nil)
	if a.ID == 0 || a.Key != "jx-1" || a.Type != "journal-article" || a.State != store.ArticleDraft || len(removed) != 0 ||
		!slices.Equal(a.Authors, []int64{bob.ID, ada.ID}) || a.CreatedAt.IsZero() {
		t.Fatalf("created %+v, removed %v", a, removed)
	}
	got, err := e.s.Article(e.ctx, tn.ID, "jx-1")
	want(t, "read", err, nil)
	if got.ID != a.ID || got.Title != "On Articles" || got.ISSN != "1234-5678" || got.PubYear != 2026 || got.PubMonth != 2 ||
		!slices.Equal(got.Authors, []int64{bob.ID, ada.ID}) {
		t.Fatalf("read %+v", got)
	}

	p, err := e.s.SetArticleState(e.ctx, tn.ID, "jx-1", store.ArticlePublished)
	want(t, "publish", err, nil)
	if p.State != store.ArticlePublished {
		t.Fatalf("published %+v", p)
	}
	// An update keeps the state when none is given and reports removed
	// authors; the order is the new one.
	u, removed, err := e.s.SaveArticle(e.ctx, store.Article{TenantID: tn.ID, Key: "jx-1", Title: "On Articles, Revised",
		Type: "journal-article", Authors: []int64{cy.ID, ada.ID}})
	want(t, "update", err, nil)
	if u.ID != a.ID || u.State != store.ArticlePublished || u.Title != "On Articles, Revised" || u.ISSN != "" ||
		!slices.Equal(u.Authors, []int64{cy.ID, ada.ID}) || !slices.Equal(removed, []int64{bob.ID}) {
		t.Fatalf("updated %+v, removed %v", u, removed)
	}
	got, err = e.s.Article(e.ctx, tn.ID, "jx-1")
	want(t, "read updated", err, nil)
	if !slices.Equal(got.Authors, []int64{cy.ID, ada.ID}) {
		t.Fatalf("authors %v", got.Authors)
	}

	_, _, err = e.s.SaveArticle(e.ctx, store.Article{TenantID: tn.ID, Key: "jx-2", Title: "Twice", Authors: []int64{ada.ID, ada.ID}})
	want(t, "author twice", err, store.ErrInvalid)
	_, _, err = e.s.SaveArticle(e.ctx, store.Article{TenantID: tn.ID, Key: "", Title: "No key"})
	want(t, "no key", err, store.ErrInvalid)
	_, _, err = e.s.SaveArticle(e.ctx, store.Article{TenantID: tn.ID, Key: "jx-3", Title: "Bad date", PubMonth: 13})
	want(t, "bad date", err, store.ErrInvalid)
	_, err = e.s.SetArticleState(e.ctx, tn.ID, "jx-1", "withdrawn")
	want(t, "bad state", err, store.ErrInvalid)
	_, err = e.s.SetArticleState(e.ctx, tn.ID, "nope", store.ArticleUnpublished)
	want(t, "missing article", err, store.ErrNotFound)

	day := time.Date(2026, 2, 14, 0, 0, 0, 0, time.UTC)
	r, err := e.s.SaveArticleReview(e.ctx, store.ArticleReview{TenantID: tn.ID, ArticleID: a.ID, PersonID: bob.ID,
		Key: "jx-1/review:1", Completed: day})
	want(t, "review", err, nil)
	if r.ID == 0 || !r.Completed.Equal(day) || r.Key != "jx-1/review:1" {
		t.Fatalf("review %+v", r)
	}
	r2, err := e.s.SaveArticleReview(e.ctx, store.ArticleReview{TenantID: tn.ID, ArticleID: a.ID, PersonID: bob.ID,
		Key: "jx-1/review:1", Completed: day.AddDate(0, 0, 1)})
	want(t, "review again", err, nil)
	if r2.ID != r.ID || !r2.Completed.Equal(day.AddDate(0, 0, 1)) {
		t.Fatalf("review again %+v", r2)
	}
	rs, err := e.s.ListArticleReviews(e.ctx, tn.ID, a.ID)
	want(t, "list reviews", err, nil)
	if len(rs) != 1 || rs[0].ID != r.ID {
		t.Fatalf("reviews %+v", rs)
	}

	// Deleting a person removes them from the authors.
	want(t, "delete person", e.s.DeletePerson(e.ctx, tn.ID, cy.ID), nil)
	got, err = e.s.Article(e.ctx, tn.ID, "jx-1")
	want(t, "read after delete", err, nil)
	if !slices.Equal(got.Authors, []int64{ada.ID}) {
		t.Fatalf("authors after delete %v", got.Authors)
	}
}

func testArticleIsolation(t *testing.T, e *env) {
	c := e.credential(t, "APP-ARTISO")
	one := e.tenant(t, "art-one", c.ID)
	two := e.tenant(t, "art-two", c.ID)
	p1 := e.person(t, one.ID, "Ada", "One")
	p2 := e.person(t, two.ID, "Bob", "Two")

	a1, _, err := e.s.SaveArticle(e.ctx, store.Article{TenantID: one.ID, Key: "shared-key", Title: "One's",
		Authors: []int64{p1.ID}})
	want(t, "one's article", err, nil)
	// The same key is another article in another tenant.
	a2, _, err := e.s.SaveArticle(e.ctx, store.Article{TenantID: two.ID, Key: "shared-key", Title: "Two's",
		Authors: []int64{p2.ID}})
	want(t, "two's article", err, nil)
	if a1.ID == a2.ID {
		t.Fatal("one article for two tenants")
	}
	got, err := e.s.Article(e.ctx, one.ID, "shared-key")
	want(t, "read one's", err, nil)
	if got.Title != "One's" || !slices.Equal(got.Authors, []int64{p1.ID}) {
		t.Fatalf("one's article %+v", got)
	}

	// A person of another tenant cannot be an author or a reviewer.
	_, _, err = e.s.SaveArticle(e.ctx, store.Article{TenantID: one.ID, Key: "x", Title: "X", Authors: []int64{p2.ID}})
	want(t, "foreign author", err, store.ErrNotFound)
	if _, err := e.s.Article(e.ctx, one.ID, "x"); err == nil {
		t.Fatal("article with a foreign author was saved")
	}
	day := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	_, err = e.s.SaveArticleReview(e.ctx, store.ArticleReview{TenantID: one.ID, ArticleID: a1.ID, PersonID: p2.ID,
		Key: "r", Completed: day})
	want(t, "foreign reviewer", err, store.ErrNotFound)
	// Another tenant's article is not found, by key or by id.
	_, err = e.s.SaveArticleReview(e.ctx, store.ArticleReview{TenantID: one.ID, ArticleID: a2.ID, PersonID: p1.ID,
		Key: "r", Completed: day})
	want(t, "foreign article", err, store.ErrNotFound)
	_, err = e.s.Article(e.ctx, one.ID+two.ID+1000, "shared-key")
	want(t, "no such tenant", err, store.ErrNotFound)
	_, _, err = e.s.SaveArticle(e.ctx, store.Article{TenantID: one.ID + two.ID + 1000, Key: "k", Title: "T"})
	want(t, "article of no tenant", err, store.ErrNotFound)
	rs, err := e.s.ListArticleReviews(e.ctx, two.ID, a1.ID)
	want(t, "list another tenant's reviews", err, nil)
	if len(rs) != 0 {
		t.Fatalf("reviews across tenants: %+v", rs)
	}
	// Deleting a tenant deletes its articles.
	want(t, "delete tenant", e.s.DeleteTenant(e.ctx, two.ID), nil)
	_, err = e.s.Article(e.ctx, two.ID, "shared-key")
	want(t, "deleted tenant's article", err, store.ErrNotFound)
}
