package jobs_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/jobs"
	"github.com/orcidlink/orcidlink/internal/jobs/jobstest"
	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
)

// stamp is one write request the registry served: when, and for which
// record.
type stamp struct {
	at   time.Time
	path string
}

// TestFairShares: two tenants on one credential, each with a backfill,
// and two queues on one database working both (as two orcidlink processes
// do). Tenant A's works are all queued before tenant B's, and A's jobs
// hold most of the workers. The credential's budget (10 requests
// a second, burst 2) is never exceeded across the two, and while both
// have work each gets its fair share, half the requests, within 20%.
func TestFairShares(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		// Tenant A backfills 6 people, B 2, with 20 works each, sent 2 a
		// request (BulkSize): ten requests, one after the other, in each
		// person's job. Served as they come, A's 6 jobs would get three
		// requests for every one of B's 2. The budget is low enough to be
		// what limits.
		const rate, burst, perPerson = 4.0, 1, 20
		people := map[int]int{0: 6, 1: 2}
		var mu sync.Mutex
		var stamps []stamp
		env := jobstest.New(t, driver, func(o *jobstest.Options) {
			// The registry itself would allow far more: the budget is
			// orcidlink's to keep.
			o.RateLimit, o.Burst = 1000, 1000
			o.Wrap = func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.Method == http.MethodPost && strings.Contains(r.URL.Path, "/v3.0/") {
						mu.Lock()
						stamps = append(stamps, stamp{at: time.Now(), path: r.URL.Path})
						mu.Unlock()
					}
					next.ServeHTTP(w, r)
				})
			}
		})
		ctx := context.Background()
		tenantB, err := env.Store.CreateTenant(ctx, store.Tenant{Slug: "second", Name: "Second Journal",
			SupportEmail: "help@second.example", Languages: []string{"en"}, CredentialID: env.Cred.ID})
		if err != nil {
			t.Fatal(err)
		}
		tenantA := env.Tenant
		// Researchers of each tenant (ConnectPerson links to env.Tenant).
		type researcher struct {
			tenant int64
			r      jobstest.Researcher
		}
		var rs []researcher
		for i, tn := range []store.Tenant{tenantA, tenantB} {
			env.Tenant = tn
			for j := range people[i] {
				n := i*10 + j + 1
				p, err := env.Store.CreatePerson(ctx, store.Person{TenantID: tn.ID, GivenNames: "Fair",
					FamilyNames: fmt.Sprintf("Researcher %d", n), Email: fmt.Sprintf("fair%d@example.org", n)})
				if err != nil {
					t.Fatal(err)
				}
				r, err := env.ConnectPerson(ctx, n, p)
				if err != nil {
					t.Fatal(err)
				}
				rs = append(rs, researcher{tenant: tn.ID, r: r})
			}
		}
		env.Tenant = tenantA
		tenantOf := map[string]int64{}
		for _, x := range rs {
			tenantOf[string(x.r.Link.ORCID)] = x.tenant
		}
		newQueue := func() *jobs.Queue {
			cfg := jobs.Config{Store: env.Store, Rate: rate, Burst: burst, Workers: 4, BulkSize: 2, PollInterval: 50 * time.Millisecond,
				RetryPolicy: jobstest.FastRetry{}}
			if driver == "postgres" {
				cfg.PostgresDSN = env.DSN
			}
			q, err := jobs.New(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				if err := q.Stop(ctx); err != nil {
					t.Errorf("stop queue: %v", err)
				}
			})
			return q
		}
		q1, q2 := newQueue(), newQueue()
		for _, x := range rs { // tenant A's people first
			for k := range perPerson {
				key := fmt.Sprintf("fair-%d-%d", x.r.Person.ID, k)
				if _, err := q1.Put(ctx, jobs.PutItem{TenantID: x.tenant, PersonID: x.r.Person.ID, Key: key,
					Item: jobstest.Work(key, "Fair "+key), Backfill: true}); err != nil {
					t.Fatal(err)
				}
			}
		}
		for _, q := range []*jobs.Queue{q1, q2} {
			if err := q.Start(ctx); err != nil {
				t.Fatal(err)
			}
		}
		deadline := time.Now().Add(2 * time.Minute)
		for {
			a, errA := env.Store.CountItems(ctx, tenantA.ID, 0)
			b, errB := env.Store.CountItems(ctx, tenantB.ID, 0)
			if errA != nil || errB != nil {
				t.Fatal(errA, errB)
			}
			if a[store.ItemSynced] == people[0]*perPerson && b[store.ItemSynced] == people[1]*perPerson {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("not all synced: %v, %v", a, b)
			}
			time.Sleep(50 * time.Millisecond)
		}
		mu.Lock()
		got := slices.Clone(stamps)
		mu.Unlock()
		slices.SortFunc(got, func(x, y stamp) int { return x.at.Compare(y.at) })

		// Never above the budget: in any window of length d, at most
		// burst + d·rate requests (with a little room for the clocks of
		// the two queues and the registry's handling).
		const window = time.Second
		for i := range got {
			n := 0
			for j := i; j < len(got) && got[j].at.Sub(got[i].at) < window; j++ {
				n++
			}
			if limit := burst + int(rate*window.Seconds()) + 1; n > limit {
				t.Fatalf("%d requests within %v from request %d; the budget allows %d", n, window, i, limit)
			}
		}
		// While both tenants had work, that is until the first of them sent
		// its last request: each had half, within 20%.
		last := map[int64]time.Time{}
		for _, s := range got {
			last[tenantOfPath(s.path, tenantOf)] = s.at
		}
		end := last[tenantA.ID]
		if last[tenantB.ID].Before(end) {
			end = last[tenantB.ID]
		}
		count := map[int64]int{}
		for _, s := range got {
			if !s.at.After(end) {
				count[tenantOfPath(s.path, tenantOf)]++
			}
		}
		total := count[tenantA.ID] + count[tenantB.ID]
		t.Logf("%d requests in all; while both had work: A %d, B %d", len(got), count[tenantA.ID], count[tenantB.ID])
		for _, tn := range []int64{tenantA.ID, tenantB.ID} {
			if fair := float64(total) / 2; float64(count[tn]) < 0.8*fair || float64(count[tn]) > 1.2*fair {
				t.Fatalf("tenant %d had %d of %d requests while both had work; its fair share is %.0f", tn, count[tn], total, fair)
			}
		}
	})
}

