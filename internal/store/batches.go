package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// BatchState is where an uploaded file stands.
type BatchState string

const (
	// BatchValidating: rows are being read and checked.
	BatchValidating BatchState = "validating"
	// BatchInvalid: checked, with problems; only its valid rows may be
	// imported, and only if an administrator asks for that.
	BatchInvalid BatchState = "invalid"
	// BatchReady: checked, without problems.
	BatchReady BatchState = "ready"
	// BatchImporting: a job is working through the rows.
	BatchImporting BatchState = "importing"
	// BatchDone: every row to import was imported (or failed on its own).
	BatchDone BatchState = "done"
	// BatchFailed: the import stopped; Message says why.
	BatchFailed BatchState = "failed"
)

// Outcomes of a batch row's import.
const (
	RowPending = ""        // not imported yet
	RowDone    = "done"    // person (and item) recorded
	RowSkipped = "skipped" // not imported: the row has problems
	RowFailed  = "failed"  // importing it failed; Message says why
)

// Batch is an uploaded file of people or items.
type Batch struct {
	ID         int64
	TenantID   int64
	Kind       string // people, affiliations, works, fundings, peer-reviews
	Format     string // csv, json
	Filename   string
	UploadedBy string // actor
	State      BatchState
	// Total counts data rows; Valid and Invalid split them; Done counts
	// rows whose import has an outcome (done, skipped or failed).
	Total, Valid, Invalid, Done int
	// FileProblems are the problems of the whole file (encoding, header)
	// as a JSON array; "[]" for none.
	FileProblems json.RawMessage
	OnlyValid    bool
	Invite       bool
	Message      string
	CreatedAt    time.Time
	UpdatedAt    time.Time
	StartedAt    time.Time
	FinishedAt   time.Time
}

// BatchRow is one data row of a batch.
type BatchRow struct {
	BatchID int64
	Row     int // 1 for the first data row
	Line    int // where the row starts in a CSV file; 0 for JSON
	// Data is the row as a JSON object of column to value; Problems a JSON
	// array ("[]" for none).
	Data     json.RawMessage
	Problems json.RawMessage
	Valid    bool
	PersonID int64
	ItemID   int64
	Outcome  string
	Message  string
}

const batchCols = `id, tenant_id, kind, format, filename, uploaded_by, state, total_rows, valid_rows, invalid_rows,
	done_rows, file_problems, only_valid, invite, message, created_at, updated_at, started_at, finished_at`

func scanBatch(r scanner) (Batch, error) {
	var b Batch
	var probs string
	var onlyValid, invite int
	err := r.Scan(&b.ID, &b.TenantID, &b.Kind, &b.Format, &b.Filename, &b.UploadedBy, &b.State, &b.Total, &b.Valid,
		&b.Invalid, &b.Done, &probs, &onlyValid, &invite, &b.Message, timeDest{&b.CreatedAt}, timeDest{&b.UpdatedAt},
		timeDest{&b.StartedAt}, timeDest{&b.FinishedAt})
	b.FileProblems, b.OnlyValid, b.Invite = json.RawMessage(probs), onlyValid != 0, invite != 0
	return b, err
}

const batchRowCols = `batch_id, row_num, line, data, problems, valid, person_id, item_id, outcome, message`

func scanBatchRow(r scanner) (BatchRow, error) {
	var x BatchRow
	var data, probs string
	var valid int
	err := r.Scan(&x.BatchID, &x.Row, &x.Line, &data, &probs, &valid, nullable[int64]{&x.PersonID},
		nullable[int64]{&x.ItemID}, &x.Outcome, &x.Message)
	x.Data, x.Problems, x.Valid = json.RawMessage(data), json.RawMessage(probs), valid != 0
	return x, err
}

