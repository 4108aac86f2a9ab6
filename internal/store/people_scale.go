package store

import (
	"context"
	"strings"
)

// peopleWalkMaxChunk bounds how many people in list order
// walkPeopleByStatus reads at a time.
const peopleWalkMaxChunk = 2000

// walkPeopleByStatus returns up to limit+1 people of a status, in list
// order from after the cursor, reading the list in order a chunk at a time
// and keeping those of the status. The first chunk is twice a page, each
// next one four times the last (up to peopleWalkMaxChunk): a common status
// costs one small read, a rare one a few larger ones.
//
// Why not `WHERE status = ?` in SQL: a person's status is a CASE over their
// link and invitations, whose selectivity no planner can estimate.
// PostgreSQL guesses half a percent, so it computes every person's status,
// sorts the matches and keeps a page: four seconds for a tenant of 280,000
// people, where walking the people_order index stops after a page's worth
// (doc/performance.md, "bench scale"). The walk reads as many people as
// the status is rare: for a status one person in twenty has, about a
// thousand per page of 50.
func (o *ops) walkPeopleByStatus(ctx context.Context, tenantID int64, status PersonStatus, from string, limit int) ([]personRow, error) {
	var after *cursor
	if from != "" {
		c, err := decodeCursor(from)
		if err != nil {
			return nil, err
		}
		after = &c
	}
	now := timeText(o.now())
	var out []personRow
	chunk := 2 * (limit + 1)
	for {
		query := `SELECT * FROM (` + peopleWithStatus + `) x`
		args := []any{now, tenantID}
		if after != nil {
			query += ` WHERE (x.sort_key, x.id) > (?, ?)`
			args = append(args, after.Key, after.ID)
		}
		query += ` ORDER BY x.sort_key, x.id LIMIT ?`
		args = append(args, chunk)
		rows, err := o.query(ctx, query, args...)
		read, err := collect(rows, err, scanPersonRow)
		if err != nil {
			return nil, err
		}
		for _, r := range read {
			if r.item.Status != status {
				continue
			}
			if out = append(out, r); len(out) == limit+1 {
				return out, nil
			}
		}
		if len(read) < chunk {
			return out, nil
		}
		last := read[len(read)-1]
		after = &cursor{Key: last.key, ID: last.item.ID}
		chunk = min(4*chunk, peopleWalkMaxChunk)
	}
}

// PeopleByID reads the people of a tenant with these ids, in one query (a
// list of items shows each one's person); ids of no one in the tenant are
// absent from the answer.
func (o *ops) PeopleByID(ctx context.Context, tenantID int64, ids []int64) (_ map[int64]Person, err error) {
	defer wrap(&err, "people of tenant %d by id", tenantID)
	out := map[int64]Person{}
	for len(ids) > 0 {
		n := min(len(ids), 500) // well under both engines' limits on arguments
		args := []any{tenantID}
		for _, id := range ids[:n] {
			args = append(args, id)
		}
		rows, err := o.query(ctx, `SELECT `+personCols+` FROM people WHERE tenant_id = ? AND id IN (?`+
			strings.Repeat(", ?", n-1)+`)`, args...)
		ps, err := collect(rows, err, scanPerson)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			out[p.ID] = p
		}
		ids = ids[n:]
	}
	return out, nil
}
