package batch_test

import (
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/batch"
	"github.com/orcidlink/orcidlink/internal/jobs"
	"github.com/orcidlink/orcidlink/internal/jobs/jobstest"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
)

// bulkPriorities lists the River priorities of a person's bulk-works jobs:
// 1 for a single write's, 2 for a backfill's (jobs/bulk.go), which waits
// behind every single write.
func (f *fixture) bulkPriorities(t *testing.T, personID int64) []int {
	t.Helper()
	q := `SELECT priority FROM river_job WHERE kind = 'orcid_bulk_works' AND json_extract(args, '$.person_id') = ? ORDER BY id`
	if f.env.Driver == "postgres" {
		q = `SELECT priority FROM river_job WHERE kind = 'orcid_bulk_works' AND (args->>'person_id')::bigint = $1 ORDER BY id`
	}
	rows, err := f.st.DB().Query(q, personID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var p int
		if err := rows.Scan(&p); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// TestBatchWorksAreBackfill: the works of a works file and of an articles
// file are queued as a backfill, which yields to single urgent writes: a
// work put on its own afterwards gets a job that runs before them.
func TestBatchWorksAreBackfill(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		f := newFixture(t, driver)
		r, err := f.env.Connect(f.ctx, 1) // researcher1@bench.example, an author in articles_good.csv
		if err != nil {
			t.Fatal(err)
		}
		works := []byte("email,key,title,work-type,external-id-type,external-id-value,external-id-relationship\n" +
			"researcher1@bench.example,bw1,Back Catalogue One,journal-article,doi,10.5555/bw1,self\n" +
			"researcher1@bench.example,bw2,Back Catalogue Two,journal-article,doi,10.5555/bw2,self\n")
		for _, up := range []struct {
			kind batch.Kind
			name string
			body []byte
			rows int
		}{{batch.Works, "works.csv", works, 2}, {batch.Articles, "articles_good.csv", readTestdata(t, "articles_good.csv"), 3}} {
			b := f.upload(t, up.kind, up.name, up.body)
			if b.State != store.BatchReady || b.Total != up.rows {
				t.Fatalf("%s: batch %+v", up.name, b)
			}
			if _, err := f.svc.StartImport(f.ctx, f.tid, b.ID, batch.ImportOptions{}); err != nil {
				t.Fatal(err)
			}
			if done := f.wait(t, b.ID); done.State != store.BatchDone {
				t.Fatalf("%s: import ended %+v", up.name, done)
			}
		}
		got := f.bulkPriorities(t, r.Person.ID)
		if len(got) == 0 {
			t.Fatal("no bulk job for the batch files' works")
		}
		for _, p := range got {
			if p != 2 {
				t.Fatalf("bulk jobs of the batch files' works have priorities %v, want all 2 (backfill)", got)
			}
		}
		// The same person's single work: an urgent write, first in line.
		if _, err := f.q.Put(f.ctx, jobs.PutItem{TenantID: f.tid, PersonID: r.Person.ID, Key: "urgent",
			Item: jobstest.Work("urgent", "Accepted Today")}); err != nil {
			t.Fatal(err)
		}
		if got := f.bulkPriorities(t, r.Person.ID); got[len(got)-1] != 1 {
			t.Fatalf("a single work's bulk job has priority %d, want 1", got[len(got)-1])
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			it, err := f.st.ItemByKey(f.ctx, f.tid, r.Person.ID, "work", "urgent")
			if err == nil && it.State == store.ItemSynced {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the single work did not sync: %+v %v", it, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
}
