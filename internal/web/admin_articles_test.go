package web_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/journal"
	"github.com/orcidlink/orcidlink/internal/store"
)

// journalRecorder stands in for journal.Service (whose workflow is tested
// against the registry in package journal): it saves articles in the store
// and records what the admin UI asked.
type journalRecorder struct {
	mu    sync.Mutex
	st    *store.Store
	calls []string
}

func (j *journalRecorder) SaveArticle(ctx context.Context, a store.Article) (journal.Result, error) {
	j.mu.Lock()
	j.calls = append(j.calls, "save "+a.Key)
	j.mu.Unlock()
	saved, _, err := j.st.SaveArticle(ctx, a)
	return journal.Result{Article: saved}, err
}

func (j *journalRecorder) Publish(ctx context.Context, tenantID int64, key string) (journal.Result, error) {
	j.mu.Lock()
	j.calls = append(j.calls, "publish "+key)
	j.mu.Unlock()
	a, err := j.st.SetArticleState(ctx, tenantID, key, store.ArticlePublished)
	return journal.Result{Article: a}, err
}

func (j *journalRecorder) Unpublish(ctx context.Context, tenantID int64, key string) (journal.Result, error) {
	j.mu.Lock()
	j.calls = append(j.calls, "unpublish "+key)
	j.mu.Unlock()
	a, err := j.st.SetArticleState(ctx, tenantID, key, store.ArticleUnpublished)
	return journal.Result{Article: a}, err
}

func (j *journalRecorder) CompleteReview(ctx context.Context, tenantID int64, key string, reviewer int64, _ time.Time) (store.Item, error) {
	j.mu.Lock()
	j.calls = append(j.calls, "review "+key)
	j.mu.Unlock()
	return store.Item{}, nil
}

func (j *journalRecorder) SaveEditor(ctx context.Context, e store.Editor) (store.Editor, store.Item, error) {
	saved, err := j.st.SaveEditor(ctx, e)
	return saved, store.Item{}, err
}

func (j *journalRecorder) EndEditor(ctx context.Context, tenantID, id int64, day time.Time) (store.Editor, store.Item, error) {
	e, err := j.st.Editor(ctx, tenantID, id)
	if err != nil {
		return e, store.Item{}, err
	}
	e.End = day
	return j.SaveEditor(ctx, e)
}

func TestAdminArticles(t *testing.T) {
	j := &journalRecorder{}
	env := newAdminEnv(t, adminEnvOptions{journal: j})
	j.st = env.st
	cred := env.addCredential(t, "Journals", "APP-0000000000000001", "journals-secret")
	mine := env.addTenant(t, "journal", cred.ID)
	other := env.addTenant(t, "other", cred.ID)
	ada := env.addPerson(t, mine.ID, "Ada", "Lovelace", "ada@example.org")
	env.addAdmin(t, "manager@example.org", store.RoleTenantManager, mine.ID)
	c := env.client(t)
	c.signIn("manager@example.org", adminTestPassword)
	base := "/admin/tenants/" + strconv.FormatInt(mine.ID, 10) + "/articles"

	if page := c.get(base); page.status != 200 || !strings.Contains(page.body, "Ada Lovelace") {
		t.Fatalf("articles page: %d\n%s", page.status, page.body)
	}
	form := url.Values{"key": {"a1"}, "title": {"On the Engine"}, "doi": {"10.5555/a1"}, "year": {"2026"},
		"contributor": {"Ada Lovelace <ada@example.org> [#" + strconv.FormatInt(ada.ID, 10) + "]",
			"Charles Babbage | http://credit.niso.org/contributor-roles/software/", ""}}
	if res := c.post(base, form); res.status != 303 || !strings.HasSuffix(res.location, "/articles/a1") {
		t.Fatalf("save: %d %s", res.status, res.location)
	}
	saved, err := env.st.Article(t.Context(), mine.ID, "a1")
	if err != nil || saved.Title != "On the Engine" || len(saved.Authors) != 1 || saved.Authors[0] != ada.ID ||
		len(saved.Contributors) != 2 || saved.Contributors[1].Name != "Charles Babbage" || len(saved.Contributors[1].Roles) != 1 ||
		saved.Contributors[1].Roles[0] != "http://credit.niso.org/contributor-roles/software/" {
		t.Fatalf("saved %+v, %v", saved, err)
	}
	// The form shows the authors in their order, the person as the search
	// offers them.
	if page := c.get(base + "/a1"); !strings.Contains(page.body, `value="Ada Lovelace &lt;ada@example.org&gt; [#`) ||
		strings.Index(page.body, "Ada Lovelace &lt;ada") > strings.Index(page.body, `value="Charles Babbage | http://credit.niso.org/contributor-roles/software/"`) {
		t.Fatalf("article form does not list the authors in order:\n%s", page.body)
	}
	if res := c.post(base+"/a1/publish", url.Values{}); res.status != 303 {
		t.Fatalf("publish: %d", res.status)
	}
	if page := c.get(base + "/a1"); !strings.Contains(page.body, "published") || !strings.Contains(page.body, `id="unpublish"`) {
		t.Fatalf("article page after publishing:\n%s", page.body)
	}
	// Unpublishing asks first, saying from how many records the work goes;
	// a POST that does not come from that page only leads to it.
	if page := c.get(base + "/a1/unpublish"); page.status != 200 || !strings.Contains(page.body, `id="confirm-unpublish"`) ||
		!strings.Contains(page.body, `id="unpublish-count"`) || !strings.Contains(page.body, `name="confirm" value="yes"`) {
		t.Fatalf("unpublish confirmation: %d\n%s", page.status, page.body)
	}
	if res := c.post(base+"/a1/unpublish", url.Values{}); res.status != 303 || res.location != base+"/a1/unpublish" {
		t.Fatalf("unconfirmed unpublish: %d to %q", res.status, res.location)
	}
	if strings.Join(j.calls, ",") != "save a1,publish a1" {
		t.Fatalf("an unconfirmed unpublish reached the journal: %v", j.calls)
	}
	if res := c.post(base+"/a1/unpublish", url.Values{"confirm": {"yes"}}); res.status != 303 {
		t.Fatalf("unpublish: %d", res.status)
	}
	// Another tenant's articles are as unknown as missing ones.
	otherBase := "/admin/tenants/" + strconv.FormatInt(other.ID, 10) + "/articles"
	for _, res := range []adminAnswer{c.get(otherBase), c.post(otherBase, form), c.post(otherBase+"/a1/publish", url.Values{}),
		c.get(base + "/no-such-article"), c.get(base + "/no-such-article/unpublish"),
		c.post(base+"/no-such-article/unpublish", url.Values{"confirm": {"yes"}})} {
		if res.status != 404 {
			t.Errorf("expected 404, got %d", res.status)
		}
	}
	if strings.Join(j.calls, ",") != "save a1,publish a1,unpublish a1" {
		t.Fatalf("journal calls %v", j.calls)
	}
}

