package sandbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// StoredItem is one activity or person item on a record, kept as ORCID JSON.
// PutCode is unique only within the kind's sequence (see putCodeSeq).
type StoredItem struct {
	PutCode        int64
	ORCID          string
	Kind           string
	SourceClientID string
	Visibility     string
	// DisplayIndex is ORCID's display-index: 1 for items written through
	// the API, 0 for those the researcher entered (ORCID-Source
	// DisplayIndexCalculatorHelper.setDisplayIndex). Set at creation only.
	DisplayIndex int64
	Body         []byte
	CreatedAt    time.Time
	ModifiedAt   time.Time
}

// putCodeSeq names the sequence a kind's put-codes come from: ORCID's own
// sequence names (@SequenceGenerator on the entities of ORCID-Source
// orcid-persistence; migration 00004). The seven affiliation kinds share
// one table, hence one sequence.
func putCodeSeq(kind string) string {
	switch kind {
	case "work":
		return "work_seq"
	case "funding":
		return "profile_funding_seq"
	case "distinction", "education", "employment", "invited-position", "membership", "qualification", "service":
		return "org_affiliation_relation_seq"
	case "peer-review":
		return "peer_review_seq"
	case "research-resource":
		return "research_resource_seq"
	case "other-name":
		return "other_name_seq"
	case "keyword":
		return "keyword_seq"
	case "researcher-url":
		return "researcher_url_seq"
	case "address":
		return "address_seq"
	case "external-identifier":
		return "external_identifier_id_seq"
	}
	// Not an API kind (the site may keep other things): a sequence of its
	// own, the name migration 00004 gives it too.
	return kind + "_seq"
}

// nextPutCode draws the next put-code of kind's sequence inside tx.
func nextPutCode(ctx context.Context, tx *sql.Tx, kind string) (int64, error) {
	var pc int64
	err := tx.QueryRowContext(ctx, `INSERT INTO putcode_sequences (name, last) VALUES (?, 1)
		ON CONFLICT (name) DO UPDATE SET last = last + 1 RETURNING last`, putCodeSeq(kind)).Scan(&pc)
	if err != nil {
		return 0, fmt.Errorf("next put-code of %s: %w", kind, err)
	}
	return pc, nil
}

// CreateItem inserts the item and returns its new put-code; the body is
// stored as is.
func (s *store) CreateItem(ctx context.Context, it StoredItem) (int64, error) {
	return s.CreateItemFunc(ctx, it, func(int64) ([]byte, error) { return it.Body, nil })
}

// CreateItemFunc inserts an item whose body depends on its put-code, in one
// transaction: build is called with the new put-code and returns the body.
func (s *store) CreateItemFunc(ctx context.Context, it StoredItem, build func(putCode int64) ([]byte, error)) (int64, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	pc, err := nextPutCode(ctx, tx, it.Kind)
	if err != nil {
		return 0, err
	}
	body, err := build(pc)
	if err != nil {
		return 0, err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO items
		(seq, put_code, orcid, kind, source_client_id, visibility, display_index, body, created_at, modified_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		putCodeSeq(it.Kind), pc, it.ORCID, it.Kind, it.SourceClientID, it.Visibility, it.DisplayIndex, string(body),
		unix(it.CreatedAt), unix(it.ModifiedAt))
	if err != nil {
		return 0, err
	}
	return pc, tx.Commit()
}

// UpdateItem replaces the visibility, body and modification time of the
// item it.Kind / it.PutCode on it.ORCID.
func (s *store) UpdateItem(ctx context.Context, it StoredItem) error {
	res, err := s.db.ExecContext(ctx, `UPDATE items SET visibility = ?, body = ?, modified_at = ?
		WHERE seq = ? AND put_code = ? AND orcid = ?`,
		it.Visibility, string(it.Body), unix(it.ModifiedAt), putCodeSeq(it.Kind), it.PutCode, it.ORCID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// DeleteItem deletes the record's item of kind's sequence with putCode.
func (s *store) DeleteItem(ctx context.Context, orcid, kind string, putCode int64) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM items WHERE seq = ? AND put_code = ? AND orcid = ?`,
		putCodeSeq(kind), putCode, orcid)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

const itemCols = `put_code, orcid, kind, source_client_id, visibility, display_index, body, created_at, modified_at`

func scanItem(row rowScanner) (StoredItem, error) {
	var it StoredItem
	var body string
	var created, modified int64
	err := row.Scan(&it.PutCode, &it.ORCID, &it.Kind, &it.SourceClientID, &it.Visibility, &it.DisplayIndex, &body, &created, &modified)
	if errors.Is(err, sql.ErrNoRows) {
		return it, ErrNotFound
	}
	it.Body = []byte(body)
	it.CreatedAt, it.ModifiedAt = fromUnix(created), fromUnix(modified)
	return it, err
}

// Item returns one item of a record by kind and put-code: the put-code is
// looked up in the kind's sequence, so a work's put-code never finds a
// funding. The row found may be of another kind sharing the sequence (an
// employment for an education's path); the caller decides what that
// means. An item of another record is not found, as on ORCID.
func (s *store) Item(ctx context.Context, orcid, kind string, putCode int64) (StoredItem, error) {
	return scanItem(s.db.QueryRowContext(ctx, `SELECT `+itemCols+` FROM items WHERE seq = ? AND put_code = ? AND orcid = ?`,
		putCodeSeq(kind), putCode, orcid))
}

// Items lists a record's items of the given kinds (all kinds when none is
// given), oldest first.
func (s *store) Items(ctx context.Context, orcid string, kinds ...string) ([]StoredItem, error) {
	q := `SELECT ` + itemCols + ` FROM items WHERE orcid = ?`
	args := []any{orcid}
	if len(kinds) > 0 {
		q += ` AND kind IN (?` + strings.Repeat(`, ?`, len(kinds)-1) + `)`
		for _, k := range kinds {
			args = append(args, k)
		}
	}
	return queryAll(ctx, s.db, scanItem, q+` ORDER BY id`, args...)
}

// ItemsFrom lists a record's items of one kind written by one source
// ("" for the researcher), oldest first: what ORCID compares a new item
// with to find duplicates.
func (s *store) ItemsFrom(ctx context.Context, orcid, kind, sourceClientID string) ([]StoredItem, error) {
	return queryAll(ctx, s.db, scanItem, `SELECT `+itemCols+` FROM items WHERE orcid = ? AND kind = ? AND source_client_id = ?
		ORDER BY id`, orcid, kind, sourceClientID)
}

// CountItems counts a record's items of one kind.
func (s *store) CountItems(ctx context.Context, orcid, kind string) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM items WHERE orcid = ? AND kind = ?`, orcid, kind).Scan(&n)
	return n, err
}
