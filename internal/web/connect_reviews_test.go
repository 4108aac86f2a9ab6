package web_test

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/jobs"
	"github.com/orcidlink/orcidlink/internal/journal"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/web"
)

// TestReviewConsent: a journal's invitation asks, once, whether the
// researcher's peer reviews may go to their ORCID record (ticked unless
// they untick it); a researcher who said no gets no review, and can change
// their mind on the page they reach from their invitation.
func TestReviewConsent(t *testing.T) {
	j := &lateJournal{}
	e := newResearcherEnvOn(t, "sqlite", func(c *web.Config) { c.Journal = j })
	q, err := jobs.New(e.ctx, jobs.Config{Store: e.st}) // never started: items wait
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Stop(e.ctx) })
	if j.Service, err = journal.New(journal.Config{Store: e.st, Queue: q, Inviter: e.svc}); err != nil {
		t.Fatal(err)
	}
	tn := e.tenant
	tn.Settings.Publisher = store.Publisher{Name: "Example Press", City: "Providence", Country: "US"}
	if e.tenant, err = e.st.UpdateTenant(e.ctx, tn); err != nil {
		t.Fatal(err)
	}
	art, _, err := e.st.SaveArticle(e.ctx, store.Article{TenantID: e.tenant.ID, Key: "a1", Title: "On Reviews",
		JournalTitle: "Journal of Tests", ISSN: "1741-4857"})
	if err != nil {
		t.Fatal(err)
	}

	inv := e.invite(t, e.alice)
	b := e.browser(t)
	page := b.get(inv)
	if !strings.Contains(page.body, `id="reviews-consent" checked`) {
		t.Fatalf("invitation does not ask about reviews, ticked:\n%s", page.body)
	}
	// She unticks the box (a browser then sends no "reviews" field).
	r := b.post(inv+"/connect", url.Values{"reviews_asked": {"1"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("connect: %d\n%s", r.status, r.body)
	}
	connected := b.get(b.authorizeAtORCID(r.location))
	if connected.status != http.StatusSeeOther {
		t.Fatalf("callback: %d", connected.status)
	}
	if yes, err := e.st.ReviewConsent(e.ctx, e.tenant.ID, e.alice.ID); err != nil || yes {
		t.Fatalf("consent after unticking: %v, %v", yes, err)
	}
	if _, err := j.CompleteReview(e.ctx, e.tenant.ID, "a1", e.alice.ID, time.Now()); !errors.Is(err, journal.ErrNoReviewConsent) {
		t.Fatalf("review of someone who said no: %v", err)
	}
	if rs, _ := e.st.ListArticleReviews(e.ctx, e.tenant.ID, art.ID); len(rs) != 0 {
		t.Fatalf("a refused review was recorded: %+v", rs)
	}

	page = b.get(connected.location)
	if !strings.Contains(page.body, `id="reviews-toggle"`) || !strings.Contains(page.body, "does not add your peer reviews") {
		t.Fatalf("connected page does not offer to change the answer:\n%s", page.body)
	}
	if r := b.post(inv+"/reviews", url.Values{"reviews": {"yes"}}); r.status != http.StatusOK ||
		!strings.Contains(r.body, "will add your peer reviews") {
		t.Fatalf("changing her mind: %d\n%s", r.status, r.body)
	}
	if _, err := j.CompleteReview(e.ctx, e.tenant.ID, "a1", e.alice.ID, time.Now()); err != nil {
		t.Fatalf("review after saying yes: %v", err)
	}
}
