package web_test

import (
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strconv"
	"testing"

	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
)

// The page sizes of the outbox (admin_outbox.go) and of the failed list
// (admin_failed.go).
const (
	adminOutboxLimit = 200
	adminFailedLimit = 500
)

// adminNextPage is the href of a page's "next page" link, or "".
func adminNextPage(body string) string {
	m := regexp.MustCompile(`<a href="([^"]*)" id="next-page"`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// adminRowIDs are the ids of a list's rows (id="PREFIX-ID").
func adminRowIDs(t *testing.T, body, prefix string) []int64 {
	t.Helper()
	var ids []int64
	for _, m := range regexp.MustCompile(`id="`+prefix+`-(\d+)"`).FindAllStringSubmatch(body, -1) {
		id, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// adminWalkPages follows "next page" from first, calling between after
// each page, and checks that no row appears twice; it returns every row
// seen.
func adminWalkPages(t *testing.T, c *adminClient, first, prefix string, between func(page int)) map[int64]bool {
	t.Helper()
	seen := map[int64]bool{}
	path := first
	for page := 0; path != ""; page++ {
		a := c.get(path)
		if a.status != http.StatusOK {
			t.Fatalf("%s: %d", path, a.status)
		}
		ids := adminRowIDs(t, a.body, prefix)
		if len(ids) == 0 {
			t.Fatalf("%s: an empty page", path)
		}
		for _, id := range ids {
			if seen[id] {
				t.Fatalf("%s repeats row %d", path, id)
			}
			seen[id] = true
		}
		path = adminNextPage(a.body)
		if between != nil {
			between(page)
		}
	}
	return seen
}

// TestAdminOutboxPages: the outbox pages newest first; messages queued
// while an administrator pages through it never make a page skip or
// repeat one, and the filters stay on every page.
func TestAdminOutboxPages(t *testing.T) {
	env, c, tn := adminSignedInSite(t)
	queue := func(i int, subject string) int64 {
		t.Helper()
		m, err := env.st.QueueEmail(t.Context(), store.Email{TenantID: tn.ID, Recipient: fmt.Sprintf("r%d@example.org", i),
			Subject: subject, TextBody: "x"})
		if err != nil {
			t.Fatal(err)
		}
		return m.ID
	}
	there := map[int64]bool{}
	for i := range adminOutboxLimit + 5 {
		there[queue(i, "Connect your ORCID iD")] = true
	}
	queue(9999, "Something else") // filtered out below
	seen := adminWalkPages(t, c, "/admin/outbox?q=connect", "email", func(page int) {
		queue(1000+page, "Connect your ORCID iD") // newer than every page to come
	})
	for id := range there {
		if !seen[id] {
			t.Errorf("message %d skipped", id)
		}
	}
	if len(seen) != len(there) {
		t.Errorf("listed %d messages over the pages, want the %d there at the start", len(seen), len(there))
	}
	if a := c.get("/admin/outbox?before=x"); a.status != http.StatusBadRequest {
		t.Errorf("a bad page link: %d, want 400", a.status)
	}
}

// TestAdminFailedPages: the failed list pages by item, with its reason
// filter; items failing while an administrator pages through it are not
// skipped (they come after) and none is listed twice.
func TestAdminFailedPages(t *testing.T) {
	env, c, tn := adminSignedInSite(t)
	p := env.addPerson(t, tn.ID, "Ada", "Lovelace", "ada@example.org")
	n := 0
	fail := func(message string) int64 {
		t.Helper()
		n++
		w := &orcid.Work{Title: orcid.NewTitle(fmt.Sprintf("Work %d", n)), Type: "journal-article",
			ExternalIDs: orcid.NewExternalIDs(orcid.ExternalID{Type: "doi", Value: fmt.Sprintf("10.5555/%d", n), Relationship: orcid.RelationshipSelf})}
		it, _, err := env.st.UpsertItem(t.Context(), store.DesiredItem{TenantID: tn.ID, PersonID: p.ID, Key: fmt.Sprintf("w%d", n),
			Item: w, State: store.ItemPending, Reason: "not connected yet"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := env.st.ItemWriteFailed(t.Context(), it.ID, store.ItemOutcome{State: store.ItemFailedPermanent,
			LastError: message}); err != nil {
			t.Fatal(err)
		}
		return it.ID
	}
	there := map[int64]bool{}
	for i := range adminFailedLimit + 3 {
		msg := "400 Bad Request: title is required"
		if i%2 == 1 {
			msg = "400 Bad Request: external identifier is required"
		}
		there[fail(msg)] = true
	}
	base := "/admin/tenants/" + strconv.FormatInt(tn.ID, 10) + "/failed"
	later := map[int64]bool{}
	seen := adminWalkPages(t, c, base, "failed-item", func(int) {
		later[fail("400 Bad Request: title is required")] = true
	})
	for id := range there {
		if !seen[id] {
			t.Errorf("failed item %d skipped", id)
		}
	}
	for id := range seen {
		if !there[id] && !later[id] {
			t.Errorf("item %d listed, but it never failed", id)
		}
	}
	// The reason filter holds across pages.
	titles := adminWalkPages(t, c, base+"?reason=title", "failed-item", nil)
	for id := range titles {
		it, err := env.st.ItemByID(t.Context(), id)
		if err != nil || it.LastError != "400 Bad Request: title is required" {
			t.Errorf("the title filter listed item %d (%q, %v)", id, it.LastError, err)
		}
	}
	if a := c.get(base + "?after=-1"); a.status != http.StatusBadRequest {
		t.Errorf("a bad page link: %d, want 400", a.status)
	}
}
