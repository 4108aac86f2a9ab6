package store

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/seal"
)

// sealedTable describes a table's sealed columns for ResealAll.
type sealedTable struct {
	table   string
	columns []string
	// extra is one more column the additional data needs (the iD), or "".
	extra string
	aad   func(id int64, extra, column string) []byte
}

var sealedTables = []sealedTable{
	{table: "credentials", columns: []string{"client_secret"},
		aad: func(id int64, _, _ string) []byte { return secretAAD(id) }},
	{table: "orcid_links", columns: linkTokenColumns, extra: "orcid",
		aad: func(id int64, extra, column string) []byte { return tokenAAD(id, orcid.ID(extra), column) }},
	{table: "webhook_endpoints", columns: []string{"secret"},
		aad: func(id int64, _, _ string) []byte { return webhookSecretAAD(id) }},
	{table: "emails", columns: []string{"sealed"},
		aad: func(id int64, _, _ string) []byte { return emailAAD(id) }},
	{table: "invitations", columns: []string{"reminder_token"},
		aad: func(id int64, _, _ string) []byte { return reminderTokenAAD(id) }},
	{table: "connect_signing_keys", columns: []string{"private_key"},
		aad: func(id int64, _, _ string) []byte { return signingKeyAAD(id) }},
}

// ResealAll re-encrypts, under the ring's primary key, every sealed value
// sealed with another key: the second half of a key rotation, after the
// new key was made primary and while the old one is still in the ring.
//
// It works in batches of batchSize rows, each in its own short transaction,
// so the server can keep running; a value the server rewrites meanwhile is
// left to the server (it is sealed with the primary key already, if the
// server runs with the new ring). progress, if not nil, is called after
// each batch with rows done so far and rows that needed it at the start.
// It returns the number of rows resealed. Run it again to finish after an
// interruption: it only ever touches values not under the primary key.
func (s *Store) ResealAll(ctx context.Context, batchSize int, progress func(done, total int)) (_ int, err error) {
	defer wrap(&err, "reseal")
	ring, err := s.sealer()
	if err != nil {
		return 0, err
	}
	if batchSize <= 0 {
		batchSize = 100
	}
	// A value needs resealing when it does not start with the primary's
	// prefix. Comparing the prefix in SQL (substr works on BLOB and BYTEA
	// alike) reads only the rows that need work.
	prefix := []byte("v1:" + ring.PrimaryID() + ":")
	total := 0
	for _, t := range sealedTables {
		where, args := t.needsReseal(prefix)
		var n int
		if err := s.queryRow(ctx, `SELECT count(*) FROM `+t.table+` WHERE `+where, args...).Scan(&n); err != nil {
			return 0, err
		}
		total += n
	}
	done, resealed := 0, 0
	for _, t := range sealedTables {
		var last int64
		for {
			var n, changed int
			err := s.atomic(ctx, func(o *ops) (err error) {
				n, changed, last, err = o.resealBatch(ctx, ring, t, prefix, last, batchSize)
				return err
			})
			if err != nil {
				return resealed, err
			}
			done += n
			resealed += changed
			if progress != nil && n > 0 {
				progress(done, total)
			}
			if n < batchSize {
				break
			}
		}
	}
	return resealed, nil
}

// needsReseal is the condition, and its arguments, for a row of t with a
// value not sealed under prefix.
func (t sealedTable) needsReseal(prefix []byte) (string, []any) {
	var conds []string
	var args []any
	for _, c := range t.columns {
		conds = append(conds, fmt.Sprintf("(%s IS NOT NULL AND substr(%s, 1, %d) <> ?)", c, c, len(prefix)))
		args = append(args, prefix)
	}
	return "(" + strings.Join(conds, " OR ") + ")", args
}

// resealBatch reseals up to limit rows of t after id after, returning how
// many rows it looked at, how many it changed, and the last id seen.
func (o *ops) resealBatch(ctx context.Context, ring *seal.Ring, t sealedTable, prefix []byte, after int64, limit int) (n, changed int, last int64, err error) {
	where, args := t.needsReseal(prefix)
	extra := "''"
	if t.extra != "" {
		extra = "COALESCE(" + t.extra + ", '')"
	}
	type row struct {
		id     int64
		extra  string
		values [][]byte
	}
	rows, err := o.query(ctx, `SELECT id, `+extra+`, `+strings.Join(t.columns, ", ")+` FROM `+t.table+
		` WHERE id > ? AND `+where+` ORDER BY id LIMIT ?`, append(append([]any{after}, args...), limit)...)
	batch, err := collect(rows, err, func(r scanner) (row, error) {
		rw := row{values: make([][]byte, len(t.columns))}
		dest := []any{&rw.id, &rw.extra}
		for i := range rw.values {
			dest = append(dest, &rw.values[i])
		}
		return rw, r.Scan(dest...)
	})
	if err != nil {
		return 0, 0, after, err
	}
	// Rows are read in full before any update: on SQLite the one connection
	// cannot run an update while a result set is open.
	last = after
	for _, rw := range batch {
		last = rw.id
		var sets, conds []string
		var setArgs, condArgs []any
		for i, c := range t.columns {
			old := rw.values[i]
			if len(old) == 0 || bytes.HasPrefix(old, prefix) {
				continue
			}
			fresh, err := ring.Reseal(old, t.aad(rw.id, rw.extra, c))
			if err != nil {
				return 0, 0, after, fmt.Errorf("%s %d: %s: %w", t.table, rw.id, c, err)
			}
			sets = append(sets, c+" = ?")
			setArgs = append(setArgs, fresh)
			// Only if the row still holds what was read: a value the
			// server rewrote meanwhile is newer than ours.
			conds = append(conds, " AND "+c+" = ?")
			condArgs = append(condArgs, old)
		}
		if len(sets) == 0 {
			continue
		}
		res, err := o.exec(ctx, `UPDATE `+t.table+` SET `+strings.Join(sets, ", ")+` WHERE id = ?`+strings.Join(conds, ""),
			append(append(setArgs, rw.id), condArgs...)...)
		if err != nil {
			return 0, 0, after, err
		}
		if k, err := res.RowsAffected(); err != nil {
			return 0, 0, after, err
		} else if k == 1 {
			changed++
		}
	}
	return len(batch), changed, last, nil
}
