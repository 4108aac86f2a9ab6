package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
)

// newCountsEnv is a conformance env of its own for the kept-counts tests.
func newCountsEnv(t *testing.T, driver string) *env {
	t.Helper()
	e := &env{driver: driver, dsn: storetest.NewDSN(t, driver), ctx: context.Background(), clock: newClock()}
	e.s = e.open(t, storetest.Ring(t))
	return e
}

// trueItemCounts counts a tenant's items the slow way.
func trueItemCounts(t *testing.T, e *env, tenantID int64) map[store.ItemState]int {
	t.Helper()
	rows, err := e.s.DB().QueryContext(e.ctx, rebindFor(e.driver,
		`SELECT state, COUNT(*) FROM orcid_items WHERE tenant_id = ? GROUP BY state`), tenantID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[store.ItemState]int{}
	for rows.Next() {
		var s store.ItemState
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			t.Fatal(err)
		}
		out[s] = n
	}
	return out
}

func rebindFor(driver, q string) string {
	if driver != "postgres" {
		return q
	}
	out, n := []byte{}, 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			out = append(out, fmt.Sprintf("$%d", n)...)
			continue
		}
		out = append(out, q[i])
	}
	return string(out)
}

func wantItemCounts(t *testing.T, e *env, what string, tenantID int64) {
	t.Helper()
	got, err := e.s.CountItems(e.ctx, tenantID, 0)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	want := trueItemCounts(t, e, tenantID)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("%s: kept counts %v, counted %v", what, got, want)
	}
}

// randomItemChange moves an item through one of the store's state changes
// (some refused for the item's state: that is fine, nothing changes).
func randomItemChange(ctx context.Context, s *store.Store, r *rand.Rand, tenantID int64, it store.Item) {
	switch r.IntN(6) {
	case 0:
		s.BeginItemWrite(ctx, it.ID)
	case 1:
		s.ItemWriteFailed(ctx, it.ID, store.ItemOutcome{State: store.ItemFailedPermanent, LastError: "400 title is required"})
	case 2:
		s.ItemWriteFailed(ctx, it.ID, store.ItemOutcome{State: store.ItemFailedRetryable, LastError: "503"})
	case 3:
		s.RequeueItem(ctx, tenantID, it.ID)
	case 4:
		s.SetItemPending(ctx, it.ID, "not connected")
	case 5:
		s.ResumeItems(ctx, tenantID, it.PersonID)
	}
}

// TestKeptItemCounts: the item counts kept by triggers (migration 00017)
// are what counting the items says, through every kind of change, after
// the rows are folded, per tenant, and with a person deleted; on
// PostgreSQL also with changes made at once by several connections.
func TestKeptItemCounts(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		e := newCountsEnv(t, driver)
		ta, pa := e.itemFixture(t, "counts-a")
		tb, pb := e.itemFixture(t, "counts-b")
		pa2 := e.person(t, ta.ID, "Grace", "Second")
		var items []store.Item
		for i := range 40 {
			p, state := pa, store.ItemQueued
			if i%3 == 0 {
				p, state = pa2, store.ItemPending
			}
			it, _ := e.upsert(t, ta, p, fmt.Sprintf("w%d", i), work(fmt.Sprintf("Work %d", i), fmt.Sprintf("10.1/%d", i)), state)
			items = append(items, it)
		}
		e.upsert(t, tb, pb, "other", work("Other tenant", "10.2/1"), store.ItemQueued)
		wantItemCounts(t, e, "after inserts", ta.ID)
		wantItemCounts(t, e, "the other tenant", tb.ID)

		// Enough changes to fold the rows more than once.
		r := rand.New(rand.NewPCG(1, 2))
		for i := range 400 {
			randomItemChange(e.ctx, e.s, r, ta.ID, items[r.IntN(len(items))])
			if i%50 == 0 {
				wantItemCounts(t, e, fmt.Sprintf("after %d changes", i+1), ta.ID)
			}
		}
		wantItemCounts(t, e, "after the changes", ta.ID)
		var rows int
		if err := e.s.DB().QueryRowContext(e.ctx, rebindFor(driver, `SELECT COUNT(*) FROM item_counts WHERE tenant_id = ?`),
			ta.ID).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		if rows > 256+20 {
			t.Errorf("%d count rows for one tenant: they are not folded", rows)
		}
		if _, _, err := e.s.RetractItem(e.ctx, ta.ID, pa.ID, orcid.KindWork, "w1"); err != nil {
			t.Fatal(err)
		}
		wantItemCounts(t, e, "after a retraction", ta.ID)
		if err := e.s.DeletePerson(e.ctx, ta.ID, pa2.ID); err != nil {
			t.Fatal(err)
		}
		wantItemCounts(t, e, "after deleting a person with items", ta.ID)
		wantItemCounts(t, e, "the other tenant, untouched", tb.ID)
		if err := e.s.DeleteTenant(e.ctx, tb.ID); err != nil {
			t.Fatal(err)
		}
		var left int
		if err := e.s.DB().QueryRowContext(e.ctx, rebindFor(driver, `SELECT COUNT(*) FROM item_counts WHERE tenant_id = ?`),
			tb.ID).Scan(&left); err != nil || left != 0 {
			t.Errorf("a deleted tenant leaves %d count rows (%v)", left, err)
		}

		if driver != "postgres" {
			return
		}
		// Several connections changing one tenant's items at once, and
		// reading (so folding) meanwhile: no change is lost or counted
		// twice, and none waits on another's counter.
		var people []store.Person
		var mine [][]store.Item
		for w := range 6 {
			p := e.person(t, ta.ID, "Worker", fmt.Sprintf("W%d", w))
			people = append(people, p)
			var its []store.Item
			for i := range 10 {
				it, _ := e.upsert(t, ta, p, fmt.Sprintf("c%d-%d", w, i), work(fmt.Sprintf("C %d %d", w, i), fmt.Sprintf("10.3/%d.%d", w, i)), store.ItemQueued)
				its = append(its, it)
			}
			mine = append(mine, its)
		}
		var wg sync.WaitGroup
		for w := range people {
			wg.Go(func() {
				r := rand.New(rand.NewPCG(uint64(w), 7))
				for range 150 {
					randomItemChange(e.ctx, e.s, r, ta.ID, mine[w][r.IntN(len(mine[w]))])
					if r.IntN(10) == 0 {
						e.s.CountItems(e.ctx, ta.ID, 0)
					}
				}
			})
		}
		wg.Wait()
		wantItemCounts(t, e, "after concurrent changes", ta.ID)
	})
}