// CreateBatch records an upload about to be validated (state validating,
// no rows yet).
func (o *ops) CreateBatch(ctx context.Context, b Batch) (_ Batch, err error) {
	defer wrap(&err, "create batch in tenant %d", b.TenantID)
	if b.Kind == "" || b.Format == "" {
		return Batch{}, fmt.Errorf("%w: a batch needs a kind and a format", ErrInvalid)
	}
	if err := o.mustExist(ctx, "tenant", b.TenantID, `SELECT 1 FROM tenants WHERE id = ?`, b.TenantID); err != nil {
		return Batch{}, err
	}
	now := timeText(o.now())
	// In a transaction of its own, which carries the caller's audit event
	// (WithAudit): the upload's record goes with its batch.
	var out Batch
	err = o.atomic(ctx, func(o *ops) (err error) {
		out, err = scanBatch(o.queryRow(ctx, `INSERT INTO batches (tenant_id, kind, format, filename, uploaded_by, state,
		total_rows, valid_rows, invalid_rows, done_rows, file_problems, only_valid, invite, message, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, 'validating', 0, 0, 0, 0, '[]', 0, 0, '', ?, ?) RETURNING `+batchCols,
			b.TenantID, b.Kind, b.Format, b.Filename, b.UploadedBy, now, now))
		return dbErr(err, ErrNotFound)
	})
	return out, err
}

// AddBatchRows stores validated rows of a batch that is validating, in one
// transaction. Rows come in chunks so that a large file is never held
// whole.
func (o *ops) AddBatchRows(ctx context.Context, batchID int64, rows []BatchRow) (err error) {
	defer wrap(&err, "add %d rows to batch %d", len(rows), batchID)
	const per = 200 // rows per INSERT: 7 parameters each, well under both engines' limits
	return o.atomic(ctx, func(o *ops) error {
		for start := 0; start < len(rows); start += per {
			chunk := rows[start:min(start+per, len(rows))]
			var b strings.Builder
			b.WriteString(`INSERT INTO batch_rows (batch_id, row_num, line, data, problems, valid, outcome, message) VALUES `)
			args := make([]any, 0, len(chunk)*6)
			for i, r := range chunk {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(`(?, ?, ?, ?, ?, ?, '', '')`)
				probs := string(r.Problems)
				if probs == "" {
					probs = "[]"
				}
				args = append(args, batchID, r.Row, r.Line, string(r.Data), probs, boolInt(r.Valid))
			}
			if _, err := o.exec(ctx, b.String(), args...); err != nil {
				return dbErr(err, ErrNotFound)
			}
		}
		return nil
	})
}

// FinishBatchValidation records the counts and the file's own problems:
// the batch is ready when nothing is wrong, invalid otherwise.
func (o *ops) FinishBatchValidation(ctx context.Context, tenantID, batchID int64, total, valid, invalid int,
	fileProblems json.RawMessage) (_ Batch, err error) {
	defer wrap(&err, "finish validating batch %d of tenant %d", batchID, tenantID)
	if len(fileProblems) == 0 {
		fileProblems = json.RawMessage("[]")
	}
	state := BatchReady
	if invalid > 0 || string(fileProblems) != "[]" {
		state = BatchInvalid
	}
	b, err := scanBatch(o.queryRow(ctx, `UPDATE batches SET state = ?, total_rows = ?, valid_rows = ?, invalid_rows = ?,
		file_problems = ?, updated_at = ? WHERE id = ? AND tenant_id = ? AND state = 'validating' RETURNING `+batchCols,
		string(state), total, valid, invalid, string(fileProblems), timeText(o.now()), batchID, tenantID))
	return b, notFound(err)
}

// Batch reads a batch of a tenant.
func (o *ops) Batch(ctx context.Context, tenantID, batchID int64) (_ Batch, err error) {
	defer wrap(&err, "batch %d of tenant %d", batchID, tenantID)
	b, err := scanBatch(o.queryRow(ctx, `SELECT `+batchCols+` FROM batches WHERE id = ? AND tenant_id = ?`, batchID, tenantID))
	return b, notFound(err)
}

// ListBatches lists a tenant's batches, newest first.
func (o *ops) ListBatches(ctx context.Context, tenantID int64, limit int) (_ []Batch, err error) {
	defer wrap(&err, "batches of tenant %d", tenantID)
	rows, err := o.query(ctx, `SELECT `+batchCols+` FROM batches WHERE tenant_id = ? ORDER BY id DESC LIMIT ?`,
		tenantID, limitOr(limit, 50, 500))
	return collect(rows, err, scanBatch)
}

