package jobs_test

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/jobs"
	"github.com/orcidlink/orcidlink/internal/jobs/jobstest"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
)

// TestInDoubtThenIdentifierEdited: a POST reaches ORCID but its put-code
// is not stored (the process dies there), and before the retry the item's
// self identifier is corrected (a new DOI). The retry must find the copy
// on the record by the DOI it was sent with, adopt it and PUT the
// correction: one work on the record, with the new DOI, not the old copy
// left behind next to a new one.
func TestInDoubtThenIdentifierEdited(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		crashed := make(chan struct{})
		var once atomic.Bool
		f := newFixture(t, driver, fixtureOpts{afterWrite: func(_ context.Context, it store.Item) error {
			if it.Key == "doi" && once.CompareAndSwap(false, true) {
				close(crashed)
				return errors.New("simulated crash between the POST and storing its put-code")
			}
			return nil
		}})
		f.put(t, "doi", jobstest.Work("doi", "Corrected later"))
		<-crashed
		// The process stops before the retry; the edit comes meanwhile.
		if err := f.q.Stop(f.ctx); err != nil {
			t.Fatal(err)
		}
		cfg := jobs.Config{Store: f.env.Store, RetryPolicy: jobstest.FastRetry{}, PollInterval: 50 * time.Millisecond}
		if driver == "postgres" {
			cfg.PostgresDSN = f.env.DSN
		}
		q, err := jobs.New(f.ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		f.q = q // stopped by newFixture's cleanup
		if it, err := f.env.Store.ItemByKey(f.ctx, f.env.Tenant.ID, f.r.Person.ID, "work", "doi"); err != nil || !it.CallOpen || it.PutCode != 0 {
			t.Fatalf("before the edit the POST must be in doubt: %+v, %v", it, err)
		}
		f.put(t, "doi", jobstest.Work("doi-fixed", "Corrected later"))
		if err := q.Start(f.ctx); err != nil {
			t.Fatal(err)
		}
		items := f.wait(t, "the corrected work synced", allIn(store.ItemSynced, "doi"))
		tl := f.tally(t)
		if tl.ByDOI["10.5555/doi"] != 0 || tl.ByDOI["10.5555/doi-fixed"] != 1 {
			t.Fatalf("on the record: %v; want only the corrected DOI, once", tl.ByDOI)
		}
		if pcs := tl.PutCodes["10.5555/doi-fixed"]; pcs[0] != items["doi"].PutCode {
			t.Fatalf("record put-code %v, stored %d", pcs, items["doi"].PutCode)
		}
		if n := f.calls(t, http.MethodPost, "/work"); n != 1 {
			t.Fatalf("%d POSTs, want 1", n)
		}
	})
}