// TestFoldItemCountsUnread: housekeeping folds the count rows of a tenant
// whose counts no one reads, and the counts stay right.
func TestFoldItemCountsUnread(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		e := newCountsEnv(t, driver)
		ta, pa := e.itemFixture(t, "fold-a")
		var items []store.Item
		for i := range 20 {
			it, _ := e.upsert(t, ta, pa, fmt.Sprintf("w%d", i), work(fmt.Sprintf("Work %d", i), fmt.Sprintf("10.1/%d", i)), store.ItemQueued)
			items = append(items, it)
		}
		r := rand.New(rand.NewPCG(3, 4))
		for range 300 {
			randomItemChange(e.ctx, e.s, r, ta.ID, items[r.IntN(len(items))])
		}
		n, err := e.s.FoldItemCounts(e.ctx)
		if err != nil || n != 1 {
			t.Fatalf("FoldItemCounts = %d, %v; want 1 tenant folded", n, err)
		}
		var rows int
		if err := e.s.DB().QueryRowContext(e.ctx, rebindFor(driver, `SELECT COUNT(*) FROM item_counts WHERE tenant_id = ?`),
			ta.ID).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		if rows > 10 {
			t.Errorf("%d count rows after folding", rows)
		}
		wantItemCounts(t, e, "after folding", ta.ID)
		if n, err := e.s.FoldItemCounts(e.ctx); err != nil || n != 0 {
			t.Errorf("FoldItemCounts again = %d, %v; want nothing to fold", n, err)
		}
	})
}