// StartBatchImport moves a checked batch to importing. A batch with
// problems is imported only with onlyValid (its invalid rows are then
// skipped); one being validated, imported or already imported is
// ErrConflict. The caller queues the job in the same transaction.
func (o *ops) StartBatchImport(ctx context.Context, tenantID, batchID int64, onlyValid, invite bool) (_ Batch, err error) {
	defer wrap(&err, "start importing batch %d of tenant %d", batchID, tenantID)
	var out Batch
	err = o.atomic(ctx, func(o *ops) error {
		b, err := scanBatch(o.queryRow(ctx, `SELECT `+batchCols+` FROM batches WHERE id = ? AND tenant_id = ?`, batchID, tenantID))
		if err = notFound(err); err != nil {
			return err
		}
		switch {
		case b.State == BatchInvalid && !onlyValid:
			return Refusal(ErrConflict, "the file has problems; import only its valid rows, or upload it corrected")
		case b.State != BatchReady && b.State != BatchInvalid:
			return Refusal(ErrConflict, "the batch is %s", b.State)
		}
		skipped, err := o.exec(ctx, `UPDATE batch_rows SET outcome = 'skipped', message = 'not imported: the row has problems'
			WHERE batch_id = ? AND valid = 0 AND outcome = ''`, batchID)
		if err != nil {
			return err
		}
		n, err := skipped.RowsAffected()
		if err != nil {
			return err
		}
		now := timeText(o.now())
		out, err = scanBatch(o.queryRow(ctx, `UPDATE batches SET state = 'importing', only_valid = ?, invite = ?,
			done_rows = done_rows + ?, started_at = ?, updated_at = ? WHERE id = ? RETURNING `+batchCols,
			boolInt(onlyValid), boolInt(invite), n, now, now, batchID))
		return err
	})
	return out, err
}

// BatchRowsToImport lists the next valid rows of a batch without an
// outcome, in file order.
func (o *ops) BatchRowsToImport(ctx context.Context, batchID int64, limit int) (_ []BatchRow, err error) {
	defer wrap(&err, "rows to import of batch %d", batchID)
	rows, err := o.query(ctx, `SELECT `+batchRowCols+` FROM batch_rows WHERE batch_id = ? AND outcome = '' AND valid = 1
		ORDER BY row_num LIMIT ?`, batchID, limitOr(limit, 100, 1000))
	return collect(rows, err, scanBatchRow)
}

// SetBatchRowOutcome records what importing a row did and counts it as
// done. A row that already has an outcome is left alone (a job that ran
// twice counts it once).
func (o *ops) SetBatchRowOutcome(ctx context.Context, batchID int64, row int, personID, itemID int64, outcome, message string) (err error) {
	defer wrap(&err, "outcome of row %d of batch %d", row, batchID)
	if outcome != RowDone && outcome != RowFailed {
		return fmt.Errorf("%w: outcome %q", ErrInvalid, outcome)
	}
	return o.atomic(ctx, func(o *ops) error {
		res, err := o.exec(ctx, `UPDATE batch_rows SET person_id = ?, item_id = ?, outcome = ?, message = ?
			WHERE batch_id = ? AND row_num = ? AND outcome = ''`, nullID(personID), nullID(itemID), outcome, message, batchID, row)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		_, err = o.exec(ctx, `UPDATE batches SET done_rows = done_rows + 1, updated_at = ? WHERE id = ?`,
			timeText(o.now()), batchID)
		return err
	})
}

// FinishBatchImport ends an import: done, or failed with a message.
func (o *ops) FinishBatchImport(ctx context.Context, batchID int64, state BatchState, message string) (_ Batch, err error) {
	defer wrap(&err, "finish importing batch %d", batchID)
	if state != BatchDone && state != BatchFailed {
		return Batch{}, fmt.Errorf("%w: an import ends done or failed, not %q", ErrInvalid, state)
	}
	now := timeText(o.now())
	b, err := scanBatch(o.queryRow(ctx, `UPDATE batches SET state = ?, message = ?, finished_at = ?, updated_at = ?
		WHERE id = ? AND state = 'importing' RETURNING `+batchCols, string(state), message, now, now, batchID))
	return b, notFound(err)
}

