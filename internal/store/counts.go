package store

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"time"
)

// Counts kept as the data changes (migration 00017): item_counts holds,
// per tenant and state, rows of +n and -n that triggers append in the
// transaction of each change to orcid_items, so a tenant's counts are a
// sum over a few rows whatever the number of items. Appending rather than
// updating one row per state keeps concurrent workers of a tenant from
// waiting on each other's counters; the rows are folded into one per state
// once a tenant has more than foldItemCountsAfter of them.

// foldItemCountsAfter is how many rows a tenant's counts may have before
// a read folds them: few enough that the sum stays cheap, enough that
// folding (a write) happens once per hundreds of changes, not per read.
const foldItemCountsAfter = 256

// keptItemCounts reads a tenant's item counts by state, folding the rows
// when they have piled up. States with no item are absent.
func (o *ops) keptItemCounts(ctx context.Context, tenantID int64) (map[ItemState]int, error) {
	type row struct {
		s       ItemState
		n, rows int
	}
	read := func(o *ops) ([]row, error) {
		rs, err := o.query(ctx, `SELECT state, SUM(n), COUNT(*) FROM item_counts WHERE tenant_id = ? GROUP BY state`, tenantID)
		return collect(rs, err, func(r scanner) (row, error) {
			var x row
			return x, r.Scan(&x.s, &x.n, &x.rows)
		})
	}
	list, err := read(o)
	if err != nil {
		return nil, err
	}
	total := 0
	out := map[ItemState]int{}
	for _, x := range list {
		total += x.rows
		if x.n != 0 {
			out[x.s] = x.n
		}
	}
	if total > foldItemCountsAfter {
		if err := o.foldItemCounts(ctx, tenantID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// foldItemCounts replaces a tenant's count rows by one per state (none for
// a state at zero). On PostgreSQL one statement deletes the rows it sums,
// so rows appended meanwhile by other transactions are left for the next
// fold, and two folds at once each fold only the rows they deleted; on
// SQLite the transaction has the database to itself.
func (o *ops) foldItemCounts(ctx context.Context, tenantID int64) error {
	if o.d == postgresDialect {
		_, err := o.exec(ctx, `WITH gone AS (DELETE FROM item_counts WHERE tenant_id = ? RETURNING state, n)
			INSERT INTO item_counts (tenant_id, state, n)
			SELECT CAST(? AS BIGINT), state, SUM(n) FROM gone GROUP BY state HAVING SUM(n) <> 0`, tenantID, tenantID)
		if err != nil {
			return fmt.Errorf("fold item counts: %w", err)
		}
		return nil
	}
	// Not the caller's audit event: folding is not the change it records.
	ctx = context.WithValue(ctx, auditCtxKey{}, (*auditCarrier)(nil))
	return o.atomic(ctx, func(o *ops) error {
		rows, err := o.query(ctx, `SELECT state, SUM(n) FROM item_counts WHERE tenant_id = ? GROUP BY state`, tenantID)
		type sum struct {
			s string
			n int64
		}
		sums, err := collect(rows, err, func(r scanner) (sum, error) {
			var x sum
			return x, r.Scan(&x.s, &x.n)
		})
		if err != nil {
			return fmt.Errorf("fold item counts: %w", err)
		}
		if _, err := o.exec(ctx, `DELETE FROM item_counts WHERE tenant_id = ?`, tenantID); err != nil {
			return fmt.Errorf("fold item counts: %w", err)
		}
		for _, x := range sums {
			if x.n == 0 {
				continue
			}
			if _, err := o.exec(ctx, `INSERT INTO item_counts (tenant_id, state, n) VALUES (?, ?, ?)`, tenantID, x.s, x.n); err != nil {
				return fmt.Errorf("fold item counts: %w", err)
			}
		}
		return nil
	})
}

// FoldItemCounts folds the count rows of every tenant that has more than
// foldItemCountsAfter of them, and says how many tenants it folded. Reads
// fold as they go (keptItemCounts), but a tenant whose counts no one reads
// during a backfill (no dashboard open, no metrics scraped) would
// otherwise pile up rows, two per change of state, for the next read to
// sum: the hourly housekeeping calls this to bound them.
func (o *ops) FoldItemCounts(ctx context.Context) (n int64, err error) {
	defer wrap(&err, "fold item counts")
	rows, err := o.query(ctx, `SELECT tenant_id FROM item_counts GROUP BY tenant_id HAVING COUNT(*) > ?`,
		foldItemCountsAfter)
	ids, err := collect(rows, err, func(r scanner) (int64, error) {
		var id int64
		return id, r.Scan(&id)
	})
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		if err := o.foldItemCounts(ctx, id); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// RecountItems counts every tenant's items afresh into item_counts, for
// after a bulk load that went around the triggers.
func (o *ops) RecountItems(ctx context.Context) (err error) {
	defer wrap(&err, "recount items")
	ctx = context.WithValue(ctx, auditCtxKey{}, (*auditCarrier)(nil))
	return o.atomic(ctx, func(o *ops) error {
		if _, err := o.exec(ctx, `DELETE FROM item_counts`); err != nil {
			return err
		}
		_, err := o.exec(ctx, `INSERT INTO item_counts (tenant_id, state, n)
			SELECT tenant_id, state, COUNT(*) FROM orcid_items GROUP BY tenant_id, state`)
		return err
	})
}

// People counts by status. A person's status depends on their link under
// the tenant's current credential, their invitations, and the time (an
// invitation lapses without any write), so it cannot be kept by triggers
// the way item counts are. Counting means reading every person of the
// tenant: a millisecond for a few hundred, seconds for hundreds of
// thousands. So a tenant of peopleCountsLarge people or more whose last
// count took peopleCountsSlow or more is counted at most once a
// peopleCountsFresh (the size, so that a small tenant on a busy machine
// is never shown an old count): a view in between gets the
// last count, and a view after that gets it too while a count is made
// behind it for the next. These counts are an overview (the dashboard's,
// the tenant page's), which a minute-old count of a large tenant gives as
// well; the lists they lead to are always read live. A tenant counted
// faster is counted on every view, exactly, as before. A count older than
// peopleCountsStale (no one looked for a while) is made afresh while the
// view waits.
const (
	peopleCountsLarge = 2000
	peopleCountsSlow  = 20 * time.Millisecond
	peopleCountsFresh = time.Minute
	peopleCountsStale = 10 * time.Minute
)

// peopleCounts is the process's last count of each large tenant.
type peopleCounts struct {
	mu sync.Mutex
	by map[int64]*peopleCount
	// large, slow and fresh are peopleCountsLarge, peopleCountsSlow and
	// peopleCountsFresh, but for tests.
	large       int
	slow, fresh time.Duration
	// behind is held by the count made behind the views: one at a
	// time, so that the large tenants' recounts do not all land on the
	// database in the same second.
	behind sync.Mutex
}

type peopleCount struct {
	counts   map[PersonStatus]int
	at       time.Time // when the count started
	counting bool      // a count is being made behind the views
}

func newPeopleCounts() *peopleCounts {
	return &peopleCounts{by: map[int64]*peopleCount{}, large: peopleCountsLarge, slow: peopleCountsSlow,
		fresh: peopleCountsFresh}
}

// CountPeople counts a tenant's people by status; statuses no one is in
// are absent. For a tenant whose count is slow, the counts may be a minute
// old (see above); inside a transaction they are always counted.
func (o *ops) CountPeople(ctx context.Context, tenantID int64) (map[PersonStatus]int, error) {
	if o.db == nil || o.people == nil {
		return o.countPeopleNow(ctx, tenantID)
	}
	c := o.people
	c.mu.Lock()
	e := c.by[tenantID]
	if e != nil && time.Since(e.at) < peopleCountsStale {
		counts := maps.Clone(e.counts)
		if time.Since(e.at) >= c.fresh && !e.counting {
			e.counting = true
			go o.recountPeople(tenantID) // for the next view
		}
		c.mu.Unlock()
		return counts, nil
	}
	c.mu.Unlock()
	start := time.Now()
	counts, err := o.countPeopleNow(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	o.keepPeopleCount(tenantID, counts, start)
	return counts, nil
}

// recountPeople counts a tenant's people behind the views.
func (o *ops) recountPeople(tenantID int64) {
	o.people.behind.Lock()
	defer o.people.behind.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), peopleCountsStale)
	defer cancel()
	start := time.Now()
	counts, err := o.countPeopleNow(ctx, tenantID)
	if err != nil {
		// The views keep the last count until it is stale; then they
		// count for themselves and see the error.
		o.people.mu.Lock()
		if e := o.people.by[tenantID]; e != nil {
			e.counting = false
		}
		o.people.mu.Unlock()
		return
	}
	o.keepPeopleCount(tenantID, counts, start)
}

// keepPeopleCount keeps a count made at start if it was slow and large,
// and forgets the tenant otherwise (a tenant that became quick to count is
// counted exactly again).
func (o *ops) keepPeopleCount(tenantID int64, counts map[PersonStatus]int, start time.Time) {
	took, total := time.Since(start), 0
	for _, n := range counts {
		total += n
	}
	c := o.people
	c.mu.Lock()
	defer c.mu.Unlock()
	if took < c.slow || total < c.large {
		delete(c.by, tenantID)
		return
	}
	if e := c.by[tenantID]; e != nil && e.at.After(start) {
		e.counting = false
		return // a later count got there first
	}
	c.by[tenantID] = &peopleCount{counts: maps.Clone(counts), at: start}
}