// TestKeptPeopleCounts: the people counts of a tenant slow to count are
// kept between views and made again behind them once no longer fresh; a
// tenant quick to count is counted exactly on every view.
func TestKeptPeopleCounts(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		e := newCountsEnv(t, driver)
		c := e.credential(t, "APP-PEOPLE-COUNTS")
		tn := e.tenant(t, "people-counts", c.ID)
		total := func() int {
			t.Helper()
			by, err := e.s.CountPeople(e.ctx, tn.ID)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, v := range by {
				n += v
			}
			return n
		}
		// Quick to count (every count is "quick" under an hour).
		store.SetPeopleCountsPolicy(e.s, 0, time.Hour, time.Hour)
		for i := range 3 {
			e.person(t, tn.ID, "P", fmt.Sprintf("Quick %d", i))
		}
		if n := total(); n != 3 {
			t.Fatalf("quick tenant: %d people, want 3", n)
		}
		e.person(t, tn.ID, "P", "Quick 3")
		if n := total(); n != 4 {
			t.Fatalf("quick tenant, counted on every view: %d people, want 4", n)
		}

		// Slow to count (every count is "slow"), kept for an hour.
		store.SetPeopleCountsPolicy(e.s, 0, 0, time.Hour)
		if n := total(); n != 4 {
			t.Fatalf("slow tenant, first view: %d, want 4", n)
		}
		e.person(t, tn.ID, "P", "Slow 4")
		if n := total(); n != 4 {
			t.Fatalf("slow tenant, fresh count kept: %d, want the kept 4", n)
		}
		// No longer fresh: the view gets the kept count and a count is
		// made behind it, which a later view gets.
		store.SetPeopleCountsPolicy(e.s, 0, 0, 0)
		if n := total(); n != 4 {
			t.Fatalf("slow tenant, view of a count no longer fresh: %d, want the kept 4", n)
		}
		deadline := time.Now().Add(10 * time.Second)
		for total() != 5 {
			if time.Now().After(deadline) {
				t.Fatal("the count made behind the views never arrived")
			}
			time.Sleep(20 * time.Millisecond)
		}
		// Inside a transaction, always counted.
		e.person(t, tn.ID, "P", "Slow 5")
		store.SetPeopleCountsPolicy(e.s, 0, 0, time.Hour)
		err := e.s.InTx(e.ctx, func(tx *store.Tx) error {
			by, err := tx.CountPeople(e.ctx, tn.ID)
			if n := by[store.StatusNone]; n != 6 {
				t.Errorf("in a transaction: %d people, want 6", n)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// TestOutboxPages: paging through the outbox newest first (BeforeID) lists
// every message that was there once, none twice, while messages are
// queued between pages.
func TestOutboxPages(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		e := newCountsEnv(t, driver)
		c := e.credential(t, "APP-OUTBOX-PAGES")
		tn := e.tenant(t, "outbox-pages", c.ID)
		queue := func(i int) int64 {
			t.Helper()
			m, err := e.s.QueueEmail(e.ctx, store.Email{TenantID: tn.ID, Recipient: fmt.Sprintf("r%d@example.org", i),
				Subject: fmt.Sprintf("Message %d", i), TextBody: "x", HTMLBody: "<p>x</p>"})
			if err != nil {
				t.Fatal(err)
			}
			return m.ID
		}
		before := map[int64]bool{}
		for i := range 10 {
			before[queue(i)] = true
		}
		seen := map[int64]bool{}
		var cursor int64
		for page := 0; ; page++ {
			ms, err := e.s.SearchEmails(e.ctx, store.EmailQuery{TenantIDs: []int64{tn.ID}, Limit: 3, BeforeID: cursor})
			if err != nil {
				t.Fatal(err)
			}
			if len(ms) == 0 {
				break
			}
			for _, m := range ms {
				if seen[m.ID] {
					t.Fatalf("page %d repeats message %d", page, m.ID)
				}
				seen[m.ID] = true
			}
			cursor = ms[len(ms)-1].ID
			queue(100 + page) // newer than every page still to come
		}
		for id := range before {
			if !seen[id] {
				t.Errorf("message %d skipped", id)
			}
		}
		if len(seen) != len(before) {
			t.Errorf("listed %d messages, want the %d there at the start", len(seen), len(before))
		}
	})
}

// TestPeopleByStatusPages: the people list filtered by status alone (read
// in order, a chunk at a time, people_scale.go) lists exactly the people of
// that status, in order, none twice and none skipped, across pages and
// chunks, while people are added between pages.
func TestPeopleByStatusPages(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		e := newCountsEnv(t, driver)
		c := e.credential(t, "APP-STATUS-PAGES")
		tn := e.tenant(t, "status-pages", c.ID)
		invited := map[int64]bool{}
		add := func(family string, invite bool) {
			t.Helper()
			p := e.person(t, tn.ID, "P", family)
			if !invite {
				return
			}
			if _, _, err := e.s.CreateInvitation(e.ctx, store.NewInvitation{TenantID: tn.ID, PersonID: p.ID,
				Scopes: []string{"/read-limited"}, ExpiresAt: e.clock.Now().Add(time.Hour), CreatedBy: "test"}); err != nil {
				t.Fatal(err)
			}
			invited[p.ID] = true
		}
		for i := range 150 {
			add(fmt.Sprintf("Person %03d", i), i%7 == 0) // one in seven: rarer than a page
		}
		want := len(invited)
		seen := map[int64]bool{}
		var last string
		next := ""
		for page := 0; ; page++ {
			pg, err := e.s.ListPeople(e.ctx, tn.ID, store.PeopleQuery{Status: store.StatusInvited, Limit: 4, Cursor: next})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range pg.People {
				if p.Status != store.StatusInvited || !invited[p.ID] {
					t.Fatalf("page %d lists %d (%s), not invited", page, p.ID, p.Status)
				}
				if seen[p.ID] {
					t.Fatalf("page %d repeats %d", page, p.ID)
				}
				seen[p.ID] = true
				if key := p.FamilyNames; key < last {
					t.Fatalf("page %d out of order: %q after %q", page, key, last)
				}
				last = p.FamilyNames
			}
			// Someone new and invited, first in the order: before every
			// page to come, so not listed now, and nothing shifts.
			add(fmt.Sprintf("Added %03d", page), true)
			if next = pg.Next; next == "" {
				break
			}
		}
		if len(seen) != want {
			t.Errorf("listed %d invited people, want the %d invited at the start", len(seen), want)
		}
	})
}