// BatchByID reads a batch by id, for the import job, which holds only the
// id; callers acting for a tenant use Batch.
func (o *ops) BatchByID(ctx context.Context, batchID int64) (_ Batch, err error) {
	defer wrap(&err, "batch %d", batchID)
	b, err := scanBatch(o.queryRow(ctx, `SELECT `+batchCols+` FROM batches WHERE id = ?`, batchID))
	return b, notFound(err)
}

// BatchRows lists rows of a tenant's batch after row afterRow, in file
// order; onlyInvalid keeps the rows with problems (the report).
func (o *ops) BatchRows(ctx context.Context, tenantID, batchID int64, afterRow int, onlyInvalid bool, limit int) (_ []BatchRow, err error) {
	defer wrap(&err, "rows of batch %d of tenant %d", batchID, tenantID)
	q := `SELECT ` + qualify("r", batchRowCols) + ` FROM batch_rows r JOIN batches b ON b.id = r.batch_id
		WHERE r.batch_id = ? AND b.tenant_id = ? AND r.row_num > ?`
	if onlyInvalid {
		q += ` AND r.valid = 0`
	}
	rows, err := o.query(ctx, q+` ORDER BY r.row_num LIMIT ?`, batchID, tenantID, afterRow, limitOr(limit, 100, 5000))
	return collect(rows, err, scanBatchRow)
}

// BatchResult is a row of a batch with where its person and item stand
// now: read when the result file is downloaded, so that it shows syncs
// that happened after the import.
type BatchResult struct {
	BatchRow
	PersonEmail  string
	PersonRef    string
	PersonStatus PersonStatus // "" when the row has no person (any more)
	ORCIDURI     string
	ItemKey      string
	ItemState    ItemState // "" when the row has no item (any more)
	PutCode      int64
	ItemMessage  string // why the item is pending, or ORCID's last error
}

// BatchResults lists a tenant's batch rows after afterRow with the current
// state of their people and items.
func (o *ops) BatchResults(ctx context.Context, tenantID, batchID int64, afterRow, limit int) (_ []BatchResult, err error) {
	defer wrap(&err, "results of batch %d of tenant %d", batchID, tenantID)
	rows, err := o.query(ctx, `SELECT `+qualify("r", batchRowCols)+`, p.email, p.external_ref,
			CASE
				WHEN p.id IS NULL THEN ''
				WHEN l.state IS NOT NULL THEN l.state
				WHEN EXISTS (SELECT 1 FROM invitations i WHERE i.person_id = p.id AND i.state = 'pending' AND i.expires_at > ?)
					THEN 'invited'
				WHEN (SELECT i.state FROM invitations i WHERE i.person_id = p.id ORDER BY i.id DESC LIMIT 1) = 'denied'
					THEN 'denied'
				ELSE 'none'
			END,
			l.orcid_uri, it.item_key, it.state, it.put_code, it.state_reason, it.last_error
		FROM batch_rows r
		JOIN batches b ON b.id = r.batch_id
		JOIN tenants t ON t.id = b.tenant_id
		LEFT JOIN people p ON p.id = r.person_id AND p.tenant_id = b.tenant_id
		LEFT JOIN orcid_links l ON l.person_id = p.id AND l.credential_id = t.credential_id
		LEFT JOIN orcid_items it ON it.id = r.item_id AND it.tenant_id = b.tenant_id
		WHERE r.batch_id = ? AND b.tenant_id = ? AND r.row_num > ?
		ORDER BY r.row_num LIMIT ?`, timeText(o.now()), batchID, tenantID, afterRow, limitOr(limit, 500, 5000))
	return collect(rows, err, func(r scanner) (BatchResult, error) {
		var x BatchResult
		var data, probs, status, reason, lastErr string
		var valid int
		err := r.Scan(&x.BatchID, &x.Row, &x.Line, &data, &probs, &valid, nullable[int64]{&x.PersonID},
			nullable[int64]{&x.ItemID}, &x.Outcome, &x.Message, nullable[string]{&x.PersonEmail},
			nullable[string]{&x.PersonRef}, &status, nullable[string]{&x.ORCIDURI}, nullable[string]{&x.ItemKey},
			nullable[ItemState]{&x.ItemState}, nullable[int64]{&x.PutCode}, nullable[string]{&reason},
			nullable[string]{&lastErr})
		x.Data, x.Problems, x.Valid, x.PersonStatus = json.RawMessage(data), json.RawMessage(probs), valid != 0, PersonStatus(status)
		x.ItemMessage = reason
		if lastErr != "" {
			x.ItemMessage = lastErr
		}
		return x, err
	})
}

