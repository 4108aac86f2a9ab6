package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/jobs"
	"github.com/orcidlink/orcidlink/internal/jobs/jobstest"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
)

// restartQueue stops the fixture's queue and gives it a new one, not yet
// started, on the same store: what is put meanwhile waits, so that the
// worker finds it all due at once.
func (f *fixture) restartQueue(t *testing.T, afterWrite func(context.Context, store.Item) error) {
	t.Helper()
	if err := f.q.Stop(f.ctx); err != nil {
		t.Fatal(err)
	}
	cfg := jobs.Config{Store: f.env.Store, RetryPolicy: jobstest.FastRetry{}, PollInterval: 50 * time.Millisecond,
		Workers: 8, AfterWrite: afterWrite}
	if f.env.Driver == "postgres" {
		cfg.PostgresDSN = f.env.DSN
	}
	q, err := jobs.New(f.ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.q = q // stopped by newFixture's cleanup
}

// TestBulkWorks: 100 works of one person are due at once; ORCID already
// holds one of them from our client (its put-code never stored) and
// refuses another. One bulk request carries them: 98 are created, the one
// ORCID holds is adopted under its put-code, and the refused one fails
// with ORCID's reason, alone. With a crash between the request and the
// commit of its outcome, the retry settles the works by one read of the
// record and sends again only what is not there: still no duplicate.
func TestBulkWorks(t *testing.T) {
	for _, crash := range []bool{false, true} {
		name := "answered"
		if crash {
			name = "crash before commit"
		}
		t.Run(name, func(t *testing.T) {
			storetest.Engines(t, func(t *testing.T, driver string) {
				f := newFixture(t, driver, fixtureOpts{})
				var crashed atomic.Bool
				f.restartQueue(t, func(_ context.Context, it store.Item) error {
					if crash && it.PutCode != 0 && crashed.CompareAndSwap(false, true) {
						return errors.New("simulated crash between the bulk request and storing its outcome")
					}
					return nil
				})
				// Ours on the record already, as a write whose answer was
				// lost long ago would leave it.
				held, err := f.reader.Add(f.ctx, f.r.Link.AccessToken, f.r.Link.ORCID, jobstest.Work("w007", "Work 7"))
				if err != nil {
					t.Fatal(err)
				}
				var keys []string
				for i := range 100 {
					key := fmt.Sprintf("w%03d", i)
					keys = append(keys, key)
					w := jobstest.Work(key, fmt.Sprintf("Work %d", i))
					if key == "w042" {
						w.Type = "" // ORCID refuses a work with no type
						f.putUnchecked(t, key, w)
						continue
					}
					f.put(t, key, w)
				}
				if err := f.q.Start(f.ctx); err != nil {
					t.Fatal(err)
				}
				items := f.wait(t, "every work settled", func(items map[string]store.Item) bool {
					n := 0
					for _, it := range items {
						if it.State == store.ItemSynced && !it.NeedsPush() || it.State == store.ItemFailedPermanent {
							n++
						}
					}
					return n == 100
				})
				if crash && !crashed.Load() {
					t.Fatal("the crash was not simulated")
				}
				if it := items["w042"]; it.State != store.ItemFailedPermanent || !strings.Contains(it.LastError, "work:type") {
					t.Fatalf("the refused work: %s, %q; want failed-permanent with ORCID's reason", it.State, it.LastError)
				}
				if it := items["w007"]; it.State != store.ItemSynced || it.PutCode != held.PutCode {
					t.Fatalf("the work ORCID held: %s under %d; want synced under the put-code it had, %d",
						it.State, it.PutCode, held.PutCode)
				}
				pcs := map[int64]string{}
				for _, k := range keys {
					it := items[k]
					if k == "w042" {
						continue
					}
					if it.State != store.ItemSynced {
						t.Fatalf("%s: %s (%s)", k, it.State, it.LastError)
					}
					if other, ok := pcs[it.PutCode]; ok {
						t.Fatalf("%s and %s share put-code %d", k, other, it.PutCode)
					}
					pcs[it.PutCode] = k
				}
				var want []string
				for _, k := range keys {
					if k != "w042" {
						want = append(want, "10.5555/"+k)
					}
				}
				tl := f.tally(t)
				if dup, lost := tl.Check(want); dup != 0 || lost != 0 {
					t.Fatalf("on the record: %d duplicates, %d lost", dup, lost)
				}
				for _, k := range keys {
					if got := tl.PutCodes["10.5555/"+k]; k != "w042" && (len(got) != 1 || got[0] != items[k].PutCode) {
						t.Fatalf("%s: record put-codes %v, stored %d", k, got, items[k].PutCode)
					}
				}
				// One bulk request carried them; a retry after the crash
				// read the record once and sent only the refused work.
				bulks, singles := f.calls(t, http.MethodPost, "/works"), f.calls(t, http.MethodPost, "/work")
				maxBulks := 1
				if crash {
					maxBulks = 2
				}
				if bulks < 1 || bulks > maxBulks || singles > 1 {
					t.Fatalf("%d bulk POSTs and %d single ones; want one bulk (two after a crash) and at most one single", bulks, singles)
				}
				if reads := f.calls(t, http.MethodGet, "/works"); crash && reads != 1 {
					t.Fatalf("%d reads of the works after the crash, want 1", reads)
				}
			})
		})
	}
}
