package sandbox

import (
	"context"
	"fmt"
	"time"
)

// stateUpdate is one change of a record's state, applied in a single
// transaction with what ORCID does alongside it.
type stateUpdate struct {
	ORCID           string
	State           RecordState
	PrimaryORCID    string
	CreatedByClient string
	At              time.Time
	// Clear empties the record as ORCID's ProfileEntityManagerImpl.clearRecord
	// does on deprecation and deactivation.
	Clear bool
	// RevokeReason, when set, disables every token of the record
	// (deactivation: RECORD_DEACTIVATED).
	RevokeReason string
	// EndSessions signs the researcher out everywhere: the state no longer
	// lets them sign in.
	EndSessions bool
}

// Names ORCID writes over a cleared record (clearRecord).
const (
	clearedGivenNames  = "Given Names Deactivated"
	clearedFamilyNames = "Family Name Deactivated"
)

func (s *store) ApplyState(ctx context.Context, u stateUpdate) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE researchers SET state = ?, primary_orcid = ?, state_changed_at = ?,
		created_by_client = ?, modified_at = ? WHERE orcid = ?`,
		string(u.State), u.PrimaryORCID, unix(u.At), u.CreatedByClient, unix(u.At), u.ORCID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("researcher %s: %w", u.ORCID, ErrNotFound)
	}
	if u.Clear {
		if _, err := tx.ExecContext(ctx, `DELETE FROM items WHERE orcid = ?`, u.ORCID); err != nil {
			return err
		}
		// Names become ORCID's placeholders (public), the biography goes,
		// and the default visibility becomes private.
		if _, err := tx.ExecContext(ctx, `UPDATE researchers SET given_names = ?, family_names = ?, credit_name = '',
			names_visibility = 'public', biography = '', default_visibility = 'private' WHERE orcid = ?`,
			clearedGivenNames, clearedFamilyNames, u.ORCID); err != nil {
			return err
		}
	}
	if u.RevokeReason != "" {
		if _, err := tx.ExecContext(ctx, `UPDATE tokens SET revoked_at = ?, revoke_reason = ?
			WHERE orcid = ? AND revoked_at IS NULL`, unix(u.At), u.RevokeReason, u.ORCID); err != nil {
			return err
		}
	}
	if u.EndSessions {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE orcid = ?`, u.ORCID); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// researcherSettings are what the researcher changes on the account page
// (and the control API): names, biography and visibility preferences.
type researcherSettings struct {
	CreditName        string
	Biography         string
	DefaultVisibility string
	NamesVisibility   string
}

func (s *store) UpdateResearcherSettings(ctx context.Context, orcid string, in researcherSettings, now time.Time) error {
	res, err := s.db.ExecContext(ctx, `UPDATE researchers SET credit_name = ?, biography = ?, default_visibility = ?,
		names_visibility = ?, modified_at = ? WHERE orcid = ?`,
		in.CreditName, in.Biography, in.DefaultVisibility, in.NamesVisibility, unix(now), orcid)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("researcher %s: %w", orcid, ErrNotFound)
	}
	return nil
}

// DeleteResearcher removes a record and everything hanging off it; only
// used to undo a creation that failed half-way.
func (s *store) DeleteResearcher(ctx context.Context, orcid string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM researchers WHERE orcid = ?`, orcid)
	return err
}
