package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/orcidlink/orcidlink/internal/jobs"
	"github.com/orcidlink/orcidlink/internal/journal"
	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/sandbox/sandboxtest"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
	"github.com/orcidlink/orcidlink/internal/web"
)

// lateQueue is a jobs.Queue set once the test server (and so its store)
// exists; the researcher's page finds Enqueue and Retract on it as on the
// queue itself.
type lateQueue struct{ *jobs.Queue }

// newPageEnv is the researcher's side with a running queue writing to the
// offline registry, and the journal workflow on it.
func newPageEnv(t *testing.T) (*researcherEnv, *jobs.Queue, *journal.Service) {
	t.Helper()
	return newPageEnvOn(t, "sqlite")
}

// newPageEnvOn is newPageEnv on a database engine.
func newPageEnvOn(t *testing.T, driver string) (*researcherEnv, *jobs.Queue, *journal.Service) {
	t.Helper()
	lq := &lateQueue{}
	e := newResearcherEnvOn(t, driver, func(c *web.Config) { c.Items = lq })
	cfg := jobs.Config{Store: e.st, Clients: e.svc, Revoker: e.svc, PollInterval: 50 * time.Millisecond,
		Retry: orcid.RetryPolicy{MaxAttempts: 1}}
	if driver == "postgres" {
		cfg.PostgresDSN = e.dsn
	}
	q, err := jobs.New(e.ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	lq.Queue = q
	if err := q.Start(e.ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = q.Stop(context.Background()) })
	j, err := journal.New(journal.Config{Store: e.st, Queue: q, Inviter: e.svc})
	if err != nil {
		t.Fatal(err)
	}
	return e, q, j
}

// publish saves and publishes an article by p, and returns p's work item.
func publish(t *testing.T, e *researcherEnv, j *journal.Service, p store.Person, key, title string) store.Item {
	t.Helper()
	if _, _, err := e.st.SaveArticle(e.ctx, store.Article{TenantID: e.tenant.ID, Key: key, Title: title,
		JournalTitle: "Journal of Tests", ISSN: "1741-4857", DOI: "10.5555/" + key, Authors: []int64{p.ID}}); err != nil {
		t.Fatal(err)
	}
	res, err := j.Publish(e.ctx, e.tenant.ID, key)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Items) != 1 {
		t.Fatalf("publish %s: %d items", key, len(res.Items))
	}
	return res.Items[0]
}

