package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// Editor is a member of a tenant's editorial board: a person of the tenant
// in a role on a journal from Start, until End (the zero time while they
// are on the board). Each gets a service affiliation on their ORCID
// record (package journal).
type Editor struct {
	ID       int64
	TenantID int64
	PersonID int64
	Role     string
	Journal  string
	// Start and End are days (UTC dates); End is zero while serving.
	Start, End time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Serving reports whether the editor is still on the board.
func (e Editor) Serving() bool { return e.End.IsZero() }

const editorCols = `id, tenant_id, person_id, role, journal, start_on, end_on, created_at, updated_at`

func scanEditor(r scanner) (Editor, error) {
	var e Editor
	var start, end string
	if err := r.Scan(&e.ID, &e.TenantID, &e.PersonID, &e.Role, &e.Journal, &start, &end, timeDest{&e.CreatedAt},
		timeDest{&e.UpdatedAt}); err != nil {
		return e, err
	}
	var err error
	if e.Start, err = time.Parse(time.DateOnly, start); err != nil {
		return e, fmt.Errorf("editor %d: start %q: %w", e.ID, start, err)
	}
	if end != "" {
		if e.End, err = time.Parse(time.DateOnly, end); err != nil {
			return e, fmt.Errorf("editor %d: end %q: %w", e.ID, end, err)
		}
	}
	return e, nil
}

func dayText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}

// SaveEditor adds a member to the board (ID 0) or changes one. The person
// must be the tenant's (else ErrNotFound).
func (o *ops) SaveEditor(ctx context.Context, e Editor) (_ Editor, err error) {
	defer wrap(&err, "save editor %d of tenant %d", e.ID, e.TenantID)
	e.Role, e.Journal = strings.TrimSpace(e.Role), strings.TrimSpace(e.Journal)
	if err := checkTexts("role", e.Role, "journal", e.Journal); err != nil {
		return Editor{}, err
	}
	switch {
	case e.Role == "" || len(e.Role) > 1000 || e.Journal == "" || len(e.Journal) > 1000:
		return Editor{}, fmt.Errorf("%w: an editor needs a role and a journal (1 to 1,000 bytes)", ErrInvalid)
	case e.Start.IsZero():
		return Editor{}, fmt.Errorf("%w: an editor needs a start date", ErrInvalid)
	case !e.End.IsZero() && dayText(e.End) < dayText(e.Start):
		return Editor{}, fmt.Errorf("%w: an editor cannot leave before they start", ErrInvalid)
	}
	var out Editor
	err = o.atomic(ctx, func(o *ops) error {
		if err := o.personOfTenant(ctx, e.TenantID, e.PersonID); err != nil {
			return err
		}
		now := timeText(o.now())
		var rows *sql.Rows
		if e.ID == 0 {
			rows, err = o.query(ctx, `INSERT INTO editors (tenant_id, person_id, role, journal, start_on, end_on, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING `+editorCols,
				e.TenantID, e.PersonID, e.Role, e.Journal, dayText(e.Start), dayText(e.End), now, now)
		} else {
			rows, err = o.query(ctx, `UPDATE editors SET person_id = ?, role = ?, journal = ?, start_on = ?, end_on = ?, updated_at = ?
				WHERE id = ? AND tenant_id = ? RETURNING `+editorCols,
				e.PersonID, e.Role, e.Journal, dayText(e.Start), dayText(e.End), now, e.ID, e.TenantID)
		}
		got, err := collect(rows, err, scanEditor)
		if err != nil {
			return dbErr(err, ErrNotFound)
		}
		if len(got) == 0 {
			return ErrNotFound
		}
		out = got[0]
		return nil
	})
	return out, err
}

// Editor reads a member of a tenant's board.
func (o *ops) Editor(ctx context.Context, tenantID, id int64) (_ Editor, err error) {
	defer wrap(&err, "editor %d of tenant %d", id, tenantID)
	e, err := scanEditor(o.queryRow(ctx, `SELECT `+editorCols+` FROM editors WHERE id = ? AND tenant_id = ?`, id, tenantID))
	return e, notFound(err)
}

// ListEditors lists a tenant's board, those serving first, then by start.
func (o *ops) ListEditors(ctx context.Context, tenantID int64) (_ []Editor, err error) {
	defer wrap(&err, "list editors of tenant %d", tenantID)
	rows, err := o.query(ctx, `SELECT `+editorCols+` FROM editors WHERE tenant_id = ?
		ORDER BY CASE WHEN end_on = '' THEN 0 ELSE 1 END, start_on, id LIMIT 2000`, tenantID)
	return collect(rows, err, scanEditor)
}
