package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/orcidlink/orcidlink/internal/orcid"
)

// Bringing existing connections (issue 17): what the store keeps for an
// import of tokens issued elsewhere to the same ORCID client, and for the
// iDs an old system collected without authenticating them.

// AdoptedWork is a person's work without a put-code whose twin (our
// client as source, a shared self identifier) is already on their record
// under PutCode.
type AdoptedWork struct {
	ItemID, PutCode int64
}

// AdoptWorks gives works their twins' put-codes, obtained through linkID,
// instead of letting them be POSTed a second time. What ORCID holds under
// the put-code may be older than the desired content (another system
// wrote it), so nothing is confirmed: a queued work is PUT next, which
// updates the twin in place; a pending one stays pending until its person
// is resumed. A work that meanwhile got a put-code, was claimed by a write
// (in flight) or was settled is left alone. It returns the works changed.
//
// The researcher's choices hold as for any other write (holdWhere): a PUT
// over a twin is orcidlink's first write of that content, so a work of a
// kind set to "never" is held back, and one set to "ask" waits for their
// approval (its confirmed_hash stays NULL until orcidlink wrote it).
func (o *ops) AdoptWorks(ctx context.Context, linkID int64, ws []AdoptedWork) (_ []Item, err error) {
	defer wrap(&err, "adopt %d works through link %d", len(ws), linkID)
	var out []Item
	err = o.atomic(ctx, func(o *ops) error {
		now := timeText(o.now())
		for _, w := range ws {
			if w.PutCode <= 0 {
				return fmt.Errorf("%w: put-code %d of item %d", ErrInvalid, w.PutCode, w.ItemID)
			}
			it, err := scanItem(o.queryRow(ctx, `UPDATE orcid_items SET put_code = ?, link_id = ?, confirmed_hash = NULL,
				call_open = 0, last_error = '', state = CASE WHEN state = 'pending' THEN state ELSE 'queued' END, updated_at = ?
				WHERE id = ? AND kind = ? AND put_code IS NULL AND state IN ('pending', 'queued', 'failed-retryable')
				RETURNING `+itemCols, w.PutCode, linkID, now, w.ItemID, string(orcid.KindWork)))
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
			if err != nil {
				return err
			}
			if it.State == ItemQueued {
				if err := o.holdByChoice(ctx, it.TenantID, it.PersonID, it.ID); err != nil {
					return err
				}
				if it, err = scanItem(o.queryRow(ctx, `SELECT `+itemCols+` FROM orcid_items WHERE id = ?`, it.ID)); err != nil {
					return err
				}
			}
			out = append(out, it)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// WorksToAdopt lists, in id order, up to limit works of a person that
// could be adopted: no put-code, and pending, queued or to be retried.
func (o *ops) WorksToAdopt(ctx context.Context, tenantID, personID int64, limit int) (_ []Item, err error) {
	defer wrap(&err, "works to adopt of person %d in tenant %d", personID, tenantID)
	rows, err := o.query(ctx, `SELECT `+itemCols+` FROM orcid_items
		WHERE person_id = ? AND tenant_id = ? AND kind = ? AND put_code IS NULL
		AND state IN ('pending', 'queued', 'failed-retryable') ORDER BY id LIMIT ?`,
		personID, tenantID, string(orcid.KindWork), limitOr(limit, 1000, 10000))
	return collect(rows, err, scanItem)
}

// ORCIDHint is an iD an old system collected for a person without ORCID's
// OAuth: shown as unconfirmed, used to ask the person to confirm it, and
// never taken for an authenticated iD (it is kept apart from orcid_links).
type ORCIDHint struct {
	PersonID int64
	TenantID int64
	ORCID    orcid.ID // bare iD
	Source   string   // where it came from, e.g. "import"
	// MismatchORCID is the iD the person authenticated when it differs
	// from ORCID (bare), and MismatchAt when: a flag for the administrator.
	MismatchORCID orcid.ID
	MismatchAt    time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

const hintCols = `person_id, tenant_id, orcid, source, mismatch_orcid, mismatch_at, created_at, updated_at`

func scanHint(r scanner) (ORCIDHint, error) {
	var h ORCIDHint
	err := r.Scan(&h.PersonID, &h.TenantID, &h.ORCID, &h.Source, nullable[orcid.ID]{&h.MismatchORCID},
		timeDest{&h.MismatchAt}, timeDest{&h.CreatedAt}, timeDest{&h.UpdatedAt})
	return h, err
}

// SetORCIDHint records (or replaces) the unconfirmed iD of a person of
// the tenant. id must be a valid bare iD (checksum included): ErrInvalid
// otherwise; a person not in the tenant is ErrNotFound. A replaced hint
// loses its mismatch flag.
func (o *ops) SetORCIDHint(ctx context.Context, h ORCIDHint) (_ ORCIDHint, err error) {
	defer wrap(&err, "set iD hint of person %d in tenant %d", h.PersonID, h.TenantID)
	if id, err := orcid.ParseID(string(h.ORCID)); err != nil || id != h.ORCID {
		return ORCIDHint{}, fmt.Errorf("%w: %q is not a bare iD", ErrInvalid, h.ORCID)
	}
	if h.Source == "" || len(h.Source) > 100 {
		return ORCIDHint{}, fmt.Errorf("%w: a hint needs a source of at most 100 bytes", ErrInvalid)
	}
	if err := CheckText("source", h.Source, false); err != nil {
		return ORCIDHint{}, err
	}
	var out ORCIDHint
	err = o.atomic(ctx, func(o *ops) error {
		if err := o.mustExist(ctx, "person", h.PersonID, `SELECT 1 FROM people WHERE id = ? AND tenant_id = ?`,
			h.PersonID, h.TenantID); err != nil {
			return err
		}
		now := timeText(o.now())
		var err error
		out, err = scanHint(o.queryRow(ctx, `INSERT INTO orcid_id_hints (person_id, tenant_id, orcid, source, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (person_id) DO UPDATE SET orcid = excluded.orcid, source = excluded.source,
				mismatch_orcid = CASE WHEN orcid_id_hints.orcid = excluded.orcid THEN orcid_id_hints.mismatch_orcid ELSE NULL END,
				mismatch_at = CASE WHEN orcid_id_hints.orcid = excluded.orcid THEN orcid_id_hints.mismatch_at ELSE NULL END,
				updated_at = excluded.updated_at
			RETURNING `+hintCols, h.PersonID, h.TenantID, string(h.ORCID), h.Source, now, now))
		return err
	})
	return out, err
}

// ORCIDHintOf is a person's unconfirmed iD; ErrNotFound when none.
func (o *ops) ORCIDHintOf(ctx context.Context, tenantID, personID int64) (_ ORCIDHint, err error) {
	defer wrap(&err, "iD hint of person %d in tenant %d", personID, tenantID)
	h, err := scanHint(o.queryRow(ctx, `SELECT `+hintCols+` FROM orcid_id_hints WHERE tenant_id = ? AND person_id = ?`,
		tenantID, personID))
	return h, notFound(err)
}

// DeleteORCIDHint forgets a person's unconfirmed iD (an administrator
// cleared it, or it was confirmed). No hint is not an error.
func (o *ops) DeleteORCIDHint(ctx context.Context, tenantID, personID int64) (err error) {
	defer wrap(&err, "delete iD hint of person %d in tenant %d", personID, tenantID)
	_, err = o.exec(ctx, `DELETE FROM orcid_id_hints WHERE tenant_id = ? AND person_id = ?`, tenantID, personID)
	return err
}

// HintOutcome is what a connection did to a person's hint.
type HintOutcome int

const (
	// HintNone: the person had no hint.
	HintNone HintOutcome = iota
	// HintConfirmed: the person authenticated the iD of the hint, which is
	// then forgotten (the link holds the iD now).
	HintConfirmed
	// HintMismatch: the person authenticated another iD; the hint stays,
	// flagged with that iD, for the administrator.
	HintMismatch
)

// SettleORCIDHint compares a person's hint with the iD they just
// authenticated (bare), in the connection's transaction: the same iD
// forgets the hint, another flags it. The link is never changed: ORCID's
// answer is what counts.
func (o *ops) SettleORCIDHint(ctx context.Context, tenantID, personID int64, authenticated orcid.ID) (_ HintOutcome, _ ORCIDHint, err error) {
	defer wrap(&err, "settle iD hint of person %d in tenant %d", personID, tenantID)
	h, err := scanHint(o.queryRow(ctx, `SELECT `+hintCols+` FROM orcid_id_hints WHERE tenant_id = ? AND person_id = ?`,
		tenantID, personID))
	if errors.Is(err, sql.ErrNoRows) {
		return HintNone, ORCIDHint{}, nil
	}
	if err != nil {
		return HintNone, ORCIDHint{}, err
	}
	if h.ORCID == authenticated {
		_, err := o.exec(ctx, `DELETE FROM orcid_id_hints WHERE person_id = ?`, personID)
		return HintConfirmed, h, err
	}
	now := timeText(o.now())
	h, err = scanHint(o.queryRow(ctx, `UPDATE orcid_id_hints SET mismatch_orcid = ?, mismatch_at = ?, updated_at = ?
		WHERE person_id = ? RETURNING `+hintCols, string(authenticated), now, now, personID))
	return HintMismatch, h, err
}

// HintMismatches lists, newest first, up to limit hints of a tenant whose
// person authenticated another iD: for the administrator to look at.
func (o *ops) HintMismatches(ctx context.Context, tenantID int64, limit int) (_ []ORCIDHint, err error) {
	defer wrap(&err, "iD hint mismatches of tenant %d", tenantID)
	rows, err := o.query(ctx, `SELECT `+hintCols+` FROM orcid_id_hints WHERE tenant_id = ? AND mismatch_orcid IS NOT NULL
		ORDER BY mismatch_at DESC, person_id LIMIT ?`, tenantID, limitOr(limit, 50, 500))
	return collect(rows, err, scanHint)
}

// The tokens of a connections batch file wait in its rows (batch_rows.data)
// between the upload and the import: they are sealed there like any other
// token, bound to the batch, row and column, and the import removes them
// from the row (SetBatchRowData) once used. A row with problems keeps none.

// sealedPrefix marks a sealed value in a batch row.
const sealedPrefix = "sealed:"

func batchSecretAAD(batchID int64, row int, column string) []byte {
	return []byte("batch_rows/" + strconv.FormatInt(batchID, 10) + "/" + strconv.Itoa(row) + "/" + column)
}

// SealBatchSecret seals a secret value of a batch row for storing in it.
func (o *ops) SealBatchSecret(batchID int64, row int, column, value string) (string, error) {
	ring, err := o.sealer()
	if err != nil {
		return "", fmt.Errorf("store: seal batch %d row %d: %w", batchID, row, err)
	}
	return sealedPrefix + base64.RawStdEncoding.EncodeToString(ring.Seal([]byte(value), batchSecretAAD(batchID, row, column))), nil
}

// OpenBatchSecret opens what SealBatchSecret sealed for the same batch,
// row and column.
func (o *ops) OpenBatchSecret(batchID int64, row int, column, sealed string) (string, error) {
	raw, ok := strings.CutPrefix(sealed, sealedPrefix)
	b, err := base64.RawStdEncoding.DecodeString(raw)
	if !ok || err != nil {
		return "", fmt.Errorf("store: batch %d row %d: %s is not sealed", batchID, row, column)
	}
	ring, err := o.sealer()
	if err != nil {
		return "", fmt.Errorf("store: open batch %d row %d: %w", batchID, row, err)
	}
	plain, err := ring.Open(b, batchSecretAAD(batchID, row, column))
	if err != nil {
		return "", fmt.Errorf("store: open batch %d row %d %s: %w", batchID, row, column, err)
	}
	return string(plain), nil
}

// SetBatchRowData replaces the stored values of a batch row (data, a JSON
// object): the import of a connections file removes the row's tokens.
func (o *ops) SetBatchRowData(ctx context.Context, batchID int64, row int, data []byte) (err error) {
	defer wrap(&err, "set data of batch %d row %d", batchID, row)
	return affected(o.exec(ctx, `UPDATE batch_rows SET data = ? WHERE batch_id = ? AND row_num = ?`, string(data), batchID, row))
}