// The article form checks every field at save, with the journal's rules,
// shows each problem at its field and stores nothing; a DOI pasted as a URL
// is stored bare; the new-article form never overwrites another article
// with the same reference.
func TestAdminArticleFormChecks(t *testing.T) {
	j := &journalRecorder{}
	env := newAdminEnv(t, adminEnvOptions{journal: j})
	j.st = env.st
	cred := env.addCredential(t, "Journals", "APP-0000000000000001", "journals-secret")
	mine := env.addTenant(t, "journal", cred.ID)
	env.addAdmin(t, "manager@example.org", store.RoleTenantManager, mine.ID)
	c := env.client(t)
	c.signIn("manager@example.org", adminTestPassword)
	base := "/admin/tenants/" + strconv.FormatInt(mine.ID, 10) + "/articles"

	bad := url.Values{"new": {"1"}, "key": {"b1"}, "title": {"Bad"}, "doi": {"10.55/x"}, "issn": {"1234-5678"},
		"year": {"20266"}, "url": {"ftp://example.org"}, "review_mode": {"secret"}}
	res := c.post(base, bad)
	if res.status != 400 {
		t.Fatalf("bad article: %d", res.status)
	}
	for _, id := range []string{"article-doi-error", "article-issn-error", "article-publication-date-error", "article-url-error",
		"article-review-mode-error"} {
		if !strings.Contains(res.body, `id="`+id+`"`) {
			t.Errorf("no %s on the page", id)
		}
	}
	if _, err := env.st.Article(t.Context(), mine.ID, "b1"); err == nil {
		t.Fatal("a refused article was stored")
	}
	// A mistyped year is a problem, not a date silently emptied.
	res = c.post(base, url.Values{"new": {"1"}, "key": {"b2"}, "title": {"Typo"}, "year": {"2O26"}})
	if res.status != 400 || !strings.Contains(res.body, `id="article-publication-date-error"`) {
		t.Fatalf("mistyped year: %d", res.status)
	}

	good := url.Values{"new": {"1"}, "key": {"g1"}, "title": {"Good"}, "doi": {"https://doi.org/10.5555/G1"},
		"issn": {"1741 4857"}, "review_mode": {"open"}}
	if res := c.post(base, good); res.status != 303 {
		t.Fatalf("good article: %d\n%s", res.status, res.body)
	}
	a, err := env.st.Article(t.Context(), mine.ID, "g1")
	if err != nil || a.DOI != "10.5555/G1" || a.ISSN != "1741-4857" || a.ReviewMode != store.ReviewOpen {
		t.Fatalf("stored %+v, %v", a, err)
	}
	good.Set("title", "Another article, same reference")
	if res := c.post(base, good); res.status != 409 {
		t.Fatalf("same reference from the new-article form: %d", res.status)
	}
	if a, _ := env.st.Article(t.Context(), mine.ID, "g1"); a.Title != "Good" {
		t.Fatalf("overwritten: %+v", a)
	}
}