// tenantOfPath is the tenant of the record a Member API path writes to.
func tenantOfPath(path string, tenantOf map[string]int64) int64 {
	for _, seg := range strings.Split(path, "/") {
		if id, err := orcid.ParseID(seg); err == nil {
			return tenantOf[string(id)]
		}
	}
	return 0
}

// TestSingleWorkYieldedTo: while a backfill of 15 people keeps the
// credential's budget (2 requests a second) busy for several seconds, a
// single work put for another person (a journal's article just published)
// is synced within about a second: its job runs before the backfill's and
// its request takes the part of the burst backfills leave free.
func TestSingleWorkYieldedTo(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		f := newFixture(t, driver, fixtureOpts{})
		ctx := f.ctx
		if err := f.q.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		cfg := jobs.Config{Store: f.env.Store, Rate: 2, Burst: 4, Workers: 8, PollInterval: 50 * time.Millisecond,
			RetryPolicy: jobstest.FastRetry{}}
		if driver == "postgres" {
			cfg.PostgresDSN = f.env.DSN
		}
		q, err := jobs.New(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		f.q = q // stopped by newFixture's cleanup
		const people = 15
		for i := range people {
			r, err := f.env.Connect(ctx, i+2)
			if err != nil {
				t.Fatal(err)
			}
			for k := range 3 {
				key := fmt.Sprintf("back-%d-%d", i, k)
				if _, err := q.Put(ctx, jobs.PutItem{TenantID: f.env.Tenant.ID, PersonID: r.Person.ID, Key: key,
					Item: jobstest.Work(key, "Back catalogue "+key), Backfill: true}); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := q.Start(ctx); err != nil {
			t.Fatal(err)
		}
		// The backfill is under way, its burst spent.
		time.Sleep(2 * time.Second)
		put := time.Now()
		f.put(t, "urgent", jobstest.Work("urgent", "Published today"))
		f.wait(t, "the single work synced", allIn(store.ItemSynced, "urgent"))
		took := time.Since(put)
		counts, err := f.env.Store.CountItems(ctx, f.env.Tenant.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("the single work took %v; %d of %d backfilled works synced by then", took, counts[store.ItemSynced]-1, people*3)
		if left := people*3 - (counts[store.ItemSynced] - 1); left < 3 {
			t.Fatalf("the backfill was nearly done (%d works left): the test proves nothing", left)
		}
		if took > 1500*time.Millisecond {
			t.Fatalf("the single work took %v behind the backfill", took)
		}
	})
}
