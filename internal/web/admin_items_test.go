package web_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
)

// requeueRecorder stands in for jobs.Queue: it requeues in the store and
// remembers what it was asked, so the test sees exactly what the admin UI
// sent to the queue.
type requeueRecorder struct {
	mu    sync.Mutex
	st    *store.Store
	items []int64
}

func (q *requeueRecorder) Import(context.Context, int64, int64) error { return nil }

func (q *requeueRecorder) Requeue(ctx context.Context, tenantID, itemID int64) (store.Item, error) {
	q.mu.Lock()
	q.items = append(q.items, itemID)
	q.mu.Unlock()
	return q.st.RequeueItem(ctx, tenantID, itemID)
}

func TestAdminItemsAndRetry(t *testing.T) {
	q := &requeueRecorder{}
	env := newAdminEnv(t, adminEnvOptions{items: q})
	q.st = env.st
	cred := env.addCredential(t, "Journals", "APP-0000000000000001", "journals-secret")
	mine := env.addTenant(t, "journal", cred.ID)
	other := env.addTenant(t, "other", cred.ID)
	p := env.addPerson(t, mine.ID, "Ada", "Lovelace", "ada@example.org")
	q2 := env.addPerson(t, other.ID, "Bob", "Babbage", "bob@example.org")
	env.addAdmin(t, "manager@example.org", store.RoleTenantManager, mine.ID)
	c := env.client(t)
	c.signIn("manager@example.org", adminTestPassword)

	put := func(tenantID, personID int64, key, title string) store.Item {
		t.Helper()
		w := &orcid.Work{Title: orcid.NewTitle(title), Type: "journal-article",
			ExternalIDs: orcid.NewExternalIDs(orcid.ExternalID{Type: "doi", Value: "10.5555/" + key, Relationship: orcid.RelationshipSelf})}
		it, _, err := env.st.UpsertItem(t.Context(), store.DesiredItem{TenantID: tenantID, PersonID: personID, Key: key, Item: w,
			State: store.ItemPending, Reason: "not connected yet"})
		if err != nil {
			t.Fatal(err)
		}
		return it
	}
	ok := put(mine.ID, p.ID, "article:1", "On the Analytical Engine")
	bad := put(mine.ID, p.ID, "article:2", "Notes by the Translator")
	if _, err := env.st.BeginItemWrite(t.Context(), bad.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := env.st.ItemWriteFailed(t.Context(), bad.ID, store.ItemOutcome{State: store.ItemFailedPermanent,
		LastError: "400 Bad Request: Invalid work type"}); err != nil {
		t.Fatal(err)
	}
	theirs := put(other.ID, q2.ID, "article:9", "Not yours")

	personPath := "/admin/tenants/" + strconv.FormatInt(mine.ID, 10) + "/people/" + strconv.FormatInt(p.ID, 10)
	page := c.get(personPath)
	for _, want := range []string{"On the Analytical Engine", "not connected yet", "Notes by the Translator",
		"failed-permanent", "Invalid work type", "/items/" + strconv.FormatInt(bad.ID, 10) + "/retry"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("person page lacks %q", want)
		}
	}
	if strings.Contains(page.body, "/items/"+strconv.FormatInt(ok.ID, 10)+"/retry") {
		t.Error("a pending item offers to be sent again")
	}
	// An imported record is summarised, telling our works from others'.
	rec := `{"activities-summary": {"works": {"group": [{"external-ids": {"external-id": []}, "work-summary": [
	  {"put-code": 1, "title": {"title": {"value": "Ours"}}, "source": {"source-client-id": {"path": "APP-0000000000000001"}}},
	  {"put-code": 2, "title": {"title": {"value": "Theirs"}}, "source": {"source-client-id": {"path": "APP-SOMEONEELSE000001"}}}]}]}}}`
	if err := env.st.SaveRecord(t.Context(), store.ImportedRecord{TenantID: mine.ID, PersonID: p.ID, ORCIDURI: "https://sandbox.orcid.org/0000-0002-1825-0097",
		Record: []byte(rec), FetchedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if page := c.get(personPath); !strings.Contains(page.body, "2 works, 1 of them written by this tenant") {
		t.Errorf("record summary missing:\n%s", page.body)
	}
	tenantPage := c.get("/admin/tenants/" + strconv.FormatInt(mine.ID, 10))
	if !strings.Contains(tenantPage.body, `id="item-failures"`) || !strings.Contains(tenantPage.body, "Invalid work type") {
		t.Errorf("tenant page does not list the failure:\n%s", tenantPage.body)
	}

	// Another tenant's item, through my person's URL: unknown, untouched.
	if res := c.post(personPath+"/items/"+strconv.FormatInt(theirs.ID, 10)+"/retry", url.Values{}); res.status != 404 {
		t.Fatalf("retry of another tenant's item: %d", res.status)
	}
	if res := c.post(personPath+"/items/"+strconv.FormatInt(bad.ID, 10)+"/retry", url.Values{}); res.status != 303 {
		t.Fatalf("retry: %d %s", res.status, res.body)
	}
	if len(q.items) != 1 || q.items[0] != bad.ID {
		t.Fatalf("queue asked for %v, want only item %d", q.items, bad.ID)
	}
	if it, _ := env.st.ItemByID(t.Context(), bad.ID); it.State != store.ItemQueued {
		t.Fatalf("item after retry: %s", it.State)
	}
}
