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
		"author": {strconv.FormatInt(ada.ID, 10)}}
	if res := c.post(base, form); res.status != 303 || !strings.HasSuffix(res.location, "/articles/a1") {
		t.Fatalf("save: %d %s", res.status, res.location)
	}
	saved, err := env.st.Article(t.Context(), mine.ID, "a1")
	if err != nil || saved.Title != "On the Engine" || len(saved.Authors) != 1 || saved.Authors[0] != ada.ID {
		t.Fatalf("saved %+v, %v", saved, err)
	}
	if res := c.post(base+"/a1/publish", url.Values{}); res.status != 303 {
		t.Fatalf("publish: %d", res.status)
	}
	if page := c.get(base + "/a1"); !strings.Contains(page.body, "published") || !strings.Contains(page.body, `id="unpublish"`) {
		t.Fatalf("article page after publishing:\n%s", page.body)
	}
	// Another tenant's articles are as unknown as missing ones.
	otherBase := "/admin/tenants/" + strconv.FormatInt(other.ID, 10) + "/articles"
	for _, res := range []adminAnswer{c.get(otherBase), c.post(otherBase, form), c.post(otherBase+"/a1/publish", url.Values{}),
		c.get(base + "/no-such-article"), c.post(base+"/no-such-article/unpublish", url.Values{})} {
		if res.status != 404 {
			t.Errorf("expected 404, got %d", res.status)
		}
	}
	if strings.Join(j.calls, ",") != "save a1,publish a1" {
		t.Fatalf("journal calls %v", j.calls)
	}
}
