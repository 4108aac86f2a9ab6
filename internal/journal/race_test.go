package journal_test

import (
	"testing"

	"github.com/orcidlink/orcidlink/internal/jobs/jobstest"
	"github.com/orcidlink/orcidlink/internal/journal"
	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
)

// TestSaveRacingUnpublish replays, step by step, a save of a published
// article whose push of the authors' copies comes after an unpublish
// committed and retracted them (two admin requests at once): the late
// push must not put the work back. Likewise a save's push that comes after
// a newer save must not overwrite the newer content.
func TestSaveRacingUnpublish(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		f := newFixture(t, driver)
		ctx, st, tid := f.ctx, f.env.Store, f.env.Tenant.ID
		r, err := f.env.Connect(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		a := store.Article{TenantID: tid, Key: "race-1", Title: "First", JournalTitle: "Journal of Races",
			DOI: "10.5555/race.1", PubYear: 2026, Authors: []int64{r.Person.ID}}
		if _, err := f.svc.SaveArticle(ctx, a); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Publish(ctx, tid, a.Key); err != nil {
			t.Fatal(err)
		}
		key := journal.WorkKey(a.Key)
		f.wait(t, "the work synced", key, orcid.KindWork, synced, r.Person.ID)

		// Two saves: the older one's push comes last, and is dropped.
		a.Title = "Second"
		older, _, err := st.SaveArticle(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		a.Title = "Third"
		if _, err := f.svc.SaveArticle(ctx, a); err != nil {
			t.Fatal(err)
		}
		if res, err := f.svc.PushAfter(ctx, older); err != nil || len(res.Items) != 0 {
			t.Fatalf("a stale save's push changed %d copies (%v)", len(res.Items), err)
		}
		it := f.wait(t, "the newest edit synced", key, orcid.KindWork, synced, r.Person.ID)[0]
		if got, err := f.titleOnORCID(t, r.Link, it.PutCode); err != nil || got != "Third" {
			t.Fatalf("the record has %q, %v; want the newest save", got, err)
		}

		// A save, then an unpublish committed before the save's push.
		a.Title = "Fourth"
		saved, _, err := st.SaveArticle(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		if saved.State != store.ArticlePublished {
			t.Fatalf("saved %s", saved.State)
		}
		if _, err := f.svc.Unpublish(ctx, tid, a.Key); err != nil {
			t.Fatal(err)
		}
		if res, err := f.svc.PushAfter(ctx, saved); err != nil || len(res.Items) != 0 {
			t.Fatalf("the push after the unpublish changed %d copies (%v)", len(res.Items), err)
		}
		if it, err := st.ItemByKey(ctx, tid, r.Person.ID, orcid.KindWork, key); err != nil ||
			(it.State != store.ItemRetracting && it.State != store.ItemRetracted) {
			t.Fatalf("after the late push the copy is %s (%v), want it retracted", it.State, err)
		}
		f.wait(t, "the retraction", key, orcid.KindWork, func(it store.Item) bool { return it.State == store.ItemRetracted },
			r.Person.ID)
		tl, err := jobstest.ReadWorks(ctx, f.reader, r.Link)
		if err != nil {
			t.Fatal(err)
		}
		if n := tl.ByDOI["10.5555/race.1"]; n != 0 {
			t.Fatalf("the unpublished work is on the record %d times", n)
		}
	})
}
