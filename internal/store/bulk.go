package store

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
)

// Bulk loading, for `orcidlink bench scale`: a million people and ten
// million items go in with PostgreSQL's COPY rather than a statement each.
// The caller supplies whole rows, ids included; what only the store knows
// how to compute (the people's search and sort keys, the page cursors) is
// exported here so that the rows mean what the store's own would.

// PersonKeys are the search text and sort key the store keeps with a
// person (people.search_text, people.sort_key).
func PersonKeys(p Person) (search, sort string) {
	return searchText(p), sortKey(p)
}

// PeopleCursor is the ListPeople cursor of the page that starts after the
// person with this sort key and id (PersonKeys).
func PeopleCursor(sortKey string, id int64) string {
	return cursor{Key: sortKey, ID: id}.encode()
}

// bulkTables are the tables Copy may load, each with the identity column
// it must move past afterwards.
var bulkTables = []string{"people", "orcid_links", "invitations", "orcid_items", "emails", "audit_events"}

// Copy loads rows into table with COPY (PostgreSQL only), in one
// transaction, and returns how many went in. Ids given in the rows are
// kept; call FinishBulkLoad once every table is loaded so that the next
// insert gets a new id.
func (s *Store) Copy(ctx context.Context, table string, cols []string, rows pgx.CopyFromSource) (n int64, err error) {
	defer wrap(&err, "copy into %s", table)
	if !slices.Contains(bulkTables, table) {
		return 0, fmt.Errorf("%w: %s cannot be bulk loaded", ErrInvalid, table)
	}
	if s.d != postgresDialect {
		return 0, errors.New("bulk loading needs PostgreSQL")
	}
	err = s.InTx(ctx, func(tx *Tx) error {
		return tx.WithPgx(func(conn *pgx.Conn) error {
			// The items' count triggers would append a row per item
			// loaded: FinishBulkLoad counts them once instead.
			if table == "orcid_items" {
				if _, err := conn.Exec(ctx, `ALTER TABLE orcid_items DISABLE TRIGGER USER`); err != nil {
					return err
				}
			}
			if n, err = conn.CopyFrom(ctx, pgx.Identifier{table}, cols, rows); err != nil {
				return err
			}
			if table == "orcid_items" {
				_, err = conn.Exec(ctx, `ALTER TABLE orcid_items ENABLE TRIGGER USER`)
			}
			return err
		})
	})
	return n, err
}

// FinishBulkLoad makes the store whole after Copy (PostgreSQL only): the
// id sequence of every bulk-loadable table moves past its largest id (COPY
// does not advance them), and the kept item counts are counted afresh.
func (s *Store) FinishBulkLoad(ctx context.Context) (err error) {
	defer wrap(&err, "finish bulk load")
	for _, t := range bulkTables {
		if _, err := s.db.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('`+t+`', 'id'),
			GREATEST((SELECT MAX(id) FROM `+t+`), 1))`); err != nil {
			return fmt.Errorf("%s: %w", t, err)
		}
	}
	return s.RecountItems(ctx)
}