// waitItem waits until the item is in state, and returns it.
func waitItem(t *testing.T, e *researcherEnv, id int64, state store.ItemState) store.Item {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		it, err := e.st.ItemByID(e.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if it.State == state {
			return it
		}
		if time.Now().After(deadline) {
			t.Fatalf("item %d is %s (%s, %s), want %s", id, it.State, it.StateReason, it.LastError, state)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestResearcherAsksFirst: a researcher sets "works: ask me first" on their
// page, a new article's work waits there for their approval (and is not
// sent), and goes to ORCID when they approve it.
func TestResearcherAsksFirst(t *testing.T) {
	e, _, j := newPageEnv(t)
	inv := e.invite(t, e.alice)
	e.browser(t).connect(inv)
	tid := strconv.FormatInt(e.tenant.ID, 10)

	ctx := sandboxtest.Browser(t)
	do(t, ctx, "open her page from the invitation", chromedp.Navigate(e.base+inv+"/me"),
		chromedp.WaitVisible(chromedp.CSS("#choices-"+tid)))
	do(t, ctx, "ask me first for works", chromedp.Click(chromedp.CSS("#choice-"+tid+"-works-ask")),
		chromedp.Click(chromedp.CSS("#save-choices-"+tid)),
		chromedp.WaitVisible(chromedp.CSS("#researcher-message")))
	if c, err := e.st.ResearcherChoices(e.ctx, e.tenant.ID, e.alice.ID); err != nil || c.Of(store.GroupWorks) != store.ChoiceAsk {
		t.Fatalf("choices after saving: %v, %v", c, err)
	}

	it := publish(t, e, j, e.alice, "ask-1", "On Asking First")
	if it.State != store.ItemPending || it.StateReason != store.HeldAwaitingResearcher {
		t.Fatalf("new work is %s (%s), want pending awaiting the researcher", it.State, it.StateReason)
	}
	time.Sleep(300 * time.Millisecond) // the worker would have sent it by now
	if it = waitItem(t, e, it.ID, store.ItemPending); it.PutCode != 0 {
		t.Fatalf("a work awaiting approval reached ORCID: %+v", it)
	}

	approve := fmt.Sprintf("#approve-%d", it.ID)
	do(t, ctx, "see it waiting", chromedp.Navigate(e.base+"/me"), chromedp.WaitVisible(chromedp.CSS(approve)))
	waiting := value(t, ctx, chromedp.Text(chromedp.CSS(fmt.Sprintf("#item-%d", it.ID))))
	if !strings.Contains(waiting, "On Asking First") || !strings.Contains(waiting, "Waiting for your approval") {
		t.Fatalf("waiting item reads %q", waiting)
	}
	do(t, ctx, "approve it", chromedp.Click(chromedp.CSS(approve)), chromedp.WaitVisible(chromedp.CSS("#researcher-message")))
	synced := waitItem(t, e, it.ID, store.ItemSynced)
	if synced.PutCode == 0 {
		t.Fatalf("approved work synced without a put-code: %+v", synced)
	}
	do(t, ctx, "see it written", chromedp.Navigate(e.base+"/me"),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf("ul.written #item-%d", it.ID))))

	// An approved work's later edits go without asking again.
	if _, _, err := e.st.SaveArticle(e.ctx, store.Article{TenantID: e.tenant.ID, Key: "ask-1", Title: "On Asking First, Revised",
		JournalTitle: "Journal of Tests", ISSN: "1741-4857", DOI: "10.5555/ask-1", Authors: []int64{e.alice.ID}}); err != nil {
		t.Fatal(err)
	}
	if _, err := j.Publish(e.ctx, e.tenant.ID, "ask-1"); err != nil {
		t.Fatal(err)
	}
	if it := waitItem(t, e, it.ID, store.ItemSynced); it.PutCode != synced.PutCode {
		t.Fatalf("edit of an approved work: %+v", it)
	}
}

// TestResearcherNeverAndRefuse: "never" keeps a kind off the record (the
// worker never sends it) until the researcher changes their mind; a
// refused item stays off whatever the choices say later.
func TestResearcherNeverAndRefuse(t *testing.T) {
	storetest.Engines(t, testResearcherNeverAndRefuse)
}

func testResearcherNeverAndRefuse(t *testing.T, driver string) {
	e, _, j := newPageEnvOn(t, driver)
	inv := e.invite(t, e.alice)
	b := e.browser(t)
	b.connect(inv)
	if r := b.get(inv + "/me"); r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/me") {
		t.Fatalf("entering the page: %d to %q", r.status, r.location)
	}
	tid := strconv.FormatInt(e.tenant.ID, 10)
	if r := b.post("/me/choices", url.Values{"t": {tid}, "choice_works": {"never"}}); r.status != http.StatusOK {
		t.Fatalf("choices: %d\n%s", r.status, r.body)
	}
	withheld := publish(t, e, j, e.alice, "never-1", "Never Sent")
	if withheld.State != store.ItemPending || withheld.StateReason != store.HeldWithheld {
		t.Fatalf("work under never: %s (%s)", withheld.State, withheld.StateReason)
	}
	// Reconnecting (Queue.Resume) must not send it either.
	if _, err := e.st.ResumeItems(e.ctx, e.tenant.ID, e.alice.ID); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if it := waitItem(t, e, withheld.ID, store.ItemPending); it.PutCode != 0 || it.StateReason != store.HeldWithheld {
		t.Fatalf("withheld work: %+v", it)
	}
	page := b.get("/me")
	if !strings.Contains(page.body, "Not added: you chose never for this kind") {
		t.Fatalf("page does not say the work is withheld:\n%s", page.body)
	}

	// Ask first: the withheld work now awaits her; she refuses it.
	if r := b.post("/me/choices", url.Values{"t": {tid}, "choice_works": {"ask"}}); r.status != http.StatusOK {
		t.Fatalf("choices: %d", r.status)
	}
	if it := waitItem(t, e, withheld.ID, store.ItemPending); it.StateReason != store.HeldAwaitingResearcher {
		t.Fatalf("after ask: %s", it.StateReason)
	}
	if r := b.post(fmt.Sprintf("/me/items/%d/refuse", withheld.ID), url.Values{"t": {tid}}); r.status != http.StatusOK {
		t.Fatalf("refuse: %d\n%s", r.status, r.body)
	}
	// Back to automatic: the refused work stays off, a new one goes.
	if r := b.post("/me/choices", url.Values{"t": {tid}, "choice_works": {"auto"}}); r.status != http.StatusOK {
		t.Fatalf("choices: %d", r.status)
	}
	fresh := publish(t, e, j, e.alice, "auto-1", "Sent at Once")
	waitItem(t, e, fresh.ID, store.ItemSynced)
	if it := waitItem(t, e, withheld.ID, store.ItemPending); it.PutCode != 0 || it.StateReason != store.HeldRefused {
		t.Fatalf("refused work: %+v", it)
	}

	// Someone else's session cannot act for her.
	other := e.browser(t)
	if r := other.post(fmt.Sprintf("/me/items/%d/approve", withheld.ID), url.Values{"t": {tid}}); r.status == http.StatusOK {
		t.Fatalf("approval without a session: %d", r.status)
	}
}

// TestResearcherDisconnectRemoves: disconnecting from the page with
// "also remove what it added" deletes the tenant's items from the record
// (through the queue, by put-code) before the token is revoked.
func TestResearcherDisconnectRemoves(t *testing.T) {
	storetest.Engines(t, testResearcherDisconnectRemoves)
}

func testResearcherDisconnectRemoves(t *testing.T, driver string) {
	e, _, j := newPageEnvOn(t, driver)
	inv := e.invite(t, e.alice)
	b := e.browser(t)
	b.connect(inv)
	b.get(inv + "/me")
	it := publish(t, e, j, e.alice, "rm-1", "To Be Removed")
	it = waitItem(t, e, it.ID, store.ItemSynced)
	tid := strconv.FormatInt(e.tenant.ID, 10)
	if r := b.get("/me/disconnect?t=" + tid); r.status != http.StatusOK || !hasID(r.body, "remove-added") {
		t.Fatalf("disconnect page: %d\n%s", r.status, r.body)
	}
	r := b.post("/me/disconnect", url.Values{"t": {tid}, "remove": {"yes"}})
	if r.status != http.StatusOK || !hasID(r.body, "removed-count") || hasID(r.body, "removed-left") {
		t.Fatalf("disconnect: %d\n%s", r.status, r.body)
	}
	// Retracted only once ORCID answered the DELETE (204, or 404: gone).
	if got := waitItem(t, e, it.ID, store.ItemRetracted); got.PutCode != 0 {
		t.Fatalf("removed item: %+v", got)
	}
	if l, err := e.st.Link(e.ctx, e.tenant.ID, e.alice.ID); err != nil || l.State != store.LinkRemoved {
		t.Fatalf("link after disconnecting: %+v, %v", l, err)
	}
}