// PeopleRefs says which of a tenant's people exist, by email (lower case)
// and by reference: what validating a file needs to know, asked for a
// chunk of rows at once.
type PeopleRefs struct {
	ByEmail map[string]int64
	ByRef   map[string]int64
}

// ResolvePeople looks up a tenant's people by email (ignoring ASCII case)
// and by reference.
func (o *ops) ResolvePeople(ctx context.Context, tenantID int64, emails, refs []string) (_ PeopleRefs, err error) {
	defer wrap(&err, "resolve people of tenant %d", tenantID)
	out := PeopleRefs{ByEmail: map[string]int64{}, ByRef: map[string]int64{}}
	const per = 500
	lookup := func(col string, values []string, into map[string]int64) error {
		for start := 0; start < len(values); start += per {
			chunk := values[start:min(start+per, len(values))]
			args := []any{tenantID}
			ph := make([]string, len(chunk))
			for i, v := range chunk {
				ph[i] = "?"
				args = append(args, v)
			}
			rows, err := o.query(ctx, `SELECT id, `+col+` FROM people WHERE tenant_id = ? AND `+col+
				` IN (`+strings.Join(ph, ", ")+`)`, args...)
			type pair struct {
				id  int64
				key string
			}
			got, err := collect(rows, err, func(r scanner) (pair, error) {
				var p pair
				return p, r.Scan(&p.id, &p.key)
			})
			if err != nil {
				return err
			}
			for _, p := range got {
				into[p.key] = p.id
			}
		}
		return nil
	}
	lower := make([]string, len(emails))
	for i, e := range emails {
		lower[i] = strings.ToLower(strings.TrimSpace(e))
	}
	if err := lookup("lower(email)", lower, out.ByEmail); err != nil {
		return PeopleRefs{}, err
	}
	if err := lookup("external_ref", refs, out.ByRef); err != nil {
		return PeopleRefs{}, err
	}
	return out, nil
}

// KnownPersonIDs says which of ids are people of the tenant: the
// contributors an articles file names by person_id, checked a chunk of
// rows at once as ResolvePeople checks emails and references.
func (o *ops) KnownPersonIDs(ctx context.Context, tenantID int64, ids []int64) (_ map[int64]bool, err error) {
	defer wrap(&err, "resolve person ids of tenant %d", tenantID)
	out := map[int64]bool{}
	const per = 500
	for start := 0; start < len(ids); start += per {
		chunk := ids[start:min(start+per, len(ids))]
		args := []any{tenantID}
		ph := make([]string, len(chunk))
		for i, id := range chunk {
			ph[i] = "?"
			args = append(args, id)
		}
		rows, err := o.query(ctx, `SELECT id FROM people WHERE tenant_id = ? AND id IN (`+strings.Join(ph, ", ")+`)`, args...)
		got, err := collect(rows, err, func(r scanner) (int64, error) {
			var id int64
			return id, r.Scan(&id)
		})
		if err != nil {
			return nil, err
		}
		for _, id := range got {
			out[id] = true
		}
	}
	return out, nil
}

// AbandonBatch deletes a batch whose upload broke off while it was being
// validated (the client went away, the file was too large), with the rows
// stored so far: an upload either completes or leaves nothing. A batch
// past validation is not touched (ErrNotFound).
func (o *ops) AbandonBatch(ctx context.Context, tenantID, batchID int64) (err error) {
	defer wrap(&err, "abandon batch %d", batchID)
	return affected(o.exec(ctx, `DELETE FROM batches WHERE id = ? AND tenant_id = ? AND state = 'validating'`,
		batchID, tenantID))
}

// PruneAbandonedBatches deletes batches still validating that were created
// before olderThan: their upload died with its process.
func (o *ops) PruneAbandonedBatches(ctx context.Context, olderThan time.Time) (_ int64, err error) {
	defer wrap(&err, "prune abandoned batches")
	res, err := o.exec(ctx, `DELETE FROM batches WHERE state = 'validating' AND created_at < ?`, timeText(olderThan))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
