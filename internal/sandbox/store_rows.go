package sandbox

import (
	"context"
	"database/sql"
)

// rowScanner is a *sql.Row or *sql.Rows, for the scan functions of each
// table (scanItem, scanResearcher, ...).
type rowScanner interface{ Scan(...any) error }

// queryAll runs a query and scans each row it returns with scan, in order.
func queryAll[T any](ctx context.Context, db *sql.DB, scan func(rowScanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
