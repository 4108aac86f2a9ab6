package jobs_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/jobs/jobstest"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
)

// waitFor polls until ok or fails after a while.
func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestImportRecord: an import reads the researcher's record, with what we
// wrote on it, and keeps it; with a revoked token it marks the link.
func TestImportRecord(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		f := newFixture(t, driver, fixtureOpts{})
		f.put(t, "w1", jobstest.Work("w1", "Imported Work"))
		f.wait(t, "the work synced", allIn(store.ItemSynced, "w1"))
		if err := f.q.Import(f.ctx, f.env.Tenant.ID, f.r.Person.ID); err != nil {
			t.Fatal(err)
		}
		var rec store.ImportedRecord
		waitFor(t, "the imported record", func() bool {
			var err error
			rec, err = f.env.Store.Record(f.ctx, f.env.Tenant.ID, f.r.Person.ID)
			return err == nil
		})
		if !strings.Contains(string(rec.Record), "Imported Work") || rec.ORCIDURI != f.r.Link.ORCIDURI {
			t.Fatalf("record of %s: %.300s", rec.ORCIDURI, rec.Record)
		}

		// An import asked for while one runs is that one (one per person at
		// a time): let the first finish.
		waitFor(t, "the first import job completed", func() bool {
			var n int
			err := f.env.Store.DB().QueryRow(`SELECT COUNT(*) FROM river_job WHERE kind = 'orcid_import' AND state = 'completed'`).Scan(&n)
			return err == nil && n == 1
		})
		body := strings.NewReader(`{"token":"` + f.r.Link.AccessToken + `"}`)
		resp, err := http.Post(f.env.BaseURL+"/_sandbox/tokens/invalidate", "application/json", body)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if err := f.q.Import(f.ctx, f.env.Tenant.ID, f.r.Person.ID); err != nil {
			t.Fatal(err)
		}
		defer func() {
			if t.Failed() {
				rows, _ := f.env.Store.DB().Query(`SELECT state, errors FROM river_job WHERE kind = 'orcid_import'`)
				for rows != nil && rows.Next() {
					var st string
					var e []byte
					rows.Scan(&st, &e)
					t.Logf("import job %s %s", st, e)
				}
			}
		}()
		waitFor(t, "the link marked revoked", func() bool {
			l, err := f.env.Store.Link(f.ctx, f.env.Tenant.ID, f.r.Person.ID)
			return err == nil && l.State == store.LinkRevoked
		})
		// Not connected any more: an import is a no-op, not an error.
		if err := f.q.Import(f.ctx, f.env.Tenant.ID, f.r.Person.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
			t.Fatal(err)
		}
	})
}
