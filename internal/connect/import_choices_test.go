package connect_test

import (
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/connect"
	"github.com/orcidlink/orcidlink/internal/jobs"
	"github.com/orcidlink/orcidlink/internal/jobs/jobstest"
	"github.com/orcidlink/orcidlink/internal/store"
)

// TestImportHonoursChoices: the works an import adopts from the records
// are written over only as the researcher lets them: "never" leaves the
// old system's work untouched, "ask" waits for their approval (and then
// updates the twin, not a second copy), "auto" updates it at once.
func TestImportHonoursChoices(t *testing.T) {
	f := newImportFixture(t, "sqlite")
	gs := f.grant(t, 3)
	choices := []store.Choice{store.ChoiceNever, store.ChoiceAsk, store.ChoiceAuto}
	held := []string{store.HeldWithheld, store.HeldAwaitingResearcher, ""}
	before := make([]int64, len(gs))
	items := make([]store.Item, len(gs))
	rows := make([]connect.ExistingConnection, len(gs))
	for i, g := range gs {
		res, err := f.reader.Add(f.ctx, g.auth.AccessToken, g.auth.ID, jobstest.Work(importDOI(i), "Written before"))
		if err != nil {
			t.Fatalf("old system's work %d: %v", i, err)
		}
		before[i] = res.PutCode
		if items[i], err = f.q.Put(f.ctx, jobs.PutItem{TenantID: f.env.Tenant.ID, PersonID: g.person.ID,
			Key: "article:" + importDOI(i), Item: jobstest.Work(importDOI(i), "Article "+importDOI(i))}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.env.Store.SetResearcherChoice(f.ctx, f.env.Tenant.ID, g.person.ID, store.GroupWorks, choices[i]); err != nil {
			t.Fatal(err)
		}
		rows[i] = importRow(g)
	}
	results, err := f.svc.ImportConnections(f.ctx, f.env.Tenant.ID, "api-key:1", rows)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range results {
		if r.Status != connect.ImportConnected || r.Adopted != 1 {
			t.Fatalf("row %d (%s): %+v", i, choices[i], r)
		}
	}

	// titleAt reads the title of person i's work at ORCID, checking it is
	// there once, under the old system's put-code.
	titleAt := func(i int) string {
		t.Helper()
		l, err := f.env.Store.Link(f.ctx, f.env.Tenant.ID, gs[i].person.ID)
		if err != nil {
			t.Fatal(err)
		}
		tally, err := jobstest.ReadWorks(f.ctx, f.reader, l)
		if err != nil {
			t.Fatal(err)
		}
		doi := "10.5555/" + importDOI(i)
		if pcs := tally.PutCodes[doi]; len(pcs) != 1 || pcs[0] != before[i] {
			t.Fatalf("record %d (%s): put-codes %v, want the old system's %d only", i, choices[i], pcs, before[i])
		}
		return tally.Titles[doi]
	}
	waitTitle := func(i int, want string) {
		t.Helper()
		for deadline := time.Now().Add(time.Minute); titleAt(i) != want; time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				it, _ := f.env.Store.ItemByID(f.ctx, items[i].ID)
				t.Fatalf("record %d (%s): title %q, want %q; item %+v", i, choices[i], titleAt(i), want, it)
			}
		}
	}
	waitTitle(2, "Article "+importDOI(2)) // auto: the twin is updated
	for i := range 2 {
		it, err := f.env.Store.ItemByID(f.ctx, items[i].ID)
		if err != nil {
			t.Fatal(err)
		}
		if it.State != store.ItemPending || it.StateReason != held[i] || it.PutCode != before[i] {
			t.Fatalf("adopted work %d (%s): %s %q put-code %d", i, choices[i], it.State, it.StateReason, it.PutCode)
		}
		if got := titleAt(i); got != "Written before" {
			t.Fatalf("record %d (%s) was written: %q", i, choices[i], got)
		}
	}

	// The researcher who is asked approves: the twin is updated, once.
	if err := f.env.Store.InTx(f.ctx, func(tx *store.Tx) error {
		queued, err := tx.DecideItem(f.ctx, f.env.Tenant.ID, gs[1].person.ID, items[1].ID, true)
		if err != nil || !queued {
			t.Fatalf("approve: %v, %v", queued, err)
		}
		return f.q.Enqueue(f.ctx, tx, items[1].ID)
	}); err != nil {
		t.Fatal(err)
	}
	waitTitle(1, "Article "+importDOI(1))
	if got := titleAt(0); got != "Written before" {
		t.Fatalf("never: record written: %q", got)
	}
}
